"""Detection quality through the real pipeline, on the synthetic scenario whose
planted structures, innocent hubs and decisive reports are written by hand
(``linkwatch.testing.detect_scenario.generate_detect``).

    python bench/detect.py [--seeds 1,2,3,4,5] [--background 8000] [--per-type 8]
                           [--rate 500] [--out FILE]

An embedded broker and Redis, a worker in its own processes (intake and link, so
both cores are used), the force's configured hub list (``KNOWN_HUBS``) and a
producer paced at ``--rate`` reports/s.  Alerts are read as they arrive.  Per
structure type: recall (planted structures with an alert of the right type naming
the key entity), alert precision, duplicate alerts (two alert ids for one
structure) and time from the decisive report's send to the alert's arrival
(p50/p95); alerts driven by innocent hubs; extra alerts for a network already
alerted (live alerts of any type naming one planted structure, beyond the first).
Each seed runs on a fresh worker; the table and the JSON give every seed's figures
and their spread (min / median / max).  Writes bench/results/detect.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import scratch_dir, write_results  # noqa: E402
from throughput import wait_processed  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo import start_worker  # noqa: E402
from linkwatch.kafka import consumer, ensure_topics, producer  # noqa: E402
from linkwatch.stack import running_stack, stop_process  # noqa: E402
from linkwatch.streams import topics  # noqa: E402
from linkwatch.testing.detect_scenario import STRUCTURE_TYPES, generate_detect, score_detection  # noqa: E402
from linkwatch.watch import read_topic  # noqa: E402

TARGETS = {"recall": 0.97, "precision": 0.95, "decoy_alerts": 0, "extra_alerts": 0,
           "p95_s": 2.0}


async def send_paced(settings: Settings, reports: list[dict[str, Any]], rate: float,
                     sent_at: dict[str, float]) -> float:
    """Send each report at its slot (i / rate seconds after the start); record when.
    The sender wakes at most every 5 ms and sends what is due by then: a wake-up per
    report would spend the cores the pipeline is measured on."""
    prod = producer(settings)
    await prod.start()
    t0 = time.perf_counter()
    wall0 = time.time() - t0
    pending = []
    try:
        for i, report in enumerate(reports):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(max(delay, 0.005))
            topic = topics.name(settings, topics.INPUT[report["kind"]])
            pending.append(await prod.send(topic, json.dumps(report).encode(),
                                           key=report["report_id"].encode()))
            sent_at[report["report_id"]] = wall0 + time.perf_counter()
            if len(pending) >= 200:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await prod.stop()
    return time.perf_counter() - t0


async def follow(settings: Settings, topic: str, sink: list[tuple[float, dict]],
                 stop: asyncio.Event) -> None:
    """Every message of ``topic`` from the start, with its arrival (wall) time."""
    # a short fetch wait: the reader must not add its own latency to the measurement
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest",
                 fetch_max_wait_ms=20)
    await c.start()
    try:
        tps: list[TopicPartition] = []
        while not tps:
            tps = [TopicPartition(topic, p) for p in (c.partitions_for_topic(topic) or ())]
            if not tps:
                await c.force_metadata_update()
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        while not stop.is_set():
            batch = await c.getmany(timeout_ms=50, max_records=2000)
            now = time.time()
            for msgs in batch.values():
                sink += [(now, json.loads(m.value)) for m in msgs]
    finally:
        await c.stop()


async def stream(settings: Settings, reports: list[dict[str, Any]], rate: float,
                 quiet_s: float) -> tuple[list, list, dict, float, float]:
    """Send, follow the alerts as they arrive, wait until every report is processed;
    then read which entity each person resolved to.  That is only needed to score, so
    it is read after the run, not followed during it: a second follower polling the
    broker would take CPU from the two cores the pipeline runs on."""
    sent_at: dict[str, float] = {}
    alerts: list[tuple[float, dict]] = []
    stop = asyncio.Event()
    reader = asyncio.create_task(follow(settings, topics.name(settings, topics.ALERTS),
                                        alerts, stop))
    start = time.perf_counter()
    send_s = await send_paced(settings, reports, rate, sent_at)
    t_end, _ = await wait_processed(settings, len(reports) + 1, 3600)
    drain_s = t_end - start
    await asyncio.sleep(quiet_s)   # the last alerts in flight
    stop.set()
    await reader
    entities = [value async for _key, value
                in read_topic(settings, topics.name(settings, topics.ENTITIES), idle_s=1.0)]
    return alerts, entities, sent_at, send_s, drain_s


def run_seed(stack: Any, seed: int, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """One seed's scenario through a fresh worker (its own topics and state)."""
    s = generate_detect(seed=seed, background=args.background, per_type=args.per_type,
                        decoy_size=args.decoy_size)
    app_id = f"bench-det-{uuid.uuid4().hex[:6]}"
    env = {**stack.env(), "LINKWATCH_APP_ID": app_id, "LINKWATCH_TOPIC_PREFIX": f"{app_id}.",
           "LINKWATCH_DATA_DIR": scratch_dir(),
           "LINKWATCH_DETECTOR_HUB_IGNORE": ",".join(s.known_hubs)}
    settings = Settings(app_id=app_id, topic_prefix=f"{app_id}.",
                        KAFKA_BOOTSTRAP=stack.bootstrap, REDIS_URL=stack.redis_url)
    asyncio.run(ensure_topics(settings))
    intake = start_worker(env, log_path=str(logs / "detect-intake.log"), stages=("intake",))
    link = start_worker(env, log_path=str(logs / "detect-link.log"), stages=("link",))
    try:
        warm = {"report_id": "warm-up", "kind": "incident", "source": "bench",
                "reported_at": "2026-06-01T08:00:00+00:00", "persons": []}
        asyncio.run(send_paced(settings, [warm], 1.0, {}))
        asyncio.run(wait_processed(settings, 1, 180))
        alerts, entities, sent_at, send_s, drain_s = asyncio.run(
            stream(settings, s.reports, args.rate, 5.0))
    finally:
        stop_process(link)
        stop_process(intake)
    person_entity = {(e["report_id"], e["person_ref"]): e["entity_id"] for e in entities}
    figures = score_detection(s, alerts, person_entity, sent_at)
    figures.update({
        "seed": seed, "reports": len(s.reports), "planted": len(s.truths), "decoys": s.decoys,
        "rate_sent_per_s": round(len(s.reports) / send_s),
        "seconds_to_send": round(send_s, 1), "seconds_to_process": round(drain_s, 1),
        "processed_per_s": round(len(s.reports) / drain_s), "alert_messages": len(alerts),
        "p95_s": max((r["p95_s"] for r in figures["per_type"].values()
                      if r["p95_s"] is not None), default=None),
    })
    return figures


