"""``linkwatch purge --older-than DAYS``: remove personal data past its retention.

Reports whose ``reported_at`` is older than the cut-off are withdrawn with a
tombstone (key = report id, no value) on the internal accepted topic, which the
link stage and every replay honour: the report, and every person, identifier and
link only it supported, leave the graph and the entity index.  Redis holds no
personal data of the people in reports (dedupe keys hold report ids and content
hashes, which also stop a redelivered purged report from coming back).  On Apache Kafka the accepted topic is compacted, so the
broker drops the original records too; input topics keep personal data only for
their configured ``retention.ms`` (docs/operations.md).  What was removed is
recorded in the audit log, without the personal data (DPA 2018 s.39, s.62).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from linkwatch.config import Settings
from linkwatch.kafka import producer
from linkwatch.streams import topics
from linkwatch.watch import decode, read_messages


async def find_expired(settings: Settings, cutoff: datetime) -> list[str]:
    """Report ids on the accepted topic reported before ``cutoff`` and not yet purged."""
    latest: dict[str, datetime | None] = {}
    async for msg in read_messages(settings, topics.name(settings, topics.ACCEPTED)):
        rid = msg.key.decode() if msg.key else None
        if rid is None:
            continue
        body = decode(msg.value)
        if body is None:
            latest[rid] = None  # already withdrawn
        elif isinstance(body, dict) and "report" in body:
            latest[rid] = datetime.fromisoformat(body["report"]["reported_at"])
    return sorted(rid for rid, when in latest.items() if when is not None and when < cutoff)


async def purge(settings: Settings, older_than_days: int, *, dry_run: bool = False,
                now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=older_than_days)
    expired = await find_expired(settings, cutoff)
    record = {
        "event": "purge", "at": now.isoformat(), "user": settings.user,
        "cutoff": cutoff.isoformat(), "retention_days": older_than_days,
        "reports": len(expired), "dry_run": dry_run,
        # a digest of the ids, not the ids: enough to check a later claim, no personal data
        "reports_sha256": hashlib.sha256("\n".join(expired).encode()).hexdigest(),
    }
    if dry_run:
        return record
    prod = producer(settings)
    await prod.start()
    try:
        accepted = topics.name(settings, topics.ACCEPTED)
        futures = [await prod.send(accepted, None, key=rid.encode()) for rid in expired]
        for fut in futures:
            await fut
        await prod.send_and_wait(topics.name(settings, topics.AUDIT),
                                 json.dumps(record).encode(), key=b"purge")
    finally:
        await prod.stop()
    return record
