"""Stage 1: one agent per input topic.  Decode, validate, drop exact redeliveries,
normalise, and forward to the internal accepted topic; bad input to the
dead-letter topic with its reason.  The worker never stops on bad input."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from datetime import UTC, datetime
from functools import partial
from typing import Any

from linkwatch.faults import Fault, capture
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source, decode, processing_dead_letter
from linkwatch.schemas import DeadLetter, accepted
from linkwatch.streams.channels import (
    ACCEPTED,
    DEADLETTER,
    app,
    cyber_topic,
    fraud_topic,
    incident_topic,
    settings,
)
from linkwatch.streams.produce import Record, send_records

from ._batch import InOrder, Pace, one_by_one
from ._health import supervised
from ._state import redis_state

log = logging.getLogger(__name__)


# an event's input coordinate, its outcome (Accepted or DeadLetter), the accepted
# payload's JSON (None for a dead letter) and the raw value as it arrived
Decoded = tuple[Source, Any, bytes | None, bytes | None]


def _decode_batch(events: list, kind: str) -> list[Decoded]:  # type: ignore[type-arg]
    """The pure part, done while the previous batch's I/O is in flight: each event's
    source coordinate, its outcome, and for an accepted report its enriched payload
    (JSON).  An exception while enriching one report makes that report a dead letter
    (``processing_error``), never the batch's end."""
    now = datetime.now(UTC)
    out = []
    for event in events:
        msg = event.message
        src = Source(msg.topic, msg.partition, msg.offset, msg.key)
        outcome: Accepted | DeadLetter = decode(src, event.value, kind, received_at=now,
                                                max_bytes=settings.max_message_bytes)
        payload = None
        if isinstance(outcome, Accepted):
            try:
                enriched = enrich(outcome.report, outcome.content_hash, settings)
                enriched.source = src.coordinate  # for `linkwatch reconcile`
                payload = accepted.encode(enriched)
            except Exception as exc:  # noqa: BLE001 - one report must never stop the stage
                outcome = processing_dead_letter(src, event.value, capture("intake", exc), now)
        out.append((src, outcome, payload, event.value))
    return out


async def _send_batch(decoded: list[Decoded],
                      queued: asyncio.Event | None = None) -> None:
    """Claim the accepted reports (a redelivery loses), send them and the dead letters,
    and count every outcome per input partition (``linkwatch reconcile``)."""
    good = [(src, o) for src, o, _, _ in decoded if isinstance(o, Accepted)]
    claims = await redis_state().claim(
        [(o.report.report_id, o.content_hash, src.coordinate) for src, o in good])
    records: list[Record] = []
    tally: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    high: dict[tuple[str, int], int] = {}
    fresh = iter(claims)
    for src, outcome, payload, _raw in decoded:
        part = (src.topic, src.partition or 0)
        high[part] = max(high.get(part, -1), src.offset or 0)
        if not isinstance(outcome, Accepted):
            tally[part]["deadletter"] += 1
            log.info("dead-lettered %s (%s) at %s", src.coordinate, outcome.reason,
                     outcome.errors[0].loc)
            records.append((DEADLETTER, src.key, outcome.model_dump_json().encode()))
        elif next(fresh):
            assert payload is not None  # an accepted report always has its payload
            tally[part]["processed"] += 1
            records.append((ACCEPTED, outcome.report.report_id.encode(), payload))
        else:
            tally[part]["duplicate"] += 1
    futures = await send_records(records)
    if queued is not None:
        queued.set()
    for fut in futures:
        await fut
    await redis_state().count(tally, high)


def _unsent(item: Decoded, fault: Fault) -> Record:
    """The dead letter of a report whose publishing failed for a reason not I/O."""
    src, _outcome, _payload, raw = item
    dead = processing_dead_letter(src, raw, fault, datetime.now(UTC))
    return DEADLETTER, src.key, dead.model_dump_json().encode()


async def _intake(stream, kind: str) -> None:  # type: ignore[no-untyped-def]
    batches = InOrder(stream)
    pace = Pace(f"intake {kind}")
    async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
        pace.lap("input")
        decoded = _decode_batch(events, kind)
        pace.lap("decode")
        await batches.send(events, partial(_send_batch, decoded),
                           partial(one_by_one, decoded, _send_batch, _unsent))
        pace.lap("send")
        pace.done(len(events))


@app.agent(incident_topic, name="intake_incident")
@supervised("intake_incident")
async def intake_incident(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "incident")


@app.agent(fraud_topic, name="intake_fraud")
@supervised("intake_fraud")
async def intake_fraud(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "fraud")


@app.agent(cyber_topic, name="intake_cyber")
@supervised("intake_cyber")
async def intake_cyber(stream):  # type: ignore[no-untyped-def]
    await _intake(stream, "cyber")
