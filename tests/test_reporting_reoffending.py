"""Re-offending per offender and the cohort rate (docs/measures.md), on known answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.config import get_settings
from linkwatch.reporting import histories, reoffending, report_row
from linkwatch.reporting.measures import Period
from linkwatch.schemas import ReportAdapter

A = {"role": "suspect", "name": "Amy Again", "dob": "1995-05-05"}
B = {"role": "offender", "name": "Ben Once", "dob": "1988-08-08"}
C = {"role": "suspect", "name": "Cal Later", "dob": "2001-01-01", "entity_id": "E-C"}


@pytest.fixture(autouse=True)
def _fresh_settings():  # type: ignore[no-untyped-def]
    """The CLI reads the cached settings: never let one test's environment leak to another."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _raw() -> list[dict]:  # type: ignore[type-arg]
    def rep(rid: str, day: str, *persons: dict) -> dict:  # type: ignore[type-arg]
        return {"report_id": rid, "kind": "incident", "reported_at": f"{day}T10:00:00+00:00",
                "incident": {"category": "shoplifting"},
                "persons": [dict(p, person_ref=f"s{i}") for i, p in enumerate(persons)]}
    return [rep("R1", "2026-01-01", A), rep("R2", "2026-01-05", B),
            rep("R3", "2026-01-20", A, {"role": "victim", "name": "Vic"}),
            rep("R4", "2026-03-15", A),                 # 73 days after A's index offence
            rep("R5", "2026-06-01", C), rep("R6", "2026-06-10", C),
            rep("R7", "2026-06-30", {"role": "witness", "name": "Wit Ness"})]


def rows():  # type: ignore[no-untyped-def]
    return [report_row(ReportAdapter.validate_python(r)) for r in _raw()]


def test_histories_first_last_interval() -> None:
    hist = histories(rows())
    assert len(hist) == 3   # the victim and the witness are not offenders
    amy = next(h for h in hist.values() if h.count == 3)
    assert [rid for _, rid in amy.offences] == ["R1", "R3", "R4"]
    assert amy.interval_days == 73.0 and amy.mean_gap_days == 36.5   # 1 Jan -> 15 Mar
    assert hist["E-C"].count == 2 and hist["E-C"].interval_days == 9.0  # resolved id kept


def test_rate_over_a_window() -> None:
    # window 30 days, data to 30 Jun: A (1 Jan) re-offends 20 Jan (R4 is outside the window);
    # B (5 Jan) does not; C (1 Jun) would, but 1 Jun + 30 > 30 Jun: follow-up incomplete
    r = reoffending(rows(), window_days=30)
    assert r["complete_follow_up"] == {"cohort": 2, "reoffenders": 1, "rate": 0.5,
                                       "reoffences": 1, "frequency": 0.5, "per_reoffender": 1.0}
    assert r["incomplete_follow_up"] == 1
    assert r["all"]["cohort"] == 3 and r["all"]["reoffenders"] == 2 and r["rate_all"] == 0.6667
    assert [h["offences"] for h in r["repeat_offenders"]] == [3, 2]
    # window 90: A's R3 and R4 both count; cohort of January only
    jan = reoffending(rows(), 90, Period(date(2026, 1, 1), date(2026, 1, 31)),
                      data_end=datetime(2026, 12, 31, tzinfo=UTC))
    assert jan["complete_follow_up"]["cohort"] == 2
    assert jan["complete_follow_up"]["reoffences"] == 2 and jan["rate"] == 0.5


def test_cli_reoffending(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _raw()))
    run = CliRunner().invoke(app, ["report", "reoffending", "--window-days", "30", "-i", str(path),
                                   "--format", "json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["rate"] == 0.5
    run = CliRunner().invoke(app, ["report", "reoffending", "--window-days", "30", "-i", str(path)])
    assert run.exit_code == 0, run.stdout
    assert "| E-C | 2 | 2026-06-01 | 2026-06-10 | 9 |" in run.stdout, run.stdout
