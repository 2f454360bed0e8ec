"""Everything linkwatch keeps in Redis, behind one owner.

* ``seen:<report_id>:<content hash>`` -> the input coordinate that first carried it.
  A second message with the same report and content from another coordinate is a
  redelivery (dropped); the same coordinate again is our own replay after a crash
  (forwarded again; downstream is idempotent).
* ``emitted:<output id>`` -> set once an alert version / referral has been acked
  by the broker, so a restarted worker does not publish it twice.
* ``count:<topic>:<partition>`` hash of outcome -> count, and the highest offset
  handled, for ``linkwatch reconcile``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import redis.asyncio as aioredis


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

    async def count(self, outcomes: dict[tuple[str, int], dict[str, int]],
                    high: dict[tuple[str, int], int]) -> None:
        """Add outcome counts per input partition and record the highest offset handled."""
        pipe = self.client.pipeline(transaction=False)
        for (topic, partition), counts in outcomes.items():
            key = self._k("count", topic, str(partition))
            for outcome, n in counts.items():
                pipe.hincrby(key, outcome, n)
        for (topic, partition), offset in high.items():
            pipe.hset(self._k("count", topic, str(partition)), "high", offset)
        await pipe.execute()

    async def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        async for key in self.client.scan_iter(self._k("count", "*")):
            out[key.removeprefix(self._k("count", ""))] = {
                k: int(v) for k, v in (await self.client.hgetall(key)).items()}
        return out

    async def close(self) -> None:
        await self.client.aclose()
