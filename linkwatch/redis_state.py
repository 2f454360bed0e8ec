"""Everything linkwatch keeps in Redis, behind one owner.

* ``seen:<report_id>:<content hash>`` -> the input coordinate that first carried it.
  A second message with the same report and content from another coordinate is a
  redelivery (dropped); the same coordinate again is our own replay after a crash
  (forwarded again; downstream is idempotent).
* ``emitted:<output id>`` -> set once an alert version / referral has been acked
  by the broker, so a restarted worker does not publish it twice.
* ``alert_version:<alert_id>`` hash: ``max`` -> the highest version published, and
  ``<content digest>`` -> the version that content went out under, so a version is
  never reused after a purge (``linkwatch.graph.alerts.number_alerts``).  Hashes and
  numbers only; a purge leaves them.
* ``count:<topic>:<partition>`` hash of outcome -> count, and the highest offset
  handled, for ``linkwatch reconcile``; ``counted`` is the set of those keys (reading
  the counts must not SCAN a keyspace of a dedupe claim per report).

A retention purge (``linkwatch.purge``) deletes a purged report's ``seen:`` claims and
the ``emitted:`` marks of its referrals (``forget_reports``); alert marks name
structures, not reports, and stay.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import redis.asyncio as aioredis

if TYPE_CHECKING:
    from linkwatch.graph.alerts import Numbered
    from linkwatch.schemas import Alert

# one content's version, and the alert's highest version (never lowered), at once
_RECORD_VERSION = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if tonumber(redis.call('HGET', KEYS[1], 'max') or '0') < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'max', ARGV[2])
end
"""


