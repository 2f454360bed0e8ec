"""The live stream resumes after a dropped connection (issue 22): every server-sent event
has an ``id:``, and a client reconnecting with ``Last-Event-ID`` is sent the alerts that
changed while it was away, each once in its latest version; an id the server does not
know (it restarted) gets ``event: reset``.

`linkwatch serve` (``python -m linkwatch.api``) on the real broker and Redis; the alerts
are the ones a link stage makes of the reports, published as the worker publishes them.
(The page's side, sending the header on reconnect, is ``follow()`` in ``app.js``.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from conftest import Env
from kafka_helpers import write_view
from test_api import KEYS, start_api
from test_pipeline_e2e import mule_reports

from linkwatch.kafka import producer
from linkwatch.pipeline import Pipeline
from linkwatch.streams import topics

pytestmark = pytest.mark.integration

OTHER = ["20-00-00 55779911", "200000 55779911", "20 00 00-55779911"]


def report(kind: str = "incident", **over: Any) -> dict[str, Any]:
    return {"kind": kind, "source": "test", "persons": [], **over}


def person(ref: str = "v1", role: str = "victim", **over: Any) -> dict[str, Any]:
    return {"person_ref": ref, "role": role, "name": f"Stream Person {ref}",
            "dob": "1980-05-06", "consent": {"victim_support": True}, **over}


def other_reports(start: int, n: int) -> list[dict[str, Any]]:
    return [report("fraud", report_id=f"OTHER-{i}",
                   reported_at=f"2026-11-{12 + i:02d}T09:00:00+00:00",
                   persons=[person("v1", name=f"Other Victim {i}", dob=f"19{60 + i}-03-04")],
                   identifiers=[{"type": "bank_account", "role": "payee", "value": OTHER[i % 3]}],
                   fraud={"fraud_type": "romance", "amount_lost": "£900.00"})
            for i in range(start, start + n)]


async def publish(env: Env, pipeline: Pipeline, reports: list[dict[str, Any]]) -> list[str]:
    """Accepted reports and the alert versions the link stage makes of them, onto the
    topics as the worker sends them; the alert ids published."""
    s, prod, sent = env.settings, producer(env.settings), []
    await prod.start()
    try:
        for r in reports:
            payload = {"report": r, "hash": r["report_id"]}
            await prod.send_and_wait(topics.name(s, topics.ACCEPTED), json.dumps(payload).encode())
            for alert in pipeline.apply(payload).alerts:
                await prod.send_and_wait(topics.name(s, topics.ALERTS),
                                         alert.model_dump_json().encode(),
                                         key=alert.alert_id.encode())
                sent.append(f"{alert.alert_id}@{alert.version}")
    finally:
        await prod.stop()
    return sent


async def events_until(resp: httpx.Response, done: Any,
                       timeout: float = 60) -> list[dict[str, Any]]:
    """Server-sent events (comments skipped) until ``done(events)``."""
    events: list[dict[str, Any]] = []

    async def read() -> None:
        event: dict[str, Any] = {}
        async for line in resp.aiter_lines():
            if line == "":
                if event:
                    events.append(event)
                    event = {}
                    if done(events):
                        return
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                value = value.strip()
                event[field] = json.loads(value) if field == "data" else value
    await asyncio.wait_for(read(), timeout)
    return events


def number(event_id: str) -> int:
    return int(event_id.rsplit("-", 1)[1])


async def wait_for_api(client: httpx.AsyncClient, pred: Any, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        items = (await client.get("/api/alerts", params={"limit": 500})).json()["items"]
        if pred(items):
            return
        await asyncio.sleep(0.3)
    raise AssertionError("the API did not get the alerts")


async def test_stream_resumes_from_last_event_id(stack) -> None:  # type: ignore[no-untyped-def]
    env = Env(stack)
    try:
        pipeline = Pipeline(env.settings)
        write_view(env.settings, pipeline)  # the link stage's view: empty, as at its start
        _proc, url = start_api(env)
        headers = {"Authorization": f"Bearer {KEYS['read_only']}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=None) as c:
            # 1. connected: the first alert arrives with an id
            async with c.stream("GET", "/api/alerts/stream") as resp:
                assert resp.status_code == 200
                [first_id] = await publish(env, pipeline, mule_reports(report, person))
                [first] = await events_until(resp, lambda ev: ev[-1].get("event") == "alert")
            mule = first_id.split("@")[0]
            assert first["data"]["alert_id"] == mule and first["data"]["version"] == 1
            last = first["id"]
            assert number(last) >= 1

            # 2. dropped: the mule alert grows (v2) and another alert is raised meanwhile
            missed = await publish(env, pipeline, [
                *mule_reports(report, person, n=1, start=3), *other_reports(0, 3)])
            assert [m.split("@")[1] for m in missed] == ["2", "1"]
            other = missed[1].split("@")[0]
            await wait_for_api(c, lambda items: {(a["alert_id"], a["version"]) for a in items}
                               >= {(mule, 2), (other, 1)})

            # 3. back with Last-Event-ID: what changed, once each, latest version, in the
            # order the API received them (the two alerts are on different partitions)
            async with c.stream("GET", "/api/alerts/stream",
                                headers={"Last-Event-ID": last}) as resp:
                got = await events_until(resp, lambda ev: len(ev) == 2, timeout=20)
            assert [e["event"] for e in got] == ["alert", "alert"]
            assert sorted((e["data"]["alert_id"], e["data"]["version"]) for e in got) == \
                sorted([(mule, 2), (other, 1)])
            epoch = last.rsplit("-", 1)[0]
            assert all(e["id"].rsplit("-", 1)[0] == epoch for e in got)
            assert number(last) < number(got[0]["id"]) < number(got[1]["id"])

            # 4. an id from another run of the server (or garbage): reload
            for stale in ("0123456789ab-1", "nonsense", f"{epoch}-999999"):
                async with c.stream("GET", "/api/alerts/stream",
                                    headers={"Last-Event-ID": stale}) as resp:
                    [reset] = await events_until(resp, lambda ev: len(ev) == 1, timeout=20)
                assert reset["event"] == "reset" and reset["id"] == got[1]["id"], reset

            # 5. up to date: nothing replayed, the next change arrives live
            async with c.stream("GET", "/api/alerts/stream",
                                headers={"Last-Event-ID": got[1]["id"]}) as resp:
                [newer] = await publish(env, pipeline, other_reports(3, 1))
                [live] = await events_until(resp, lambda ev: len(ev) == 1)
            assert (live["data"]["alert_id"], live["data"]["version"]) == (other, 2), newer
            assert number(live["id"]) == number(got[1]["id"]) + 1
    finally:
        env.stop()
