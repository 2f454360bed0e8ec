"""Referral correctness through the real pipeline, on the synthetic scenario whose
expected referrals are written by hand (linkwatch/scenario.py).

    python bench/referrals.py [--background 2000]

Prints precision/recall/F1 per service, forbidden referrals sent, duplicates and
the share published before ``due_by``; writes bench/results/referrals.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo import start_worker  # noqa: E402
from linkwatch.ingest import send_reports  # noqa: E402
from linkwatch.kafka import consumer, ensure_topics  # noqa: E402
from linkwatch.scenario import ALL_SERVICES, generate  # noqa: E402
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


def score(expected: set, forbidden: set, sent: list[tuple[int, dict]],
          event_of=lambda rid: rid) -> dict:  # type: ignore[no-untyped-def]
    active = [(ts, r) for ts, r in sent if r["status"] == "active"]
    got = {(event_of(r["report_id"]), r["person_ref"], r["service"]) for _, r in active}
    per_service = {}
    for svc in ALL_SERVICES:
        e = {x for x in expected if x[2] == svc}
        g = {x for x in got if x[2] == svc}
        tp = len(e & g)
        p = tp / len(g) if g else 1.0
        r = tp / len(e) if e else 1.0
        per_service[svc] = {"expected": len(e), "sent": len(g), "precision": round(p, 4),
                            "recall": round(r, 4),
                            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}
    ids = Counter(r["referral_id"] for _, r in active)
    keys = Counter((event_of(r["report_id"]), r["person_ref"], r["service"]) for _, r in active)
    on_time = sum(1 for ts, r in active
                  if datetime.fromtimestamp(ts / 1000, UTC) <= datetime.fromisoformat(r["due_by"]))
    return {"per_service": per_service, "forbidden_sent": len(got & forbidden),
            "duplicate_ids": sum(n - 1 for n in ids.values()),
            "duplicate_referrals": sum(n - 1 for n in keys.values()),
            "share_before_due_by": round(on_time / len(active), 4) if active else None,
            "referrals": len(active)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--background", type=int, default=2000)
    args = ap.parse_args()
    start = datetime.now(UTC) - timedelta(days=2)   # a live stream: due dates lie ahead
    scenario = generate(seed=5, background=args.background, start=start)
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as stack:
        app_id = f"bench-ref-{uuid.uuid4().hex[:6]}"
        env = {**stack.env(), "LINKWATCH_APP_ID": app_id, "LINKWATCH_TOPIC_PREFIX": f"{app_id}."}
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
    figures = score(scenario.expected_referrals, scenario.forbidden_referrals, sent,
                    scenario.event_of)
    figures.update({"reports": len(scenario.reports), "sent_twice": True,
                    "seconds": round(elapsed, 1)})
    print(f"{'service':24} {'expected':>8} {'sent':>6} {'precision':>9} {'recall':>7} {'F1':>6}")
    for svc, row in figures["per_service"].items():
        print(f"{svc:24} {row['expected']:>8} {row['sent']:>6} {row['precision']:>9} "
              f"{row['recall']:>7} {row['f1']:>6}")
    print(f"forbidden sent {figures['forbidden_sent']}, duplicate ids {figures['duplicate_ids']}, "
          f"duplicate referrals {figures['duplicate_referrals']}, "
          f"share before due_by {figures['share_before_due_by']}")
    write_results(Path(__file__).parent / "results" / "referrals.json", figures)


if __name__ == "__main__":
    main()
