"""Finish a batch before its events are acknowledged.

Faust's ``take_events`` acknowledges every event of a batch when the batch's
generator is closed: after the agent body, but also when the body was cancelled
half way (a graceful shutdown, a rebalance) or raised (Redis or the broker briefly
unreachable).  Either way the rest of the batch would be committed unhandled.  So
the batch's I/O runs in its own task, shielded from cancellation and retried with
back-off on failure; the work it retries is idempotent (Redis claims name the input
coordinate, outputs carry deterministic ids and content).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

MAX_DELAY_S = 10.0


async def finish_batch(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    delay = 0.25
    while True:
        task = asyncio.ensure_future(work())
        try:
            await asyncio.shield(task)
            return
        except asyncio.CancelledError:
            await task  # handle the whole batch, so what is acknowledged was done
            raise
        except Exception as exc:  # noqa: BLE001 - retried: losing the batch is worse
            log.warning("batch failed (%s: %s); retrying in %.2fs",
                        type(exc).__name__, str(exc)[:120], delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)
