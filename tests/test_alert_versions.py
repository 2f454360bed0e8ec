"""After a retention purge the link stage rebuilds its ``AlertBook`` from the reports that
are left, and its version counter can restart lower.  A new version is still published
above every version already published for that alert (``graph.alerts.number_alerts``,
records in Redis), the same content keeps its number on a retry or a restart, and the
worker publishes it end to end."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ARTIFACTS
from kafka_helpers import collect, settle
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.graph.alerts import (
    AlertBook,
    alert_id_for,
    content_digest,
    number_alerts,
    version_above,
)
from linkwatch.graph.detectors.base import Finding
from linkwatch.ingest import send_reports
from linkwatch.redis_state import RedisState
from linkwatch.schemas import Alert

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
KEY = "mule_account:account:401162-31926819"


def _finding(*victims: int) -> Finding:
    ents = ("account:401162-31926819", *(f"person:v{v}" for v in victims))
    return Finding(type="mule_account", key=KEY, severity="medium", score=0.5, title="t",
                   summary="s", reasons=("r",), report_ids=tuple(f"F{v}" for v in victims),
                   entities=ents, labels=tuple(e.split(":", 1)[1] for e in ents))


def _out(alert: Alert | None) -> list[Alert]:
    assert alert is not None
    return [alert]


class Records:
    """What Redis keeps of past publications (``RedisState.record_alert_versions``)."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], int] = {}
        self.top: dict[str, int] = {}

    def number(self, alert):  # type: ignore[no-untyped-def]
        (n,) = number_alerts(_out(alert), self.known, self.top)
        return n

    def publish(self, alert):  # type: ignore[no-untyped-def]
        n = self.number(alert)
        if not n.known:
            self.known[(n.alert_id, n.digest)] = n.version
            self.top[n.alert_id] = max(n.version, self.top.get(n.alert_id, 0))
        return n


