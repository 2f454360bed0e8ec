"""``linkwatch reconcile``: account for every input message from the broker alone.

Each message on an input topic must have ended in exactly one of:

* processed: the accepted topic holds a report forwarded from its coordinate;
* dead-lettered: the dead-letter topic names its coordinate (invalid input, or a
  ``processing_error`` in any stage: a report the link stage failed on is dead-lettered
  at its input coordinate, and counts here even though intake accepted it);
* duplicate: it decodes to a report whose id and content hash the accepted topic
  already holds from another coordinate (an exact redelivery).

Anything else below the consumer group's committed offset is a gap (lost: a
failing exit code); above it, the message is still in flight.  Counting is done
by reading the topics (Tansu's high watermarks can lag), and the verdict is
re-derived with the pipeline's own pure decoder, not read from Redis, so it
survives a Redis restart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.kafka import consumer
from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.schemas.accepted import ReportHead, try_decode_head
from linkwatch.streams import topics
from linkwatch.watch import decode as decode_json
from linkwatch.watch import read_messages


@dataclass
class PartitionAccount:
    topic: str
    partition: int
    committed: int | None
    counts: Counter[str] = field(default_factory=Counter)
    gaps: list[int] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(self.counts.values())


@dataclass
class Reconciliation:
    partitions: list[PartitionAccount]

    @property
    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for p in self.partitions:
            total.update(p.counts)
        return total

    @property
    def ok(self) -> bool:
        return not any(p.gaps for p in self.partitions)


async def _committed(settings: Settings, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    c = consumer(settings, group_id=settings.app_id, enable_auto_commit=False)
    await c.start()
    try:
        return {tp: (await c.committed(tp)) or 0 for tp in tps}
    finally:
        await c.stop()


async def reconcile(settings: Settings, idle_s: float = 2.0) -> Reconciliation:
    accepted: dict[str, tuple[str, str]] = {}  # source coordinate -> (report_id, hash)
    seen: set[tuple[str, str]] = set()
    async for msg in read_messages(settings, topics.name(settings, topics.ACCEPTED),
                                   idle_s=idle_s):
        head = try_decode_head(msg.value)
        if isinstance(head, ReportHead):
            key = (head.report_id, head.hash)
            seen.add(key)
            if head.source:
                accepted[head.source] = key
    dead: set[str] = set()
    async for msg in read_messages(settings, topics.name(settings, topics.DEADLETTER),
                                   idle_s=idle_s):
        body = decode_json(msg.value)
        if isinstance(body, dict):
            dead.add(f"{body.get('topic')}:{body.get('partition')}:{body.get('offset')}")
    accounts: dict[tuple[str, int], PartitionAccount] = {}
    now = datetime.now(UTC)
    for kind, base in topics.INPUT.items():
        topic = topics.name(settings, base)
        async for msg in read_messages(settings, topic, idle_s=idle_s):
            acc = accounts.setdefault((topic, msg.partition),
                                      PartitionAccount(topic, msg.partition, None))
            coord = f"{topic}:{msg.partition}:{msg.offset}"
            if coord in dead:  # first: the link stage dead-letters reports intake accepted
                acc.counts["deadletter"] += 1
            elif coord in accepted:
                acc.counts["processed"] += 1
            else:
                out = decode(Source(topic, msg.partition, msg.offset, msg.key), msg.value, kind,
                             received_at=now, max_bytes=settings.max_message_bytes)
                if isinstance(out, Accepted) and (out.report.report_id, out.content_hash) in seen:
                    acc.counts["duplicate"] += 1
                else:
                    acc.counts["unaccounted"] += 1
                    acc.gaps.append(msg.offset)
    committed = await _committed(settings, [TopicPartition(t, p) for t, p in accounts])
    for (topic, partition), acc in accounts.items():
        acc.committed = committed[TopicPartition(topic, partition)]
        in_flight = [o for o in acc.gaps if o >= acc.committed]
        acc.counts["in_flight"] += len(in_flight)
        acc.counts["unaccounted"] -= len(in_flight)
        acc.gaps = [o for o in acc.gaps if o < acc.committed]
        if not acc.counts["unaccounted"]:
            del acc.counts["unaccounted"]
    return Reconciliation(sorted(accounts.values(), key=lambda a: (a.topic, a.partition)))
