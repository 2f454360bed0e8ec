"""`linkwatch search` end to end: the worker's link state rebuilt from the accepted topic,
an account as written and a person by name found, the consultation audited."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from kafka_helpers import collect, settle
from test_pipeline_e2e import mule_reports
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration


def test_search_an_account_and_a_name_and_audit_it(lw_env, report_factory,
                                                   person_factory) -> None:
    env = lw_env(LINKWATCH_USER="analyst-7")
    env.start_worker()
    asyncio.run(send_reports(env.settings, mule_reports(report_factory, person_factory)))
    alerts = asyncio.run(collect(env.settings, "alerts",
                                 lambda a: any(len(x["report_ids"]) >= 3 for x in a), 90))
    alert = next(a for a in alerts if len(a["report_ids"]) >= 3)
    environ = {**os.environ, **env.vars}

    run = CliRunner().invoke(app, ["search", "40 11 62 31926819", "--json"], env=environ)
    assert run.exit_code == 0, run.output
    hits = [json.loads(line) for line in run.stdout.splitlines()]
    assert hits[0]["node_id"] == "account:401162-31926819" and hits[0]["reports"] == 3, hits
    assert alert["alert_id"] in {a["alert_id"] for a in hits[0]["alerts"]}, hits[0]

    run = CliRunner().invoke(app, ["search", "Victim 2", "--dob", "1952-01-02"], env=environ)
    assert run.exit_code == 0, run.output
    (line,) = run.stdout.splitlines()
    node, label, match, reports, _alerts = line.split("\t")
    assert node.startswith("person:") and label == "Victim 2", line
    assert match.startswith("name_and_dob") and reports == "1 reports", line

    none = CliRunner().invoke(app, ["search", "07700 900999", "--operator", "PC 1 Example"],
                              env=environ)
    assert none.exit_code == 1 and none.stdout == "", none.output
    bad = CliRunner().invoke(app, ["search", "Victim 2", "--dob", "tuesday"], env=environ)
    assert bad.exit_code == 2 and "not a date" in bad.output, bad.output

    audit = asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=2))
    searches = [a for a in audit if a.get("command") == "search"]
    assert [(a["event"], a["user"], a["query"], len(a["object"])) for a in searches] == [
        ("consultation", "analyst-7", "40 11 62 31926819", len(hits)),
        ("consultation", "analyst-7", "Victim 2", 1),
        ("consultation", "PC 1 Example", "07700 900999", 0)], searches
