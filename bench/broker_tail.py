"""What the embedded broker (Tansu 0.6, memory only) costs to serve a topic's tail as the
topic grows: why the soak's broker CPU climbs at a constant input rate.

    python bench/broker_tail.py [--sizes 0,50000,150000] [--per-batch 1,3,30] [--seconds 10]

Tansu's fetch (``tansu-storage/src/dynostore.rs``, ``fetch``) lists every stored record
batch of the partition, each a separate object, to find those at or past the fetch
offset, whenever the offset is behind the high watermark.  So a fetch that returns data
costs time in proportion to the batches the partition holds, not to what it returns; a
fetch at the tail with nothing new costs nothing of the kind.  A real Kafka broker finds
the offset in its segment index.

For each size and batching, a topic (one partition) is filled with that many
1,000-byte messages, ``per-batch`` to a record batch, then messages are produced into it
at 600 a second, in batches of the same size, while one consumer follows its tail
(``fetch_max_wait_ms`` 50, as the workers do).  The broker's CPU over that time is the
figure (cores); the fetch requests the consumer made are counted.  An upstream producer
whose messages each land in their own batch (a small linger spread over many
partitions) is the ``per-batch 1`` row.  Writes bench/results/broker_tail.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer.fetcher import Fetcher

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, write_results  # noqa: E402

from linkwatch.stack import EmbeddedBroker  # noqa: E402

RATE = 600          # messages a second at the tail: the soak's rate
MESSAGE = b"x" * 1000


class FetchCount:
    """The fetch requests aiokafka's fetcher sends (counted by wrapping its method)."""

    def __init__(self) -> None:
        self.n = 0
        original = Fetcher._proc_fetch_request  # noqa: SLF001

        async def counted(fetcher: Any, *args: Any, **kwargs: Any) -> Any:
            self.n += 1
            return await original(fetcher, *args, **kwargs)

        Fetcher._proc_fetch_request = counted  # type: ignore[method-assign]  # noqa: SLF001


async def put(producer: AIOKafkaProducer, topic: str, n: int, per_batch: int) -> None:
    """``n`` messages into partition 0, ``per_batch`` to a record batch."""
    futures = []
    for start in range(0, n, per_batch):
        batch = producer.create_batch()
        for _ in range(min(per_batch, n - start)):
            batch.append(timestamp=None, key=None, value=MESSAGE)
        batch.close()
        futures.append(await producer.send_batch(batch, topic, partition=0))
        if len(futures) >= 2000:
            await asyncio.gather(*futures)
            futures = []
    await asyncio.gather(*futures)


async def follow_tail(boot: str, producer: AIOKafkaProducer, pid: int, topic: str,
                      per_batch: int, seconds: float, fetches: FetchCount
                      ) -> tuple[float, int, int]:
    """Broker cores, messages read and fetch requests while the tail grows at ``RATE``."""
    c = AIOKafkaConsumer(bootstrap_servers=boot, fetch_max_wait_ms=50,
                         enable_auto_commit=False)
    await c.start()
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    await c.seek_to_end(tp)
    done = asyncio.Event()

    async def produce() -> None:
        sent, t0 = 0, time.monotonic()
        while not done.is_set():
            await put(producer, topic, per_batch, per_batch)
            sent += per_batch
            ahead = sent / RATE - (time.monotonic() - t0)
            if ahead > 0:
                await asyncio.sleep(ahead)

    task = asyncio.create_task(produce())
    fetches.n = 0
    c0, t0, got = cpu_seconds(pid), time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        batch = await c.getmany(timeout_ms=200)
        got += sum(len(v) for v in batch.values())
    cores = (cpu_seconds(pid) - c0) / seconds
    done.set()
    await task
    await c.stop()
    return cores, got, fetches.n


async def run(sizes: list[int], batchings: list[int], seconds: float) -> list[dict[str, Any]]:
    broker = EmbeddedBroker().start()
    fetches = FetchCount()
    rows = []
    try:
        assert broker.proc is not None  # noqa: S101 - just started
        boot, pid = broker.bootstrap, broker.proc.pid
        producer = AIOKafkaProducer(bootstrap_servers=boot, max_batch_size=1 << 20)
        await producer.start()
        admin = AIOKafkaAdminClient(bootstrap_servers=boot)
        await admin.start()
        for per_batch in batchings:
            for size in sizes:
                topic = f"held-{size}-per-{per_batch}"
                await admin.create_topics([NewTopic(topic, 1, 1)])
                await put(producer, topic, size, per_batch)
                cores, got, n = await follow_tail(boot, producer, pid, topic, per_batch,
                                                  seconds, fetches)
                row = {"messages_held": size, "messages_per_batch": per_batch,
                       "batches_held": -(-size // per_batch), "broker_cores": round(cores, 3),
                       "messages_read": got, "fetch_requests": n}
                rows.append(row)
                print(f"{size:>7} held, {per_batch:>2} per batch ({row['batches_held']:>6} "
                      f"batches): broker {cores:.3f} cores following the tail at {RATE}/s "
                      f"({got} read, {n} fetches)", flush=True)
        await admin.close()
        await producer.stop()
    finally:
        broker.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="0,50000,150000")
    ap.add_argument("--per-batch", default="1,3,30")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    rows = asyncio.run(run([int(s) for s in args.sizes.split(",")],
                           [int(s) for s in args.per_batch.split(",")], args.seconds))
    write_results(Path(__file__).parent / "results" / "broker_tail.json",
                  {"rate": RATE, "rows": rows})


if __name__ == "__main__":
    main()
