"""The API's entries in the audit log (DPA 2018 s.62).

Every consultation (a read of personal data), disclosure (an export, with its
recipients) and alteration (a status change) is sent to the ``linkwatch.audit``
topic before the data leaves: if the log cannot be written, the request fails
(503) rather than disclose unlogged.  One record::

    {"event": "consultation", "at": "2026-11-24T21:05:00+00:00", "user": "alice",
     "role": "analyst", "method": "GET", "endpoint": "/api/alerts/{alert_id}",
     "object": "A3f…", "handling": "OFFICIAL-SENSITIVE"}
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from linkwatch.config import Settings

from .auth import Principal

log = logging.getLogger(__name__)


class AuditSink(Protocol):
    async def write(self, record: dict[str, Any], *, wait: bool = True) -> None: ...


class KafkaAudit:
    """Writes audit records to the audit topic, keyed by event."""

    def __init__(self, settings: Settings) -> None:
        from linkwatch.kafka import producer
        from linkwatch.streams import topics

        self.topic = topics.name(settings, topics.AUDIT)
        self._producer = producer(settings, acks="all")

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def write(self, record: dict[str, Any], *, wait: bool = True) -> None:
        body = json.dumps(record, default=str).encode()
        key = str(record["event"]).encode()
        if wait:
            await self._producer.send_and_wait(self.topic, body, key=key)
        else:
            await self._producer.send(self.topic, body, key=key)


class AuditUnavailable(RuntimeError):
    """The audit log could not be written, so nothing is disclosed."""


async def record(sink: AuditSink, who: Principal, event: str, *, method: str, endpoint: str,
                 handling: str, wait: bool = True, **details: Any) -> None:
    entry = {"event": event, "at": datetime.now(UTC).isoformat(), "user": who.name,
             "role": who.role, "method": method, "endpoint": endpoint, "handling": handling,
             "source": "api", **details}
    try:
        await sink.write(entry, wait=wait)
    except Exception as exc:  # noqa: BLE001 - any broker failure means: do not disclose
        log.error("audit log unavailable: %s", exc)
        raise AuditUnavailable(str(exc)) from exc
