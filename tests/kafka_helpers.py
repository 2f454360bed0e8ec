"""Reading the prefixed output topics of one test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from linkwatch.config import Settings


async def collect(settings: Settings, base_topic: str, until: Any, timeout: float = 60.0
                  ) -> list[Any]:
    """Read ``base_topic`` (prefixed for this test) from the start until ``until(items)``
    is true or ``timeout`` passes; return every decoded value read."""
    from linkwatch.streams.topics import name
    from linkwatch.watch import read_topic

    items: list[Any] = []

    async def run() -> None:
        async for _key, value in read_topic(settings, name(settings, base_topic), follow=True):
            items.append(value)
            if until(items):
                return
    try:
        await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        pass
    return items


async def settle(settings: Settings, base_topic: str, quiet_s: float = 3.0,
                 timeout: float = 60.0) -> list[Any]:
    """Everything on ``base_topic`` once nothing new has arrived for ``quiet_s``."""
    from linkwatch.streams.topics import name
    from linkwatch.watch import read_topic

    items: list[Any] = []

    async def run() -> None:
        async for _key, value in read_topic(settings, name(settings, base_topic), idle_s=quiet_s):
            items.append(value)
    await asyncio.wait_for(run(), timeout)
    return items


async def each_referral_once(settings: Settings, scenario: Any, timeout: float = 120.0
                             ) -> list[dict]:
    """After a crash and a restart: every referral the scenario expects arrives, none it
    forbids, each under one id, and a copy re-sent after the crash is byte-identical
    (at-least-once delivery).  Returns the referrals read."""
    want = len(scenario.expected_referrals)
    await collect(settings, "referrals", lambda r: len({x["referral_id"] for x in r}) >= want,
                  timeout=timeout)
    sent = await settle(settings, "referrals", quiet_s=4)
    got = {(scenario.event_of(r["report_id"]), r["person_ref"], r["service"]) for r in sent}
    assert got == scenario.expected_referrals
    assert not got & scenario.forbidden_referrals
    by_id: dict[tuple[str, str], set[str]] = {}
    for r in sent:   # an urgent upgrade (an exploitation network found later) is a new
        # version of the referral under its id; each version re-sent is byte-identical
        by_id.setdefault((r["referral_id"], r["priority"]), set()).add(
            json.dumps(r, sort_keys=True))
    assert all(len(bodies) == 1 for bodies in by_id.values()), {
        k: v for k, v in by_id.items() if len(v) > 1}
    assert len({rid for rid, _p in by_id}) == want
    return sent


def write_view(settings: Any, pipeline: Any, offset: int = 0) -> None:
    """Write the view a link stage holding ``pipeline`` would write (what export, share,
    search and the API read), for tests that plant a link stage's outputs themselves."""
    from linkwatch.view import ViewWriter

    writer = ViewWriter(settings)
    writer.write(writer.start(pipeline, offset or pipeline.reports, None))
    writer.close()