def test_the_digest_leaves_the_version_out() -> None:
    a = AlertBook().consider(_finding(0, 1, 2), T0)
    assert a is not None
    assert content_digest(a) == content_digest(a.model_copy(update={"version": 7}))
    assert content_digest(a) != content_digest(a.model_copy(update={"report_ids": ["F0"]}))
    # the digest of the alert as published: json.loads of its bytes, less ``version``,
    # keys sorted, compact, UTF-8 (what Redis records hold from before alerts were typed)
    wire = json.loads(a.model_dump_json())
    del wire["version"]
    text = json.dumps(wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_digest(a) == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_a_version_is_never_reused_after_the_book_is_rebuilt() -> None:
    records = Records()
    book = AlertBook(cooldown=timedelta(0))
    offered = [book.consider(_finding(*range(n)), T0 + timedelta(hours=n)) for n in (3, 4, 5)]
    alerts = [a for a in offered if a is not None]
    assert len(alerts) == 3, offered
    published = [records.publish(a) for a in alerts]
    assert [p.version for p in published] == [1, 2, 3]
    assert [p.body for p in published] == [a.model_dump_json().encode() for a in alerts]

    # a purge: the book is rebuilt from what is left (nothing published while replaying)
    rebuilt = AlertBook(cooldown=timedelta(0))
    assert rebuilt.consider(_finding(3, 4), T0 + timedelta(days=1)) is not None  # its v1
    change = rebuilt.consider(_finding(3, 4, 5), T0 + timedelta(days=2))
    assert change is not None and change.version == 2                # the book's count
    first = records.number(change)
    assert (first.version, first.out_id) == (4, f"{alert_id_for(KEY)}@4")
    assert json.loads(first.body)["version"] == 4
    assert {**json.loads(first.body), "version": 2} == json.loads(change.model_dump_json())
    assert records.number(change) == first          # a retried publish: the same, not 5
    assert records.publish(change) == first
    assert records.number(change).known             # after the records: withheld as sent

    # a restart after the purge rebuilds the same book: the same content keeps v4
    again = AlertBook(cooldown=timedelta(0))
    again.consider(_finding(3, 4), T0 + timedelta(days=1))
    same = again.consider(_finding(3, 4, 5), T0 + timedelta(days=2))
    n = records.number(same)
    assert n.known and n.version == 4 and n.body == first.body
    nxt = records.publish(again.consider(_finding(3, 4, 5, 6), T0 + timedelta(days=3)))
    assert nxt.version == 5 and not nxt.known       # offered as v3


def test_versions_above_the_published_and_new_alerts_keep_their_number() -> None:
    records = Records()
    book = AlertBook(cooldown=timedelta(0))
    a = book.consider(_finding(0, 1, 2), T0)
    b = book.consider(_finding(0, 1, 2, 3), T0 + timedelta(hours=1))
    assert records.publish(a).version == 1
    assert records.publish(b).version == 2
    out = number_alerts(_out(a) + _out(b), {}, {})   # two in one batch, no records
    assert [n.version for n in out] == [1, 2]
    # one batch whose alerts all collide: numbered in order above the published
    records.top[alert_id_for(KEY)] = 9
    assert [n.version for n in number_alerts(_out(a) + _out(b), {}, records.top)] == [10, 11]


@pytest.mark.integration
async def test_redis_records_rise_only(stack) -> None:  # type: ignore[no-untyped-def]
    state = RedisState(stack.redis_url, f"lw:vtest-{uuid.uuid4().hex[:8]}", 60)
    book = AlertBook(cooldown=timedelta(0))
    alerts = [book.consider(_finding(*range(n)), T0 + timedelta(hours=n)) for n in (3, 4, 5)]
    try:
        for alert in alerts:
            (n,) = await state.number_alerts(_out(alert))
            await state.record_alert_versions([(n.alert_id, n.digest, n.version)])
        rebuilt = AlertBook(cooldown=timedelta(0))
        rebuilt.consider(_finding(3, 4), T0 + timedelta(days=1))
        change = _out(rebuilt.consider(_finding(3, 4, 5), T0 + timedelta(days=2)))
        (n,) = await state.number_alerts(change)
        assert n.version == 4 and not n.known
        assert await state.number_alerts(change) == [n]          # retried before recording
        await state.record_alert_versions([(n.alert_id, n.digest, n.version)])
        await state.record_alert_versions([(n.alert_id, "0" * 16, 2)])  # never lowers max
        (again,) = await state.number_alerts(change)
        assert again.known and again.version == 4
        key = state._k("alert_version", n.alert_id)
        assert await state.client.hget(key, "max") == "4"
    finally:
        async for key in state.client.scan_iter(state._k("*")):
            await state.client.delete(key)
        await state.close()


# -- end to end ----------------------------------------------------------------------------

def mule(report_factory, person_factory, i: int, when: datetime):  # type: ignore[no-untyped-def]
    return report_factory(
        "fraud", report_id=f"MULE-{i}", reported_at=when.isoformat(),
        persons=[person_factory("v1", name=f"Victim {i}", dob=f"19{50 + i}-01-02")],
        identifiers=[{"type": "bank_account", "role": "payee", "value": "40-11-62 31926819"}],
        fraud={"fraud_type": "investment"})


@pytest.mark.integration
def test_after_a_purge_the_next_version_is_published_above_the_last(
        lw_env, report_factory, person_factory) -> None:
    env = lw_env()
    s = env.settings
    env.start_worker()
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=3 * 365), now - timedelta(days=20)
    day = timedelta(days=1)

    def versions() -> list[int]:
        got = asyncio.run(settle(s, "alerts", quiet_s=2))
        return [a["version"] for a in got if a["alert_id"] == alert_id_for(KEY)]

    def send_and_wait(reports: list, version: int) -> None:  # type: ignore[type-arg]
        asyncio.run(send_reports(s, reports))
        asyncio.run(collect(s, "alerts", lambda a: any(
            x["alert_id"] == alert_id_for(KEY) and x["version"] >= version for x in a), 90))

    m = [mule(report_factory, person_factory, i, when) for i, when in enumerate(
        [old, old + day, old + 2 * day, old + 3 * day,            # v1 at the third, v2
         recent, recent + day, recent + 2 * day, recent + 3 * day])]  # v3 at the third
    send_and_wait(m[:3], 1)
    send_and_wait(m[3:4], 2)
    send_and_wait(m[4:7], 3)
    assert versions() == [1, 2, 3]

    # the purge: the rebuilt book holds MULE-4..6 as its v1, and offers MULE-7 as v2
    run = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--yes",
                                   "--operator", "dpo-1"],
                             env={**os.environ, **env.vars})
    assert run.exit_code == 0 and "4 reports forgotten" in run.output, run.output
    # v1 and v2 named the purged reports: the purge re-publishes the alert as the link
    # stage now has it (MULE-4..6), redacted, as v4 (linkwatch.erasure)
    assert "1 alerts re-published" in run.output, run.output
    send_and_wait(m[7:], 5)
    alerts = [a for a in asyncio.run(settle(s, "alerts", quiet_s=2))
              if a["alert_id"] == alert_id_for(KEY)]
    assert [a["version"] for a in alerts] == [1, 2, 3, 4, 5], alerts
    assert alerts[3].get("status") == "redacted", alerts[3]
    assert set(alerts[3]["report_ids"]) == {"MULE-4", "MULE-5", "MULE-6"}, alerts[3]
    assert set(alerts[-1]["report_ids"]) == {"MULE-4", "MULE-5", "MULE-6", "MULE-7"}
    log = (ARTIFACTS / f"{s.app_id}.log").read_text()   # the book did offer v5 as v2
    assert f"alert {alert_id_for(KEY)} offered as v2, published as v5" in log


@pytest.mark.parametrize(("offered", "published", "expected"), [
    (1, None, 1),   # nothing published: the book's number
    (5, 3, 5),      # above the highest published: the book's number
    (3, 3, 4),      # taken: the next after the highest
    (2, 3, 4),      # a rebuilt book counting again from below: 3 + 1
])
def test_version_above_the_published(offered: int, published: int | None, expected: int) -> None:
    """The one numbering rule, for the link stage and the retention sweep alike."""
    assert version_above(offered, published) == expected
