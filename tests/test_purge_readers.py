"""Retention purges honoured by the readers: the analyst API (live, and after a restart;
it reads the link stage's view, which the purge replaces) and ``linkwatch report`` over
the topics.  The tests write accepted messages and markers themselves, or run
``linkwatch purge``; the rule is ``purge``'s (a later marker wins).  The view itself
equals the link state after purges and restarts: ``test_view_e2e.py``."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis
from test_api import KEYS, start_api
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.kafka import producer
from linkwatch.reporting.sources import accepted_payloads
from linkwatch.retention import marker
from linkwatch.rules.enrichment import enrich
from linkwatch.schemas import ReportAdapter
from linkwatch.schemas.accepted import encode
from linkwatch.stack import stop_process
from linkwatch.streams import topics

pytestmark = pytest.mark.integration

OLD = datetime(2021, 3, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def accepted(report_factory, person_factory, rid: str, phone: str, settings,  # type: ignore[no-untyped-def]
             when: datetime | None = None, name: str | None = None) -> bytes:
    """An accepted-topic message: a synthetic victim with a phone."""
    over: dict[str, Any] = {"reported_at": when.isoformat()} if when else {}
    report = ReportAdapter.validate_python(report_factory(
        "incident", report_id=rid, incident={"category": "burglary"}, **over,
        persons=[person_factory("v1", name=name or f"Synthetic {rid}", phones=[phone])]))
    return encode(enrich(report, f"h-{rid}-{phone[-3:]}", settings))


async def send(settings, msgs: list[bytes]) -> list[int]:  # type: ignore[no-untyped-def]
    prod = producer(settings)
    await prod.start()
    try:
        return [(await prod.send_and_wait(topics.name(settings, topics.ACCEPTED), m,
                                          partition=0)).offset for m in msgs]
    finally:
        await prod.stop()


async def until(pred: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


# -- the API, live and after a restart, with `linkwatch purge` -----------------------------

def test_api_forgets_a_purged_report_live_and_after_a_restart(
        lw_env, report_factory, person_factory) -> None:
    env = lw_env()
    s = env.settings
    recent = datetime.now(UTC) - timedelta(days=5)
    asyncio.run(send(s, [
        accepted(report_factory, person_factory, "OLD-1", "07700 900611", s, OLD,
                 name="Orla Pennyfeather"),
        accepted(report_factory, person_factory, "NEW-1", "07700 900612", s, recent,
                 name="Nico Waddington")]))
    env.start_worker()  # the link stage writes the view the API reads
    proc, url = start_api(env)
    c = httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=10)

    def node(n: str) -> int:
        return c.get("/api/entities/neighbourhood", params={"node": n, "hops": 1}).status_code

    def reports_in_2021() -> int:
        r = c.get("/api/outcomes", params={"from": "2021-01-01", "to": "2021-12-31",
                                           "format": "json"})
        return int(r.json()["current"]["reports"])

    try:
        hood = c.get("/api/entities/neighbourhood",
                     params={"node": "phone:+447700900611", "hops": 1}).json()
        person = [n["data"]["id"] for n in hood["elements"]["nodes"]
                  if n["data"]["id"].startswith("person:")]
        assert len(person) == 1, hood
        assert node("report:OLD-1") == 200 and reports_in_2021() == 1

        run = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--yes",
                                       "--operator", "dpo-1"],
                                 env={**os.environ, **env.vars})
        assert run.exit_code == 0 and "1 reports forgotten" in run.output, run.output

        def purged() -> None:
            for n in ("report:OLD-1", "phone:+447700900611", person[0]):
                assert node(n) == 404, n
            assert node("report:NEW-1") == 200 and node("phone:+447700900612") == 200
            assert reports_in_2021() == 0

        deadline = time.monotonic() + 20
        while node("phone:+447700900611") != 404:  # the running API, no restart
            assert time.monotonic() < deadline, "the API still shows the purged report"
            time.sleep(0.2)
        purged()

        stop_process(proc)
        proc, url = start_api(env)
        c.close()
        c = httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=10)
        purged()  # a fresh start honours the marker
    finally:
        c.close()


# -- linkwatch report over the topics -------------------------------------------------------

def test_report_from_topics_does_not_count_purged_reports(lw_env, report_factory,
                                                          person_factory) -> None:
    env = lw_env()
    s = env.settings
    day = datetime(2026, 11, 10, 9, tzinfo=UTC)

    def msg(rid: str, phone: str) -> bytes:
        return accepted(report_factory, person_factory, rid, phone, s, day)

    asyncio.run(send(s, [msg("R-1", "07700 900701"), msg("R-2", "07700 900702"),
                         msg("R-3", "07700 900703"),
                         marker("P1", NOW, ["R-1", "R-2"], requested_at=NOW),
                         msg("R-2", "07700 900704")]))  # sent again after the purge: kept
    payloads = asyncio.run(accepted_payloads(s))
    assert sorted(payloads) == ["R-2", "R-3"] and b"900704" in encode(payloads["R-2"])

    out = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-11-10",
                                   "--to", "2026-11-10", "--format", "json"],
                             env={**os.environ, **env.vars})
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout[out.stdout.index("{"):])
    assert body["current"]["reports"] == 2, body["current"]


# -- a purge reaches every output (issue 20, defect 1) ----------------------------------------

def _victim_report(report_factory, person_factory, rid: str, when: datetime, i: int,  # type: ignore[no-untyped-def]
                   account: str, name: str) -> dict[str, Any]:
    return report_factory(
        "fraud", report_id=rid, reported_at=when.isoformat(),
        persons=[person_factory("v1", name=name, dob=f"19{50 + i}-03-0{1 + i % 9}",
                                phones=[f"07700 9009{i:02d}"], postcode=f"CV{30 + i} 7XY")],
        identifiers=[{"type": "bank_account", "role": "payee", "value": account}],
        fraud={"fraud_type": "investment", "amount_lost": "£2,000.00"})


def _fold_topic(settings, base: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A compacted-topic reader: the latest value per key, a tombstone removing the key."""
    from linkwatch.watch import decode, read_messages

    async def run() -> dict[str, Any]:
        latest: dict[str, Any] = {}
        async for m in read_messages(settings, topics.name(settings, base)):
            if m.value is None:
                latest.pop(m.key.decode(), None)
            else:
                latest[m.key.decode()] = decode(m.value)
        return latest
    return asyncio.run(run())


