"""Shared fixtures: factories for contract objects, and the real embedded stack.

Integration tests use a real Kafka-protocol broker (Tansu, started here) and a
real Redis (``REDIS_URL`` if set, an embedded Valkey otherwise).  Each test gets
its own Faust app id and topic prefix, so tests never share state.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from linkwatch.config import Settings
from linkwatch.stack import Stack, running_stack, stop_process

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def report_factory():  # type: ignore[no-untyped-def]
    counter = iter(range(1, 10**9))

    def make(kind: str = "incident", **over: Any) -> dict[str, Any]:
        n = next(counter)
        report: dict[str, Any] = {
            "report_id": f"T-{kind[:3].upper()}-{n:05d}", "kind": kind, "source": "test",
            "reported_at": f"2026-11-{(n % 20) + 2:02d}T10:{n % 60:02d}:00+00:00",
            "force": "Warwickshire Police", "persons": [],
        }
        report.update(over)
        return report
    return make


@pytest.fixture
def person_factory():  # type: ignore[no-untyped-def]
    def make(ref: str = "v1", role: str = "victim", **over: Any) -> dict[str, Any]:
        person: dict[str, Any] = {"person_ref": ref, "role": role, "name": f"Test Person {ref}",
                                  "dob": "1980-05-06", "consent": {"victim_support": True}}
        person.update(over)
        return person
    return make


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """One real broker for the session (embedded Tansu unless KAFKA_BOOTSTRAP)."""
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as s:
        yield s


class Env:
    """A test's own app id and topic prefix on the shared stack."""

    def __init__(self, stack: Stack, **extra: str) -> None:
        tag = uuid.uuid4().hex[:8]
        self.vars = {
            **stack.env(),
            "LINKWATCH_APP_ID": f"lwtest-{tag}",
            "LINKWATCH_TOPIC_PREFIX": f"t{tag}.",
            "LINKWATCH_PARTITIONS": "2",
            "LINKWATCH_SESSION_TIMEOUT_S": "4",
            "LINKWATCH_REBALANCE_TIMEOUT_S": "4",
            # snapshots and the view in a folder of the test's own, whatever the cwd
            "LINKWATCH_DATA_DIR": tempfile.mkdtemp(prefix=f"lw-{tag}-"),
            **extra,
        }
        fields: dict[str, Any] = {k.removeprefix("LINKWATCH_").lower(): v
                                  for k, v in self.vars.items() if k.startswith("LINKWATCH_")}
        self.settings = Settings(**fields, KAFKA_BOOTSTRAP=stack.bootstrap,
                                 REDIS_URL=stack.redis_url)
        self.workers: list[Any] = []
        from linkwatch.kafka import ensure_topics

        # tests are async: create the topics on a loop of their own
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, ensure_topics(self.settings)).result()

    def start_worker(self, wait: bool = True, entry: tuple[str, ...] = ("-m", "linkwatch.cli"),
                     **extra: str) -> Any:
        """A worker process; with ``wait``, return once its link stage has rebuilt its state
        and reads new reports (a test's quiet window must not start before the worker).
        ``entry``: what python runs before ``worker``; ``extra``: more environment."""
        from linkwatch.demo import start_worker

        ARTIFACTS.mkdir(exist_ok=True)
        log = ARTIFACTS / f"{self.vars['LINKWATCH_APP_ID']}.log"
        start = log.stat().st_size if log.exists() else 0
        self.log = log
        proc = start_worker({**self.vars, **extra}, str(log), entry=entry)
        self.workers.append(proc)
        deadline = time.monotonic() + 90
        while wait and time.monotonic() < deadline and proc.poll() is None:
            with log.open("rb") as fh:
                fh.seek(start)
                if b"link graph rebuilt from" in fh.read():
                    break
            time.sleep(0.1)
        return proc

    def stop(self) -> None:
        for proc in self.workers:
            stop_process(proc)


@pytest.fixture
def lw_env(stack: Stack) -> Iterator[Any]:
    created: list[Env] = []

    def make(**extra: str) -> Env:
        env = Env(stack, **extra)
        created.append(env)
        return env
    yield make
    for env in created:
        env.stop()



@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """CLI commands run in-process (CliRunner) read settings once per process; each test
    passes its own environment, so the cached settings are dropped around every test."""
    from linkwatch.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
