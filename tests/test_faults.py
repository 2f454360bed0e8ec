"""One report must never stop a stage (issue 18): an exception while handling one report
makes it a ``processing_error`` dead letter (stage, exception class, code location, never
the message), ``reconcile`` counts it, the stream goes on, and ``deadletters --replay``
re-drives it once the code is fixed.  An agent that dies anyway takes its worker down
with a non-zero exit, and ``linkwatch health`` says so."""

from __future__ import annotations

import asyncio
import difflib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from fault_injection import SECRET
from kafka_helpers import collect, settle
from typer.testing import CliRunner

from linkwatch.config import Settings
from linkwatch.faults import capture
from linkwatch.ingest import send_reports
from linkwatch.pipeline import Pipeline
from linkwatch.rules.enrichment import enrich
from linkwatch.schemas import DeadLetter, ReportAdapter

INJECTED = ("tests/fault_injection.py",)
ROOT = Path(__file__).resolve().parent.parent


# -- pure: the fault and the link stage's guard ----------------------------------------------
def _boom(name: str) -> None:
    raise UnicodeEncodeError("ascii", name, 0, 1, "ordinal not in range(128)")


def test_a_fault_names_class_and_our_frame_never_the_message() -> None:
    try:
        _boom(SECRET)
    except UnicodeEncodeError as exc:
        fault = capture("intake", exc)
    assert fault.exception == "UnicodeEncodeError"
    # no linkwatch frame in this traceback: the innermost frame of all
    line = _boom.__code__.co_firstlineno + 1  # the raise
    assert fault.where.endswith(f"test_faults:{line} (_boom)"), fault
    assert "Łukasz" not in fault.describe() and "ascii" not in fault.describe(), fault


def _payload(report: dict[str, Any], i: int) -> bytes:
    settings = Settings()
    enriched = enrich(ReportAdapter.validate_python(report), f"h{i}", settings)
    enriched["source"] = f"reports.fraud:0:{i}"
    return orjson.dumps(enriched)


def _fail_referrals_of(monkeypatch: Any, report_id: str) -> Any:
    """Make the link stage's referral step raise (quoting a name) for one report; returns
    the real step, to put back."""
    refer = Pipeline._refer

    def failing(self, report, *args):  # type: ignore[no-untyped-def]
        if report.report_id == report_id:
            raise KeyError(SECRET)
        return refer(self, report, *args)

    monkeypatch.setattr(Pipeline, "_refer", failing)
    return refer


def test_the_link_stage_dead_letters_a_failing_report_and_goes_on(
        monkeypatch, report_factory, person_factory) -> None:
    pipeline = Pipeline(Settings())
    reports = [report_factory("fraud", report_id=f"F-{i}", persons=[person_factory(
        name=f"Victim {i}", dob=f"19{60 + i}-01-02")], fraud={"fraud_type": "romance"})
        for i in range(3)]
    refer = _fail_referrals_of(monkeypatch, "F-1")
    outs = [pipeline.apply_message(_payload(r, i)) for i, r in enumerate(reports)]
    assert [len(o.referrals) for o in outs] == [1, 0, 1], outs
    assert not outs[1].alerts and len(outs[1].dead_letters) == 1
    key, body = outs[1].dead_letters[0]
    dead = DeadLetter.model_validate_json(body)
    assert key == "F-1"
    assert (dead.reason, dead.stage, dead.exception) == ("processing_error", "link", "KeyError")
    # the innermost frame of linkwatch's own code on the way to the failure
    assert dead.where and dead.where.startswith("linkwatch.pipeline:"), dead.where
    assert dead.where.endswith("(apply)"), dead.where
    # where it arrived on its input topic, so reconcile counts that message dead-lettered
    assert (dead.topic, dead.partition, dead.offset) == ("reports.fraud", 0, 1)
    assert json.loads(dead.value or "")["report_id"] == "F-1"
    assert SECRET not in body.decode() and "Secret" not in body.decode()
    # once fixed, the same report applies again (it was not marked applied)
    monkeypatch.setattr(Pipeline, "_refer", refer)
    again = pipeline.apply_message(_payload(reports[1], 1))
    assert len(again.referrals) == 1 and not again.dead_letters


def test_an_unreadable_accepted_message_is_a_dead_letter() -> None:
    out = Pipeline(Settings()).apply_message(b"\xff not json")
    (key, body), = out.dead_letters
    dead = DeadLetter.model_validate_json(body)
    assert key == "" and dead.reason == "processing_error" and dead.value_b64
    assert dead.topic == "linkwatch.reports.accepted"


