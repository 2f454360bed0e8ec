"""The API's read model: the latest version of every alert, every referral, and
the link graph, kept up to date by following the topics.

* ``alerts`` and ``referrals`` are read from the start, every partition; the
  latest version per ``alert_id`` (highest ``version``) / ``referral_id`` wins.
* The link graph is rebuilt by folding the internal accepted topic through
  :class:`linkwatch.pipeline.Pipeline`, as the link stage does, and then followed;
  the pipeline's outputs are discarded (the worker publishes them, not us).
* For the plan's measures (``/api/outcomes``): one ``reporting.ReportRow`` per accepted
  report, every alert version, and when each referral was first published.
* What a purge erased from the outputs (``linkwatch.erasure``) goes at once: a referral
  tombstone (null value) drops the referral; a ``redacted`` alert version replaces the
  alert and drops its earlier versions; a ``withdrawn`` one drops the alert.
* Retention purges (``linkwatch.purge``) are honoured as by the link stage: a report
  message is skipped when a marker later in the accepted topic names its id.  A fresh
  start first reads the topic's markers, so it never folds in what they name; a marker
  met while following drops the named reports' rows at once and rebuilds the graph and
  the rows by ``rebuild.replay`` up to the marker, then swaps the new state in.

New alert versions are offered to subscribers (the live stream), numbered in the order
they reached this read model: the stream's event ids are ``<epoch>-<number>``, the epoch
being this process's, so a client that reconnects with ``Last-Event-ID`` is sent the
alerts changed since (``changed_since``), and one whose id is from another process (the
API restarted) is told to reload.  Everything here runs on the one event loop, so
request handlers read a consistent state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.erasure import REDACTED, WITHDRAWN
from linkwatch.faults import capture
from linkwatch.pipeline import Outputs, Pipeline
from linkwatch.rebuild import replay
from linkwatch.reporting.rows import ReportRow, report_row
from linkwatch.retention import Retention
from linkwatch.schemas.accepted import (
    AcceptedDecodeError,
    AcceptedReport,
    PurgeMarker,
    decode,
    encode,
    try_decode_head,
)

log = logging.getLogger(__name__)

_IDLE_POLLS = 4  # empty polls of 250 ms in a row = caught up (Tansu's watermarks can lag)
Take = Callable[[TopicPartition, Sequence[Any]], Awaitable[None]]  # one partition's batch


class _Pipeline(Pipeline):
    """The link stage's pipeline plus one ``ReportRow`` per report it applies, so that a
    rebuild (``replay``) rebuilds the graph and the rows together."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.rows: dict[str, ReportRow] = {}
        self.faults = 0  # reports this reader could not fold in
        # (message, fault) of each report that failed since the read model last sent its
        # dead letters (``ReadModel._send_failed``)
        self.failed: list[tuple[AcceptedReport, Any]] = []

    def apply(self, message: AcceptedReport) -> Outputs:
        try:
            out = super().apply(message)
            self._add_row(message)
            return out
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the read model
            # logged without its message (personal data), and dead-lettered (stage
            # readmodel) once, so an operator sees it and can re-drive it after a fix
            fault = capture("readmodel", exc, then="the report is left out of the API's view")
            self.faults += 1
            self.failed.append((message, fault))
            return Outputs()

    def _add_row(self, message: AcceptedReport) -> None:
        report = message.report
        rid = report.report_id
        entity_of = {(rid, ref): entity for entity, (ref, _t)
                     in self.persons_of.get(rid, {}).items()}
        self.rows[rid] = report_row(report, message.enrichment, entity_of)


