"""End to end through the real broker and Redis: reports in, alerts, referrals
and dead letters out; redelivery and worker restarts change nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import pytest
from kafka_helpers import collect, each_referral_once, settle

from linkwatch.ingest import send_reports
from linkwatch.kafka import producer
from linkwatch.streams.topics import name

pytestmark = pytest.mark.integration

MULE = ["40-11-62 31926819", "401162 31926819", "40 11 62-31926819"]


def mule_reports(report_factory, person_factory, n=3, start=0):  # type: ignore[no-untyped-def]
    return [report_factory(
        "fraud", report_id=f"MULE-{i}",
        reported_at=f"2026-11-{10 + i:02d}T09:00:00+00:00",
        persons=[person_factory("v1", name=f"Victim {i}", dob=f"19{50 + i}-01-02")],
        identifiers=[{"type": "bank_account", "role": "payee", "value": MULE[i % 3]}],
        fraud={"fraud_type": "investment", "amount_lost": f"£{i + 1},000.00"},
    ) for i in range(start, start + n)]


async def test_report_in_alert_and_referral_out(lw_env, report_factory, person_factory):
    env = lw_env()
    env.start_worker()
    reports = mule_reports(report_factory, person_factory)
    await send_reports(env.settings, reports)
    alerts = await collect(env.settings, "alerts",
                           lambda a: any(len(x["report_ids"]) >= 3 for x in a), timeout=90)
    referrals = await collect(env.settings, "referrals", lambda r: len(r) >= 3, timeout=30)
    alert = next(a for a in alerts if len(a["report_ids"]) >= 3)
    assert set(alert["report_ids"]) == {"MULE-0", "MULE-1", "MULE-2"}, alert
    assert "account:401162-31926819" in {e["entity_id"] for e in alert["entities"]}, alert
    assert alert["reasons"] and alert["handling"] == "OFFICIAL-SENSITIVE"
    assert {(r["report_id"], r["service"]) for r in referrals} == {
        (f"MULE-{i}", "fraud_victim_support") for i in range(3)}, referrals


async def test_no_consent_no_referral(lw_env, report_factory, person_factory):
    env = lw_env()
    env.start_worker()
    declined = report_factory("incident", report_id="DECLINED", incident={"category": "burglary"},
                              persons=[person_factory(consent={"victim_support": False})])
    agreed = report_factory("incident", report_id="AGREED", incident={"category": "burglary"},
                            persons=[person_factory()])
    await send_reports(env.settings, [declined, agreed])
    referrals = await settle(env.settings, "referrals", quiet_s=6, timeout=60)
    assert [(r["report_id"], r["service"]) for r in referrals] == [("AGREED", "victim_support")]


BAD = {
    "not-json": (b"{not json", "not JSON"),
    "not-utf8": (b"\xff\xfe\x00garbage", "not UTF-8"),
    "not-object": (b"[1, 2, 3]", "expected a JSON object"),
    "missing-id": (json.dumps({"kind": "incident", "reported_at": "2026-11-01T10:00:00Z"}).encode(),
                   "missing report_id"),
    "kind-mismatch": (json.dumps({"report_id": "K1", "kind": "fraud",
                                  "reported_at": "2026-11-01T10:00:00Z"}).encode(),
                      "does not match"),
    "wrong-type": (json.dumps({"report_id": "W1", "kind": "incident",
                               "reported_at": "2026-11-01T10:00:00Z",
                               "persons": "nobody"}).encode(),
                   "valid list"),
    "impossible": (json.dumps({"report_id": "I1", "kind": "incident",
                               "reported_at": "2026-11-01T10:00:00Z",
                               "persons": [{"person_ref": "a", "dob": "2031-01-01"}]}).encode(),
                   "after reported_at"),
    "oversize": (json.dumps({"report_id": "O1", "kind": "incident",
                             "reported_at": "2026-11-01T10:00:00Z",
                             "narrative": "x" * 40_000}).encode(), "exceeds"),
}


async def test_every_bad_input_is_dead_lettered_and_the_worker_goes_on(
        lw_env, report_factory, person_factory):
    env = lw_env(LINKWATCH_MAX_MESSAGE_BYTES="20000")
    env.start_worker()
    topic = name(env.settings, "reports.incident")
    prod = producer(env.settings)
    await prod.start()
    try:
        for key, (value, _) in BAD.items():
            await prod.send_and_wait(topic, value, key=key.encode())
    finally:
        await prod.stop()
    good = report_factory("incident", report_id="GOOD-AFTER-BAD",
                          incident={"category": "burglary"}, persons=[person_factory()])
    await send_reports(env.settings, [good])
    dead = await collect(env.settings, "reports.deadletter", lambda d: len(d) >= len(BAD), 90)
    by_key = {d["key"]: d for d in dead}
    assert set(by_key) == set(BAD), sorted(by_key)
    for key, (value, reason) in BAD.items():
        letter = by_key[key]
        assert letter["topic"] == topic and letter["offset"] is not None, letter
        assert any(reason in e["msg"] for e in letter["errors"]), (key, letter["errors"])
        if key == "not-utf8":
            assert letter["value_b64"] and letter["value"] is None
        else:
            assert letter["value"] == value.decode(), key
    referrals = await collect(env.settings, "referrals", lambda r: len(r) >= 1, 30)
    assert [r["report_id"] for r in referrals] == ["GOOD-AFTER-BAD"]


async def test_redelivery_changes_nothing_but_an_update_is_processed(
        lw_env, report_factory, person_factory):
    env = lw_env()
    env.start_worker()
    report = report_factory("incident", report_id="REDELIVERED", incident={"category": "burglary"},
                            persons=[person_factory()])
    await send_reports(env.settings, [report, report, report])
    first = await settle(env.settings, "referrals", quiet_s=6, timeout=60)
    assert len(first) == 1, first
    updated = {**report, "narrative": "further details added"}
    await send_reports(env.settings, [updated])
    from linkwatch.redis_state import RedisState

    state = RedisState(env.settings.redis_url, f"lw:{env.settings.app_id}", 3600)
    for _ in range(60):
        counts = await state.counts()
        total = {k: sum(c.get(k, 0) for c in counts.values())
                 for k in ("processed", "duplicate", "deadletter")}
        if total["processed"] >= 2:
            break
        await asyncio.sleep(0.5)
    await state.close()
    # 4 messages: the first and the update processed, two exact redeliveries dropped
    assert total == {"processed": 2, "duplicate": 2, "deadletter": 0}, counts
    after = await settle(env.settings, "referrals", quiet_s=4, timeout=60)
    assert len({r["referral_id"] for r in after}) == 1, after


async def test_worker_killed_and_restarted_loses_nothing_and_duplicates_nothing(
        lw_env, report_factory, person_factory):
    env = lw_env()
    worker = env.start_worker()
    first = mule_reports(report_factory, person_factory, n=2)
    await send_reports(env.settings, first)
    await collect(env.settings, "referrals", lambda r: len(r) >= 2, timeout=90)
    await asyncio.sleep(2.5)  # let the worker commit its offsets
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    more = mule_reports(report_factory, person_factory, n=2, start=2)
    await send_reports(env.settings, more)
    env.start_worker()
    await collect(env.settings, "referrals", lambda r: len(r) >= 4, timeout=90)
    alerts = await collect(env.settings, "alerts",
                           lambda a: any(len(x["report_ids"]) >= 4 for x in a), timeout=60)
    ids = [r["referral_id"] for r in await settle(env.settings, "referrals", quiet_s=3)]
    assert len(ids) == len(set(ids)) == 4, ids
    # the restarted worker rebuilt the graph: the alert joins evidence from both runs
    assert any(set(a["report_ids"]) == {f"MULE-{i}" for i in range(4)} for a in alerts), alerts
    versions = [(a["alert_id"], a["version"]) for a in
                await settle(env.settings, "alerts", quiet_s=2)]
    assert len(versions) == len(set(versions)), versions


async def test_killed_mid_stream_every_referral_arrives_once_by_id(lw_env):
    from datetime import UTC, datetime, timedelta

    from linkwatch.demo_scenario import generate

    scenario = generate(seed=3, background=150, start=datetime.now(UTC) - timedelta(days=1))
    env = lw_env(LINKWATCH_BATCH_SIZE="20")
    worker = env.start_worker()
    await send_reports(env.settings, scenario.reports)
    await collect(env.settings, "referrals", lambda r: len(r) >= 20, timeout=90)
    os.killpg(worker.pid, signal.SIGKILL)  # mid-stream: most reports not yet processed
    worker.wait()
    env.start_worker()
    await each_referral_once(env.settings, scenario)
