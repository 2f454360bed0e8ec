"""The agents run under Faust's ``agent.test_context()``: no broker, no Redis.  The
worker's app is made on first use (``streams.app.get_app``), so importing a stage
builds it from the test's settings, and its outputs are caught where the stage hands
them to the producer (``send_records``)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from linkwatch.config import get_settings


class FakeState:
    """The two Redis calls intake makes: a claim per report (the first claim of a report
    id wins) and the per-partition tally."""

    def __init__(self) -> None:
        self.claimed: set[str] = set()
        self.tally: Counter[str] = Counter()

    async def claim(self, items: list[tuple[str, str, str]]) -> list[bool]:
        fresh = []
        for report_id, _digest, _coordinate in items:
            fresh.append(report_id not in self.claimed)
            self.claimed.add(report_id)
        return fresh

    async def count(self, tally: dict[Any, Counter[str]], high: dict[Any, int]) -> None:
        for counts in tally.values():
            self.tally.update(counts)


@pytest.fixture
def intake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The intake stage on an app of its own settings (a broker address nothing listens
    on: the test context never connects)."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "127.0.0.1:9")
    monkeypatch.setenv("LINKWATCH_BATCH_WITHIN_S", "0.05")
    get_settings.cache_clear()
    from linkwatch.agents import intake
    from linkwatch.streams.app import get_app

    app = get_app()
    app.finalize()
    app.flow_control.resume()
    yield intake


async def until(cond: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_intake_accepts_dead_letters_and_drops_a_redelivery(  # type: ignore[no-untyped-def]
        intake, monkeypatch: pytest.MonkeyPatch, report_factory) -> None:
    from linkwatch.streams import channels

    sent: list[tuple[str, bytes | None, bytes]] = []
    state = FakeState()

    async def send_records(records):  # type: ignore[no-untyped-def]
        sent.extend(records)
        return []
    monkeypatch.setattr(intake, "send_records", send_records)
    monkeypatch.setattr(intake, "redis_state", lambda: state)

    report = report_factory(persons=[{"person_ref": "v1", "role": "victim",
                                      "name": "Ann Smith", "phone": "07700 900123"}])
    async with intake.intake_incident.test_context() as agent:
        await agent.put(json.dumps(report).encode(), key=report["report_id"].encode())
        await agent.put(b"{not json", key=b"bad")
        await agent.put(json.dumps(report).encode(), key=report["report_id"].encode())
        await until(lambda: sum(state.tally.values()) == 3)

    assert state.tally == {"processed": 1, "deadletter": 1, "duplicate": 1}, state.tally
    topics = [t for t, _, _ in sent]
    assert topics == [channels.ACCEPTED, channels.DEADLETTER], sent
    accepted = orjson.loads(sent[0][2])
    assert sent[0][1] == report["report_id"].encode()
    assert accepted["report"]["report_id"] == report["report_id"], accepted
    # the input coordinate, for `linkwatch reconcile`: the agent's own topic, offset 0
    assert accepted["source"] == f"{channels.incident_topic.get_topic_name()}:0:0", accepted
    dead = json.loads(sent[1][2])
    assert dead["key"] == "bad" and dead["reason"] == "invalid", dead


def test_importing_the_app_module_builds_nothing() -> None:
    """Without ``KAFKA_BOOTSTRAP``, importing ``streams.app`` neither fails nor makes an
    app nor patches Faust's consumer; asking for the app says what is missing."""
    import subprocess
    import sys

    code = ("import os; os.environ.pop('KAFKA_BOOTSTRAP', None)\n"
            "from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread as C\n"
            "before = C._create_worker_consumer\n"
            "from linkwatch.streams import app\n"
            "assert app._app is None and C._create_worker_consumer is before\n"
            "try:\n    app.get_app()\nexcept app.NoBrokerError as e:\n    print(e)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "KAFKA_BOOTSTRAP is not set" in run.stdout, run.stdout


def test_every_topic_the_agents_use_is_created(intake) -> None:  # type: ignore[no-untyped-def]
    """What the stages read (Faust topics) and write (names) is among what ``linkwatch
    topics create`` makes (``streams.topics.all_topics``): the app may not declare one."""
    import linkwatch.agents.link  # noqa: F401 - registers the link stage too
    from linkwatch.streams import channels, topics

    created = set(topics.all_topics(channels.settings))
    read = {t for agent in channels.app.agents.values()
            for t in agent.channel.topics}
    written = {channels.ACCEPTED, channels.ALERTS, channels.AUDIT, channels.DEADLETTER,
               channels.ENTITIES, channels.REFERRALS}
    assert read >= {channels.incident_topic.get_topic_name(),
                    channels.accepted_topic.get_topic_name()}, read
    assert read | written <= created, sorted((read | written) - created)
