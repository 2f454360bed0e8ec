"""Retention purges honoured by the other readers of the accepted topic: the analyst
API's read model (live, on a fresh start, and after a restart) and ``linkwatch report``
over the topics.  No worker: the tests write accepted messages and markers themselves,
or run ``linkwatch purge``; the rule is ``purge``'s (a later marker wins)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from test_api import KEYS, start_api
from typer.testing import CliRunner

from linkwatch import purge
from linkwatch.api.readmodel import ReadModel
from linkwatch.cli import app
from linkwatch.kafka import producer
from linkwatch.pipeline import Pipeline, replay
from linkwatch.reporting.sources import accepted_payloads
from linkwatch.rules.enrichment import enrich
from linkwatch.schemas import ReportAdapter
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
    return json.dumps(enrich(report, f"h-{rid}-{phone[-3:]}", settings)).encode()


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


# -- the read model in process ------------------------------------------------------------

async def test_read_model_honours_markers_on_start_and_live(lw_env, report_factory,
                                                            person_factory) -> None:
    env = lw_env()
    s = env.settings

    def msg(rid: str, phone: str) -> bytes:
        return accepted(report_factory, person_factory, rid, phone, s)

    # the sequence of test_purge: A, B, marker(A), C, A again, marker(B)
    await send(s, [msg("A", "07700 900001"), msg("B", "07700 900002"),
                   purge.marker("P1", NOW, ["A"], requested_at=NOW),
                   msg("C", "07700 900003"), msg("A", "07700 900004"),
                   purge.marker("P2", NOW, ["B"], requested_at=NOW)])
    model = ReadModel(s)
    model.start()
    try:
        await until(lambda: model.caught_up["graph"])
        whole = Pipeline(s)
        await replay(s, whole, committed_only=False)
        nodes = set(model.pipeline.graph.g.nodes)
        assert nodes == set(whole.graph.g.nodes), nodes ^ set(whole.graph.g.nodes)
        assert "report:B" not in nodes and "phone:+447700900001" not in nodes, nodes
        assert set(model.rows) == {"A", "C"} and model.pipeline.reports == 2
        rebuilt = model.pipeline

        # live: one batch with D, a marker naming C and D, E, a marker naming E, D again
        await send(s, [msg("D", "07700 900005"),
                       purge.marker("P3", NOW, ["C", "D"], requested_at=NOW),
                       msg("E", "07700 900006"),
                       purge.marker("P4", NOW, ["E"], requested_at=NOW),
                       msg("D", "07700 900007")])
        await until(lambda: model.pipeline is not rebuilt and "D" in model.rows)
        await asyncio.sleep(1.0)  # nothing more arrives
        nodes = set(model.pipeline.graph.g.nodes)
        assert {"report:A", "report:D", "phone:+447700900004", "phone:+447700900007"} <= nodes
        gone = {"report:C", "report:E", "phone:+447700900003", "phone:+447700900005",
                "phone:+447700900006"}
        assert not gone & nodes, gone & nodes
        assert set(model.rows) == {"A", "D"}
        again = Pipeline(s)  # what a restart of the link stage would hold
        await replay(s, again, committed_only=False)
        assert nodes == set(again.graph.g.nodes)
    finally:
        await model.stop()


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
                         purge.marker("P1", NOW, ["R-1", "R-2"], requested_at=NOW),
                         msg("R-2", "07700 900704")]))  # sent again after the purge: kept
    payloads = asyncio.run(accepted_payloads(s))
    assert sorted(payloads) == ["R-2", "R-3"] and "900704" in json.dumps(payloads["R-2"])

    out = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-11-10",
                                   "--to", "2026-11-10", "--format", "json"],
                             env={**os.environ, **env.vars})
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout[out.stdout.index("{"):])
    assert body["current"]["reports"] == 2, body["current"]
