"""The API's read model: the latest version of every alert, every referral, and
the link graph, kept up to date by following the topics.

* ``alerts`` and ``referrals`` are read from the start, every partition; the
  latest version per ``alert_id`` (highest ``version``) / ``referral_id`` wins.
* The link graph is rebuilt by folding the internal accepted topic through
  :class:`linkwatch.pipeline.Pipeline`, as the link stage does, and then followed;
  the pipeline's outputs are discarded (the worker publishes them, not us).

New alert versions are offered to subscribers (the live stream).  Everything
here runs on the one event loop, so request handlers read a consistent state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import TopicPartition

from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline

log = logging.getLogger(__name__)

_IDLE_POLLS = 4  # empty polls of 250 ms in a row = caught up (Tansu's watermarks can lag)


class ReadModel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alerts: dict[str, dict[str, Any]] = {}
        self.referrals: dict[str, dict[str, Any]] = {}
        self.pipeline = Pipeline(settings)
        self.caught_up: dict[str, bool] = {"alerts": False, "referrals": False, "graph": False}
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._positions: dict[TopicPartition, int] = {}  # next offset, kept over reconnects

    # -- state ----------------------------------------------------------------------------
    def add_alert(self, alert: dict[str, Any]) -> None:
        if not isinstance(alert, dict) or "alert_id" not in alert:
            return
        old = self.alerts.get(alert["alert_id"])
        if old is not None and int(old.get("version", 0)) >= int(alert.get("version", 0)):
            return  # a redelivery or an older version
        self.alerts[alert["alert_id"]] = alert
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(alert)
            except asyncio.QueueFull:
                self._subscribers.discard(queue)  # too slow: its stream ends, it reconnects

    def add_referral(self, referral: dict[str, Any]) -> None:
        if isinstance(referral, dict) and "referral_id" in referral:
            self.referrals[referral["referral_id"]] = referral

    def apply_accepted(self, payload: dict[str, Any]) -> None:
        try:
            self.pipeline.apply(payload)
        except Exception:  # noqa: BLE001 - one bad record must not stop the read model
            log.exception("read model could not apply an accepted report")

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

    async def _follow(self, topic: str, name: str, apply: Callable[[Any], None]) -> None:
        """Read ``topic`` from the start for ever; reconnect after a broker failure."""
        while True:
            try:
                await self._read(topic, name, apply)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep following after broker trouble
                log.warning("following %s failed (%s); retrying in 2 s", topic, exc)
                await asyncio.sleep(2.0)

    async def _read(self, topic: str, name: str, apply: Callable[[Any], None]) -> None:
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
                        apply(value)
                        positions[tp] = msg.offset + 1
                    await asyncio.sleep(0)  # let requests in between batches
        finally:
            await c.stop()