DISCLOSE = ["--recipient", "case file", "--purpose", "purge test"]  # operator: LINKWATCH_USER


def test_a_purge_reaches_every_output(lw_env, report_factory, person_factory,  # type: ignore[no-untyped-def]
                                      tmp_path) -> None:
    from kafka_helpers import collect

    from linkwatch.graph.export import FORMATS
    from linkwatch.ingest import send_reports

    env = lw_env(LINKWATCH_USER="dpo-20")
    s = env.settings
    environ = {**os.environ, **env.vars}
    env.start_worker()
    now = datetime.now(UTC)
    edge = now.replace(year=now.year - 6)          # `--older-than 6y`
    old_t = [edge - timedelta(days=40 - i) for i in range(3)]   # past retention
    kept_t = [edge + timedelta(days=10 + i) for i in range(3)]  # inside it, same window
    shared, gone_acct = "20-44-51 77001234", "20-44-52 88005678"
    old = [_victim_report(report_factory, person_factory, f"OLD-{i}", old_t[i], i, shared,
                          f"Perpetua Oldcastle{i}") for i in range(3)]
    old += [_victim_report(report_factory, person_factory, f"OLDY-{i}", old_t[i], 10 + i,
                           gone_acct, f"Barnaby Yarrowfield{i}") for i in range(3)]
    kept = [_victim_report(report_factory, person_factory, f"KEPT-{i}", kept_t[i], 20 + i,
                           shared, f"Keziah Keptwell{i}") for i in range(3)]
    asyncio.run(send_reports(s, old + kept))
    alerts = asyncio.run(collect(s, topics.ALERTS, lambda a: any(
        len(x["report_ids"]) == 6 for x in a) and any(
        {"OLDY-0", "OLDY-1", "OLDY-2"} <= set(x["report_ids"]) for x in a), 120))
    both = next(a for a in alerts if len(a["report_ids"]) == 6)
    only_old = next(a for a in alerts if "OLDY-0" in a["report_ids"])
    asyncio.run(collect(s, topics.REFERRALS, lambda r: len(r) >= 9, 60))

    clear: set[str] = {"20-44-52", "88005678", "204452-88005678"}
    shown: set[str] = {"204452-88005678"}  # what the API shows before the purge
    for r in old:
        p = r["persons"][0]
        clear |= {r["report_id"], p["name"], p["postcode"], p["phones"][0],
                  "+44" + p["phones"][0].replace(" ", "")[1:]}
        shown |= {r["report_id"], p["name"], p["postcode"],
                  "+44" + p["phones"][0].replace(" ", "")[1:]}

    proc, url = start_api(env)
    c = httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=60)

    def api_text() -> str:
        queries: list[tuple[str, Any]] = [  # (path, params)
            ("/api/alerts", {"limit": 500}), ("/api/clusters", None),
            ("/api/referrals", {"limit": 500}),
            (f"/api/alerts/{both['alert_id']}", None),
            (f"/api/alerts/{both['alert_id']}/graph", None),
            (f"/api/alerts/{only_old['alert_id']}", None),
            (f"/api/alerts/{only_old['alert_id']}/graph", None),
            ("/api/entities/neighbourhood", {"node": "account:204451-77001234", "hops": 3}),
            ("/api/outcomes", {"from": old_t[0].date().isoformat(),
                               "to": kept_t[-1].date().isoformat(), "format": "json"})]
        bodies = [c.get(path, params=params).text for path, params in queries]
        for fmt in FORMATS:
            for aid in (both["alert_id"], only_old["alert_id"]):
                r = c.get("/api/export", params={"format": fmt, "alert": aid})
                bodies.append(r.content.decode("latin-1"))
        return "\n".join(bodies)

    try:
        closed = c.put(f"/api/alerts/{only_old['alert_id']}/status",
                       json={"status": "closed", "reason": "Barnaby Yarrowfield0 moved away"})
        assert closed.status_code == 200, closed.text
        before = api_text()
        assert not sorted(v for v in shown if v not in before)  # the search can find them
        run = CliRunner().invoke(app, ["purge", "--older-than", "6y", "--yes"], env=environ)
        assert run.exit_code == 0 and "6 reports forgotten" in run.output, run.output
        assert "1 alerts re-published" in run.output and "1 withdrawn" in run.output, run.output
        assert "6 referrals" in run.output and "behind" not in run.output, run.output

        # the API drops them at once (no restart): the withdrawn alert is gone
        deadline = time.monotonic() + 30
        while c.get(f"/api/alerts/{only_old['alert_id']}").status_code != 404:
            assert time.monotonic() < deadline, "the API still serves the withdrawn alert"
            time.sleep(0.3)
        def still_there() -> list[str]:  # each partition's tombstones, and the new graph
            text = c.get("/api/referrals", params={"limit": 500}).text + c.get(
                "/api/alerts", params={"limit": 500}).text
            graph = c.get("/api/entities/neighbourhood", params={"node": "phone:+447700900910"})
            return [v for v in clear if v in text] + ([] if graph.status_code == 404 else ["g"])
        while still_there():
            assert time.monotonic() < deadline, ("the API still lists", still_there())
            time.sleep(0.3)
        detail = c.get(f"/api/alerts/{both['alert_id']}").json()["alert"]
        assert detail["status"] == "redacted" and detail["version"] > both["version"]
        assert sorted(detail["report_ids"]) == ["KEPT-0", "KEPT-1", "KEPT-2"], detail

        after = api_text()
        assert "KEPT-0" in after  # the reads are real
        store = redis.Redis.from_url(s.redis_url)
        assert not store.exists(f"lw:{s.app_id}:alert_status:{only_old['alert_id']}")
        leaked = sorted(v for v in clear if v in after)
        assert not leaked, ("API", leaked, [after[max(0, after.index(v) - 400):
                                                  after.index(v) + 80] for v in leaked[:1]])

        stop_process(proc)  # a fresh start reads the topics from the beginning
        proc, url = start_api(env)
        c.close()
        c = httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=60)
        again = api_text()
        assert "KEPT-0" in again and not sorted(v for v in clear if v in again)
    finally:
        c.close()
        stop_process(proc)

    from kafka_helpers import settle

    erased = [a for a in asyncio.run(settle(s, topics.AUDIT, quiet_s=1))
              if a.get("event") == "purge_outputs"]
    assert len(erased) == 1 and erased[0]["user"] == "dpo-20", erased
    assert erased[0]["alerts_withdrawn"] == [only_old["alert_id"]], erased
    assert erased[0]["alerts_redacted"] == [both["alert_id"]], erased

    # a plain consumer of the output topics, folding by key as compaction would
    folded = json.dumps([_fold_topic(s, t) for t in (topics.ALERTS, topics.REFERRALS,
                                                     topics.ENTITIES)])
    assert "KEPT-0" in folded and "Keptwell" in folded
    leaked = sorted(v for v in clear if v in folded)
    assert not leaked, ("topics", leaked)

    # every `linkwatch` command that reads them, and every export format
    texts = []
    for args in (["alerts", "--json"], ["referrals", "--json"],
                 ["entities", "--dump", str(tmp_path / "entities.jsonl")],
                 ["report", "outcomes", "--from", old_t[0].date().isoformat(), "--to",
                  kept_t[-1].date().isoformat(), "--format", "json"],
                 *(["export", str(tmp_path / f"x-{fmt}"), "--format", fmt, *DISCLOSE]
                   for fmt in FORMATS),
                 ["export", str(tmp_path / "x-alert"), "--alert", both["alert_id"],
                  *DISCLOSE]):
        out = CliRunner().invoke(app, args, env=environ)
        assert out.exit_code == 0, (args, out.output)
        texts.append(out.output)
    gone = CliRunner().invoke(app, ["export", str(tmp_path / "x-gone"), "--alert",
                                    only_old["alert_id"], *DISCLOSE], env=environ)
    assert gone.exit_code != 0  # a withdrawn alert is not exported
    texts += [p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file()]
    cli_text = "\n".join(texts)
    assert "KEPT-0" in cli_text and "Keptwell" in cli_text
    leaked = sorted(v for v in clear if v in cli_text)
    assert not leaked, ("CLI", leaked)
