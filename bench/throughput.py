"""End-to-end throughput of the pipeline on the embedded broker, next to a raw
aiokafka consume-and-produce pass-through over the same messages.

    python bench/throughput.py [--reports 100000]

Prints a table and writes bench/results/throughput.json (machine, commit).
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

from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, peak_rss_mb, scratch_dir, write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo_scenario import generate  # noqa: E402
from linkwatch.kafka import consumer, ensure_topics, producer  # noqa: E402
from linkwatch.redis_state import RedisState  # noqa: E402
from linkwatch.stack import running_stack, stop_process  # noqa: E402
from linkwatch.streams import topics  # noqa: E402


async def produce(settings: Settings, messages: list[tuple[str, bytes, bytes]]) -> float:
    prod = producer(settings)
    await prod.start()
    t0 = time.perf_counter()
    try:
        futs = []
        for topic, key, value in messages:
            futs.append(await prod.send(topic, value, key=key))
            if len(futs) >= 5000:
                await asyncio.gather(*futs)
                futs.clear()
        await asyncio.gather(*futs)
    finally:
        await prod.stop()
    return time.perf_counter() - t0


async def raw_passthrough(settings: Settings, src: str, dst: str, n: int) -> float:
    """aiokafka consume-and-produce of n messages; seconds taken."""
    c = consumer(settings, group_id=f"raw-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                 enable_auto_commit=False, max_partition_fetch_bytes=4 * 1024 * 1024)
    prod = producer(settings)
    await c.start()
    await prod.start()
    parts = c.partitions_for_topic(src) or {0}
    tps = [TopicPartition(src, p) for p in parts]
    c.assign(tps)
    await c.seek_to_beginning(*tps)
    seen = 0
    t0 = time.perf_counter()
    futs = []
    while seen < n:
        batch = await c.getmany(timeout_ms=500, max_records=5000)
        for msgs in batch.values():
            for msg in msgs:
                futs.append(await prod.send(dst, msg.value, key=msg.key))
            seen += len(msgs)
        if len(futs) > 5000:
            await asyncio.gather(*futs)
            futs.clear()
    await asyncio.gather(*futs)
    elapsed = time.perf_counter() - t0
    await c.stop()
    await prod.stop()
    return elapsed


async def wait_processed(settings: Settings, n: int, timeout: float) -> tuple[float, dict]:
    """Seconds until every input message is accounted for by intake and every
    accepted report is committed by the link stage."""
    state = RedisState(settings.redis_url or "", f"lw:{settings.app_id}", 60)
    c = consumer(settings, group_id=settings.app_id, enable_auto_commit=False)
    await c.start()
    tp = TopicPartition(topics.name(settings, topics.ACCEPTED), 0)
    deadline = time.perf_counter() + timeout
    totals: dict = {}
    try:
        while time.perf_counter() < deadline:
            counts = await state.counts()
            totals = {k: sum(v.get(k, 0) for v in counts.values())
                      for k in ("processed", "duplicate", "deadletter")}
            committed = await c.committed(tp) or 0
            if sum(totals.values()) >= n and committed >= totals["processed"]:
                return time.perf_counter(), {**totals, "link_committed": committed}
            await asyncio.sleep(0.2)
    finally:
        await c.stop()
        await state.close()
    raise TimeoutError(f"pipeline did not finish: {totals}")


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=100_000)
    args = ap.parse_args()
    n = args.reports
    from linkwatch.demo import start_worker

    scenario = generate(seed=11, background=n)
    reports = scenario.reports[:n]
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as stack:
        app_id = f"bench-{uuid.uuid4().hex[:6]}"
        env = {**stack.env(), "LINKWATCH_APP_ID": app_id, "LINKWATCH_TOPIC_PREFIX": f"{app_id}.",
               "LINKWATCH_DATA_DIR": scratch_dir(),
               "LINKWATCH_SESSION_TIMEOUT_S": "6", "LINKWATCH_REBALANCE_TIMEOUT_S": "6"}
        settings = Settings(app_id=app_id, topic_prefix=f"{app_id}.",
                            KAFKA_BOOTSTRAP=stack.bootstrap, REDIS_URL=stack.redis_url)
        asyncio.run(ensure_topics(settings))
        msgs = [(topics.name(settings, topics.INPUT[r["kind"]]), r["report_id"].encode(),
                 json.dumps(r).encode()) for r in reports]
        # raw pass-through over the same messages
        raw_in, raw_out = f"{app_id}.raw.in", f"{app_id}.raw.out"
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic

        async def mk() -> None:
            admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
            await admin.start()
            await admin.create_topics([NewTopic(raw_in, settings.partitions, 1),
                                       NewTopic(raw_out, settings.partitions, 1)])
            await admin.close()
        asyncio.run(mk())
        asyncio.run(produce(settings, [(raw_in, k, v) for _, k, v in msgs]))
        raw_s = asyncio.run(raw_passthrough(settings, raw_in, raw_out, n))
        # the pipeline: a worker in its own process, warmed up with one report
        # one process per stage, so the two cores are both used
        logs = Path(__file__).parent / "results"
        intake = start_worker(env, log_path=str(logs / "throughput-intake.log"), stages=("intake",))
        worker = start_worker(env, log_path=str(logs / "throughput-link.log"), stages=("link",))
        try:
            warm = dict(reports[0], report_id="warm-up")
            asyncio.run(produce(settings, [(msgs[0][0], b"warm-up", json.dumps(warm).encode())]))
            asyncio.run(wait_processed(settings, 1, 120))
            procs = {"intake": intake.pid, "link": worker.pid}
            if stack.broker and stack.broker.proc:
                procs["broker"] = stack.broker.proc.pid
            cpu0 = {k: cpu_seconds(pid) for k, pid in procs.items()}
            t0 = time.perf_counter()
            produce_s = asyncio.run(produce(settings, msgs))
            t_end, totals = asyncio.run(wait_processed(settings, n + 1, 1800))
            e2e_s = t_end - t0
            cpu_ms = {k: round((cpu_seconds(pid) - cpu0[k]) * 1000 / n, 3)
                      for k, pid in procs.items()}
            worker_rss = max(vm_hwm_mb(worker.pid), vm_hwm_mb(intake.pid))
            broker_rss = (vm_hwm_mb(stack.broker.proc.pid)
                          if stack.broker and stack.broker.proc else 0.0)
        finally:
            stop_process(worker)
            stop_process(intake)
    rows = [
        {"what": "raw aiokafka consume+produce", "messages": n, "seconds": round(raw_s, 2),
         "per_second": round(n / raw_s)},
        {"what": "linkwatch end to end", "messages": n, "seconds": round(e2e_s, 2),
         "per_second": round(n / e2e_s)},
    ]
    figures = {
        "reports": n, "raw_msgs_per_s": round(n / raw_s), "e2e_reports_per_s": round(n / e2e_s),
        "ratio_to_raw": round((n / e2e_s) / (n / raw_s), 3), "produce_seconds": round(produce_s, 2),
        "worker_peak_rss_mb": round(worker_rss, 1), "broker_peak_rss_mb": round(broker_rss, 1),
        "bench_process_peak_rss_mb": round(peak_rss_mb(), 1), "outcomes": totals,
        # CPU each process spent per report: what bounds throughput on a given machine,
        # and steady where wall-clock figures move with whatever else the machine runs
        "cpu_ms_per_report": cpu_ms,
        "target_reports_per_s": 5000,
    }
    print(f"{'':32} {'messages':>9} {'seconds':>8} {'per second':>11}")
    for row in rows:
        print(f"{row['what']:32} {row['messages']:>9} {row['seconds']:>8} {row['per_second']:>11}")
    print(json.dumps(figures, indent=2))
    write_results(Path(__file__).parent / "results" / "throughput.json", {"rows": rows, **figures})


if __name__ == "__main__":
    main()