# -- the liveness check -----------------------------------------------------------------------
def test_health_is_bad_for_a_stale_beat_a_crashed_agent_or_no_worker(tmp_path) -> None:
    from linkwatch.health import check, write

    settings = Settings(data_dir=str(tmp_path))
    assert not check(settings).healthy  # no worker at all
    now = time.time()
    write(settings, {"pid": os.getpid(), "time": now,
                     "agents": {"intake_fraud": "running", "link_reports": "running"}})
    assert check(settings, now=now + 1).healthy
    verdict = check(settings, now=now + 60)
    assert not verdict.healthy and "no heartbeat for 60 s" in verdict.problems[0]
    write(settings, {"pid": os.getpid(), "time": now,
                     "agents": {"intake_fraud": "crashed", "link_reports": "running"}})
    verdict = check(settings, now=now + 1)
    assert verdict.problems == [f"worker {os.getpid()}: agent intake_fraud is crashed"]
    # a file left by a process that is gone is removed, and says nothing
    gone = tmp_path / "health" / f"{socket.gethostname()}-999999999.json"
    gone.write_text(json.dumps({"pid": 999_999_999, "time": now, "agents": {}}))
    check(settings, now=now + 1)
    assert not gone.exists()


# -- end to end on the real broker -------------------------------------------------------------
def _ordinary(report_factory, person_factory) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    mule = [report_factory(
        "fraud", report_id=f"MULE-{i}", reported_at=f"2026-11-{10 + i:02d}T09:00:00+00:00",
        persons=[person_factory("v1", name=f"Victim {i}", dob=f"19{50 + i}-01-02")],
        identifiers=[{"type": "bank_account", "role": "payee", "value": "40-11-62 31926819"}],
        fraud={"fraud_type": "investment", "amount_lost": "£1,000.00"}) for i in range(3)]
    burglary = [report_factory(
        "incident", report_id=f"BURG-{i}", incident={"category": "burglary"},
        persons=[person_factory(name=f"Householder {i}", dob=f"19{70 + i}-03-04")])
        for i in range(2)]
    return mule + burglary


def _poison(report_factory, person_factory) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Valid reports the injected worker fails on: one in intake, two in the link stage
    (people apart from the ordinary reports, so the ordinary outputs cannot change)."""
    def one(rid: str, kind: str) -> dict[str, Any]:
        extra = ({"fraud": {"fraud_type": "romance"}} if kind == "fraud"
                 else {"incident": {"category": "robbery"}})
        return report_factory(kind, report_id=rid, persons=[person_factory(
            name="Siân Ŵyn", dob="1991-07-08", phones=["０７７００ ９００１２３"])], **extra)
    return [one("BOOM-I-1", "fraud"), one("BOOM-L-1", "incident"), one("BOOM-L-2", "fraud")]


NAMES = ["Łukasz Wiśniewski", "Nguyễn Văn Minh", "Seán Ó Briain", "Ștefan Țăran",
         "Γιώργος Παπαδόπουλος", "Дмитрий Иванов", "محمد علي", "דוד כהן", "王伟", "山田太郎",
         "Ayşe Yılmaz", "İbrahim Işık", "Zoë 🙂 Smith", "Jose\u0301 Nun\u0303ez",
         "Ann\u200bMarie\u202e Jones"]


def _unicode(report_factory, person_factory) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Valid reports whose people's names are in many scripts (a fraud and an incident
    each), with addresses and narratives to match: processed like any other."""
    return [report_factory(
        kind, report_id=f"UNI-{i}", narrative=f"{name} reported it; {name[::-1]}",
        persons=[person_factory(name=name, dob=f"19{60 + i}-0{1 + i % 9}-11",
                                address=f"{i} {name} Street", phones=[f"07700 9001{i:02d}"])],
        **({"fraud": {"fraud_type": "romance", "amount_lost": "£900"}} if kind == "fraud"
           else {"incident": {"category": "burglary"}}))
        for i, name in enumerate(NAMES) for kind in ("fraud", "incident")]


def _ours(items: list[dict[str, Any]]) -> list[str]:
    """The outputs of the ordinary reports (none names a poison or Unicode report)."""
    return sorted(json.dumps(x, sort_keys=True) for x in items
                  if not any(r.startswith(("BOOM", "UNI"))
                             for r in x.get("report_ids", [x.get("report_id", "")])))


async def _cli(env, *args: str) -> Any:  # type: ignore[no-untyped-def]
    """``linkwatch ARGS`` in process, in a thread (the command runs its own event loop)."""
    from linkwatch.cli import app

    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env.vars)


async def _reconcile(env) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    result = await _cli(env, "reconcile", "--json")
    return {"exit": result.exit_code, **json.loads(result.stdout)}


