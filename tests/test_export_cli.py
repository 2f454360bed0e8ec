"""`linkwatch export` end to end: the worker's alert, its sub-graph rebuilt from the
accepted topic, written as GraphML, read back by networkx, and the disclosure audited."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import networkx as nx
import pytest
from kafka_helpers import collect, settle
from test_pipeline_e2e import mule_reports
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_export_an_alert_as_graphml_and_audit_it(lw_env, report_factory, person_factory,
                                                  tmp_path: Path) -> None:
    env = lw_env(LINKWATCH_USER="analyst-7")
    env.start_worker()
    asyncio.run(send_reports(env.settings, mule_reports(report_factory, person_factory)))
    alerts = asyncio.run(collect(env.settings, "alerts",
                                 lambda a: any(len(x["report_ids"]) >= 3 for x in a), 90))
    alert = next(a for a in alerts if len(a["report_ids"]) >= 3)
    run = CliRunner().invoke(app, ["export", str(tmp_path), "--format", "graphml",
                                   "--alert", alert["alert_id"], "--recipient", "Op Example team",
                                   "--purpose", "mule network analysis"],
                             env={**os.environ, **env.vars})
    assert run.exit_code == 0, run.output
    (path,) = tmp_path.glob("*.graphml")
    g = nx.read_graphml(path)
    assert "account:401162-31926819" in g
    assert {f"report:MULE-{i}" for i in range(3)} <= set(g.nodes)
    assert "OFFICIAL-SENSITIVE" in path.read_text()
    audit = asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=2))
    exports = [a for a in audit if a.get("event") == "export"]
    assert exports and exports[-1]["user"] == "analyst-7" and exports[-1]["format"] == "graphml"
    assert exports[-1]["recipient"] == "Op Example team"
    assert exports[-1]["purpose"] == "mule network analysis"

    refused = CliRunner().invoke(app, ["export", str(tmp_path / "p"), "--pseudonymise",
                                       "--recipient", "ROCU", "--purpose", "joint operation"],
                                 env={**os.environ, **env.vars})
    assert refused.exit_code == 2 and "LINKWATCH_PSEUDONYM_KEY" in refused.output, refused.output
