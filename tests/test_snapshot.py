"""Link-stage snapshots (``linkwatch.snapshot``): a restored state behaves exactly as the
state it was taken from, holds no secrets, is refused when the code or settings differ,
and a restart from one loses nothing, duplicates nothing and honours a later purge."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ARTIFACTS
from kafka_helpers import each_referral_once

from linkwatch import purge, snapshot
from linkwatch.config import Settings
from linkwatch.demo_scenario import generate
from linkwatch.ingest import send_reports
from linkwatch.kafka import producer
from linkwatch.pipeline import Outputs, Pipeline, replay
from linkwatch.rules.enrichment import enrich
from linkwatch.rules.intake import Accepted, Source, decode
from linkwatch.streams import topics

SECRET = "pseudonym-key-never-on-disk"


def _payloads() -> list[dict]:
    scenario = generate(seed=8, background=160, start=datetime(2026, 10, 1, tzinfo=UTC))
    settings = Settings(app_id="snap", topic_prefix="snap.")
    out = []
    for i, report in enumerate(scenario.reports):
        src = Source(f"reports.{report['kind']}", 0, i, None)
        outcome = decode(src, json.dumps(report).encode(), report["kind"],
                         received_at=datetime(2026, 11, 1, tzinfo=UTC))
        assert isinstance(outcome, Accepted), outcome
        out.append(json.loads(json.dumps(enrich(outcome.report, outcome.content_hash,
                                                settings))))
    return out


def _flat(o: Outputs) -> tuple:
    return (tuple(a.model_dump_json() for a in o.alerts), tuple(o.referrals), tuple(o.audit),
            tuple(o.entities))


def test_a_restored_pipeline_goes_on_exactly_as_the_original(tmp_path: Path) -> None:
    settings = Settings(app_id="snap", data_dir=str(tmp_path), pseudonym_key=SECRET)
    payloads = _payloads()
    half = len(payloads) // 2
    original = Pipeline(settings)
    before = [_flat(original.apply(p)) for p in payloads[:half]]
    file = snapshot.write(original, offset=half, settings=settings)

    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # personal data: the owner's only
    assert SECRET.encode() not in file.read_bytes()    # the settings are not in it
    loaded = snapshot.load(settings)
    assert loaded is not None and loaded.offset == half and loaded.pipeline.reports == half

    after_original = [_flat(original.apply(p)) for p in payloads[half:]]
    after_restored = [_flat(loaded.pipeline.apply(p)) for p in payloads[half:]]
    assert after_restored == after_original
    assert sum(len(o[1]) for o in before + after_original) > 0  # referrals were made
    assert sum(len(o[0]) for o in before + after_original) > 0  # and alerts
    # a report the snapshot holds, redelivered, is applied no second time
    assert _flat(loaded.pipeline.apply(payloads[0])) == ((), (), (), ())


def test_a_snapshot_from_other_detector_thresholds_is_not_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(app_id="snap", data_dir=str(tmp_path))
    snapshot.write(Pipeline(settings), 0, settings)
    assert snapshot.load(settings) is not None
    monkeypatch.setenv("LINKWATCH_DETECTOR_WINDOW_DAYS", "60")  # README: any threshold
    assert snapshot.load(settings) is None


def test_a_snapshot_from_other_settings_is_not_loaded(tmp_path: Path) -> None:
    settings = Settings(app_id="snap", data_dir=str(tmp_path))
    pipeline = Pipeline(settings)
    for payload in _payloads()[:20]:
        pipeline.apply(payload)
    snapshot.write(pipeline, 20, settings)
    assert snapshot.load(Settings(app_id="snap", data_dir=str(tmp_path),
                                  handling="OFFICIAL")) is None
    snapshot.path(settings).write_bytes(b"not a pickle")
    assert snapshot.load(settings) is None  # unreadable: a full replay, never a crash
    snapshot.forget(settings)
    assert not snapshot.path(settings).exists()


def test_the_writer_takes_one_snapshot_per_interval_in_a_child(tmp_path: Path) -> None:
    settings = Settings(app_id="snap", data_dir=str(tmp_path), snapshot_every=50)
    pipeline = Pipeline(settings)
    now = [0.0]
    writer = snapshot.Writer(settings, clock=lambda: now[0])
    payloads = _payloads()
    taken = []
    for i, payload in enumerate(payloads[:120]):
        pipeline.apply(payload)
        now[0] += 60.0   # a minute per report: the writer's rest is always over
        if writer.maybe(pipeline, i + 1):
            taken.append(i + 1)
            writer.wait()
    assert taken == [50, 100]
    loaded = snapshot.load(settings)
    assert loaded is not None and loaded.offset == 100 and loaded.pipeline.reports == 100
    writer.forget(120)
    assert not snapshot.path(settings).exists()
    assert not writer.maybe(pipeline, 120)  # counted again from the purge


def test_a_writer_rests_three_times_as_long_as_the_last_one_took(tmp_path: Path) -> None:
    """Writers run at most a quarter of the time: while one runs the stream pays for
    copying every page it touches."""
    settings = Settings(app_id="snap", data_dir=str(tmp_path), snapshot_every=10)
    pipeline = Pipeline(settings)
    now = [100.0]
    writer = snapshot.Writer(settings, clock=lambda: now[0])
    payloads = _payloads()
    for payload in payloads[:10]:
        pipeline.apply(payload)
    assert writer.maybe(pipeline, 10)
    now[0] += 20.0                     # the writer took 20 s
    writer.wait()
    for payload in payloads[10:25]:
        pipeline.apply(payload)        # 15 reports since: due by count
    now[0] += 59.0
    assert not writer.due(pipeline)    # 59 s of the 60 s rest
    now[0] += 1.0
    assert writer.maybe(pipeline, 25)
    writer.wait()
    assert snapshot.load(settings).offset == 25  # type: ignore[union-attr]


# -- through the real broker ---------------------------------------------------------------

async def test_replay_from_a_snapshot_offset_stops_at_a_later_purge_marker(
        lw_env, tmp_path: Path) -> None:
    env = lw_env()
    s = env.settings
    payloads = _payloads()[:6]
    now = datetime(2026, 11, 1, tzinfo=UTC)
    msgs = [json.dumps(p).encode() for p in payloads[:4]]
    msgs.append(purge.marker("P1", now, [payloads[0]["report"]["report_id"]], requested_at=now))
    msgs += [json.dumps(p).encode() for p in payloads[4:]]
    prod = producer(s)
    await prod.start()
    try:
        for m in msgs:
            await prod.send_and_wait(topics.name(s, topics.ACCEPTED), m, partition=0)
    finally:
        await prod.stop()
    pipeline = Pipeline(s)
    for p in payloads[:2]:
        pipeline.apply(p)
    assert await replay(s, pipeline, committed_only=False, start=2, until=4) == 2
    with pytest.raises(snapshot.Stale):
        await replay(s, Pipeline(s), committed_only=False, start=2)


@pytest.mark.integration
async def test_killed_mid_stream_a_restart_from_the_snapshot_sends_each_referral_once(
        lw_env, tmp_path: Path) -> None:
    scenario = generate(seed=3, background=150, start=datetime.now(UTC) - timedelta(days=1))
    env = lw_env(LINKWATCH_BATCH_SIZE="10", LINKWATCH_SNAPSHOT_EVERY="40",
                 LINKWATCH_DATA_DIR=str(tmp_path))
    worker = env.start_worker()
    await send_reports(env.settings, scenario.reports)
    file = snapshot.path(env.settings)
    for _ in range(600):
        if file.exists():
            break
        await asyncio.sleep(0.1)
    assert file.exists(), "no snapshot was written"
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    env.start_worker()
    await each_referral_once(env.settings, scenario)
    log = ARTIFACTS / f"{env.vars['LINKWATCH_APP_ID']}.log"
    assert b"snapshot loaded" in log.read_bytes()
