"""Entity resolution in the running pipeline: one person spelled two ways is one
entity, two John Smiths are two, and `linkwatch entities` explains and dumps it."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from kafka_helpers import collect
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_persons_resolve_across_reports_and_the_cli_shows_why(
        lw_env, report_factory, person_factory, tmp_path: Path) -> None:
    env = lw_env()
    env.start_worker()
    people: list[tuple[str, dict[str, Any]]] = [
        ("R-A", {"name": "Jon Smyth", "dob": "1999-04-03", "postcode": "CV11 4AB"}),
        ("R-B", {"given_name": "Jonathan", "family_name": "Smith", "dob": "1999-04-03",
                 "phones": ["07700 900123"]}),
        ("R-C", {"name": "John Smith", "dob": "1980-01-01", "postcode": "B6 5RQ"}),
        ("R-D", {"name": "John Smith", "dob": "1975-09-30", "postcode": "B6 5RQ"}),
    ]
    reports = [report_factory("incident", report_id=rid, incident={"category": "burglary"},
                              persons=[person_factory("v1", **{"name": None, **p})])
               for rid, p in people]
    asyncio.run(send_reports(env.settings, reports))
    asyncio.run(collect(env.settings, "linkwatch.entities", lambda e: len(e) >= 4, 90))
    environ = {**os.environ, **env.vars}
    dump = tmp_path / "entities.jsonl"
    result = CliRunner().invoke(app, ["entities", "--dump", str(dump), "--operator", "analyst-2"],
                                env=environ)
    assert result.exit_code == 0, result.output
    rows = {r["report_id"]: r["entity_id"] for r in map(json.loads, dump.read_text().splitlines())}
    assert set(rows) == {"R-A", "R-B", "R-C", "R-D"}
    assert rows["R-A"] == rows["R-B"], rows          # Jon Smyth == Jonathan Smith, same dob
    assert len({rows["R-A"], rows["R-C"], rows["R-D"]}) == 3, rows  # different dobs: different
    shown = CliRunner().invoke(app, ["entities", "--report", "R-B"], env=environ)
    assert shown.exit_code == 0 and rows["R-B"] in shown.output and "joined" in shown.output
    missing = CliRunner().invoke(app, ["entities", "--report", "NOPE"], env=environ)
    assert missing.exit_code == 1 and "no resolutions" in missing.output
