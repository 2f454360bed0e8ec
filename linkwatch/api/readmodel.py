"""The API's read model: the latest version of every alert, every referral, and
the link graph, kept up to date by following the topics.

* ``alerts`` and ``referrals`` are read from the start, every partition; the
  latest version per ``alert_id`` (highest ``version``) / ``referral_id`` wins.
* The link graph is rebuilt by folding the internal accepted topic through
  :class:`linkwatch.pipeline.Pipeline`, as the link stage does, and then followed;
  the pipeline's outputs are discarded (the worker publishes them, not us).
* For the plan's measures (``/api/outcomes``): one ``reporting.ReportRow`` per accepted
  report, every alert version, and when each referral was first published.

New alert versions are offered to subscribers (the live stream).  Everything
here runs on the one event loop, so request handlers read a consistent state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline
from linkwatch.reporting.rows import ReportRow, report_row
from linkwatch.schemas import ReportAdapter

log = logging.getLogger(__name__)

_IDLE_POLLS = 4  # empty polls of 250 ms in a row = caught up (Tansu's watermarks can lag)


class ReadModel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alerts: dict[str, dict[str, Any]] = {}
        self.referrals: dict[str, dict[str, Any]] = {}
        self.pipeline = Pipeline(settings)
        # for the plan's measures (``/api/outcomes``): every report as a flat row (latest
        # version), every alert version, and when each referral was first published
        self.rows: dict[str, ReportRow] = {}
        self.alert_versions: list[dict[str, Any]] = []
        self.published: dict[str, str] = {}
        self.caught_up: dict[str, bool] = {"alerts": False, "referrals": False, "graph": False}
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._positions: dict[TopicPartition, int] = {}  # next offset, kept over reconnects

    # -- state ----------------------------------------------------------------------------
    def add_alert(self, alert: dict[str, Any], published_ms: int | None = None) -> None:
        if not isinstance(alert, dict) or "alert_id" not in alert:
            return
        self.alert_versions.append(alert)
        old = self.alerts.get(alert["alert_id"])
        if old is not None and int(old.get("version", 0)) >= int(alert.get("version", 0)):
            return  # a redelivery or an older version
        self.alerts[alert["alert_id"]] = alert
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(alert)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)  # too slow: its stream ends, it reconnects

    def add_referral(self, referral: dict[str, Any], published_ms: int | None = None) -> None:
        if isinstance(referral, dict) and "referral_id" in referral:
            self.referrals[referral["referral_id"]] = referral
            if published_ms is not None and referral.get("status", "active") == "active":
                self.published.setdefault(referral["referral_id"], datetime.fromtimestamp(
                    published_ms / 1000, UTC).isoformat())

    def apply_accepted(self, payload: dict[str, Any], published_ms: int | None = None) -> None:
        try:
            self.pipeline.apply(payload)
            self._add_row(payload)
        except Exception:  # noqa: BLE001 - one bad record must not stop the read model
            log.exception("read model could not apply an accepted report")

    def _add_row(self, payload: dict[str, Any]) -> None:
        report = ReportAdapter.validate_python(payload["report"])
        rid = report.report_id
        entity_of = {(rid, ref): entity for entity, (ref, _t)
                     in self.pipeline.persons_of.get(rid, {}).items()}
        self.rows[rid] = report_row(report, payload.get("enrichment"), entity_of)

    def referral_messages(self) -> list[dict[str, Any]]:
        """The latest message of every referral, with ``published_at`` (when the broker first
        took it active), as ``reporting.measures`` reads them."""
        return [{**r, "published_at": self.published.get(rid)}
                for rid, r in self.referrals.items()]

    @property
    def ready(self) -> bool:
        return all(self.caught_up.values())

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=256)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    # -- following the topics -------------------------------------------------------------
    def start(self) -> None:
        from linkwatch.streams import topics

        s = self.settings
        self._tasks = [
            asyncio.create_task(self._follow(topics.name(s, topics.ALERTS), "alerts",
                                             self.add_alert)),
            asyncio.create_task(self._follow(topics.name(s, topics.REFERRALS), "referrals",
                                             self.add_referral)),
            asyncio.create_task(self._follow(topics.name(s, topics.ACCEPTED), "graph",
                                             self.apply_accepted)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _follow(self, topic: str, name: str, apply: Callable[[Any, int], None]) -> None:
        """Read ``topic`` from the start for ever; reconnect after a broker failure."""
        while True:
            try:
                await self._read(topic, name, apply)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep following after broker trouble
                log.warning("following %s failed (%s); retrying in 2 s", topic, exc)
                await asyncio.sleep(2.0)

    async def _read(self, topic: str, name: str, apply: Callable[[Any, int], None]) -> None:
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
                    for msg in msgs:
                        try:
                            value = json.loads(msg.value) if msg.value else None
                        except ValueError:
                            continue
                        apply(value, msg.timestamp)
                        positions[tp] = msg.offset + 1
                    await asyncio.sleep(0)  # let requests in between batches
        finally:
            await c.stop()
