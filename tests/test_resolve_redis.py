"""The Redis index gives the same answers as the in-memory one (real Redis, own prefix)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from linkwatch.rules.resolve import InMemoryIndex, RedisIndex, Resolver
from linkwatch.schemas import Person

redis = pytest.importorskip("redis")
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def redis_index():
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis reachable at REDIS_URL / 127.0.0.1:6379")
    index = RedisIndex(client, prefix=f"test:resolve:{uuid.uuid4().hex}")
    yield index
    index.clear()
    client.close()


def _people() -> list[tuple[Person, str, datetime]]:
    rows: list[dict[str, Any]] = [
        dict(given_name="John", family_name="Smith", dob=date(1980, 1, 1)),
        dict(given_name="John", family_name="Smith", postcode="CV11 4AB", phones=["07700900123"]),
        dict(given_name="Mary", family_name="Jones", dob=date(1975, 6, 30)),
        dict(given_name="John", family_name="Smith", dob=date(1980, 1, 1), postcode="cv114ab"),
        dict(given_name="John", family_name="Smith", dob=date(1992, 11, 3)),
    ]
    return [(Person(person_ref="p1", **row), f"r{i}", WHEN) for i, row in enumerate(rows)]


def test_redis_matches_memory_step_by_step(redis_index) -> None:
    in_memory, in_redis = Resolver(InMemoryIndex()), Resolver(redis_index)
    for person, report_id, when in _people():
        a = in_memory.resolve(person, report_id, when)
        b = in_redis.resolve(person, report_id, when)
        assert (a.entity_id, a.matched, a.merged, round(a.score, 6)) == \
            (b.entity_id, b.matched, b.merged, round(b.score, 6)), (a, b)
    assert list(in_memory.dump()) == list(in_redis.dump())
    assert in_memory.events() == in_redis.events()


def test_redis_merge_alias_split_and_redelivery(redis_index) -> None:
    resolver = Resolver(redis_index)
    results = resolver.resolve_many(_people())
    older, younger = results[0].entity_id, results[1].entity_id
    assert results[3].entity_id == older and results[3].merged == (younger,), results[3].reasons
    assert resolver.resolve_alias(younger) == older
    assert resolver.entity_of("r1", "p1") == older
    assert resolver.resolve(*_people()[0]).entity_id == older  # redelivery
    new = resolver.split(older, [("r1", "p1")])
    assert resolver.entity_of("r1", "p1") == new
    assert resolver.members(new) == [("r1", "p1")]
    assert [e["event"] for e in resolver.events()] == ["merge", "split"]
