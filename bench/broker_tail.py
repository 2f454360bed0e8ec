"""What the embedded broker (Tansu, memory only) costs to poll a topic's tail as the
topic grows: why the soak's broker CPU climbs at a constant input rate.

    python bench/broker_tail.py [--sizes 0,100000,300000] [--seconds 10]

For each size, the topic is filled to that many 500-byte messages, then one consumer
polls its tail (``fetch_max_wait_ms`` 50, as the workers do) while a trickle is produced
into it; the broker's CPU over the poll is the figure (cores).  A second, empty topic is
polled the same way for comparison.  Writes bench/results/broker_tail.json.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, write_results  # noqa: E402

from linkwatch.stack import EmbeddedBroker  # noqa: E402


async def poll_tail(boot: str, producer: AIOKafkaProducer, pid: int, topic: str,
                    seconds: float) -> tuple[float, int]:
    c = AIOKafkaConsumer(bootstrap_servers=boot, fetch_max_wait_ms=50,
                         enable_auto_commit=False)
    await c.start()
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    await c.seek_to_end(tp)
    c0, t0, got = cpu_seconds(pid), time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        await producer.send(topic, b"x" * 500)
        batch = await c.getmany(timeout_ms=50)
        got += sum(len(v) for v in batch.values())
    cores = (cpu_seconds(pid) - c0) / seconds
    await c.stop()
    return cores, got


async def run(sizes: list[int], seconds: float) -> list[dict[str, Any]]:
    broker = EmbeddedBroker().start()
    rows = []
    try:
        assert broker.proc is not None  # noqa: S101 - just started
        boot = broker.bootstrap
        admin = AIOKafkaAdminClient(bootstrap_servers=boot)
        await admin.start()
        await admin.create_topics([NewTopic("big", 1, 1), NewTopic("small", 1, 1)])
        await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=boot, linger_ms=10)
        await producer.start()
        held = 0
        for size in sizes:
            futures = []
            while held < size:
                futures.append(await producer.send("big", b"y" * 500))
                held += 1
                if len(futures) > 5000:
                    await asyncio.gather(*futures)
                    futures = []
            await asyncio.gather(*futures)
            big, got = await poll_tail(boot, producer, broker.proc.pid, "big", seconds)
            small, _ = await poll_tail(boot, producer, broker.proc.pid, "small", seconds)
            rows.append({"messages_held": size, "broker_cores_polling_its_tail": round(big, 3),
                         "broker_cores_polling_an_empty_topic": round(small, 3),
                         "messages_polled": got})
            print(f"{size:>9} messages held: broker {big:.3f} cores polling its tail, "
                  f"{small:.3f} polling an empty topic", flush=True)
        await producer.stop()
    finally:
        broker.stop()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="0,100000,300000")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    rows = asyncio.run(run([int(s) for s in args.sizes.split(",")], args.seconds))
    write_results(Path(__file__).parent / "results" / "broker_tail.json", {"rows": rows})


if __name__ == "__main__":
    main()
