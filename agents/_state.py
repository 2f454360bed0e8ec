"""The worker's one Redis connection (``linkwatch.redis_state`` owns the keys)."""

from __future__ import annotations

from linkwatch.redis_state import RedisState
from linkwatch.streams.channels import settings

_state: RedisState | None = None


def redis_state() -> RedisState:
    global _state
    if _state is None:
        _state = RedisState(settings.redis_url or "redis://127.0.0.1:6379/0",
                            f"lw:{settings.app_id}", settings.dedupe_ttl_s)
    return _state