def spread(values: list[float | None]) -> dict[str, float | None]:
    """min / median / max of the values that are known."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return {"min": None, "median": None, "max": None}
    return {"min": vals[0], "median": vals[len(vals) // 2], "max": vals[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--background", type=int, default=8000)
    ap.add_argument("--per-type", type=int, default=8)
    ap.add_argument("--decoy-size", type=int, default=30)
    ap.add_argument("--rate", type=float, default=500.0, help="reports per second sent")
    ap.add_argument("--seeds", default="1,2,3,4,5",
                    help="comma-separated scenario seeds, each run on a fresh worker")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "detect.json"))
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    logs = Path(__file__).parent / "results"
    runs = []
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as stack:
        for seed in seeds:
            runs.append(run_seed(stack, seed, args, logs))
            _table(runs[-1])
    per_seed = [{k: r[k] for k in ("seed", "reports", "planted", "precision", "recall",
                                   "min_type_recall", "extra_alerts", "superseded_alerts",
                                   "p95_s", "processed_per_s")}
                | {"decoy_alerts": len(r["decoy_alerts"]), "false_alerts": len(r["false_alerts"])}
                for r in runs]
    types = [*STRUCTURE_TYPES, "shared_identifier"]
    figures = {
        "per_seed": per_seed,
        "spread": {k: spread([row[k] for row in per_seed])
                   for k in ("precision", "recall", "min_type_recall", "decoy_alerts",
                             "extra_alerts", "false_alerts", "p95_s", "processed_per_s")},
        "recall_by_type": {t: {"per_seed": [r["per_type"][t]["recall"] for r in runs],
                               **spread([r["per_type"][t]["recall"] for r in runs])}
                           for t in types},
        "runs": runs, "rate_target_per_s": args.rate, "targets": TARGETS,
        "args": {**vars(args), "out": Path(args.out).name},
    }
    print(f"\n{'seed':>4} {'reports':>7} {'precision':>9} {'recall':>6} {'min type':>8} "
          f"{'decoy':>5} {'extra':>5} {'false':>5} {'p95 s':>6} {'proc/s':>6}")
    for row in per_seed:
        print(f"{row['seed']:>4} {row['reports']:>7} {_f(row['precision']):>9} "
              f"{_f(row['recall']):>6} {_f(row['min_type_recall']):>8} {row['decoy_alerts']:>5} "
              f"{row['extra_alerts']:>5} {row['false_alerts']:>5} {_f(row['p95_s']):>6} "
              f"{row['processed_per_s']:>6}")
    for k, v in figures["spread"].items():
        print(f"  {k:16} min {_f(v['min'])}  median {_f(v['median'])}  max {_f(v['max'])}")
    for t in types:
        r = figures["recall_by_type"][t]
        if any(x is not None for x in r["per_seed"]):
            print(f"  recall {t:20} {' '.join(_f(x) for x in r['per_seed'])}")
    write_results(args.out, figures)


def _table(figures: dict[str, Any]) -> None:
    rows = figures["per_type"]
    print(f"seed {figures['seed']}")
    print(f"{'type':20} {'planted':>7} {'found':>5} {'recall':>6} {'alerts':>6} "
          f"{'precision':>9} {'dups':>4} {'early':>5} {'p50 s':>7} {'p95 s':>7}")
    for t in (*STRUCTURE_TYPES, "shared_identifier"):
        r = rows[t]
        print(f"{t:20} {r['planted']:>7} {r['found']:>5} {_f(r['recall']):>6} {r['alerts']:>6} "
              f"{_f(r['precision']):>9} {r['duplicate_alerts']:>4} {r['early']:>5} "
              f"{_f(r['p50_s']):>7} {_f(r['p95_s']):>7}")
    print(f"alert precision (all types) {figures['precision']}; alerts driven by decoys "
          f"{len(figures['decoy_alerts'])}; extra alerts for a network already alerted "
          f"{figures['extra_alerts']}; sent {figures['rate_sent_per_s']}/s, "
          f"processed {figures['processed_per_s']}/s")
    for what in ("decoy_alerts", "false_alerts"):
        for item in figures[what]:
            print(f"  {what[:-1]}: {item[0]}: {item[1]}")


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


if __name__ == "__main__":
    main()
