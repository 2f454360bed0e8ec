"""The API's read model: the latest version of every alert, every referral, and
the link graph, kept up to date by following the topics.

* ``alerts`` and ``referrals`` are read from the start, every partition; the
  latest version per ``alert_id`` (highest ``version``) / ``referral_id`` wins.
* The link graph is not held here: it is read from the link stage's view
  (``linkwatch.view.GraphView``, ``view``), a part per request, so this process holds no
  copy of the link state and starts without replaying anything.  The view is opened
  when the link stage has written it (``graph`` is caught up then).
* For the plan's measures (``/api/outcomes``): one ``reporting.ReportRow`` per report
  (from the view, ``report_rows``), every alert version, and when each referral was first
  published.
* What a purge erased from the outputs (``linkwatch.erasure``) goes at once: a referral
  tombstone (null value) drops the referral; a ``redacted`` alert version replaces the
  alert and drops its earlier versions; a ``withdrawn`` one drops the alert.
* Retention purges (``linkwatch.purge``) reach the graph and the rows through the view:
  the link stage replaces it without the purged reports.

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
from linkwatch.reporting.rows import ReportRow
from linkwatch.view import GraphView, ViewUnavailable

log = logging.getLogger(__name__)

_IDLE_POLLS = 4  # empty polls of 250 ms in a row = caught up (Tansu's watermarks can lag)
Take = Callable[[TopicPartition, Sequence[Any]], Awaitable[None]]  # one partition's batch


class ReadModel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alerts: dict[str, dict[str, Any]] = {}
        self.referrals: dict[str, dict[str, Any]] = {}
        self.view: GraphView | None = None  # the link stage's view, once it has written one
        self.faults = 0  # messages this reader could not take
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

    def report_rows(self) -> list[ReportRow]:
        """One row per report the link state holds (latest version; purged ones gone)."""
        return self.view.report_rows() if self.view is not None else []

    @property
    def reports(self) -> int:
        return self.view.state().reports if self.view is not None else 0

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
            asyncio.create_task(self._open_view()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.view is not None:
            self.view.close()
            self.view = None

    async def _open_view(self) -> None:
        """Open the link stage's view as soon as there is one (the API may start first)."""
        said = False
        while self.view is None:
            try:
                self.view = GraphView.open(self.settings)
            except ViewUnavailable as exc:
                if not said:
                    log.info("waiting for the link view: %s", exc)
                    said = True
                await asyncio.sleep(1.0)
        self.caught_up["graph"] = True
        log.info("%s", self.view.state().describe())

    async def _follow(self, topic: str, name: str, take: Take) -> None:
        """Read ``topic`` from the start for ever; reconnect after a broker failure."""
        while True:
            try:
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
                    self.faults += 1
                self._positions[tp] = msg.offset + 1
        return take
