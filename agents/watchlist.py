"""Keeps the link stage's managed-offender watchlist current: follows the compacted
``linkwatch.watchlist`` topic into the process's one ``Watchlist`` (the one every
``Pipeline`` holds, ``linkwatch.offender_desk.shared_watchlist``), so an entry added or
removed on the topic applies to the next report without a restart."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from linkwatch.faults import Fault
from linkwatch.offender_desk import shared_watchlist
from linkwatch.reporting.watchlist import ensure_watchlist_topic, follow_watchlist
from linkwatch.rules.intake import Source, processing_dead_letter
from linkwatch.streams.channels import DEADLETTER, app, settings
from linkwatch.streams.produce import send_records

log = logging.getLogger(__name__)
LOAD_WAIT_S = 30.0
_loaded = asyncio.Event()


@app.task
async def follow_managed_offenders() -> None:
    """Read the topic's backlog (then set ``_loaded``) and follow it; after a broker
    failure start again from the beginning (applying an entry twice changes nothing)."""
    watchlist = shared_watchlist(settings)
    while True:
        try:
            await ensure_watchlist_topic(settings)
            await follow_watchlist(settings, watchlist, ready=_loaded, on_fault=_dead_letter)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep following after broker trouble
            log.warning("following the watchlist topic failed (%s); retrying in 2 s",
                        type(exc).__name__)
            await asyncio.sleep(2.0)


async def _dead_letter(msg: Any, fault: Fault) -> None:
    """A watchlist entry that raised while applied: to the dead-letter topic, with where
    it came from (the entry itself is skipped; the follower goes on)."""
    src = Source(msg.topic, msg.partition, msg.offset, msg.key)
    dead = processing_dead_letter(src, msg.value, fault, datetime.now(UTC))
    for fut in await send_records([(DEADLETTER, msg.key, dead.model_dump_json().encode())]):
        await fut


async def watchlist_loaded(timeout: float = LOAD_WAIT_S) -> None:
    """Wait until the topic's backlog is in the watchlist (at most ``timeout`` seconds),
    so the link stage's replay and first reports see every managed offender."""
    try:
        await asyncio.wait_for(_loaded.wait(), timeout)
    except TimeoutError:
        log.warning("watchlist topic not read within %.0f s; going on with %d entries",
                    timeout, len(shared_watchlist(settings)))
    else:
        log.info("managed-offender watchlist: %d entries", len(shared_watchlist(settings)))
