"""Sustained load: reports at a steady rate through the full pipeline, then a burst.

    python bench/soak.py [--rate 1000] [--minutes 10] [--burst-seconds 20]
                         [--linger-ms 10] [--partitions 4]

Every report carries a victim (so each gives a referral) and every 50th report
completes a planted mule account (three unrelated victims paying one account),
so alerts fire all through the run.  Measured: report-to-alert and
report-to-referral latency (p50/p95/p99), consumer lag (sent minus accounted
for by intake, and accepted minus committed by the link stage) and RSS of the
workers and the broker, and the CPU each process used (cores, and ms per report
sent in the steady phase), sampled every 5 s.  Writes bench/results/soak.csv,
soak.png and soak.json.

``--linger-ms`` is the upstream producer's (this script's) linger, ``--partitions`` the
partitions of every topic.  On the embedded broker (Tansu) they decide its cost: each of
its fetches lists every record batch the partition holds (``bench/broker_tail.py``), and
a small linger spread over many partitions puts each report in a batch of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_seconds, percentile, scratch_dir, write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo import start_worker  # noqa: E402
from linkwatch.kafka import consumer, ensure_topics, producer  # noqa: E402
from linkwatch.redis_state import RedisState  # noqa: E402
from linkwatch.stack import running_stack, stop_process  # noqa: E402
from linkwatch.streams import topics  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# Warwickshire's CV districts, and the letters a postcode's unit uses: about 54,000
# postcodes, so a few victims share one, as in a real county (not a hundred)
_DISTRICTS = (7, 8, 9, 10, 11, 12, 13, 21, 22, 23, 31, 32, 33, 34, 35, 37, 47)
_UNIT = "ABDEFGHJLNPQRSTUWXYZ"


@lru_cache(maxsize=1)
def _names() -> list[tuple[list[str], list[str]]]:
    """Synthetic given and family names per locale (``linkwatch.demo_scenario.NAME_LOCALES``,
    each locale's share of a hundred slots by ``NAME_WEIGHTS``), so the soak's victims
    carry names of many origins and scripts, as a real force's reports do."""
    from faker import Faker

    from linkwatch.demo_scenario import NAME_LOCALES, NAME_WEIGHTS

    lists = []
    for i, loc in enumerate(NAME_LOCALES):
        fake = Faker(loc)
        fake.seed_instance(11 + i)
        pair = (sorted({fake.first_name() for _ in range(1500)}),
                sorted({fake.last_name() for _ in range(1500)}))
        lists += [pair] * round(NAME_WEIGHTS[i] * 100)
    return lists


def make_report(i: int, start: datetime) -> tuple[dict, str | None]:
    """Report i; the second value is the mule key when it completes a planted mule.
    Victims are distinct people: names, dates of birth and postcodes spread as in real
    reports (one shared name for everyone would make every report an ER near-miss)."""
    when = (start + timedelta(seconds=i)).isoformat()
    h = (i * 2654435761) % 2**32  # a deterministic spread of i
    locales = _names()
    given, family = locales[(h >> 20) % len(locales)]
    victim = {"person_ref": "v1", "role": "victim",
              "name": f"{given[h % len(given)]} {family[(h >> 12) % len(family)]}",
              "dob": f"{1940 + h % 66}-{1 + (h >> 7) % 12:02d}-{1 + (h >> 11) % 28:02d}",
              "consent": {"victim_support": None},
              "postcode": (f"CV{_DISTRICTS[(h >> 5) % len(_DISTRICTS)]} {1 + (h >> 9) % 9}"
                           f"{_UNIT[(h >> 13) % 20]}{_UNIT[(h >> 18) % 20]}")}
    block, pos = divmod(i, 50)
    if pos in (47, 48, 49):  # three victims pay the same planted account
        account = f"77{block:04d} {10_000_000 + block}"
        return ({"report_id": f"SOAK-{i}", "kind": "fraud", "source": "soak", "reported_at": when,
                 "persons": [victim], "fraud": {"fraud_type": "investment", "amount_lost": "900"},
                 "identifiers": [{"type": "bank_account", "role": "payee", "value": account}]},
                f"account:77{block:04d}-{10_000_000 + block}" if pos == 49 else None)
    return ({"report_id": f"SOAK-{i}", "kind": "incident", "source": "soak", "reported_at": when,
             "persons": [victim], "incident": {"category": "burglary"}}, None)


async def pace(settings: Settings, rate: int, seconds: float, first: int,
               sent_at: dict[str, float], start: datetime, linger_ms: int) -> int:
    prod = producer(settings, linger_ms=linger_ms)
    await prod.start()
    i = first
    t0 = time.perf_counter()
    try:
        while True:
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                break
            due = first + int(elapsed * rate) if rate else i + 500
            while i < due:
                report, _ = make_report(i, start)
                topic = topics.name(settings, topics.INPUT[report["kind"]])
                await prod.send(topic, json.dumps(report).encode(),
                                key=report["report_id"].encode())
                sent_at[report["report_id"]] = time.time()
                i += 1
            await asyncio.sleep(0.005)
        await prod.flush()
    finally:
        await prod.stop()
    return i


async def follow(settings: Settings, topic: str, sink: list[tuple[float, dict]],
                 stop: asyncio.Event) -> None:
    c = consumer(settings, enable_auto_commit=False, auto_offset_reset="earliest")
    await c.start()
    try:
        name = topics.name(settings, topic)
        tps = [TopicPartition(name, p) for p in (c.partitions_for_topic(name) or {0})]
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        while not stop.is_set():
            batch = await c.getmany(timeout_ms=200, max_records=5000)
            now = time.time()
            for msgs in batch.values():
                sink += [(now, json.loads(m.value)) for m in msgs]
    finally:
        await c.stop()


async def run(args: argparse.Namespace, settings: Settings, pids: dict[str, int]) -> dict:
    sent_at: dict[str, float] = {}
    alerts: list[tuple[float, dict]] = []
    referrals: list[tuple[float, dict]] = []
    samples: list[dict] = []
    stop = asyncio.Event()
    state = RedisState(settings.redis_url or "", f"lw:{settings.app_id}", 60)
    group = consumer(settings, group_id=settings.app_id, enable_auto_commit=False)
    await group.start()
    accepted = TopicPartition(topics.name(settings, topics.ACCEPTED), 0)
    followers = [asyncio.create_task(follow(settings, topics.ALERTS, alerts, stop)),
                 asyncio.create_task(follow(settings, topics.REFERRALS, referrals, stop))]
    start = datetime.now(UTC)
    t0 = time.time()

    def cpu_now() -> dict[str, float]:
        """CPU seconds so far of each process and this one, snapshot writers included."""
        return {**{k: cpu_seconds(pid, children=True) for k, pid in pids.items()},
                "bench": cpu_seconds(children=True)}

    async def sample() -> None:
        while not stop.is_set():
            counts = await state.counts()
            handled = sum(v.get(k, 0) for v in counts.values()
                          for k in ("processed", "duplicate", "deadletter"))
            processed = sum(v.get("processed", 0) for v in counts.values())
            committed = await group.committed(accepted) or 0
            row = {"t": round(time.time() - t0, 1), "sent": len(sent_at),
                   "intake_lag": len(sent_at) - handled, "link_lag": processed - committed,
                   "alerts": len(alerts), "referrals": len(referrals)}
            row.update({f"rss_{k}_mb": round(rss_mb(pid), 1) for k, pid in pids.items()})
            row.update({f"cpu_{k}_s": round(v, 2) for k, v in cpu_now().items()})
            samples.append(row)
            await asyncio.sleep(5)

    sampler = asyncio.create_task(sample())
    cpu0 = cpu_now()
    n = await pace(settings, args.rate, args.minutes * 60, 0, sent_at, start, args.linger_ms)
    steady_n = n
    cpu1 = cpu_now()
    burst_t0 = time.time()
    n = await pace(settings, 0, args.burst_seconds, n, sent_at, start,  # as fast as it goes
                   args.linger_ms)
    burst_sent = n - steady_n
    deadline = time.time() + 600
    while time.time() < deadline and len({r["referral_id"] for _, r in referrals}) < n:
        await asyncio.sleep(1)
    burst_done = time.time()
    await asyncio.sleep(6)
    stop.set()
    await asyncio.gather(sampler, *followers, return_exceptions=True)
    await group.stop()
    await state.close()

    def lat(items: list[tuple[float, dict]], key) -> list[float]:  # type: ignore[no-untyped-def]
        out = []
        for arrived, body in items:
            rid = key(body)
            if rid in sent_at:
                out.append((arrived - sent_at[rid]) * 1000)
        return out

    def steady(body: dict) -> bool:
        return int(body["report_id"].split("-")[1]) < steady_n
    alert_ms = lat([(t, a) for t, a in alerts],
                   lambda a: max(a["report_ids"], key=lambda r: int(r.split("-")[1])))
    ref_ms = lat([(t, r) for t, r in referrals if steady(r)], lambda r: r["report_id"])
    summary = {
        "rate_target": args.rate, "minutes": args.minutes, "reports_steady": steady_n,
        "upstream_linger_ms": args.linger_ms, "partitions": settings.partitions,
        "burst_reports": burst_sent, "burst_seconds_to_drain": round(burst_done - burst_t0, 1),
        "burst_reports_per_s": round(burst_sent / max(burst_done - burst_t0, 1e-9)),
        "alerts": len(alerts), "referrals": len({r["referral_id"] for _, r in referrals}),
        **{f"alert_latency_p{q}_ms": round(percentile(alert_ms, q), 1) for q in (50, 95, 99)},
        **{f"referral_latency_p{q}_ms": round(percentile(ref_ms, q), 1) for q in (50, 95, 99)},
        "max_intake_lag": max((s["intake_lag"] for s in samples), default=0),
        "max_link_lag": max((s["link_lag"] for s in samples), default=0),
        # where the two cores went while reports were sent at the steady rate (the link
        # stage's figure is per report sent: it falls behind, so it did less than that)
        "steady_cpu_ms_per_report": {k: round((cpu1[k] - cpu0[k]) / max(steady_n, 1) * 1000, 3)
                                     for k in cpu0},
        "steady_cores_used": {k: round((cpu1[k] - cpu0[k]) / (args.minutes * 60), 2)
                              for k in cpu0},
    }
    for k in pids:
        series = [s[f"rss_{k}_mb"] for s in samples if s[f"rss_{k}_mb"]]
        if series:
            summary[f"rss_{k}_first_mb"], summary[f"rss_{k}_last_mb"] = series[0], series[-1]
            summary[f"rss_{k}_max_mb"] = max(series)
    # the link state per report held (issue 21): the link worker's RSS growth over the
    # reports it applied (each gives one referral; fewer than were sent if it fell behind)
    if summary.get("rss_link_last_mb") is not None:
        grown = (summary["rss_link_last_mb"] - summary["rss_link_first_mb"]) * 2**20
        summary["link_rss_bytes_per_report"] = round(grown / max(summary["referrals"], 1))
    # link lag over the last half of the steady phase: flat when the stage keeps up
    half = [s["link_lag"] for s in samples
            if args.minutes * 30 <= s["t"] <= args.minutes * 60]
    if half:
        summary["link_lag_last_half_first_max_last"] = [half[0], max(half), half[-1]]
    summary["samples"] = samples
    return summary


def plot(samples: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [s["t"] for s in samples]
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    ax1.plot(t, [s["intake_lag"] for s in samples], label="intake lag (messages)")
    ax1.plot(t, [s["link_lag"] for s in samples], label="link lag (messages)")
    ax1.set_ylabel("lag")
    ax1.legend()
    for key in [k for k in samples[0] if k.startswith("rss_")]:
        ax2.plot(t, [s[key] for s in samples], label=key.removeprefix("rss_"))
    ax2.set_ylabel("RSS (MB)")
    ax2.legend()
    for key in [k for k in samples[0] if k.startswith("cpu_")]:
        used = [(b[key] - a[key]) / max(b["t"] - a["t"], 1e-9)
                for a, b in zip(samples, samples[1:], strict=False)]
        ax3.plot(t[1:], used, label=key.removeprefix("cpu_").removesuffix("_s"))
    ax3.set_ylabel("cores used")
    ax3.set_xlabel("seconds")
    ax3.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--burst-seconds", type=float, default=20.0)
    ap.add_argument("--linger-ms", type=int, default=10, help="the upstream producer's linger")
    ap.add_argument("--partitions", type=int, default=4, help="partitions of every topic")
    args = ap.parse_args()
    with running_stack(os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("REDIS_URL")) as stack:
        app_id = f"soak-{uuid.uuid4().hex[:6]}"
        env = {**stack.env(), "LINKWATCH_APP_ID": app_id, "LINKWATCH_TOPIC_PREFIX": f"{app_id}.",
               "LINKWATCH_DATA_DIR": scratch_dir(), "LINKWATCH_PARTITIONS": str(args.partitions)}
        settings = Settings(app_id=app_id, topic_prefix=f"{app_id}.", partitions=args.partitions,
                            KAFKA_BOOTSTRAP=stack.bootstrap, REDIS_URL=stack.redis_url)
        asyncio.run(ensure_topics(settings))
        intake = start_worker(env, str(RESULTS / "soak-intake.log"), stages=("intake",))
        link = start_worker(env, str(RESULTS / "soak-link.log"), stages=("link",))
        pids = {"intake": intake.pid, "link": link.pid}
        if stack.broker and stack.broker.proc:
            pids["broker"] = stack.broker.proc.pid
        time.sleep(8)  # let both join their groups
        try:
            summary = asyncio.run(run(args, settings, pids))
        finally:
            stop_process(intake)
            stop_process(link)
    samples = summary.pop("samples")
    with (RESULTS / "soak.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(samples[0]))
        writer.writeheader()
        writer.writerows(samples)
    plot(samples, RESULTS / "soak.png")
    print(json.dumps(summary, indent=2))
    write_results(RESULTS / "soak.json", summary)


if __name__ == "__main__":
    main()
