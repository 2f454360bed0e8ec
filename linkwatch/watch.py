"""Read an output topic from the start: print it, or follow it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from linkwatch.config import Settings
from linkwatch.kafka import consumer


async def read_messages(settings: Settings, topic: str, *, follow: bool = False,
                        idle_s: float = 2.0) -> AsyncIterator[ConsumerRecord]:
    """Every message of every partition of ``topic``, oldest first per partition.
    Without ``follow`` it stops after ``idle_s`` seconds with nothing new (Tansu's
    high watermarks can lag, so the end is found by reading, not by asking)."""
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest",
                 max_partition_fetch_bytes=8 * 1024 * 1024)
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
            batch = await c.getmany(timeout_ms=250, max_records=5000)
            if not batch:
                idle += 0.25
                continue
            idle = 0.0
            for msgs in batch.values():
                for msg in msgs:
                    yield msg
    finally:
        await c.stop()


def decode(value: bytes | None) -> Any:
    """A message value as JSON; ``None`` for a tombstone; a marker when undecodable."""
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return {"undecodable": True}


async def read_topic(settings: Settings, topic: str, *, follow: bool = False,
                     idle_s: float = 2.0) -> AsyncIterator[tuple[bytes | None, Any]]:
    """(key, decoded JSON value) of every message; see :func:`read_messages`."""
    async for msg in read_messages(settings, topic, follow=follow, idle_s=idle_s):
        yield msg.key, decode(msg.value)


def render_alert(a: dict[str, Any]) -> str:
    """One line of ``linkwatch alerts`` (and the demo): severity, type, version, title."""
    return (f"[bold]{a.get('severity', '?').upper():8}[/] {a.get('type')} v{a.get('version')} "
            f"{a.get('alert_id')}  {a.get('title')}  ({len(a.get('report_ids', []))} reports)")


def render_referral(r: dict[str, Any]) -> str:
    """One line of ``linkwatch referrals`` (and the demo)."""
    return (f"{r.get('service'):22} {r.get('priority'):9} {r.get('status'):9} "
            f"report {r.get('report_id')} person {r.get('person_ref')} due {r.get('due_by')}")
