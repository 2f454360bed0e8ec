"""The watchlist follows its compacted topic: additions and tombstones take effect in a
running process, without a restart (real broker)."""

from __future__ import annotations

import asyncio

import pytest

from linkwatch.reporting.watchlist import ensure_watchlist_topic, follow_watchlist, publish_entry
from linkwatch.rules.offenders import Watchlist, WatchlistEntry, match_watchlist
from linkwatch.schemas import ReportAdapter

pytestmark = pytest.mark.integration


async def _until(cond, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.1)):
        if cond():
            return True
        await asyncio.sleep(0.1)
    return cond()


async def test_watchlist_topic_add_and_tombstone(lw_env) -> None:  # type: ignore[no-untyped-def]
    env = lw_env()
    await ensure_watchlist_topic(env.settings)
    await publish_entry(env.settings, "W0", WatchlistEntry(entry_id="W0", entity_id="E0"))
    wl, stop, ready = Watchlist(), asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(follow_watchlist(env.settings, wl, stop, ready))
    try:
        assert await _until(ready.is_set) and "W0" in wl   # the backlog is read first
        report = ReportAdapter.validate_python({
            "report_id": "R1", "kind": "incident", "reported_at": "2026-11-06T10:00:00+00:00",
            "persons": [{"person_ref": "s1", "role": "suspect", "entity_id": "E1"}]})
        assert match_watchlist(report, None, wl) == []
        await publish_entry(env.settings, "W1", WatchlistEntry(entry_id="W1", entity_id="E1",
                                                               scheme="IOM fixed"))
        assert await _until(lambda: "W1" in wl), wl.entries
        assert [f["key"] for f in match_watchlist(report, None, wl)] == ["managed_offender:E1"]
        await publish_entry(env.settings, "W1", None)     # removal: a tombstone
        assert await _until(lambda: "W1" not in wl), wl.entries
        assert match_watchlist(report, None, wl) == [] and "W0" in wl
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
