"""Retention purge (DPA 2018 s.39): the cutoff, the skip rule replay honours, and
`linkwatch purge` end to end: the link stage forgets the old reports (graph, entity
index, Redis), the erasure is audited, and a restarted worker does not bring them back."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from kafka_helpers import collect, settle
from typer.testing import CliRunner

from linkwatch import purge, rebuild
from linkwatch.cli import app
from linkwatch.ingest import send_reports
from linkwatch.kafka import producer
from linkwatch.pipeline import Pipeline
from linkwatch.rebuild import replay
from linkwatch.retention import Retention, marker
from linkwatch.rules.enrichment import enrich
from linkwatch.schemas import ReportAdapter
from linkwatch.schemas.accepted import AcceptedDecodeError, PurgeMarker, decode, encode
from linkwatch.stack import stop_process
from linkwatch.streams import topics

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "want"), [
    ("2y", "2024-11-24T10:00:00+00:00"),          # calendar years
    ("400d", "2025-10-20T10:00:00+00:00"),        # 24 Nov 2026 - 400 days
    ("8w", "2026-09-29T10:00:00+00:00"),          # 56 days
    ("2024-01-31", "2024-01-31T00:00:00+00:00"),  # a date: London midnight (GMT)
    ("2024-07-01", "2024-06-30T23:00:00+00:00"),  # ... in summer time (BST = UTC+1)
    ("2024-07-01T12:00:00+02:00", "2024-07-01T10:00:00+00:00"),
])
def test_cutoffs(text: str, want: str) -> None:
    assert purge.parse_cutoff(text, NOW) == datetime.fromisoformat(want)


def test_a_leap_day_goes_to_the_28th() -> None:
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert purge.parse_cutoff("1y", leap) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "says"), [
    ("2x", "2y, 400d or 8w"), ("", "2y, 400d or 8w"), ("0d", "not in the past"),
    ("2030-01-01", "not in the past"),
])
def test_bad_cutoffs_name_the_value_and_the_choices(text: str, says: str) -> None:
    with pytest.raises(purge.PurgeError, match=says):
        purge.parse_cutoff(text, NOW)


def test_skip_rule() -> None:
    # R1 at 3, a marker naming R1 at 9, R1 sent again at 12 (linkwatch.retention)
    rule = Retention([(9, ["R1"]), (5, ["R1", "R2"])])
    assert len(rule) == 2
    assert rule.skips("R1", 3) and rule.skips("R2", 4) and rule.skips("R1", 8)
    assert not rule.skips("R1", 12) and not rule.skips("R3", 0) and not rule.skips("R2", 5)
    # the readers that keep each report's last message: R1 last at 12 lives, R2 at 4 is gone
    assert rule.live({"R1": 12, "R2": 4, "R3": 0}) == {"R1", "R3"}
    assert rule.gone({"R1": 12, "R2": 4}) == {"R2"} and rule.gone({}) == {"R1", "R2"}


def test_a_marker_is_told_from_a_report_by_its_shape_not_its_bytes() -> None:
    body = marker("P1", NOW, ["R1"], requested_at=NOW)
    message = decode(body)
    assert isinstance(message, PurgeMarker) and message.report_ids == ["R1"]
    assert message.purge.before == NOW and message.purge.purge_id == "P1"
    # the same marker written with its key not first, and with spaces, is still one
    spaced = b'{ "purge" : ' + json.dumps(json.loads(body)["purge"]).encode() + b" }"
    assert isinstance(decode(spaced), PurgeMarker)
    # an old marker (written by json.dumps before the typed contract) reads the same
    old = json.dumps({"purge": {"purge_id": "P0", "reason": "retention",
                                "before": NOW.isoformat(), "requested_at": NOW.isoformat(),
                                "part": 1, "parts": 1, "report_ids": ["R9"]}},
                     separators=(",", ":")).encode()
    assert decode(old).report_ids == ["R9"]  # type: ignore[union-attr]
    for junk in (b'{"hash":"x","report":{}}', b"", None, b"[]", b'{"purge": 3}', b"\xff"):
        with pytest.raises(AcceptedDecodeError):
            decode(junk)


async def test_a_cancelled_rebuild_is_finished_then_the_cancel_arrives(monkeypatch) -> None:
    # Faust acks a batch when its agent is cancelled: the batch must be done by then
    calls: list[str] = []

    async def slow(settings, events):  # type: ignore[no-untyped-def]
        calls.append("start")
        if len(calls) == 1:
            raise ConnectionError("broker briefly gone")  # retried with back-off
        await asyncio.sleep(0.3)
        return "rebuilt", list(events)

    monkeypatch.setattr(rebuild, "_after_purge", slow)
    seen: list[object] = []

    async def link_stage() -> None:
        pipeline, _events = await rebuild.after_purge(None, ["event"])  # type: ignore[arg-type]
        seen.append(pipeline)       # the batch is applied ...
        await asyncio.sleep(0)      # ... and the cancel arrives at the next await
        seen.append("not reached")

    task = asyncio.ensure_future(link_stage())
    await asyncio.sleep(0.1)        # during the back-off before the second attempt
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == ["start", "start"] and seen == ["rebuilt"], (calls, seen)


# -- replay through a real broker, no worker ----------------------------------------------

def accepted(report_factory, person_factory, rid: str, phone: str, settings) -> bytes:  # type: ignore[no-untyped-def]
    report = ReportAdapter.validate_python(report_factory(
        "incident", report_id=rid, incident={"category": "burglary"},
        persons=[person_factory("v1", name=f"Synthetic {rid}", phones=[phone])]))
    return encode(enrich(report, f"h-{rid}-{phone[-3:]}", settings))


async def test_replay_skips_what_a_later_marker_names(lw_env, report_factory, person_factory):
    env = lw_env()
    s = env.settings
    msgs = [accepted(report_factory, person_factory, "A", "07700 900001", s),
            accepted(report_factory, person_factory, "B", "07700 900002", s),
            marker("P1", NOW, ["A"], requested_at=NOW),
            accepted(report_factory, person_factory, "C", "07700 900003", s),
            accepted(report_factory, person_factory, "A", "07700 900004", s),  # sent again
            marker("P2", NOW, ["B"], requested_at=NOW)]
    prod = producer(s)
    await prod.start()
    try:
        offsets = [(await prod.send_and_wait(topics.name(s, topics.ACCEPTED), m, partition=0)
                    ).offset for m in msgs]
    finally:
        await prod.stop()

    whole = Pipeline(s)
    assert await replay(s, whole, committed_only=False) == 2  # C, and A as sent again
    nodes = set(whole.graph.g.nodes)
    assert {"report:A", "report:C", "phone:+447700900004"} <= nodes, nodes
    assert not {"report:B", "phone:+447700900001", "phone:+447700900002"} & nodes, nodes

    # the live link stage's rebuild: up to a batch, with the batch's own markers
    part = Pipeline(s)
    assert await replay(s, part, committed_only=False, until=offsets[2],
                        purges=[(offsets[2], ["B"])]) == 1
    assert "report:A" in part.graph.g and "report:B" not in part.graph.g

    batch = [SimpleNamespace(value=m, message=SimpleNamespace(offset=o))
             for m, o in zip(msgs[4:], offsets[4:], strict=True)]
    rebuilt, keep = await rebuild.after_purge(s, batch)
    assert [e.message.offset for e in keep] == [offsets[4]]  # A again; the marker dropped
    assert set(rebuilt.graph.g.nodes) >= {"report:C"} and "report:B" not in rebuilt.graph.g


# -- end to end ----------------------------------------------------------------------------

def ava(report_factory, person_factory, rid: str, when: datetime, **over):  # type: ignore[no-untyped-def]
    """A synthetic victim; name and date of birth alone resolve her across reports."""
    person = person_factory("v1", name="Ava Thistlewood", dob="1987-02-14", **over)
    return report_factory("incident", report_id=rid, reported_at=when.isoformat(),
                          incident={"category": "burglary"}, persons=[person])


def entities_of(settings, rids: set[str]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    got = asyncio.run(collect(settings, topics.ENTITIES,  # (a purge's tombstones are None)
                              lambda e: rids <= {x["report_id"] for x in e if x}, 60))
    return {e["report_id"]: e for e in got if e}


@pytest.mark.integration
def test_purge_forgets_old_reports_everywhere_and_a_restart_keeps_them_gone(
        lw_env, report_factory, person_factory, tmp_path: Path) -> None:
    env = lw_env(LINKWATCH_USER="dpo-3")
    s = env.settings
    environ = {**os.environ, **env.vars}
    worker = env.start_worker()
    recent = datetime.now(UTC) - timedelta(days=5)
    old = [ava(report_factory, person_factory, "OLD-1", datetime(2021, 3, 1, 9, tzinfo=UTC),
               phones=["07700 900461"]),
           ava(report_factory, person_factory, "OLD-2", datetime(2021, 5, 10, 9, tzinfo=UTC),
               phones=["07700 900461"])]
    bob = report_factory("incident", report_id="NEW-1", reported_at=recent.isoformat(),
                         incident={"category": "burglary"},
                         persons=[person_factory("v1", name="Bram Okonjo", dob="1990-08-08")])
    asyncio.run(send_reports(s, [*old, bob]))
    first = entities_of(s, {"OLD-1", "OLD-2", "NEW-1"})
    assert first["OLD-2"]["entity_id"] == first["OLD-1"]["entity_id"]  # she does resolve
    r = redis.Redis.from_url(s.redis_url, decode_responses=True)
    prefix = f"lw:{s.app_id}"
    for _ in range(50):  # the referral marks follow the entities by a moment
        if len(r.keys(f"{prefix}:emitted:R*")) == 3:
            break
        time.sleep(0.1)
    assert r.keys(f"{prefix}:seen:OLD-1:*") and r.keys(f"{prefix}:seen:NEW-1:*")

    dry = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--dry-run"], env=environ)
    assert dry.exit_code == 0 and "3 reports held; 2 reported before" in dry.output, dry.output
    assert r.keys(f"{prefix}:seen:OLD-1:*")
    run = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--yes"], env=environ)
    assert run.exit_code == 0 and "2 reports forgotten" in run.output, run.output
    assert not r.keys(f"{prefix}:seen:OLD-*") and r.keys(f"{prefix}:seen:NEW-1:*")
    assert len(r.keys(f"{prefix}:emitted:R*")) == 1  # Bram's referral mark stays

    # a new report about her does not resolve against what was purged
    asyncio.run(send_reports(s, [ava(report_factory, person_factory, "NEW-2", recent)]))
    new2 = entities_of(s, {"NEW-2"})["NEW-2"]
    assert not new2["matched"] and new2["entity_id"] != first["OLD-1"]["entity_id"], new2

    exported = CliRunner().invoke(app, ["export", str(tmp_path), "--format", "json",
                                        "--recipient", "DPO", "--purpose", "purge check"],
                                  env=environ)
    assert exported.exit_code == 0, exported.output
    graph = json.loads((tmp_path / "graph.node-link.json").read_text())
    nodes = {n["id"] for n in graph["nodes"]}
    assert {"report:NEW-1", "report:NEW-2"} <= nodes, nodes
    assert not {"report:OLD-1", "report:OLD-2", "phone:+447700900461"} & nodes, nodes

    audit = [a for a in asyncio.run(settle(s, topics.AUDIT, quiet_s=1))
             if a.get("event") == "purge"]
    assert len(audit) == 1 and audit[0]["report_ids"] == ["OLD-1", "OLD-2"], audit
    assert audit[0]["user"] == "dpo-3", audit
    assert audit[0]["redis_keys_deleted"] == {"dedupe_claims": 2, "referral_marks": 2}, audit
    assert "Thistlewood" not in json.dumps(audit) and "900461" not in json.dumps(audit)

    # a restarted worker replays the accepted topic and honours the marker
    stop_process(worker)
    env.start_worker()
    asyncio.run(send_reports(s, [ava(report_factory, person_factory, "NEW-3", recent)]))
    new3 = entities_of(s, {"NEW-3"})["NEW-3"]
    assert new3["entity_id"] == new2["entity_id"], (new3, new2)
    again = CliRunner().invoke(app, ["purge", "--older-than", "2y", "--yes"], env=environ)
    assert again.exit_code == 0 and "(2 purged earlier)" in again.output, again.output
    assert "nothing to purge" in again.output


# -- what readers of the outputs keep after a purge (linkwatch.erasure) ---------------------

def test_readers_fold_tombstones_redactions_and_withdrawals() -> None:
    from linkwatch.erasure import fold_alerts, fold_referrals, latest_alerts, withdrawal

    def alert(aid: str, v: int, rids: list[str], status: str | None = None) -> dict:
        return {"alert_id": aid, "version": v, "report_ids": rids,
                **({"status": status} if status else {})}

    msgs = [(b"A", alert("A", 1, ["OLD", "NEW"])), (b"B", alert("B", 1, ["OLD"])),
            (b"A", alert("A", 2, ["OLD", "NEW", "NEW2"])), (b"C", alert("C", 1, ["X"])),
            (b"A", alert("A", 3, ["NEW", "NEW2"], "redacted")),
            (b"B", alert("B", 2, [], "withdrawn")), (b"A", alert("A", 4, ["NEW", "N3"]))]
    kept = fold_alerts(msgs)
    assert [(a["alert_id"], a["version"]) for a in kept] == [("C", 1), ("A", 3), ("A", 4)]
    assert set(latest_alerts(msgs)) == {"A", "C"} and latest_alerts(msgs)["A"]["version"] == 4
    assert "OLD" not in json.dumps(kept)

    refs = [(b"R1", {"referral_id": "R1", "status": "active"}),
            (b"R2", {"referral_id": "R2", "status": "active"}),
            (b"R1", {"referral_id": "R1", "status": "cancelled"}), (b"R1", None),
            (b"R3", ({"referral_id": "R3"}, "t3")), (b"R3", (None, "t4"))]
    assert fold_referrals(refs) == [{"referral_id": "R2", "status": "active"}]

    body = json.loads(withdrawal({"alert_id": "B", "type": "mule_account", "severity": "high",
                                  "title": "Possible mule account 40-11-62 31926819",
                                  "cluster_id": "mule:account:4011", "created_at": NOW},
                                 7, NOW, "P1").model_dump_json())
    assert body["status"] == "withdrawn" and body["version"] == 7
    assert body["report_ids"] == body["entities"] == body["links"] == []
    assert body["cluster_id"] is None and "31926819" not in json.dumps(body)


def test_which_alerts_a_purge_replaces_and_with_what() -> None:
    from linkwatch.erasure import replacement, stale_alerts
    from linkwatch.schemas import Alert

    def alert(aid: str, v: int, rids: list[str], status: str | None = None,
              link_rids: tuple[str, ...] = ()) -> dict:
        return {"alert_id": aid, "version": v, "type": "mule_account", "severity": "high",
                "score": 0.7, "title": f"Possible mule account {aid}", "summary": "s",
                "reasons": ["r"], "report_ids": rids, "entities": [],
                "links": [{"source": "a", "target": "b", "type": "paid",
                           "report_ids": list(link_rids)}] if link_rids else [],
                "cluster_id": None, "created_at": NOW.isoformat(),
                "updated_at": NOW.isoformat(), **({"status": status} if status else {})}

    gone = {"OLD-1", "OLD-2"}
    topic = [alert("A", 1, ["OLD-1", "N1"]), alert("A", 2, ["N1", "N2"]),  # earlier only
             alert("B", 1, ["OLD-2"]),                                      # latest
             alert("C", 1, ["N3"], link_rids=("OLD-1",)),                   # on a link
             alert("D", 1, ["OLD-1"]), alert("D", 2, ["N4"], "redacted"),   # done before
             alert("E", 1, ["N5"])]                                         # untouched
    stale = stale_alerts(topic, gone)
    assert sorted(stale) == ["A", "B", "C"] and stale["A"]["version"] == 2

    # A: the link stage no longer offers it; its latest is clean -> that, redacted
    new, kind = replacement(stale["A"], None, gone, 3, NOW, "P1")
    assert kind == "redacted" and new.report_ids == ["N1", "N2"]
    assert new.version == 3 and new.status == "redacted"
    # B: nothing left -> withdrawn
    new, kind = replacement(stale["B"], None, gone, 2, NOW, "P1")
    assert kind == "withdrawn" and "OLD-2" not in new.model_dump_json()
    # C: what the link stage computes now wins over the latest
    fresh = Alert.model_validate(alert("C", 1, ["N3", "N6"]))
    new, kind = replacement(stale["C"], fresh, gone, 2, NOW, "P1")
    assert kind == "redacted" and new.report_ids == ["N3", "N6"]
    assert "OLD-1" not in new.model_dump_json()
