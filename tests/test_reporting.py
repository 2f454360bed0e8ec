"""Issue 9 measures: figures checked against counts made independently in the test, on the
real data.police.uk sample (West Yorkshire, July 2018) and on a small synthetic set."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.config import get_settings
from linkwatch.reporting import outcomes, render_html, render_markdown, report_row
from linkwatch.reporting.measures import Period
from linkwatch.reporting.sources import rows_from_files
from linkwatch.schemas import ReportAdapter

SAMPLE = (Path(__file__).resolve().parents[2]
          / "shared" / "data" / "2018-07-west-yorkshire-street.csv")
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="shared/data not beside the checkout")
WY = "West Yorkshire Police"


@pytest.fixture(autouse=True)
def _fresh_settings():  # type: ignore[no-untyped-def]
    """The CLI reads the cached settings: never let one test's environment leak to another."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def sample_counts() -> Counter[str]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        return Counter(row["Crime type"] for row in csv.DictReader(fh))


@pytest.fixture(scope="module")
def sample_rows():  # type: ignore[no-untyped-def]
    return rows_from_files([SAMPLE])


def test_period_and_previous() -> None:
    july = Period(date(2018, 7, 1), date(2018, 7, 31))
    assert july.days == 31
    assert july.previous() == Period(date(2018, 5, 31), date(2018, 6, 30))  # 31 days before


@needs_sample
def test_real_sample_counts_match_the_csv(sample_counts, sample_rows) -> None:
    assert not sample_rows.rejected, sample_rows.rejected[:3]
    result = outcomes(sample_rows.rows, None, None, date(2018, 7, 1), date(2018, 7, 31), WY)
    cur = result.current
    total = sum(sample_counts.values())
    assert cur.reports == total == 31_635, (cur.reports, total)
    assert cur.crimes == total - sample_counts["Anti-social behaviour"] == 26_193
    slugs = {"Violence and sexual offences": "violent-crime", "Drugs": "drugs",
             "Possession of weapons": "possession-of-weapons", "Burglary": "burglary",
             "Robbery": "robbery", "Shoplifting": "shoplifting"}
    for label, slug in slugs.items():
        assert cur.by_category[slug]["count"] == sample_counts[label], (label, cur.by_category)
    # police.uk gives only the category, so each weighs its category default (domain.md s.2):
    # violence 10358 x 10 = 103580; weapons 226 x 274 = 61924; robbery 327 x 365 = 119355
    assert cur.violence_and_sexual_offences == {
        "count": sample_counts["Violence and sexual offences"],
        "harm": sample_counts["Violence and sexual offences"] * 10.0}
    assert cur.possession_of_weapons == {"count": sample_counts["Possession of weapons"],
                                         "harm": sample_counts["Possession of weapons"] * 274.0}
    assert cur.by_category["robbery"]["harm"] == sample_counts["Robbery"] * 365.0
    # no injury, HO code, weapon or marker in the CSV: none can be called serious/knife/homicide
    assert cur.serious_violence["count"] == cur.knife_crime["count"] == cur.homicide["count"] == 0
    assert cur.outside == {"known": 0, "outside": 0, "share": None, "forces": {}}
    assert result.previous.reports == 0 and cur.networks is None and cur.safeguarding is None
    rows = {r["key"]: r for r in result.headline_rows()}
    assert rows["crimes"]["change"] is None  # nothing before July in the file: no change shown


@needs_sample
def test_real_sample_cli_json_and_html(sample_counts, tmp_path: Path) -> None:
    runner = CliRunner()
    run = runner.invoke(app, ["report", "outcomes", "--from", "2018-07-01", "--to", "2018-07-31",
                              "--input", str(SAMPLE), "--force", WY, "--format", "json"])
    assert run.exit_code == 0, run.output
    body = json.loads(run.stdout)
    assert body["current"]["reports"] == sum(sample_counts.values())
    assert body["current"]["by_category"]["drugs"]["count"] == sample_counts["Drugs"]
    out = tmp_path / "o.html"
    run = runner.invoke(app, ["report", "outcomes", "--from", "2018-07-01", "--to", "2018-07-31",
                              "-i", str(SAMPLE), "--force", WY, "-F", "html", "-o", str(out)])
    assert run.exit_code == 0, run.output
    page = out.read_text()
    assert page.count("<svg") == 3 and page.count("OFFICIAL-SENSITIVE") >= 2
    assert f"{sample_counts['Violence and sexual offences']:,}" in page
    assert "http://" not in page.split("<svg")[0]  # no external resources before the plots


