"""Alert statuses in Redis (``lw:{app_id}:alert_status:{alert_id}``, JSON); see ``feedback``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from linkwatch.graph.feedback import status_key


class StatusStore:
    def __init__(self, url: str, app_id: str) -> None:
        self.client = aioredis.Redis.from_url(url, decode_responses=True,
                                              health_check_interval=10, retry_on_timeout=True)
        self.app_id = app_id

    async def get_many(self, alert_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not alert_ids:
            return {}
        values = await self.client.mget([status_key(self.app_id, a) for a in alert_ids])
        return {a: json.loads(v) for a, v in zip(alert_ids, values, strict=True) if v}

    async def get(self, alert_id: str) -> dict[str, Any] | None:
        return (await self.get_many([alert_id])).get(alert_id)

    async def put(self, status: dict[str, Any]) -> None:
        await self.client.set(status_key(self.app_id, status["alert_id"]), json.dumps(status))

    async def close(self) -> None:
        await self.client.aclose()
