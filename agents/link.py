"""Stage 2: the one owner of the link graph.  Reads accepted reports (one
partition), feeds ``linkwatch.pipeline.Pipeline`` and publishes its alerts,
referrals and audit records, each output once (Redis 'emitted' marks)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from linkwatch import rebuild, snapshot
from linkwatch.faults import Fault
from linkwatch.graph.alerts import Numbered
from linkwatch.graph.feedback import suppress
from linkwatch.pipeline import Outputs, Pipeline, link_dead_letter
from linkwatch.schemas.accepted import AcceptedReport, PurgeMarker, try_decode
from linkwatch.streams.channels import (
    ALERTS,
    AUDIT,
    DEADLETTER,
    ENTITIES,
    REFERRALS,
    accepted_topic,
    app,
    settings,
)
from linkwatch.streams.produce import Record, send_records
from linkwatch.view import ViewWriter, Writes

from ._batch import InOrder, Pace, one_by_one
from ._health import supervised
from ._state import redis_state
from .watchlist import watchlist_loaded

log = logging.getLogger(__name__)


async def _publish(outputs: list[Outputs], queued: asyncio.Event | None = None) -> None:
    """Publish a batch's outputs once each (Redis 'emitted' marks), suppressing alert
    versions the analysts closed; safe to retry.  Alerts are numbered above every
    version already published (``graph.alerts.number_alerts``): after a retention
    purge the rebuilt ``AlertBook`` counts again from what is left."""
    state = redis_state()
    alerts = await state.number_alerts([a for o in outputs for a in o.alerts])
    messages: list[tuple[str, str, Numbered | bytes]] = []   # alerts typed until sent
    start = 0
    for o in outputs:
        messages += [(ALERTS, a.out_id, a) for a in alerts[start:start + len(o.alerts)]]
        messages += [(REFERRALS, out_id, body) for out_id, body in o.referrals]
        start += len(o.alerts)
    fresh = await state.not_emitted([out_id for _, out_id, _ in messages])
    publish = await _not_suppressed(messages, fresh)
    futures = await send_records(
        [*((topic, out_id.split("@")[0].encode(),
            value.body if isinstance(value, Numbered) else value)
           for (topic, out_id, value), send in zip(messages, publish, strict=True) if send),
         *((topic, rec_key.encode(), body)
           for o in outputs
           for topic, records in ((AUDIT, o.audit), (ENTITIES, o.entities),
                                  (DEADLETTER, o.dead_letters))
           for rec_key, body in records)])
    if queued is not None:
        queued.set()
    for fut in futures:
        await fut
    await state.mark_emitted(
        out_id for (_, out_id, _), new in zip(messages, fresh, strict=True) if new)
    await state.record_alert_versions((a.alert_id, a.digest, a.version)
                                      for a in alerts if not a.known)


async def _publish_items(items: list[tuple[bytes, Outputs]]) -> None:
    await _publish([o for _, o in items])


def _unsent(item: tuple[bytes, Outputs], fault: Fault) -> Record:
    """A report whose outputs could not be published (a fault that is not I/O): its
    dead letter, at the input coordinate the report came from."""
    value, _ = item
    message = try_decode(value)
    key, body = link_dead_letter(message if isinstance(message, AcceptedReport) else None,
                                 value, fault)
    return DEADLETTER, key.encode() or None, body


@app.agent(accepted_topic, name="link_reports")
@supervised("link_reports")
async def link_reports(stream):  # type: ignore[no-untyped-def]
    await watchlist_loaded()  # managed offenders (agents/watchlist.py) before the replay
    # the readers' view (linkwatch/view): brought to the rebuilt state, then each batch
    view = ViewWriter(settings)
    writes = Writes(view)
    try:
        await _link(stream, view, writes)
    finally:  # a stopped owner's timer must not write its state over a new owner's view
        writes.stop()


async def _link(stream, view: ViewWriter, writes: Writes) -> None:  # type: ignore[no-untyped-def]
    pipeline, replayed, snapshot_at = await _rebuild(view.reached())
    log.info("link graph rebuilt from %d accepted reports", replayed)
    view.prepare(pipeline.offset, snapshot_at)
    writes.offer(pipeline, pipeline.offset)
    snapshots = snapshot.Writer(settings, pipeline.reports)
    batches = InOrder(stream)
    pace = Pace("link")
    async for events in stream.take_events(settings.batch_size, within=settings.batch_within_s):
        pace.lap("input")
        # the accepted offset this batch brings the state to (a marker's batch included)
        reached = events[-1].message.offset + 1 if events else None
        decoded = [try_decode(e.value) for e in events]  # once each (schemas/accepted.py)
        if any(isinstance(m, PurgeMarker) for m in decoded):  # retention: forget, go on
            await batches.drain()
            await writes.flush()
            pipeline, events = await rebuild.after_purge(settings, events)
            decoded = [try_decode(e.value) for e in events]
            snapshots.forget(pipeline.reports)
            view.purged(pipeline.applied)  # the next write replaces the view: the purged
            # reports leave it, and the rows kept for it while it is down
        # the state changes once (pure); only the publishing is retried, and it overlaps
        # the next batch's apply
        # an exception while applying one report makes it a dead letter, not the end
        outputs = [pipeline.apply_message(e.value, decoded=m)
                   for e, m in zip(events, decoded, strict=True)]
        if reached is not None:
            pipeline.offset = reached
            writes.offer(pipeline, reached)  # written now, or with the next write
        pace.lap("apply")
        items = list(zip((e.value for e in events), outputs, strict=True))
        await batches.send(events, partial(_publish, outputs),
                           partial(one_by_one, items, _publish_items, _unsent))
        pace.lap("publish")
        if events and snapshots.due(pipeline):
            await batches.drain()  # a snapshot holds only published reports
            await writes.flush()   # and the view has reached it (linkwatch/view/writer.py)
            snapshots.maybe(pipeline, events[-1].message.offset + 1)
        pace.done(len(events))


async def _rebuild(view_at: int) -> tuple[Pipeline, int, int | None]:
    """The state before the first uncommitted report: the snapshot, if there is a usable
    one, and the reports after it; else every report (``linkwatch.rebuild.restore``).  Also
    the snapshot's offset (``None``: none was used), which the view's start needs; a
    snapshot ahead of the view (``view_at``) is not used."""
    return await rebuild.restore(settings, view_at)


async def _not_suppressed(messages: list[tuple[str, str, Numbered | bytes]],
                          fresh: list[bool]) -> list[bool]:
    """Fresh outputs, less alert versions the analysts have closed (``graph.feedback.
    suppress`` decides).  A suppressed version is still marked emitted, so a restart does
    not send it."""
    alerts = [(i, value.alert) for i, ((_, _, value), new)
              in enumerate(zip(messages, fresh, strict=True))
              if new and isinstance(value, Numbered)]
    statuses = await redis_state().alert_statuses(settings.app_id,
                                                  [a.alert_id for _, a in alerts])
    publish = list(fresh)
    for (i, alert), status in zip(alerts, statuses, strict=True):
        if suppress(alert, status):
            publish[i] = False
            log.info("alert %s v%s suppressed: closed by an analyst",
                     alert.alert_id, alert.version)
    return publish
