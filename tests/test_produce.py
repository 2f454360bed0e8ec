"""streams/produce.py on the real embedded broker: records sent as record batches land
on the partitions aiokafka's own ``send`` picks for their keys, in order within each
partition, each once; a group larger than a batch is split, and a record larger than
a whole batch still goes."""

from __future__ import annotations

from collections import defaultdict

import pytest

from linkwatch.kafka import producer
from linkwatch.streams import topics
from linkwatch.streams.produce import send_records
from linkwatch.watch import read_messages

pytestmark = pytest.mark.integration


async def _read(settings, topic: str):  # type: ignore[no-untyped-def]
    """Every message on ``topic``, read until nothing new comes for 1.5 s."""
    return [msg async for msg in read_messages(settings, topic, idle_s=1.5)]


async def test_batches_keep_partitions_order_and_every_record(lw_env) -> None:  # type: ignore[no-untyped-def]
    env = lw_env()  # topics with two partitions
    s = env.settings
    batched = topics.name(s, topics.ALERTS)
    plain = topics.name(s, topics.REFERRALS)
    keys = [f"alert-{k}".encode() for k in range(40)]
    records = [(batched, keys[i % len(keys)], f"{i:06d}".encode() + b"." * 200)
               for i in range(400)]
    big = (batched, b"alert-big", b"B" * 60_000)  # larger than a whole batch below

    prod = producer(s, max_batch_size=16_384)  # ~70 records a batch: groups must split
    await prod.start()
    try:
        futures = await send_records([*records[:200], big, *records[200:]], prod)
        for fut in futures:
            await fut
        for key in [*keys, b"alert-big"]:  # the same keys through plain send()
            await prod.send_and_wait(plain, b"x", key=key)
    finally:
        await prod.stop()
    assert len(futures) > 4, "each partition's group should have needed several batches"

    got = await _read(s, batched)
    assert sorted(m.value for m in got) == sorted(v for _, _, v in [*records, big])
    by_key_plain = {m.key: m.partition for m in await _read(s, plain)}
    assert {m.key: m.partition for m in got} == by_key_plain
    assert len(set(by_key_plain.values())) == 2  # the keys do spread over both partitions

    seen: dict[int, list[bytes]] = defaultdict(list)
    for m in sorted(got, key=lambda m: (m.partition, m.offset)):
        if m.key != b"alert-big":
            seen[m.partition].append(m.value[:6])
    for values in seen.values():
        assert values == sorted(values)  # the order they were given, within a partition
