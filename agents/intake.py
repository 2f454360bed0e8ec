"""Stage 1: one agent per input topic.  Decode, validate, drop exact redeliveries,
normalise, and forward to the internal accepted topic; bad input to the
dead-letter topic with its reason.  The worker never stops on bad input."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson

from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.streams.app import app, settings
from linkwatch.streams.channels import (
    ACCEPTED,
    DEADLETTER,
    cyber_topic,
    fraud_topic,
    incident_topic,
)
from linkwatch.streams.produce import Record, send_records

from ._batch import InOrder, Pace
from ._state import redis_state

log = logging.getLogger(__name__)


def _decode_batch(events: list, kind: str) -> list[tuple[Source, Any, dict[str, Any] | None]]:  # type: ignore[type-arg]
    """The pure part, done while the previous batch's I/O is in flight: each event's
    source coordinate, its outcome, and for an accepted report its enriched payload."""
    now = datetime.now(UTC)
    out = []
    for event in events:
        msg = event.message
        src = Source(msg.topic, msg.partition, msg.offset, msg.key)
        outcome = decode(src, event.value, kind, received_at=now,
                         max_bytes=settings.max_message_bytes)
        payload = None
        if isinstance(outcome, Accepted):
            payload = enrich(outcome.report, outcome.content_hash, settings)
            payload["source"] = src.coordinate  # for `linkwatch reconcile`
        out.append((src, outcome, payload))
    return out


async def _send_batch(decoded: list[tuple[Source, Any, dict[str, Any] | None]],
                      queued: asyncio.Event | None = None) -> None:
    """Claim the accepted reports (a redelivery loses), send them and the dead letters,
    and count every outcome per input partition (``linkwatch reconcile``)."""
    good = [(src, o) for src, o, _ in decoded if isinstance(o, Accepted)]
    claims = await redis_state().claim(
        [(o.report.report_id, o.content_hash, src.coordinate) for src, o in good])
    records: list[Record] = []
    tally: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    high: dict[tuple[str, int], int] = {}
    fresh = iter(claims)
    for src, outcome, payload in decoded:
        part = (src.topic, src.partition or 0)
        high[part] = max(high.get(part, -1), src.offset or 0)
        if not isinstance(outcome, Accepted):
            tally[part]["deadletter"] += 1
            log.info("dead-lettered %s at %s", src.coordinate, outcome.errors[0].loc)
            records.append((DEADLETTER, src.key, outcome.model_dump_json().encode()))
        elif next(fresh):
            tally[part]["processed"] += 1
            records.append((ACCEPTED, outcome.report.report_id.encode(), orjson.dumps(payload)))
        else:
            tally[part]["duplicate"] += 1
    futures = await send_records(records)
    if queued is not None:
        queued.set()
    for fut in futures:
        await fut
    await redis_state().count(tally, high)


async def _intake(stream, kind: str) -> None:  # type: ignore[no-untyped-def]
    batches = InOrder(stream)
    pace = Pace(f"intake {kind}")
    async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
        pace.lap("input")
        decoded = _decode_batch(events, kind)
        pace.lap("decode")
        await batches.send(events, lambda queued, decoded=decoded: _send_batch(decoded, queued))
        pace.lap("send")
        pace.done(len(events))


@app.agent(incident_topic, name="intake_incident")
async def intake_incident(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "incident")


@app.agent(fraud_topic, name="intake_fraud")
async def intake_fraud(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "fraud")


@app.agent(cyber_topic, name="intake_cyber")
async def intake_cyber(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "cyber")
