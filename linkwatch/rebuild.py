"""Rebuilding the link state: the snapshot, then the accepted topic's tail.

The link state (``linkwatch.pipeline.Pipeline``) is a pure function of the accepted
topic, so it is rebuilt by reading that topic again, nothing published:

* ``restore``: a starting link stage; the snapshot (``linkwatch.snapshot``) if there is
  a usable one, and the reports after it, else every report;
* ``after_purge``: the link stage meets purge markers in a batch, and rebuilds the
  state without the reports they name (``linkwatch.retention``);
* ``replay``: the fold itself, for those two and for the readers that still rebuild.

Reports a stage dead-lettered when they arrived (``failed_sources``) are skipped, as
they were not applied then: the rebuilt state is the live one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import orjson
from aiokafka import TopicPartition

from linkwatch import snapshot
from linkwatch.config import Settings
from linkwatch.faults import capture
from linkwatch.kafka import consumer
from linkwatch.pipeline import Pipeline
from linkwatch.retention import Retention
from linkwatch.rules.normalise import forget_cached
from linkwatch.schemas.accepted import AcceptedDecodeError, PurgeMarker, decode, decode_head
from linkwatch.streams import topics
from linkwatch.view.writer import make_report_rows
from linkwatch.watch import read_messages

log = logging.getLogger(__name__)


async def restore(settings: Settings, view_at: int | None = None
                  ) -> tuple[Pipeline, int, int | None]:
    """The state before the first uncommitted report, how many reports it holds, and the
    offset of the snapshot it started from (``None``: none was used): the snapshot, if
    there is a usable one, and the reports after it; else every report.

    ``view_at``: the accepted offset the readers' view has reached (linkwatch/view).  A
    snapshot ahead of it is not used: the reports in between would be in neither the
    tail the view is brought on with nor the view."""
    saved = snapshot.load(settings)
    if saved is not None and view_at is not None and saved.offset > view_at:
        log.info("snapshot at accepted offset %d not used: the link view has reached only "
                 "%d; replaying every report", saved.offset, view_at)
        saved = None
    if saved is not None:
        try:
            more = await replay(settings, saved.pipeline, start=saved.offset)
            return saved.pipeline, saved.pipeline.reports + more, saved.offset
        except snapshot.Stale as why:
            log.info("snapshot not used, and deleted: %s", why)
            snapshot.forget(settings)  # it holds reports a purge has removed since
    pipeline = Pipeline(settings)
    return pipeline, await replay(settings, pipeline), None


ROWS_EVERY = 1_000  # replayed reports between ``_settle`` calls


def _settle(pipeline: Pipeline, view: bool) -> None:
    """What the replay left for the view: made into rows, or dropped (``replay``)."""
    if view:
        make_report_rows(pipeline)
    else:
        pipeline.fresh, pipeline.named = [], []
        pipeline.graph.take_changes()


async def replay(settings: Settings, pipeline: Pipeline, *, committed_only: bool = True,
                 progress: Callable[[int], Any] | None = None, until: int | None = None,
                 purges: Sequence[tuple[int, Sequence[str]]] = (), start: int = 0,
                 view: bool = True) -> int:
    """Rebuild the pipeline's state from the accepted topic; nothing is published.

    ``committed_only``: stop at the offset the worker group has committed (a
    restarting worker); otherwise read to the end of the topic (an export).
    ``until``: stop before this offset too (the link stage rebuilding for a purge).

    Retention purges are honoured (``linkwatch.retention``): a first read collects the
    purge markers (plus ``purges``, as (offset, report ids)), the second applies every
    report that no later marker names.  Returns the number of reports applied.

    ``start``: read from this offset, ``pipeline`` holding everything before it (a
    snapshot, ``linkwatch.snapshot``); a purge marker from there on could name reports
    the snapshot holds, so it raises ``snapshot.Stale`` and the caller replays it all.

    ``view``: the state is the link stage's, whose view takes the replayed reports' rows:
    they are made every ``ROWS_EVERY`` reports (``view.writer.make_report_rows``), not held
    as reports until the view's first take.  ``False``: nothing takes them (the erasure
    sweep), so what the view would take is dropped as it goes.

    Reports the link stage dead-lettered (``processing_error``, ``failed_sources``) are
    skipped, as they were not applied when they arrived: the rebuilt state is the live
    one, and their re-drive (``deadletters --replay``) applies them as new.
    """
    failed = await failed_sources(settings)
    pipeline.offset = max(pipeline.offset, start)
    tp = TopicPartition(topics.name(settings, topics.ACCEPTED), 0)
    c = consumer(settings, group_id=settings.app_id, enable_auto_commit=False,
                 auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024)
    await c.start()
    count = end = 0
    try:
        stop_at = await c.committed(tp) if committed_only else None
        if committed_only and not stop_at:
            return 0
        if until is not None:
            stop_at = until if stop_at is None else min(stop_at, until)
        c.assign([tp])
        retention = Retention(purges)
        end = start
        async for msg in _read_accepted(c, tp, stop_at, start):
            end = msg.offset + 1
            try:
                head = decode_head(msg.value)
            except AcceptedDecodeError:
                continue  # the second read dead-letters nothing either: it skips it
            if isinstance(head, PurgeMarker):
                if start:
                    raise snapshot.Stale(
                        f"purge marker at accepted offset {msg.offset}, past {start}")
                retention.add(msg.offset, head.report_ids)
        async for msg in _read_accepted(c, tp, end, start):  # no further than the first read
            try:
                message = decode(msg.value)
                if isinstance(message, PurgeMarker) \
                        or retention.skips(message.report_id, msg.offset):
                    continue
                if failed and message.source in failed:
                    continue  # dead-lettered when it arrived: as then, it is not applied
                pipeline.apply(message)
            except Exception as exc:  # noqa: BLE001 - one report must never stop a rebuild
                capture("link", exc, then=f"accepted offset {msg.offset} skipped in the "
                        "rebuild (it was dead-lettered when it first arrived)")
                continue
            count += 1
            if count % ROWS_EVERY == 0:
                _settle(pipeline, view)
            if progress:
                progress(1)
        _settle(pipeline, view)
        pipeline.offset = max(pipeline.offset, end)
        return count
    finally:
        await c.stop()


async def after_purge(settings: Settings, events: Sequence[Any]) -> tuple[Pipeline, list[Any]]:
    """The link stage meets a batch holding purge markers: a new ``Pipeline`` replayed up
    to the batch, honouring every marker before and in it, and the batch's events left
    to apply (markers and reports a later marker of the batch names are dropped).  The
    state after the batch is what a restart would rebuild; nothing is re-published.

    Faust acknowledges a batch even when its agent is cancelled half way (see
    ``agents/_batch.py``), so a cancelled rebuild is finished, and the cancellation
    asked for again, to arrive once the caller has applied and published the batch.
    A failed rebuild (the broker briefly gone) is retried with back-off."""
    task = asyncio.ensure_future(_retrying(settings, events))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        result = await task
        current = asyncio.current_task()
        if current is not None:
            current.cancel()
        return result


def _head(value: bytes | None) -> Any:
    try:
        return decode_head(value)
    except AcceptedDecodeError:
        return None  # not a marker: the link stage dead-letters it as a report


async def _retrying(settings: Settings, events: Sequence[Any]) -> tuple[Pipeline, list[Any]]:
    delay = 0.25
    while True:
        try:
            return await _after_purge(settings, events)
        except Exception as exc:  # noqa: BLE001 - retried: acking the batch unhandled is worse
            log.warning("purge rebuild failed (%s); retrying in %.2fs", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def _after_purge(settings: Settings, events: Sequence[Any]
                       ) -> tuple[Pipeline, list[Any]]:
    heads = [(e, _head(e.value)) for e in events]
    markers = [(e.message.offset, h.report_ids) for e, h in heads if isinstance(h, PurgeMarker)]
    retention = Retention(markers)
    keep = [e for e, h in heads if not isinstance(h, PurgeMarker)
            and not (h is not None and retention.skips(h.report_id, e.message.offset))]
    forget_cached()  # the identifier caches hold raw forms from the purged reports too
    pipeline = Pipeline(settings)
    n = await replay(settings, pipeline, committed_only=False, until=events[0].message.offset,
                     purges=markers)
    log.info("retention purge: link state rebuilt from %d reports, %d ids named by %d markers",
             n, len(retention), len(markers))
    return pipeline, keep


async def failed_sources(settings: Settings, idle_s: float = 1.0,
                         stages: tuple[str, ...] = ("link", "publish")) -> set[str]:
    """Input coordinates (``topic:partition:offset``) of every report one of ``stages``
    dead-lettered with ``processing_error`` (``linkwatch.faults``): by default those the
    link stage did not apply (a reader's own failures do not change the link state)."""
    failed: set[str] = set()
    async for msg in read_messages(settings, topics.name(settings, topics.DEADLETTER),
                                   idle_s=idle_s):
        try:
            dead = orjson.loads(msg.value or b"")
        except orjson.JSONDecodeError:
            continue
        if isinstance(dead, dict) and dead.get("reason") == "processing_error" \
                and dead.get("stage") in stages:
            failed.add(f"{dead.get('topic')}:{dead.get('partition')}:{dead.get('offset')}")
    return failed


async def _read_accepted(c: Any, tp: TopicPartition, stop_at: int | None,
                         start: int = 0) -> AsyncIterator[Any]:
    """The accepted topic's messages from ``start`` (0: its beginning), below ``stop_at``
    (``None``: to the end)."""
    if stop_at is not None and stop_at <= start:
        return
    if start:
        c.seek(tp, start)
    else:
        await c.seek_to_beginning(tp)
    idle = 0
    while True:
        batch = (await c.getmany(tp, timeout_ms=500, max_records=5000)).get(tp, [])
        for msg in batch:
            if stop_at is not None and msg.offset >= stop_at:
                return
            yield msg
            if stop_at is not None and msg.offset + 1 >= stop_at:
                return
        idle = 0 if batch else idle + 1
        # the end is found by reading: Tansu's high watermark can lag the log end
        if idle >= 4 and (stop_at is None or await c.position(tp) >= stop_at):
            return