@pytest.mark.integration
async def test_poison_reports_are_dead_lettered_counted_and_redriven(
        lw_env, report_factory, person_factory, tmp_path):
    ordinary = _ordinary(report_factory, person_factory)
    poison = _poison(report_factory, person_factory)
    faulty = lw_env(LINKWATCH_DATA_DIR=str(tmp_path / "a"))
    plain = lw_env(LINKWATCH_DATA_DIR=str(tmp_path / "b"))
    faults = json.dumps({"intake": "BOOM-I-", "link": "BOOM-L-"})
    worker = faulty.start_worker(entry=INJECTED, LINKWATCH_TEST_FAULTS=faults)
    plain.start_worker()
    unicode = _unicode(report_factory, person_factory)
    mixed = (ordinary[:2] + poison[:2] + unicode[:15] + ordinary[2:4] + poison[2:]
             + unicode[15:] + ordinary[4:])
    await asyncio.gather(send_reports(faulty.settings, mixed),
                         send_reports(plain.settings, ordinary))

    dead = await collect(faulty.settings, "reports.deadletter", lambda d: len(d) >= 3, 90)
    by_key = {d["key"]: d for d in dead}
    assert set(by_key) == {"BOOM-I-1", "BOOM-L-1", "BOOM-L-2"}, dead
    assert [by_key[k]["stage"] for k in sorted(by_key)] == ["intake", "link", "link"]
    for letter in dead:
        assert letter["reason"] == "processing_error", letter
        assert letter["exception"] in ("ValueError", "KeyError") and letter["where"], letter
        assert letter["topic"].endswith(("reports.fraud", "reports.incident")), letter
        assert SECRET not in json.dumps(letter, ensure_ascii=False)

    # the ordinary reports' outputs are those of a run without the poison
    want = await collect(plain.settings, "referrals", lambda r: len(r) >= 5, 90)
    want = await settle(plain.settings, "referrals", quiet_s=2)
    every = {r["report_id"] for r in ordinary + unicode}
    got = await collect(faulty.settings, "referrals",
                        lambda r: {x["report_id"] for x in r} >= every, 120)
    got = await settle(faulty.settings, "referrals", quiet_s=2)
    assert _ours(got) == _ours(want) and len(_ours(want)) == 5, "\n".join(
        difflib.unified_diff(_ours(want), _ours(got), lineterm=""))
    # every report in another script was processed, not dead-lettered: one referral each
    assert {r["report_id"] for r in got if r["report_id"].startswith("UNI")} == {
        r["report_id"] for r in unicode}, got
    alerts_plain = await settle(plain.settings, "alerts", quiet_s=4)
    alerts_faulty = await settle(faulty.settings, "alerts", quiet_s=1)
    assert alerts_plain and _ours(alerts_faulty) == _ours(alerts_plain), "\n".join(
        difflib.unified_diff(_ours(alerts_plain), _ours(alerts_faulty), lineterm=""))
    assert SECRET not in faulty.log.read_text(encoding="utf-8", errors="replace")

    await asyncio.sleep(2.5)  # offsets committed
    account = await _reconcile(faulty)
    assert account["exit"] == 0 and account["totals"]["deadletter"] == 3, account
    assert account["totals"]["processed"] == 5 + len(unicode), account

    # the code is "fixed": a plain worker takes over, and the operator re-drives
    faulty.stop()
    worker.wait()
    faulty.workers.clear()
    faulty.start_worker()
    dry = await _cli(faulty, "deadletters", "--replay", "--dry-run", "--json")
    assert json.loads(dry.stdout)["counts"]["would_send"] == 3, dry.stdout
    done = await _cli(faulty, "deadletters", "--replay", "--json")
    assert json.loads(done.stdout)["counts"]["sent"] == 3, done.stdout
    refs = await collect(faulty.settings, "referrals",
                         lambda r: {x["report_id"] for x in r} >= {
                             "BOOM-I-1", "BOOM-L-1", "BOOM-L-2"}, 90)
    assert {x["report_id"] for x in refs} >= {"BOOM-I-1", "BOOM-L-1", "BOOM-L-2"}, refs
    twice = await _cli(faulty, "deadletters", "--replay", "--json")
    counts = json.loads(twice.stdout)["counts"]
    assert counts.get("sent", 0) == 0 and counts["already_redriven"] == 3, counts
    await asyncio.sleep(2.5)
    account = await _reconcile(faulty)
    assert account["exit"] == 0, account
    assert account["totals"]["processed"] == 8 + len(unicode), account


@pytest.mark.integration
async def test_an_agent_that_dies_takes_the_worker_down_non_zero(
        lw_env, report_factory, person_factory, tmp_path):
    env = lw_env(LINKWATCH_DATA_DIR=str(tmp_path))
    worker = env.start_worker(entry=INJECTED,
                              LINKWATCH_TEST_FAULTS=json.dumps({"past_guard": True}))
    from linkwatch.cli import app

    runner = CliRunner()
    for _ in range(50):  # every agent running within a few beats of the start
        healthy = runner.invoke(app, ["health", "--json"], env=env.vars)
        if healthy.exit_code == 0:
            break
        await asyncio.sleep(0.2)
    assert healthy.exit_code == 0, healthy.stdout
    await send_reports(env.settings, _ordinary(report_factory, person_factory)[:1])
    started = time.monotonic()
    while worker.poll() is None and time.monotonic() - started < 60:
        await asyncio.sleep(0.2)
    took = time.monotonic() - started
    assert worker.returncode not in (None, 0), (worker.returncode, took)
    log = env.log.read_text(encoding="utf-8", errors="replace")
    assert "agent intake_fraud crashed: RuntimeError in stage intake_fraud" in log, log[-3000:]
    assert SECRET not in log
    sick = runner.invoke(app, ["health", "--json"], env=env.vars)
    assert sick.exit_code == 1 and json.loads(sick.stdout)["problems"], sick.stdout


def test_compose_health_checks_use_linkwatch_health() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    check = compose["services"]["worker"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "linkwatch", "health"], check
    assert compose["services"]["worker"]["restart"] == "unless-stopped"
