"""Year-on-year outcomes (issue 22): ``--compare year|previous`` (default: the year before when
it holds data), a plain note when the comparison period is empty, the Markdown report's charts
as PNG files beside it, and a monthly trend when the period spans months. Synthetic two-year
data with counts known by construction (runs without shared/data)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.reporting import outcomes, render_html, render_markdown, report_row
from linkwatch.reporting.measures import Period
from linkwatch.reporting.render import charts, write_markdown
from linkwatch.schemas import ReportAdapter

FORCE = "Warwickshire Police"
# (month, burglaries, violent crimes): two Julys a year apart, and June..August 2026
PLAN = {"2025-07": (6, 2), "2025-08": (3, 1), "2026-06": (4, 4), "2026-07": (2, 5),
        "2026-08": (1, 1)}


def _report(rid: str, day: str, category: str) -> dict:
    return {"report_id": rid, "kind": "incident", "reported_at": f"{day}T12:00:00+00:00",
            "force": FORCE, "incident": {"category": category}, "persons": []}


def raw_reports() -> list[dict]:
    out = []
    for month, (burglary, violence) in PLAN.items():
        for i in range(burglary):
            out.append(_report(f"B-{month}-{i}", f"{month}-{10 + i:02d}", "burglary"))
        for i in range(violence):
            out.append(_report(f"V-{month}-{i}", f"{month}-{2 + i:02d}", "violent-crime"))
    return out


@pytest.fixture(scope="module")
def rows() -> list:  # type: ignore[type-arg]
    return [report_row(ReportAdapter.validate_python(r)) for r in raw_reports()]


JULY_2026 = (date(2026, 7, 1), date(2026, 7, 31))


def test_periods() -> None:
    july = Period(*JULY_2026)
    assert july.year_before() == Period(date(2025, 7, 1), date(2025, 7, 31))
    assert Period(date(2024, 2, 29), date(2024, 3, 1)).year_before() == Period(
        date(2023, 2, 28), date(2023, 3, 1))
    assert [(m.start.isoformat(), m.end.isoformat()) for m in
            Period(date(2026, 6, 15), date(2026, 8, 10)).months()] == [
        ("2026-06-15", "2026-06-30"), ("2026-07-01", "2026-07-31"), ("2026-08-01", "2026-08-10")]
    assert len(july.months()) == 1


def test_default_compares_with_the_year_before_when_it_has_data(rows) -> None:
    result = outcomes(rows, None, None, *JULY_2026, FORCE)
    assert result.comparison == "year" and result.comparable
    assert result.previous.period == Period(date(2025, 7, 1), date(2025, 7, 31))
    assert result.current.reports == 7 and result.previous.reports == 8
    assert result.current.by_category["burglary"]["count"] == 2
    assert result.previous.by_category["burglary"]["count"] == 6
    crime = next(r for r in result.headline_rows() if r["key"] == "crimes")
    assert crime["change"] == -1 and crime["better"] is True
    assert result.comparison_note() is None


def test_previous_on_request(rows) -> None:
    result = outcomes(rows, None, None, *JULY_2026, FORCE, compare="previous")
    assert result.comparison == "previous"
    assert result.previous.period == Period(date(2026, 5, 31), date(2026, 6, 30))
    assert result.previous.reports == 8  # June 2026: 4 + 4


def test_default_falls_back_to_the_period_before_without_last_year(rows) -> None:
    later = [r for r in rows if r.at.year == 2026]
    result = outcomes(later, None, None, *JULY_2026, FORCE)
    assert result.comparison == "previous" and result.previous.reports == 8


def test_says_plainly_when_the_comparison_period_has_no_data(rows) -> None:
    only_july = [r for r in rows if r.at.strftime("%Y-%m") == "2026-07"]
    for compare in ("year", "previous", None):
        result = outcomes(only_july, None, None, *JULY_2026, FORCE, compare=compare)
        assert not result.comparable
        note = result.comparison_note()
        assert note and "No reports in the comparison period" in note
        assert result.previous.period.label() in note
        assert all(r["change"] is None for r in result.headline_rows())
        assert note in render_markdown(result)
        assert note in render_html(result)
        assert json.loads(json.dumps(result.as_dict(), default=str))["comparison_note"] == note
    with pytest.raises(ValueError, match="compare"):
        outcomes(rows, None, None, *JULY_2026, FORCE, compare="quarter")


def test_monthly_trend_when_the_period_spans_months(rows) -> None:
    result = outcomes(rows, None, None, date(2026, 7, 1), date(2026, 8, 31), FORCE)
    assert result.comparison == "year"
    assert result.trend is not None and result.trend_compared is not None
    assert [(m["month"], m["crimes"]) for m in result.trend] == [("2026-07", 7), ("2026-08", 2)]
    assert [(m["month"], m["crimes"]) for m in result.trend_compared] == [
        ("2025-07", 8), ("2025-08", 4)]
    assert [slug for slug, _t, _f in charts(result)][-1] == "trend"
    single = outcomes(rows, None, None, *JULY_2026, FORCE)
    assert single.trend is None and "trend" not in [slug for slug, _t, _f in charts(single)]
    text = render_markdown(result)
    assert "## Month by month" in text and "| 2026-08 | 2 | 2 |" in text


def _png_links(markdown: str) -> list[str]:
    return re.findall(r"!\[[^\]]+\]\(([^)]+)\)", markdown)


def test_markdown_gets_the_html_charts_as_png_files_beside_it(rows, tmp_path: Path) -> None:
    result = outcomes(rows, None, None, date(2026, 6, 1), date(2026, 8, 31), FORCE)
    written = write_markdown(result, tmp_path / "report" / "outcomes.md")
    md = (tmp_path / "report" / "outcomes.md").read_text()
    links = _png_links(md)
    page = render_html(result)
    assert len(links) == page.count("<svg") == 4  # violence, categories, harm, trend
    for link in links:
        assert "/" not in link and link.endswith(".png")  # relative, beside the report
        image = tmp_path / "report" / link
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 2000
    assert sorted(p.name for p in written[1:]) == sorted(links)
    assert "## Charts" in md and "Month by month" in md


def test_cli_compare_and_markdown_charts(rows, tmp_path: Path) -> None:
    data = tmp_path / "reports.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in raw_reports()))
    out = tmp_path / "out" / "july.md"
    run = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-07-01", "--to",
                                   "2026-07-31", "-i", str(data), "--force", FORCE,
                                   "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "compared with 2025-07-01 to 2025-07-31 (the same period a year before)" in run.output
    md = out.read_text()
    assert "against 2025-07-01 to 2025-07-31 (the same period a year before)" in md
    assert len(_png_links(md)) == 3 and all((out.parent / p).is_file() for p in _png_links(md))

    run = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-07-01", "--to",
                                   "2026-07-31", "-i", str(data), "--force", FORCE,
                                   "--compare", "previous", "-F", "json"])
    assert run.exit_code == 0, run.output
    body = json.loads(run.stdout)
    assert body["comparison"] == "previous" and body["previous"]["reports"] == 8

    empty = CliRunner().invoke(app, ["report", "outcomes", "--from", "2030-07-01", "--to",
                                     "2030-07-31", "-i", str(data), "--force", FORCE,
                                     "-F", "json"])
    assert empty.exit_code == 0, empty.output
    assert "No reports in the comparison period" in empty.stderr
    assert json.loads(empty.stdout)["comparable"] is False

    bad = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-07-01", "--to",
                                   "2026-07-31", "-i", str(data), "--compare", "quarter"])
    assert bad.exit_code == 2
