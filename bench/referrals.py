"""Referral correctness through the real pipeline, on the synthetic scenario whose
expected referrals are written by hand (linkwatch/demo_scenario.py), over several seeds.

    python bench/referrals.py [--seeds 5] [--background 1000]

Each seed is a different scenario: its randomised issue-19 variants (modern slavery by
Home Office code with no marker, a modern-slavery network no report names, the same fraud
reported by the victim and by the bank in other formats) among background reports, every
report sent twice (a redelivery must change nothing).  Per seed: precision/recall/F1 per
service and F1 macro over services, NRM and MS1 recall, duplicate referrals (two referral
ids for one victim, one event and one service), priority right (where the scenario states
it), referrals to people who must not get one, and the share published before ``due_by``;
then the spread over seeds.  Writes bench/results/referrals.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import scratch_dir, write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo import start_worker  # noqa: E402
from linkwatch.demo_scenario import ALL_SERVICES, Scenario, generate  # noqa: E402
from linkwatch.ingest import send_reports  # noqa: E402
from linkwatch.kafka import consumer, ensure_topics  # noqa: E402
from linkwatch.stack import running_stack, stop_process  # noqa: E402
from linkwatch.streams import topics  # noqa: E402


async def read_all(settings: Settings, topic: str, quiet_s: float) -> list[tuple[int, dict]]:
    """(broker timestamp ms, value) of every message, once nothing new came for quiet_s."""
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest")
    await c.start()
    out: list[tuple[int, dict]] = []
    try:
        parts = c.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        idle = 0.0
        while idle < quiet_s:
            batch = await c.getmany(timeout_ms=500, max_records=2000)
            idle = 0.0 if batch else idle + 0.5
            for msgs in batch.values():
                out += [(m.timestamp, json.loads(m.value)) for m in msgs]
    finally:
        await c.stop()
    return out


def score(s: Scenario, sent: list[tuple[int, dict]]) -> dict[str, Any]:
    """The published referrals against the scenario's truth.  A referral id published again
    (an update: an urgent upgrade, a cancellation) is one referral, its latest message
    counts; two ids for one (event, person, service) are a duplicate referral."""
    latest: dict[str, tuple[int, dict]] = {}
    messages: Counter[str] = Counter()
    for ts, r in sent:
        latest[r["referral_id"]] = (ts, r)
        messages[r["referral_id"]] += 1
    active = [(ts, r) for ts, r in latest.values() if r["status"] == "active"]

    def key(r: dict) -> tuple[str, str, str]:
        return (s.event_of(r["report_id"]), r["person_ref"], r["service"])

    got = {key(r) for _, r in active}
    expected = s.expected_referrals
    per_service = {}
    for svc in ALL_SERVICES:
        e = {x for x in expected if x[2] == svc}
        g = {x for x in got if x[2] == svc}
        tp = len(e & g)
        prec = tp / len(g) if g else 1.0
        rec = tp / len(e) if e else 1.0
        per_service[svc] = {"expected": len(e), "sent": len(g), "precision": round(prec, 4),
                            "recall": round(rec, 4),
                            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0}
    ids = Counter(key(r) for _, r in active)
    stated = [(s.expected_priority[key(r)], r["priority"]) for _, r in active
              if key(r) in s.expected_priority]
    on_time = sum(1 for ts, r in active
                  if datetime.fromtimestamp(ts / 1000, UTC) <= datetime.fromisoformat(r["due_by"]))
    return {
        "per_service": per_service,
        "f1_macro": round(statistics.fmean(v["f1"] for v in per_service.values()), 4),
        "nrm_recall": per_service["nrm"]["recall"],
        "ms1_recall": per_service["ms1_duty_to_notify"]["recall"],
        "duplicate_referrals": sum(n - 1 for n in ids.values()),
        "priority_right": round(sum(a == b for a, b in stated) / len(stated), 4)
        if stated else None,
        "priority_stated": len(stated),
        "forbidden_sent": len(got & s.forbidden_referrals),
        "republished": sum(n - 1 for rid, n in messages.items()),
        "share_before_due_by": round(on_time / len(active), 4) if active else None,
        "referrals": len(active), "missing": sorted(expected - got)[:10],
        "unexpected": sorted(got - expected)[:10]}


MEASURES = ("f1_macro", "nrm_recall", "ms1_recall", "duplicate_referrals", "priority_right",
            "forbidden_sent")


def run_seed(stack: Any, seed: int, background: int) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(days=2)   # a live stream: due dates lie ahead
    scenario = generate(seed=seed, background=background, start=start)
    app_id = f"bench-ref-{uuid.uuid4().hex[:6]}"
    env = {**stack.env(), "LINKWATCH_APP_ID": app_id, "LINKWATCH_TOPIC_PREFIX": f"{app_id}.",
           "LINKWATCH_DATA_DIR": scratch_dir()}
    settings = Settings(app_id=app_id, topic_prefix=f"{app_id}.",
                        KAFKA_BOOTSTRAP=stack.bootstrap, REDIS_URL=stack.redis_url)
    asyncio.run(ensure_topics(settings))
    worker = start_worker(env, log_path=str(Path(__file__).parent / "results"
                                            / "referrals-worker.log"))
    try:
        t0 = time.perf_counter()
        # every report twice: a redelivery must change nothing
        asyncio.run(send_reports(settings, scenario.reports + scenario.reports))
        sent = asyncio.run(read_all(settings, topics.name(settings, topics.REFERRALS), 15.0))
        elapsed = time.perf_counter() - t0
    finally:
        stop_process(worker)
    figures = score(scenario, sent)
    figures.update({"seed": seed, "reports": len(scenario.reports), "sent_twice": True,
                    "seconds": round(elapsed, 1)})
    return figures


def spread(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for m in MEASURES:
        vals = [r[m] for r in rows if r[m] is not None]
        if vals:
            out[m] = {"mean": round(statistics.fmean(vals), 4), "min": min(vals),
                      "max": max(vals)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=5, help="scenarios 1..N (at least 5)")
    ap.add_argument("--background", type=int, default=1000)
    args = ap.parse_args()
    rows = []
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as stack:
        for seed in range(1, args.seeds + 1):
            rows.append(run_seed(stack, seed, args.background))
            r = rows[-1]
            print(f"seed {seed}: F1 macro {r['f1_macro']}, NRM recall {r['nrm_recall']}, "
                  f"MS1 recall {r['ms1_recall']}, duplicates {r['duplicate_referrals']}, "
                  f"priority right {r['priority_right']}, forbidden {r['forbidden_sent']} "
                  f"({r['reports']} reports, {r['seconds']} s)", flush=True)
    print(f"\n{'service':24} " + " ".join(f"{'seed ' + str(r['seed']):>9}" for r in rows))
    for svc in ALL_SERVICES:
        print(f"{svc + ' F1':24} " + " ".join(f"{r['per_service'][svc]['f1']:>9}"
                                               for r in rows))
    summary = spread(rows)
    for m, v in summary.items():
        print(f"{m:24} mean {v['mean']}  min {v['min']}  max {v['max']}")
    write_results(Path(__file__).parent / "results" / "referrals.json",
                  {"seeds": rows, "spread": summary})


if __name__ == "__main__":
    main()
