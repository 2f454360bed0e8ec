"""Issue 9 through the real broker and a worker: managed offenders from the watchlist file
and its compacted topic (added and removed with `linkwatch watchlist` while the worker runs),
the outside share on the alert, diversion referrals that a restarted worker does not send
twice, and `linkwatch report reoffending|outcomes` over the same topics."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from kafka_helpers import collect, settle
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports
from linkwatch.reporting.watchlist import ensure_watchlist_topic
from linkwatch.rules.referrals import referral_id
from linkwatch.stack import stop_process

pytestmark = pytest.mark.integration

DALE = {"name": "Dale Hollins", "dob": "1988-03-14", "postcode": "B6 5RQ"}   # listed in the file
KIAN = {"name": "Kian Marsh", "dob": "1995-07-21", "postcode": "CV11 4AB"}   # listed on the topic


def incident(rid: str, day: int, persons: list[dict[str, Any]], category: str = "burglary",
             **over: Any) -> dict[str, Any]:
    return {"report_id": rid, "kind": "incident", "source": "test", "force": "Warwickshire Police",
            "reported_at": f"2026-11-{day:02d}T10:00:00+00:00", "incident": {"category": category},
            "persons": persons, **over}


def suspect(who: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {"person_ref": "s1", "role": "suspect", **who, **over}


def linked(env: Any, *rids: str) -> None:
    """Wait until the link stage has processed ``rids`` (their entity records are out)."""
    got = asyncio.run(collect(env.settings, "linkwatch.entities",
                              lambda items: set(rids) <= {i["report_id"] for i in items}, 120))
    assert set(rids) <= {i["report_id"] for i in got}, f"{rids} not linked"


def managed(env: Any, quiet_s: float = 3.0) -> list[dict[str, Any]]:
    return [a for a in asyncio.run(settle(env.settings, "alerts", quiet_s=quiet_s))
            if a["type"] == "managed_offender"]


def send(env: Any, *reports: dict[str, Any]) -> None:
    asyncio.run(send_reports(env.settings, list(reports)))


def test_watchlist_alerts_and_diversion_referrals(lw_env, tmp_path: Path) -> None:
    iom = tmp_path / "iom.csv"
    iom.write_text("entry_id,name,dob,scheme,severity,lead\n"
                   "W-FILE,Dale Hollins,1988-03-14,IOM fixed,high,Nuneaton IOM team\n")
    env = lw_env(LINKWATCH_WATCHLIST_FILE=str(iom))
    asyncio.run(ensure_watchlist_topic(env.settings))
    worker = env.start_worker()

    # a listed person named as suspect -> a managed_offender alert; an unlisted one -> none
    send(env, incident("IOM-1", 2, [suspect(DALE)]), incident("IOM-2", 2, [suspect(KIAN)]))
    linked(env, "IOM-1", "IOM-2")
    (dale,) = managed(env)
    assert dale["report_ids"] == ["IOM-1"] and "W-FILE" in dale["reasons"][0], dale
    assert "outside Warwickshire Police (West Midlands 1): 100%" in dale["reasons"][-1]

    # added on the compacted topic while the worker runs: the next report alerts
    cli = {**os.environ, **env.vars}
    run = CliRunner().invoke(app, ["watchlist", "add", "W-TOPIC", "--name", KIAN["name"],
                                   "--dob", KIAN["dob"], "--scheme", "IOM flex",
                                   "--operator", "IOM unit desk 1"], env=cli)
    assert run.exit_code == 0, run.output
    time.sleep(3)
    send(env, incident("IOM-3", 3, [suspect(KIAN)]))
    linked(env, "IOM-3")
    kian = [a for a in managed(env) if a["alert_id"] != dale["alert_id"]]
    assert [(a["report_ids"], a["version"]) for a in kian] == [(["IOM-3"], 1)], kian
    assert "0 of 1 persons with a known home live outside" in kian[0]["reasons"][-1]

    # removed (a tombstone): no more alerts for him; the file's entry still alerts
    run = CliRunner().invoke(app, ["watchlist", "remove", "W-TOPIC", "--operator", "IOM desk 1"],
                             env=cli)
    assert run.exit_code == 0, run.output
    time.sleep(3)
    send(env, incident("IOM-4", 4, [suspect(KIAN)]), incident("IOM-5", 4, [suspect(DALE)]))
    linked(env, "IOM-4", "IOM-5")
    alerts = managed(env)
    assert not [a for a in alerts if "IOM-4" in a["report_ids"]], alerts
    latest = max((a for a in alerts if a["alert_id"] == dale["alert_id"]),
                 key=lambda a: a["version"])
    assert latest["version"] == 2 and latest["report_ids"] == ["IOM-1", "IOM-5"], latest

    # diversion: drugs with the suspect's agreement; a child suspect -> youth justice
    drugs = incident("DIV-1", 5, [suspect(KIAN, consent={"diversion": True},
                                          phones=["07700 900461"])],
                     category="drugs", markers=["drugs"])
    child = incident("DIV-2", 5, [suspect({"name": "Jay Pemberton", "dob": "2010-05-01"})])
    send(env, drugs, child)
    want = {referral_id("DIV-1", "s1", "drug_alcohol_intervention"): "drug_alcohol_intervention",
            referral_id("DIV-2", "s1", "youth_offending_team"): "youth_offending_team"}
    asyncio.run(collect(env.settings, "referrals",
                        lambda rs: want.keys() <= {r["referral_id"] for r in rs}, 120))

    # a restarted worker replays the accepted topic; the same report sent again is dropped
    stop_process(worker)
    env.start_worker()
    send(env, drugs, incident("DIV-3", 6, [{"person_ref": "w1", "role": "witness"}]))
    linked(env, "DIV-3")
    sent = asyncio.run(settle(env.settings, "referrals", quiet_s=3))
    ours = [r for r in sent if r["referral_id"] in want]
    assert sorted((r["referral_id"], r["service"]) for r in ours) == sorted(want.items()), ours
    by_id = {r["referral_id"]: r for r in ours}
    assert by_id[referral_id("DIV-1", "s1", "drug_alcohol_intervention")]["contact"] == {
        "name": "Kian Marsh", "phone": "+447700900461", "email": None, "postcode": None,
        "preferred_contact": None}                    # minimised: what the service needs
    assert by_id[referral_id("DIV-2", "s1", "youth_offending_team")]["basis"] == \
        "no_consent_needed"
    audit = asyncio.run(settle(env.settings, "linkwatch.audit", quiet_s=2))
    disclosed = {(a["report_id"], a["service"], a["recipient"]) for a in audit
                 if a.get("topic") == "offender_referral_decision" and a["referred"]}
    assert disclosed == {
        ("DIV-1", "drug_alcohol_intervention",
         "Warwickshire drug and alcohol service (criminal justice team)"),
        ("DIV-2", "youth_offending_team", "Warwickshire Youth Justice Service")}, disclosed
    assert len([a for a in managed(env, 1) if a["alert_id"] == dale["alert_id"]]) == 2

    changes = [(a["added"], a["removed"], a["user"]) for a in audit if a.get("event") ==
               "watchlist"]
    assert [c[:2] for c in changes] == [(["W-TOPIC"], []), ([], ["W-TOPIC"])], changes
    run = CliRunner().invoke(app, ["watchlist", "list"], env=cli)
    assert run.exit_code == 0 and "W-TOPIC" not in run.stdout, run.output

    # the reports from the topics: repeat offenders, and crime from outside the county
    # (counted here from the reports sent above: Dale, from B6 (West Midlands), in IOM-1 and
    # IOM-5; Kian, from CV11 (Warwickshire), in IOM-2, 3, 4 and DIV-1)
    run = CliRunner().invoke(app, ["report", "reoffending", "--window-days", "30", "-F", "json"],
                             env=cli)
    assert run.exit_code == 0, run.output
    repeat = {tuple(h["report_ids"]): (h["offences"], h["interval_days"])
              for h in json.loads(run.stdout)["repeat_offenders"]}
    assert repeat == {("IOM-2", "IOM-3", "IOM-4", "DIV-1"): (4, 3.0),
                      ("IOM-1", "IOM-5"): (2, 2.0)}, repeat
    run = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-11-01", "--to",
                                   "2026-11-30", "-F", "json"], env=cli)
    assert run.exit_code == 0, run.output
    outside = json.loads(run.stdout)["current"]["outside"]
    # offender's home known: IOM-1..5 and DIV-1 (DIV-2's child has no postcode)
    assert outside == {"known": 6, "outside": 2, "share": 0.3333,
                       "forces": {"West Midlands": 2}}, outside
