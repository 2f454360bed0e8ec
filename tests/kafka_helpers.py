"""Reading the prefixed output topics of one test."""

from __future__ import annotations

import asyncio
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
