"""`linkwatch ingest`: JSONL routed by kind, police.uk CSV rows as incidents,
unroutable lines reported with their line numbers, everything else on the broker."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import police_uk_row_to_report, read_reports
from linkwatch.schemas import ReportAdapter

SHARED = Path(__file__).parents[2] / "shared" / "data" / "2018-07-west-yorkshire-street.csv"


def police_uk_sample(tmp_path: Path, rows: int = 40) -> Path:
    out = tmp_path / "street.csv"
    with SHARED.open(newline="", encoding="utf-8") as src, out.open("w", newline="") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        for i, row in enumerate(reader):
            writer.writerow(row)
            if i >= rows:
                break
    return out


@pytest.mark.skipif(not SHARED.exists(), reason="shared/data not beside the checkout")
def test_every_police_uk_row_is_a_valid_incident_report() -> None:
    with SHARED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 31_635
    ids = set()
    for i, row in enumerate(rows, start=2):
        report = ReportAdapter.validate_python(police_uk_row_to_report(row, i, "x"))
        assert report.kind == "incident" and report.incident and report.incident.category
        ids.add(report.report_id)
    # ASB rows have no Crime ID: each still gets its own stable id
    assert len(ids) == len(rows)


def test_jsonl_lines_that_cannot_be_routed_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join([
        json.dumps({"report_id": "a", "kind": "fraud"}),
        "{broken",
        "",
        json.dumps({"report_id": "b", "kind": "theft"}),
        json.dumps([1]),
        json.dumps({"report_id": "c", "kind": "cyber"}),
    ]) + "\n")
    got = [(line, bool(rep), reason) for line, rep, reason in read_reports(path)]
    assert [(line, ok) for line, ok, _ in got] == [(1, True), (2, False), (4, False), (5, False),
                                                   (6, True)]
    assert "not JSON" in (got[1][2] or "") and "'theft' is not one of" in (got[2][2] or "")


@pytest.mark.integration
@pytest.mark.skipif(not SHARED.exists(), reason="shared/data not beside the checkout")
def test_ingest_command_sends_to_the_broker(lw_env, tmp_path: Path) -> None:
    env = lw_env()
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_text(json.dumps({"report_id": "J1", "kind": "fraud",
                                 "reported_at": "2026-11-01T10:00:00Z"}) + "\n{bad\n")
    csv_path = police_uk_sample(tmp_path, rows=40)
    result = CliRunner().invoke(app, ["ingest", str(jsonl), str(csv_path)],
                                env={**os.environ, **env.vars})
    assert result.exit_code == 1, result.output  # a line was rejected
    assert "sent 41" in result.output and "rejected 1" in result.output, result.output
    assert f"{jsonl}:2: not JSON" in result.output, result.output
    import asyncio

    from kafka_helpers import settle

    incidents = asyncio.run(settle(env.settings, "reports.incident", quiet_s=2))
    frauds = asyncio.run(settle(env.settings, "reports.fraud", quiet_s=1))
    assert len(incidents) == 40 and [f["report_id"] for f in frauds] == ["J1"]
    assert all(i["source"] == "data.police.uk" for i in incidents)
