"""``linkwatch deadletters --replay``: re-drive the reports linkwatch failed on.

A ``processing_error`` dead letter is our fault, not the sender's
(``linkwatch.faults``): once the code is fixed, its report is sent again to the topic it
first arrived on (the dead letter's ``topic``), under its key, and goes through every
stage as a new message.  For each one re-sent:

* the intake's redelivery claim for that content is released first, so the report is
  not dropped as a duplicate of itself (a report the link stage failed on was claimed);
* it is marked re-driven in Redis (``redriven:<topic>:<partition>:<offset>``), so running
  the command twice does not send it twice (``again=True`` sends it anyway).

Only dead letters of linkwatch's input topics (and the watchlist topic) are re-sent; a
dead letter's original coordinate stays dead-lettered for ``linkwatch reconcile``, and
the re-sent message is accounted for at its own coordinate.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from linkwatch.config import Settings
from linkwatch.faults import PROCESSING_ERROR
from linkwatch.kafka import producer
from linkwatch.redis_state import RedisState
from linkwatch.rules.intake import content_hash
from linkwatch.streams import topics
from linkwatch.watch import decode, read_messages


@dataclass
class Redrive:
    counts: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)   # coordinates re-sent

    def as_dict(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "sent": self.sent}


def _value(dead: dict[str, Any]) -> bytes | None:
    if isinstance(dead.get("value"), str):
        return dead["value"].encode("utf-8")
    if isinstance(dead.get("value_b64"), str):
        try:
            return base64.b64decode(dead["value_b64"], validate=True)
        except ValueError:
            return None
    return None


def _claim(value: bytes) -> tuple[str, str] | None:
    """(report_id, content hash) as intake claimed it, if the value is a report."""
    try:
        obj = json.loads(value)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("report_id"), str):
        return obj["report_id"], content_hash(obj)
    return None


async def redrive(settings: Settings, *, reason: str = PROCESSING_ERROR,
                  stage: str | None = None, dry_run: bool = False, again: bool = False,
                  idle_s: float = 2.0) -> Redrive:
    targets = {topics.name(settings, t) for t in (*topics.INPUT.values(), topics.WATCHLIST)}
    result = Redrive()
    chosen: list[tuple[str, dict[str, Any], bytes]] = []
    async for msg in read_messages(settings, topics.name(settings, topics.DEADLETTER),
                                   idle_s=idle_s):
        dead = decode(msg.value)
        if not isinstance(dead, dict):
            continue
        result.counts["read"] += 1
        if dead.get("reason", "invalid") != reason or (stage and dead.get("stage") != stage):
            continue
        result.counts["matched"] += 1
        value = _value(dead)
        if dead.get("topic") not in targets or value is None:
            result.counts["not_an_input"] += 1
            continue
        coord = f"{dead['topic']}:{dead.get('partition')}:{dead.get('offset')}"
        chosen.append((coord, dead, value))
    if dry_run or not chosen:
        result.counts["would_send"] += len(chosen) if dry_run else 0
        return result
    state = RedisState(settings.redis_url or "redis://127.0.0.1:6379/0",
                       f"lw:{settings.app_id}", settings.dedupe_ttl_s)
    prod = producer(settings)
    await prod.start()
    try:
        fresh = [True] * len(chosen) if again else await state.mark_redriven(
            [coord for coord, _, _ in chosen])
        for (coord, dead, value), new in zip(chosen, fresh, strict=True):
            if not new:
                result.counts["already_redriven"] += 1
                continue
            claim = _claim(value)
            if claim is not None:
                await state.forget_reports([claim], (), delete=True)
            key = dead.get("key")
            await prod.send_and_wait(dead["topic"], value,
                                     key=key.encode("utf-8") if isinstance(key, str) else None)
            result.counts["sent"] += 1
            result.sent.append(coord)
    finally:
        await prod.stop()
        await state.close()
    return result
