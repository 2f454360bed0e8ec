"""`linkwatch share` end to end with a real worker: the alert's sub-graph, pseudonymised,
marked, the recipient in the audit log; and `report outcomes` read from the same topics."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from kafka_helpers import collect, settle
from test_pipeline_e2e import mule_reports
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.config import get_settings
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _fresh_settings():  # type: ignore[no-untyped-def]
    """The CLI reads the cached settings: never let one test's environment leak to another."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_share_an_alert_pseudonymised_and_audit_the_recipient(
        lw_env, report_factory, person_factory, tmp_path: Path) -> None:
    env = lw_env(LINKWATCH_USER="analyst-9", LINKWATCH_PSEUDONYM_KEY="k" * 32)
    env.start_worker()
    asyncio.run(send_reports(env.settings, mule_reports(report_factory, person_factory)))
    alerts = asyncio.run(collect(env.settings, "alerts",
                                 lambda a: any(len(x["report_ids"]) >= 3 for x in a), 90))
    alert = next(a for a in alerts if len(a["report_ids"]) >= 3)
    asyncio.run(collect(env.settings, "referrals", lambda r: len(r) >= 3, 30))
    vars_ = {**os.environ, **env.vars}
    runner = CliRunner()

    run = runner.invoke(app, ["share", str(tmp_path / "ftm"), "--alert", alert["alert_id"],
                              "--to", "ROCU West Midlands", "--format", "ftm",
                              "--purpose", "joint operation"], env=vars_)
    assert run.exit_code == 0, run.output
    folder = tmp_path / "ftm"
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["recipient"] == "ROCU West Midlands" and manifest["pseudonymised"] is True
    assert manifest["handling"] == "OFFICIAL-SENSITIVE"
    assert manifest["alert"]["type"] == alert["type"]
    text = "".join(p.read_text() for p in folder.iterdir())
    assert "31926819" not in text and "Victim 0" not in text, "personal data left in the package"
    assert "OFFICIAL-SENSITIVE" in text and "MULE-0" not in text  # marking kept; reports keyed

    run = runner.invoke(app, ["share", str(tmp_path / "stix"), "--alert", alert["alert_id"],
                              "--to", "NCA", "-F", "stix", "--purpose", "threat intelligence"],
                        env=vars_)
    assert run.exit_code == 0, run.output
    assert "31926819" not in "".join(p.read_text() for p in (tmp_path / "stix").iterdir())

    audit = asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=2))
    shares = [a for a in audit if a.get("event") == "share"]
    assert [(s["recipient"], s["format"]) for s in shares] == [
        ("ROCU West Midlands", "ftm"), ("NCA", "stix")], shares
    assert shares[0]["user"] == "analyst-9" and shares[0]["alert_id"] == alert["alert_id"]
    assert {f["name"] for f in shares[0]["files"]} >= {"MANIFEST.json"}

    refused = runner.invoke(app, ["share", str(tmp_path / "x"), "--alert", alert["alert_id"],
                                  "--to", "NCA", "-F", "graphml", "--purpose", "x"], env=vars_)
    assert refused.exit_code == 2 and "'ftm'" in refused.output and "'stix'" in refused.output
    nokey = {**vars_, "LINKWATCH_PSEUDONYM_KEY": ""}
    get_settings.cache_clear()
    refused = runner.invoke(app, ["share", str(tmp_path / "y"), "--alert", alert["alert_id"],
                                  "--to", "NCA", "--purpose", "x"], env=nokey)
    assert refused.exit_code == 2 and "LINKWATCH_PSEUDONYM_KEY" in refused.output

    # the outcomes report from the running pipeline's topics
    get_settings.cache_clear()
    run = runner.invoke(app, ["report", "outcomes", "--from", "2026-11-01", "--to", "2026-11-30",
                              "--format", "json"], env=vars_)
    assert run.exit_code == 0, run.output
    cur = json.loads(run.stdout)["current"]
    assert cur["reports"] == 3 and cur["by_category"]["investment"]["count"] == 3
    # three fraud victims, each referred to the fraud victim service, each with a broker time
    assert (cur["fraud_cyber"]["victims"], cur["fraud_cyber"]["referred"],
            cur["fraud_cyber"]["timed"]) == (3, 3, 3), cur["fraud_cyber"]
