"""Send a batch's output records in a few record batches, through the app's own producer.

Faust's ``Topic.send`` wraps every record in its own message, future and callbacks
before aiokafka does the same again; for the link stage's three to four outputs per
report that was about a tenth of the stage's CPU.  Here the records of one call are
grouped by (topic, partition), in order, and each group goes as one aiokafka
``BatchBuilder``: the same producer (acks, retries, linger), the same partitions
(aiokafka's partitioner on the key bytes, as ``send`` chooses), the same order within
a partition.  A group larger than the producer's batch size goes as several batches;
a record larger than that still goes, alone in its batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

Record = tuple[str, bytes | None, bytes]   # topic name, key, value


def _app_producer() -> Any:
    from linkwatch.streams.app import get_app

    # faust's ProducerT does not declare it; its aiokafka Producer has it
    return get_app().producer._ensure_producer()  # type: ignore[attr-defined]  # noqa: SLF001


async def send_records(records: Iterable[Record], producer: Any = None
                       ) -> list[asyncio.Future[Any]]:
    """Queue every record (through ``producer``, an ``AIOKafkaProducer``: by default the
    worker's own); the futures resolve when the broker has stored them."""
    producer = producer or _app_producer()
    groups: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
    known: set[str] = set()
    for topic, key, value in records:
        if topic not in known:
            await producer.client._wait_on_metadata(topic)  # noqa: SLF001 - as send() does
            known.add(topic)
        partition = producer._partition(topic, None, None, None, key, value)  # noqa: SLF001
        groups.setdefault((topic, partition), []).append((key, value))
    futures = []
    for (topic, partition), items in groups.items():
        batch = producer.create_batch()
        for key, value in items:
            if batch.append(timestamp=None, key=key, value=value) is None:  # full
                futures.append(await _submit(producer, batch, topic, partition))
                batch = producer.create_batch()
                batch.append(timestamp=None, key=key, value=value)  # the first always fits
        futures.append(await _submit(producer, batch, topic, partition))
    return futures


async def _submit(producer: Any, batch: Any, topic: str, partition: int) -> asyncio.Future[Any]:
    batch.close()  # nothing else joins it: a concurrent send() starts a batch of its own
    return await producer.send_batch(batch, topic, partition=partition)
