"""Finish a batch before stopping.

Faust's ``take_events`` acknowledges every event of a batch when the batch's
generator is closed, even when the agent was cancelled half way through it (a
graceful shutdown, a rebalance): the rest of the batch would be committed without
being handled.  So each batch runs in its own task, shielded from cancellation;
a cancelled agent waits for the batch to complete, then stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def finish_batch(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task  # handle the whole batch, so what is acknowledged was done
        raise