# -- a small synthetic set with known answers ----------------------------------------------

def _r(rid: str, when: str, category: str = "burglary", persons=(), **extra):  # type: ignore[no-untyped-def]
    return {"report_id": rid, "kind": extra.pop("kind", "incident"),
            "reported_at": f"{when}T12:00:00+00:00", "force": "Warwickshire Police",
            "incident": {"category": category, **extra.pop("incident", {})},
            "persons": list(persons), **extra}


BRUM = {"role": "suspect", "name": "Dan Runner", "dob": "1999-03-04", "postcode": "B6 5RQ"}
LOCAL = {"role": "suspect", "name": "Sam Local", "dob": "1990-01-01", "postcode": "CV11 4AB"}
VIC = {"role": "victim", "name": "Val Victim", "dob": "1970-02-02", "postcode": "CV10 7PD"}


def synthetic() -> list:  # type: ignore[type-arg]
    raw = [
        # November (current): 2 knife violence, 1 homicide, 1 burglary, 1 fraud
        _r("K1", "2026-11-02", "violent-crime", [dict(BRUM, person_ref="s1")],
           incident={"weapons": ["knife"], "injury": "serious"}),
        _r("K2", "2026-11-05", "robbery", [dict(BRUM, person_ref="s1"), dict(VIC, person_ref="v1")],
           markers=["knife"]),
        _r("H1", "2026-11-09", "violent-crime", [dict(LOCAL, person_ref="s1")],
           incident={"injury": "fatal"}),
        _r("B1", "2026-11-20", "burglary", [dict(VIC, person_ref="v1"),
                                           dict(LOCAL, person_ref="s1")]),
        {"report_id": "F1", "kind": "fraud", "reported_at": "2026-11-21T09:00:00+00:00",
         "persons": [{"person_ref": "v1", "role": "victim", "name": "Fay Fraud"},
                     {"person_ref": "v2", "role": "victim", "name": "Fred Fraud"}]},
        # October (previous): 1 knife possession, 1 burglary
        _r("P1", "2026-10-10", "possession-of-weapons", [dict(LOCAL, person_ref="s1")],
           incident={"ho_code": "10D"}),
        _r("B0", "2026-10-20", "burglary"),
    ]
    return [report_row(ReportAdapter.validate_python(r)) for r in raw]


ALERTS = [  # v1 in November with 2 persons; v2 adds a third; an OCG in October
    {"alert_id": "A1", "version": 1, "type": "county_lines",
     "created_at": "2026-11-03T00:00:00+00:00",
     "updated_at": "2026-11-03T00:00:00+00:00",
     "entities": [{"entity_id": "person:E1", "kind": "person", "label": "x"},
                  {"entity_id": "person:E2", "kind": "person", "label": "y"},
                  {"entity_id": "phone:+447700900417", "kind": "phone", "label": "z"}]},
    {"alert_id": "A1", "version": 2, "type": "county_lines",
     "created_at": "2026-11-03T00:00:00+00:00",
     "updated_at": "2026-11-10T00:00:00+00:00",
     "entities": [{"entity_id": f"person:E{i}", "kind": "person", "label": "x"}
                  for i in (1, 2, 3)]},
    {"alert_id": "A2", "version": 1, "type": "ocg", "created_at": "2026-10-03T00:00:00+00:00",
     "updated_at": "2026-10-03T00:00:00+00:00",
     "entities": [{"entity_id": f"person:E{i}", "kind": "person", "label": "x"} for i in range(4)]},
]
REFERRALS = [
    {"referral_id": "R1", "report_id": "F1", "person_ref": "v1", "service": "fraud_victim_support",
     "status": "active", "created_at": "2026-11-21T09:00:00+00:00",
     "due_by": "2026-11-25T09:00:00+00:00", "published_at": "2026-11-21T09:00:05+00:00"},
    {"referral_id": "R2", "report_id": "F1", "person_ref": "v2", "service": "fraud_victim_support",
     "status": "active", "created_at": "2026-11-21T09:00:00+00:00",
     "due_by": "2026-11-25T09:00:00+00:00", "published_at": "2026-11-27T10:00:00+00:00"},
    {"referral_id": "R3", "report_id": "X", "person_ref": "v1", "service": "nrm",
     "status": "active", "created_at": "2026-11-04T00:00:00+00:00",
     "due_by": "2026-11-06T00:00:00+00:00"},
    {"referral_id": "R4", "report_id": "X", "person_ref": "v1", "service": "childrens_social_care",
     "status": "active", "created_at": "2026-11-04T00:00:00+00:00",
     "due_by": "2026-11-06T00:00:00+00:00"},
    {"referral_id": "R4", "report_id": "X", "person_ref": "v1", "service": "childrens_social_care",
     "status": "cancelled", "created_at": "2026-11-04T00:00:00+00:00",
     "due_by": "2026-11-06T00:00:00+00:00"},
]


