"""``due_by``: 2 working days after ``reported_at`` (Victims' Code Right 4), England and Wales
bank holidays from the ``holidays`` package, weekends skipped, London wall-clock time kept."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from linkwatch.rules.referrals import DecisionContext, VictimHistory, decide, working_days_after
from linkwatch.schemas import ReportAdapter

LONDON = ZoneInfo("Europe/London")

CASES = [
    # Thu 2026-12-24: Fri 25 Christmas, Sat 26 Boxing Day, Sun 27, Mon 28 Boxing Day (substitute);
    # Tue 29 = day 1, Wed 30 = day 2
    ("2026-12-24T10:00:00+00:00", "2026-12-30T10:00:00+00:00"),
    # Fri 2027-12-24: Sat 25/Sun 26, Mon 27 + Tue 28 substitutes; Wed 29 = 1, Thu 30 = 2
    ("2027-12-24T09:15:00+00:00", "2027-12-30T09:15:00+00:00"),
    # Thu 2026-04-02: Good Friday 3, weekend, Easter Monday 6; Tue 7 = 1, Wed 8 = 2 (BST kept)
    ("2026-04-02T14:00:00+01:00", "2026-04-08T14:00:00+01:00"),
    # Sat 2026-05-02: Sun, Mon 4 early May bank holiday; Tue 5 = 1, Wed 6 = 2
    ("2026-05-02T11:00:00+01:00", "2026-05-06T11:00:00+01:00"),
    # ordinary Monday: Tue = 1, Wed = 2
    ("2026-11-23T08:00:00+00:00", "2026-11-25T08:00:00+00:00"),
    # Fri 23:30 UTC is Sat 00:30 BST: the London date counts; clocks go back Sun 25 Oct;
    # Mon 26 = 1, Tue 27 = 2, still 00:30 on the London clock (now GMT)
    ("2026-10-23T23:30:00+00:00", "2026-10-27T00:30:00+00:00"),
]


@pytest.mark.parametrize(("reported", "due"), CASES)
def test_working_days_after(reported, due):
    got = working_days_after(datetime.fromisoformat(reported), 2)
    assert got == datetime.fromisoformat(due), got.isoformat()
    assert got.tzinfo is not None


def test_decide_uses_working_days():
    report = ReportAdapter.validate_python({
        "report_id": "RMS-XMAS", "kind": "incident", "reported_at": "2026-12-24T10:00:00",
        "persons": [{"person_ref": "v1", "role": "victim", "name": "Jo Synthetic", "age": 30}],
    })  # naive time: read as Europe/London (GMT in December)
    (d,) = decide(report, report.persons[0], DecisionContext(history=VictimHistory(0)))
    assert d.referral is not None
    assert d.referral.due_by == datetime(2026, 12, 30, 10, tzinfo=LONDON), d.referral.due_by
    assert d.referral.created_at == report.reported_at