class ReadModel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # where dead letters go: ``(key, DeadLetter JSON)`` records (the API's producer);
        # None: a reader that only logs and counts its failures
        self.send_dead_letters: Callable[[list[tuple[str, bytes]]], Awaitable[None]] | None = None
        self._failed_sources: set[str] = set()
        self.alerts: dict[str, dict[str, Any]] = {}
        self.referrals: dict[str, dict[str, Any]] = {}
        self.pipeline = _Pipeline(settings)
        # for the plan's measures (``/api/outcomes``): every report as a flat row (latest
        # version, ``rows``), every alert version, and when each referral was first published
        self.alert_versions: list[dict[str, Any]] = []
        self.published: dict[str, str] = {}
        self.caught_up: dict[str, bool] = {"alerts": False, "referrals": False, "graph": False}
        self._subscribers: set[asyncio.Queue[tuple[int, dict[str, Any]]]] = set()
        # the live stream's numbering: alert id -> number of its latest version, oldest first
        self.stream_epoch = secrets.token_hex(6)
        self.stream_seq = 0
        self._changed: OrderedDict[str, int] = OrderedDict()
        self._tasks: list[asyncio.Task[None]] = []
        self._positions: dict[TopicPartition, int] = {}  # next offset, kept over reconnects
        self._markers: dict[int, list[str]] | None = None  # purge markers: offset -> ids
        self._forget = Retention()  # the markers read so far
        self._withdrawn: dict[str, int] = {}  # alert id -> the version that withdrew it

    # -- state ----------------------------------------------------------------------------
    def add_alert(self, alert: dict[str, Any], published_ms: int | None = None) -> None:
        if not isinstance(alert, dict) or "alert_id" not in alert:
            return
        aid, version = alert["alert_id"], int(alert.get("version", 0))
        if version <= self._withdrawn.get(aid, 0):
            return  # older than the withdrawal
        if alert.get("status") in (REDACTED, WITHDRAWN):  # a purge: earlier versions go
            self.alert_versions = [a for a in self.alert_versions if a.get("alert_id") != aid]
            if alert["status"] == WITHDRAWN:
                self.alerts.pop(aid, None)
                self._withdrawn[aid] = version
                return
        self.alert_versions.append(alert)
        old = self.alerts.get(alert["alert_id"])
        if old is not None and int(old.get("version", 0)) >= int(alert.get("version", 0)):
            return  # a redelivery or an older version
        self.alerts[alert["alert_id"]] = alert
        self.stream_seq += 1
        self._changed[alert["alert_id"]] = self.stream_seq
        self._changed.move_to_end(alert["alert_id"])
        for queue in list(self._subscribers):
            try:
                queue.put_nowait((self.stream_seq, alert))
            except asyncio.QueueFull:
                self._subscribers.discard(queue)  # too slow: its stream ends, it reconnects

    def add_referral(self, referral: dict[str, Any], published_ms: int | None = None) -> None:
        if isinstance(referral, dict) and "referral_id" in referral:
            self.referrals[referral["referral_id"]] = referral
            if published_ms is not None and referral.get("status", "active") == "active":
                self.published.setdefault(referral["referral_id"], datetime.fromtimestamp(
                    published_ms / 1000, UTC).isoformat())

    def drop_referral(self, referral_id: str) -> None:
        """A tombstone: a retention purge erased this referral."""
        self.referrals.pop(referral_id, None)
        self.published.pop(referral_id, None)

    def apply_accepted(self, message: AcceptedReport, published_ms: int | None = None) -> None:
        self.pipeline.apply(message)

    @property
    def rows(self) -> dict[str, ReportRow]:
        """report id -> its row (latest version); purged reports are not here."""
        return self.pipeline.rows

    def referral_messages(self) -> list[dict[str, Any]]:
        """The latest message of every referral, with ``published_at`` (when the broker first
        took it active), as ``reporting.measures`` reads them."""
        return [{**r, "published_at": self.published.get(rid)}
                for rid, r in self.referrals.items()]

    @property
    def ready(self) -> bool:
        return all(self.caught_up.values())

    def subscribe(self) -> asyncio.Queue[tuple[int, dict[str, Any]]]:
        """New alert versions from now on, as ``(number, alert)``."""
        queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue(maxsize=256)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[tuple[int, dict[str, Any]]]) -> None:
        self._subscribers.discard(queue)

    def event_id(self, seq: int) -> str:
        return f"{self.stream_epoch}-{seq}"

    def changed_since(self, last_event_id: str) -> list[tuple[int, dict[str, Any]]] | None:
        """The alerts changed after the stream event ``last_event_id``, oldest first, each
        once in its latest version; ``None`` if the id is not one of this process's (the
        API restarted, or it is malformed): the client must reload the list instead."""
        epoch, _, number = last_event_id.strip().partition("-")
        if epoch != self.stream_epoch or not number.isdigit() or len(number) > 18 \
                or int(number) > self.stream_seq:
            return None
        after, found = int(number), []
        for alert_id in reversed(self._changed):
            seq = self._changed[alert_id]
            if seq <= after:
                break
            if alert_id in self.alerts:
                found.append((seq, self.alerts[alert_id]))
        return found[::-1]

    # -- following the topics -------------------------------------------------------------
    def start(self) -> None:
        from linkwatch.streams import topics

        s = self.settings
        self._tasks = [
            asyncio.create_task(self._follow(topics.name(s, topics.ALERTS), "alerts",
                                             self._each(self.add_alert))),
            asyncio.create_task(self._follow(topics.name(s, topics.REFERRALS), "referrals",
                                             self._each(self.add_referral,
                                                        self.drop_referral))),
            asyncio.create_task(self._follow(topics.name(s, topics.ACCEPTED), "graph",
                                             self._take_accepted)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _follow(self, topic: str, name: str, take: Take) -> None:
        """Read ``topic`` from the start for ever; reconnect after a broker failure."""
        while True:
            try:
                if name == "graph" and self._markers is None:
                    from linkwatch.rebuild import failed_sources

                    # what a stage already dead-lettered: not folded in (as the link stage
                    # rebuilds), nor dead-lettered again
                    self._failed_sources = await failed_sources(
                        self.settings, stages=("link", "publish", "readmodel"))
                    await self._read_markers(topic)
                await self._read(topic, name, take)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep following after broker trouble
                log.warning("following %s failed (%s); retrying in 2 s", topic, exc)
                await asyncio.sleep(2.0)

    async def _read(self, topic: str, name: str, take: Take) -> None:
        from linkwatch.kafka import consumer

        c = consumer(self.settings, enable_auto_commit=False, auto_offset_reset="earliest",
                     max_partition_fetch_bytes=8 * 1024 * 1024)
        await c.start()
        try:
            parts = c.partitions_for_topic(topic)
            while not parts:
                await asyncio.sleep(0.5)
                await c._client.force_metadata_update()  # noqa: SLF001 - no public refresh
                parts = c.partitions_for_topic(topic)
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            c.assign(tps)
            positions = self._positions
            for tp in tps:  # after a reconnect, go on from where we were
                if tp in positions:
                    c.seek(tp, positions[tp])
                else:
                    await c.seek_to_beginning(tp)
            idle = 0
            while True:
                batch = await c.getmany(timeout_ms=250, max_records=1000)
                idle = 0 if batch else idle + 1
                if idle >= _IDLE_POLLS:
                    self.caught_up[name] = True
                for tp, msgs in batch.items():
                    await take(tp, msgs)
                    await asyncio.sleep(0)  # let requests in between batches
        finally:
            await c.stop()

    def _each(self, apply: Callable[[Any, int], None],
              drop: Callable[[str], None] | None = None) -> Take:
        """A batch handler applying each decoded message with its broker timestamp, and
        ``drop(key)`` for each tombstone (a null value)."""
        async def take(tp: TopicPartition, msgs: Sequence[Any]) -> None:
            for msg in msgs:
                if msg.value is None and drop is not None and msg.key:
                    drop(msg.key.decode(errors="replace"))
                    self._positions[tp] = msg.offset + 1
                    continue
                try:
                    value = json.loads(msg.value) if msg.value else None
                except ValueError:
                    continue
                try:
                    apply(value, msg.timestamp)
                except Exception as exc:  # noqa: BLE001 - one message never stops the reader
                    capture("readmodel", exc, then=f"{tp.topic} offset {msg.offset} skipped")
                    self.pipeline.faults += 1
                self._positions[tp] = msg.offset + 1
        return take

    # -- the accepted topic, honouring retention purges ---------------------------------------
    async def _read_markers(self, topic: str) -> None:
        """Before the first read: every purge marker already on the accepted topic, so the
        read skips what they name instead of rebuilding once per marker."""
        from linkwatch.watch import read_messages

        markers: dict[int, list[str]] = {}
        async for msg in read_messages(self.settings, topic, idle_s=1.0):
            head = try_decode_head(msg.value)
            if isinstance(head, PurgeMarker):
                markers[msg.offset] = head.report_ids
        self._markers = markers
        self._forget = Retention(markers.items())
        if markers:
            log.info("read model: %d purge markers name %d reports", len(markers),
                     len(self._forget))

    async def _send_failed(self) -> None:
        """Dead letters (reason ``processing_error``, stage ``readmodel``) for the reports
        this reader failed on, each input coordinate once: not those already dead-lettered
        by any stage (read at start, ``rebuild.failed_sources``)."""
        failed, self.pipeline.failed = self.pipeline.failed, []
        if not failed or self.send_dead_letters is None:
            return
        from linkwatch.pipeline import link_dead_letter

        records = []
        for message, fault in failed:
            if message.source in self._failed_sources:
                continue
            self._failed_sources.add(str(message.source))
            key, body = link_dead_letter(message, encode(message), fault)
            records.append((key, body))
        if records:
            await self.send_dead_letters(records)

    async def _take_accepted(self, tp: TopicPartition, msgs: Sequence[Any]) -> None:
        """Fold a batch of the accepted topic in.  A marker not met before rebuilds the
        state up to it (with every new marker of the batch), as the link stage does
        (``rebuild.after_purge``); the rest of the batch then goes on from there."""
        try:
            await self._take_accepted_batch(tp, msgs)
        finally:
            await self._send_failed()

    async def _take_accepted_batch(self, tp: TopicPartition, msgs: Sequence[Any]) -> None:
        known = self._markers or {}
        heads = [(m.offset, try_decode_head(m.value)) for m in msgs if m.offset not in known]
        new = [(offset, h.report_ids) for offset, h in heads if isinstance(h, PurgeMarker)]
        if new:
            at = new[0][0]
            self._apply(tp, [m for m in msgs if m.offset < at])
            await self._rebuild(tp, at, new)
            msgs = [m for m in msgs if m.offset > at]
        self._apply(tp, msgs)

    def _apply(self, tp: TopicPartition, msgs: Sequence[Any]) -> None:
        for msg in msgs:
            try:
                message = decode(msg.value)
            except AcceptedDecodeError:
                log.warning("read model skipped an unreadable accepted message at %d",
                            msg.offset)
            else:
                if isinstance(message, AcceptedReport) \
                        and not self._forget.skips(message.report_id, msg.offset) \
                        and message.source not in self._failed_sources:
                    self.apply_accepted(message, msg.timestamp)
            self._positions[tp] = msg.offset + 1

    async def _rebuild(self, tp: TopicPartition, at: int,
                       new: list[tuple[int, list[str]]]) -> None:
        """Forget the reports ``new`` markers name: their rows go at once; the graph and the
        other rows are replayed up to offset ``at`` without them and swapped in.  A failed
        replay raises: the read resumes at the marker and tries again."""
        for _offset, ids in new:
            for rid in ids:
                self.pipeline.rows.pop(rid, None)
        pipeline = _Pipeline(self.settings)
        n = await replay(self.settings, pipeline, committed_only=False, until=at, purges=new)
        self.pipeline = pipeline
        markers = self._markers if self._markers is not None else {}
        markers.update(new)
        self._markers = markers
        self._forget = Retention(markers.items())
        self._positions[tp] = at + 1
        log.info("retention purge: read model rebuilt from %d reports, %d ids named by "
                 "%d markers", n, sum(len(ids) for _o, ids in new), len(new))
