"""`linkwatch reconcile`: every input message accounted for, and a gap fails."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.structs import OffsetAndMetadata
from kafka_helpers import collect
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import send_reports
from linkwatch.kafka import consumer, producer
from linkwatch.redis_state import RedisState
from linkwatch.streams.topics import name

pytestmark = pytest.mark.integration


class AsFaust(RoundRobinPartitionAssignor):
    name = "faust"  # join the worker's group under its assignor's protocol name


def reconcile_json(env) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["reconcile", "--json"], env={**os.environ, **env.vars})
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_processed_duplicates_and_dead_letters_add_up_and_a_gap_fails(
        lw_env, report_factory, person_factory) -> None:
    env = lw_env(LINKWATCH_PARTITIONS="1")
    env.start_worker()
    good = [report_factory("incident", report_id=f"REC-{i}", incident={"category": "burglary"},
                           persons=[person_factory()]) for i in range(5)]

    async def feed() -> None:
        await send_reports(env.settings, good + good[:2])       # 2 exact redeliveries
        prod = producer(env.settings)
        await prod.start()
        await prod.send_and_wait(name(env.settings, "reports.incident"), b"{broken", key=b"bad")
        await prod.stop()
        await collect(env.settings, "referrals", lambda r: len(r) >= 5, 90)
        await collect(env.settings, "reports.deadletter", lambda d: len(d) >= 1, 30)
        await asyncio.sleep(2.5)  # the worker commits its offsets every second
    asyncio.run(feed())
    code, report = reconcile_json(env)
    assert code == 0 and report["ok"], report
    assert {k: report["totals"].get(k, 0) for k in ("processed", "duplicate", "deadletter")} \
        == {"processed": 5, "duplicate": 2, "deadletter": 1}, report
    env.stop()

    async def lose_two() -> None:
        # a broken worker that committed past two messages it never handled
        await send_reports(env.settings, [report_factory("incident", report_id=f"LOST-{i}")
                                          for i in range(2)])
        topic = name(env.settings, "reports.incident")
        c = consumer(env.settings, group_id=env.settings.app_id, enable_auto_commit=False,
                     session_timeout_ms=6000, heartbeat_interval_ms=1000,
                     partition_assignment_strategy=(AsFaust,))
        c.subscribe([topic])
        await c.start()
        tp = TopicPartition(topic, 0)
        for _ in range(60):  # wait to be a member of the group with the partition
            await c.getmany(timeout_ms=500, max_records=1)
            if tp in c.assignment():
                break
        await c.commit({tp: OffsetAndMetadata(10, "")})
        await c.stop()
    asyncio.run(lose_two())
    code, report = reconcile_json(env)
    assert code == 1 and not report["ok"]
    assert report["partitions"][0]["gaps"] == [8, 9], report


@pytest.mark.integration
async def test_counts_are_read_from_their_index_not_a_scan_of_every_key(stack) -> None:  # type: ignore[no-untyped-def]
    """``RedisState.counts`` reads the ``counted`` set (a keyspace of one dedupe claim
    per report is not scanned on every read), and still finds counts written before
    that set existed."""
    state = RedisState(stack.redis_url, f"lw:ctest-{uuid.uuid4().hex[:8]}", 60)
    try:
        await state.count({("reports.fraud", 0): {"processed": 3, "deadletter": 1},
                           ("reports.cyber", 1): {"duplicate": 2}},
                          {("reports.fraud", 0): 9, ("reports.cyber", 1): 4})
        await state.count({("reports.fraud", 0): {"processed": 1}}, {("reports.fraud", 0): 10})
        expected = {"reports.fraud:0": {"processed": 4, "deadletter": 1, "high": 10},
                    "reports.cyber:1": {"duplicate": 2, "high": 4}}
        assert await state.counts() == expected
        assert await state.client.scard(state._k("counted")) == 2  # noqa: SLF001
        await state.client.delete(state._k("counted"))  # noqa: SLF001 - as an older version left it
        assert await state.counts() == expected
    finally:
        keys = [k async for k in state.client.scan_iter(match=state._k("*"))]  # noqa: SLF001
        if keys:
            await state.client.delete(*keys)
        await state.close()
