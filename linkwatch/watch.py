"""Read an output topic from the start: print it, or follow it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.kafka import consumer


async def read_topic(settings: Settings, topic: str, *, follow: bool = False,
                     idle_s: float = 2.0) -> AsyncIterator[tuple[bytes | None, Any]]:
    """Yield (key, decoded JSON value) from every partition of ``topic``, oldest first.
    Without ``follow`` it stops after ``idle_s`` seconds with nothing new (Tansu's
    high watermarks can lag, so the end is found by reading, not by asking)."""
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest")
    await c.start()
    try:
        parts = c.partitions_for_topic(topic)
        for _ in range(50):
            if parts:
                break
            await asyncio.sleep(0.1)
            await c._client.force_metadata_update()  # noqa: SLF001 - no public refresh
            parts = c.partitions_for_topic(topic)
        if not parts:
            return
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        idle = 0.0
        while follow or idle < idle_s:
            batch = await c.getmany(timeout_ms=250, max_records=1000)
            if not batch:
                idle += 0.25
                continue
            idle = 0.0
            for msgs in batch.values():
                for msg in msgs:
                    try:
                        value = json.loads(msg.value) if msg.value else None
                    except ValueError:
                        value = {"undecodable": True}
                    yield msg.key, value
    finally:
        await c.stop()