class RedisState:
    def __init__(self, url: str, prefix: str, dedupe_ttl_s: int) -> None:
        self.client = aioredis.Redis.from_url(url, decode_responses=True,
                                              health_check_interval=10,
                                              retry_on_timeout=True)
        self.prefix = prefix
        self.ttl = dedupe_ttl_s

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def claim(self, items: Sequence[tuple[str, str, str]]) -> list[bool]:
        """For each (report_id, content_hash, coordinate): True if it should be processed."""
        if not items:
            return []
        pipe = self.client.pipeline(transaction=False)
        for report_id, digest, coord in items:
            pipe.set(self._k("seen", report_id, digest), coord, nx=True, ex=self.ttl, get=True)
        previous = await pipe.execute()
        return [old is None or old == coord
                for old, (_, _, coord) in zip(previous, items, strict=True)]

    async def not_emitted(self, ids: Sequence[str]) -> list[bool]:
        if not ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for i in ids:
            pipe.exists(self._k("emitted", i))
        return [not hit for hit in await pipe.execute()]

    async def alert_statuses(self, app_id: str, alert_ids: Sequence[str]) -> list[dict | None]:
        """Analysts' statuses of these alerts (written by the API), ``None`` where unset."""
        from linkwatch.graph.feedback import status_key

        if not alert_ids:
            return []
        raw = await self.client.mget([status_key(app_id, a) for a in alert_ids])
        out: list[dict | None] = []
        for item in raw:
            try:
                out.append(json.loads(item) if item else None)
            except ValueError:
                out.append(None)
        return out

    async def mark_emitted(self, ids: Iterable[str]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for i in ids:
            pipe.set(self._k("emitted", i), "1")
        await pipe.execute()

    async def number_alerts(self, alerts: Sequence[Alert]) -> list[Numbered]:
        """``number_alerts`` (``linkwatch.graph.alerts``) for these alerts as the book
        offers them, from the ``alert_version:`` records; read only
        (``record_alert_versions`` writes, once the broker has acknowledged)."""
        from linkwatch.graph.alerts import content_digest, number_alerts

        if not alerts:
            return []
        pipe = self.client.pipeline(transaction=False)
        asked = [(a.alert_id, content_digest(a)) for a in alerts]
        for alert_id, digest in asked:
            pipe.hmget(self._k("alert_version", alert_id), "max", digest)
        known: dict[tuple[str, str], int] = {}
        published: dict[str, int] = {}
        for (alert_id, digest), (top, version) in zip(asked, await pipe.execute(),
                                                      strict=True):
            if top is not None:
                published[alert_id] = int(top)
            if version is not None:
                known[(alert_id, digest)] = int(version)
        return number_alerts(alerts, known, published)

    async def published_versions(self, alert_ids: Sequence[str]) -> dict[str, int]:
        """alert id -> the highest version recorded as published (none: left out)."""
        if not alert_ids:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for alert_id in alert_ids:
            pipe.hget(self._k("alert_version", alert_id), "max")
        return {a: int(v) for a, v in zip(alert_ids, await pipe.execute(), strict=True)
                if v is not None}

    async def record_alert_versions(self, items: Iterable[tuple[str, str, int]]) -> None:
        """Record (alert_id, content digest, version) as published; ``max`` only rises."""
        pipe = self.client.pipeline(transaction=False)
        for alert_id, digest, version in items:
            pipe.eval(_RECORD_VERSION, 1, self._k("alert_version", alert_id), digest, version)
        await pipe.execute()

    async def count(self, outcomes: Mapping[tuple[str, int], Mapping[str, int]],
                    high: dict[tuple[str, int], int]) -> None:
        """Add outcome counts per input partition and record the highest offset handled."""
        pipe = self.client.pipeline(transaction=False)
        for (topic, partition), counts in outcomes.items():
            key = self._k("count", topic, str(partition))
            for outcome, n in counts.items():
                pipe.hincrby(key, outcome, n)
        for (topic, partition), offset in high.items():
            pipe.hset(self._k("count", topic, str(partition)), "high", offset)
        keys = {self._k("count", t, str(p)) for t, p in (*outcomes, *high)}
        if keys:
            pipe.sadd(self._k("counted"), *sorted(keys))
        await pipe.execute()

    async def forget_reports(self, claims: Iterable[tuple[str, str]],
                             referral_ids: Collection[str], *, delete: bool) -> dict[str, int]:
        """Delete (``delete=False``: count) purged reports' keys: the dedupe claims
        ``seen:<report_id>:<hash>`` given, and ``emitted:<referral id>@...`` marks of the
        referral ids given (found with one SCAN; the status and digest after ``@`` vary)."""
        claim_keys = [self._k("seen", rid, digest) for rid, digest in claims]
        emitted = []
        if referral_ids:
            head = self._k("emitted", "")
            async for key in self.client.scan_iter(match=head + "R*", count=1000):
                if key.removeprefix(head).split("@", 1)[0] in referral_ids:
                    emitted.append(key)
        found = {"dedupe_claims": 0, "referral_marks": len(emitted)}
        for start in range(0, len(claim_keys), 1000):
            chunk = claim_keys[start:start + 1000]
            found["dedupe_claims"] += await (self.client.unlink(*chunk) if delete
                                             else self.client.exists(*chunk))
        for start in range(0, len(emitted), 1000):
            if delete:
                await self.client.unlink(*emitted[start:start + 1000])
        return found

    async def mark_redriven(self, coordinates: Sequence[str]) -> list[bool]:
        """For each dead letter's input coordinate: True the first time it is re-driven
        (``linkwatch deadletters --replay``), False after."""
        if not coordinates:
            return []
        pipe = self.client.pipeline(transaction=False)
        for coord in coordinates:
            pipe.set(self._k("redriven", coord), "1", nx=True)
        return [bool(ok) for ok in await pipe.execute()]

    async def counts(self) -> dict[str, dict[str, int]]:
        """``<topic>:<partition>`` -> outcome -> count (and ``high``)."""
        keys = sorted(await self.client.smembers(self._k("counted")))
        if not keys:  # counts written before the ``counted`` set: find them (one SCAN)
            keys = sorted({k async for k in self.client.scan_iter(
                match=self._k("count", "*"), count=1000)})
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        out: dict[str, dict[str, int]] = {}
        for key, fields in zip(keys, await pipe.execute(), strict=True):
            if fields:
                out[str(key).removeprefix(self._k("count", ""))] = {  # str: decode_responses
                    str(k): int(v) for k, v in fields.items()}
        return out

    async def close(self) -> None:
        await self.client.aclose()