def test_synthetic_measures_have_known_answers() -> None:
    result = outcomes(synthetic(), ALERTS, REFERRALS, date(2026, 11, 1), date(2026, 11, 30),
                      "Warwickshire Police")
    cur, prev = result.current, result.previous
    assert prev.period == Period(date(2026, 10, 2), date(2026, 10, 31))
    assert (cur.reports, prev.reports) == (5, 2)
    # K1: serious injury 365; K2: robbery 365 with a knife -> serious; H1: fatal 5475
    assert cur.serious_violence == {"count": 3, "harm": 365 + 365 + 5475}
    assert cur.knife_crime == {"count": 2, "harm": 730}
    assert cur.homicide == {"count": 1, "harm": 5475}
    assert prev.knife_crime == {"count": 1, "harm": 274}   # P1: HO 10D blade or point
    # suspects with a known home: K1, K2 (B6: West Midlands), H1, B1 (CV11: Warwickshire)
    assert cur.outside == {"known": 4, "outside": 2, "share": 0.5, "forces": {"West Midlands": 2}}
    assert cur.repeat_victims["repeat"] == 1      # Val Victim in K2 and B1
    assert cur.repeat_offenders["repeat"] == 2    # Dan Runner K1+K2; Sam Local H1+B1
    assert cur.networks is not None and prev.networks is not None
    assert cur.networks["county_lines"] == {"count": 1, "persons": 3, "mean_size": 3.0,
                                            "max_size": 3}
    assert cur.networks["ocg"]["count"] == 0 and prev.networks["ocg"]["persons"] == 4
    assert cur.safeguarding == {"nrm": 1, "ms1_duty_to_notify": 0, "childrens_social_care": 0,
                                "total": 1}            # R4 was cancelled
    assert cur.fraud_cyber == {"victims": 2, "referred": 2, "referred_share": 1.0, "timed": 2,
                               "on_time": 1, "on_time_share": 0.5}   # R2 published after due_by
    rows = {r["key"]: r for r in result.headline_rows()}
    assert rows["knife_crime.count"]["change"] == 1 and rows["knife_crime.count"]["better"] is False
    md = render_markdown(result)
    assert "| Knife crime | 2 | 1 | +1 (worse) |" in md, md
    assert "| Share of referrals on time | 50.0% |" in md
    page = render_html(result, title="Test <report>")
    assert "Test &lt;report&gt;" in page and page.count("<svg") == 3


def test_alerts_and_referrals_unknown_are_not_zero() -> None:
    result = outcomes(synthetic(), None, None, date(2026, 11, 1), date(2026, 11, 30),
                      "Warwickshire")
    rows = {r["key"]: r for r in result.headline_rows()}
    assert rows["networks.county_lines.count"]["current"] is None
    assert rows["safeguarding.nrm"]["current"] is None
