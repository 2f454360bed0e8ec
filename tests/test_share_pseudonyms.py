"""A pseudonymised share carries no clear identifier anywhere (issue 20, defect 2): every
byte of every file of the package, and the file names, are searched for every clear
value the alert was built from.  No worker: the accepted reports and the alert the link
stage makes of them are planted on the real broker; ``linkwatch share`` reads them."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from kafka_helpers import write_view
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.kafka import producer
from linkwatch.pipeline import Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.schemas import ReportAdapter
from linkwatch.schemas.accepted import encode
from linkwatch.streams import topics

pytestmark = pytest.mark.integration
DEAL_LINE = "07700 900511"


def reports(report_factory, person_factory) -> list[dict]:  # type: ignore[no-untyped-def]
    """A county line: three drugs incidents on one deal line, child runners from
    Birmingham, each with a name, phone, email and postcode; and a knife."""
    return [report_factory(
        "incident", report_id=f"CRN-77{i}", reported_at=f"2026-11-{10 + i:02d}T09:00:00+00:00",
        location={"lsoa_code": f"E0103100{i}", "postcode": f"CV3{i} 4QX"},
        persons=[person_factory("s1", role="suspect", name=f"Ottilie Quarrington{i}",
                                dob=f"2011-0{i + 1}-02", phones=[f"07700 90053{i}"],
                                emails=[f"otq{i}@example.org"], postcode=f"B{i + 1} 1AA",
                                flags=["missing_episode"])],
        identifiers=[{"type": "phone", "value": DEAL_LINE, "role": "deal_line"}],
        incident={"category": "drugs", "weapons": ["knife"] if i else []})
        for i in range(3)]


async def plant(settings, raw: list[dict]) -> list[dict]:  # type: ignore[no-untyped-def]
    pipeline = Pipeline(settings)
    alerts: list[dict] = []
    prod = producer(settings)
    await prod.start()
    try:
        for r in raw:
            report = ReportAdapter.validate_python(r)
            payload = enrich(report, f"h-{report.report_id}", settings)
            await prod.send_and_wait(topics.name(settings, topics.ACCEPTED),
                                     encode(payload), partition=0)
            for alert in pipeline.apply(payload).alerts:  # it is sent: the state may keep it
                body = alert.model_dump_json().encode()
                await prod.send_and_wait(topics.name(settings, topics.ALERTS), body,
                                         key=alert.alert_id.encode())
                alerts.append(json.loads(body))
    finally:
        await prod.stop()
    write_view(settings, pipeline)
    return alerts


@pytest.mark.parametrize("fmt", ["ftm", "stix"])
def test_a_share_holds_no_clear_identifier_in_any_byte(
        lw_env, report_factory, person_factory, tmp_path: Path, fmt: str) -> None:
    env = lw_env(LINKWATCH_USER="analyst-4", LINKWATCH_PSEUDONYM_KEY="p" * 32)
    raw = reports(report_factory, person_factory)
    alerts = asyncio.run(plant(env.settings, raw))
    alert = max((a for a in alerts if a.get("cluster_id")),
                key=lambda a: (len(a["report_ids"]), a["version"]))
    assert len(alert["report_ids"]) >= 2 and alert["type"] == "county_lines", alert
    run = CliRunner().invoke(app, ["share", str(tmp_path / "pkg"), "--alert",
                                   alert["alert_id"], "--to", "ROCU West Midlands",
                                   "--purpose", "joint county lines investigation",
                                   "--operator", "DC Test", "--format", fmt],
                         env={**os.environ, **env.vars})
    assert run.exit_code == 0, run.output
    files = sorted((tmp_path / "pkg").iterdir())
    assert {p.name for p in files} >= {"MANIFEST.json"} and len(files) >= 2
    blob = b"\n".join([p.name.encode() for p in files] + [p.read_bytes() for p in files])

    clear = {alert["alert_id"], alert["cluster_id"], alert["cluster_id"].split(":", 1)[-1],
             DEAL_LINE, "+447700900511", "07700900511"}
    for r in raw:
        clear |= {r["report_id"], r["location"]["postcode"]}
        for p in r["persons"]:
            clear |= {p["name"], *p["name"].split(), p["postcode"], p["postcode"].replace(" ", ""),
                      *p["emails"], *p["phones"], p["dob"]}
            clear |= {"+44" + ph.replace(" ", "")[1:] for ph in p["phones"]}
            clear |= {ph.replace(" ", "") for ph in p["phones"]}
    for e in alert["entities"]:
        clear.add(e["label"])
        if ":" in e["entity_id"] and not e["entity_id"].startswith(("report:", "person:")):
            clear.add(e["entity_id"].split(":", 1)[1])
    leaked = sorted(v for v in clear if v and v.encode() in blob)
    assert not leaked, leaked

    manifest = json.loads((tmp_path / "pkg" / "MANIFEST.json").read_text())
    assert manifest["pseudonymised"] is True and manifest["alert"]["type"] == alert["type"]
    assert manifest["alert"]["cluster_id"].startswith("cluster:h-"), manifest
    assert manifest["alert"]["alert_id"].startswith("alert:h-"), manifest
    assert b"report:h-" in blob or b"h-" in blob  # the reports are there, keyed
