"""Topics are created with explicit retention (docs/operations.md, "Retention"): the
accepted topic outlives the retention period by a margin, the audit log is kept, and
the embedded broker (Tansu) takes and reports the configs as Apache Kafka does."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from linkwatch.config import Settings
from linkwatch.kafka import client_kwargs, current_configs, ensure_topics, topic_configs

DAY_MS = 86_400_000


def test_defaults() -> None:
    configs = topic_configs(Settings(topic_prefix="p."))
    accepted = configs["p.linkwatch.reports.accepted"]
    assert accepted == {"cleanup.policy": "delete", "retention.ms": "191894400000"}
    assert int(accepted["retention.ms"]) == (2190 + 31) * DAY_MS   # six years and a month
    assert configs["p.linkwatch.audit"]["retention.ms"] == "-1"    # kept
    for name in ("reports.incident", "reports.fraud", "reports.cyber", "reports.deadletter"):
        assert configs[f"p.{name}"]["retention.ms"] == str(90 * DAY_MS), name
    for name in ("alerts", "referrals", "linkwatch.entities"):
        assert configs[f"p.{name}"]["retention.ms"] == str(2190 * DAY_MS), name
        # a purge's new versions and tombstones replace what they erase (linkwatch.erasure)
        assert configs[f"p.{name}"]["cleanup.policy"] == "compact,delete", name
    assert configs["p.linkwatch.watchlist"] == {"cleanup.policy": "compact"}


def test_settings_move_the_retention_and_inputs_never_outlive_the_period() -> None:
    configs = topic_configs(Settings(retention_days=30, retention_margin_days=7,
                                     input_retention_days=90))
    assert configs["linkwatch.reports.accepted"]["retention.ms"] == str(37 * DAY_MS)
    assert configs["reports.incident"]["retention.ms"] == str(30 * DAY_MS)
    assert configs["alerts"]["retention.ms"] == str(30 * DAY_MS)


@pytest.mark.integration
def test_created_topics_carry_the_configs(lw_env) -> None:  # type: ignore[no-untyped-def]
    s = lw_env().settings   # the fixture ran ensure_topics
    wanted = topic_configs(s)

    async def describe() -> dict[str, dict[str, str]]:
        admin = AIOKafkaAdminClient(**client_kwargs(s))
        await admin.start()
        try:
            return await current_configs(admin, sorted(wanted))
        finally:
            await admin.close()

    have = asyncio.run(describe())
    for name, configs in wanted.items():
        for key, value in configs.items():
            assert have[name].get(key) == value, (name, key, have[name])


@pytest.mark.integration
def test_an_existing_topic_is_left_alone_with_a_warning(stack, caplog) -> None:  # type: ignore[no-untyped-def]
    s = Settings(topic_prefix=f"t{uuid.uuid4().hex[:8]}.", KAFKA_BOOTSTRAP=stack.bootstrap)
    accepted = f"{s.topic_prefix}linkwatch.reports.accepted"

    async def run() -> dict[str, dict[str, str]]:
        admin = AIOKafkaAdminClient(**client_kwargs(s))
        await admin.start()
        try:
            await admin.create_topics([NewTopic(accepted, 1, 1)])  # as before this change
            await ensure_topics(s)
            return await current_configs(admin, [accepted, f"{s.topic_prefix}alerts"])
        finally:
            await admin.close()

    with caplog.at_level(logging.WARNING, logger="linkwatch.kafka"):
        have = asyncio.run(run())
    assert "retention.ms" not in have[accepted]                    # not altered
    assert have[f"{s.topic_prefix}alerts"]["retention.ms"] == str(2190 * DAY_MS)
    said = [r.getMessage() for r in caplog.records if accepted in r.getMessage()]
    assert any("retention.ms=191894400000" in m for m in said), said
