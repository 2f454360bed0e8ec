"""Bytes of link state per report held, by component, without a broker.

    python bench/state_memory.py [--reports 50000] [--runs 3] [--json] [--trace] [--out F]

Makes the soak's reports (``bench/soak.py``: a victim each, a planted mule every 50),
puts each through intake's decode and enrichment as the accepted topic carries it, and
applies it to a ``Pipeline`` as the link stage does (``apply_message``).  Then counts
the bytes each part of the state holds (every object reachable from it, each counted
once, in the order listed: a string shared by the graph and the resolver is the
graph's), the Python heap traced while applying (``tracemalloc``) and the RSS growth.
The soak's own figure is the link worker's RSS growth over the reports it held.

Then the apply CPU: the same reports applied to ``--runs`` fresh pipelines, one after the
other, ``apply_message`` alone timed (process CPU, microseconds per report; the median
and the fastest run).  Timings vary with what else runs on the machine: compare with
another commit's figure measured in the same minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402
from soak import make_report, rss_mb  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.pipeline import Pipeline  # noqa: E402
from linkwatch.rules.enrichment import enrich  # noqa: E402
from linkwatch.rules.intake import Accepted, Source, decode  # noqa: E402
from linkwatch.schemas import accepted as accepted_message  # noqa: E402

_SKIP = (type, type(sys), type(len), type(make_report), type(Pipeline.apply))


def deep_size(root: Any, seen: set[int]) -> int:
    """Bytes of every object reachable from ``root`` not in ``seen`` (then added to it);
    classes, modules and functions are shared code, not state.  Each part is measured
    after the first report and after the last: the difference is what the reports added
    (the configuration every part holds from the start cancels out)."""
    total = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
        if isinstance(obj, dict):  # a dict of str keys does not report its keys
            stack.extend(obj.keys())
    return total


def components(p: Pipeline) -> list[tuple[str, Any]]:
    g = p.graph.g
    return [
        ("graph.nodes", g._node),  # noqa: SLF001 - networkx's own dicts
        ("graph.edges", (g._succ, g._pred)),  # noqa: SLF001
        ("graph.other", (p.graph.co_offenders, p.graph.report_times)),
        ("resolver", p.resolver),
        ("neardup_index", p.neardup_index),
        ("hubs", p.hubs),
        ("alerts", (p.alerts, p.clusters)),
        ("applied", p.applied),
        ("active", p.active),
        ("victimised", p.victimised),
        ("persons_of", p.persons_of),
        ("victim_reports", p.victim_reports),
        ("duplicates", (p.duplicate_of, p.dup_people)),
        ("referred", p.referred),
        ("offenders", p.offenders),
        ("rest", p.__dict__),
    ]


def accepted(i: int, start: datetime, settings: Settings) -> bytes:
    report, _ = make_report(i, start)
    src = Source(f"linkwatch.reports.{report['kind']}", 0, i, report["report_id"].encode())
    outcome = decode(src, orjson.dumps(report), report["kind"], received_at=start,
                     max_bytes=settings.max_message_bytes)
    assert isinstance(outcome, Accepted), outcome  # noqa: S101 - the soak's reports are good
    payload = enrich(outcome.report, outcome.content_hash, settings)
    payload.source = src.coordinate
    return accepted_message.encode(payload)


def accepted_all(n: int, start: datetime, settings: Settings) -> list[bytes]:
    return [accepted(i, start, settings) for i in range(n)]


def apply_cpu(messages: list[bytes], settings: Settings) -> float:
    """CPU microseconds per report of ``apply_message`` over ``messages`` on a fresh
    pipeline (the view's takes every 500 reports, as above, not timed)."""
    pipeline = Pipeline(settings)
    spent = 0.0
    for i in range(0, len(messages), 500):
        t0 = time.process_time()
        for value in messages[i:i + 500]:
            pipeline.apply_message(value)
        spent += time.process_time() - t0
        pipeline.graph.take_changes()
        pipeline.named, pipeline.fresh = [], []
    del pipeline
    gc.collect()
    return spent / len(messages) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=50_000)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--trace", action="store_true",
                    help="also trace the heap (tracemalloc: slower, and its own RSS)")
    ap.add_argument("--runs", type=int, default=3,
                    help="fresh pipelines the reports are applied to again, CPU timed")
    ap.add_argument("--out", help="also write the figures here (JSON, bench/_common.py)")
    args = ap.parse_args()
    settings = Settings(app_id="state-memory")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    n = args.reports
    messages = accepted_all(n, start, settings)
    pipeline = Pipeline(settings)
    pipeline.apply_message(messages[0])  # the first report loads what every later one shares
    gc.collect()
    before = {name: deep_size(obj, set()) for name, obj in components(pipeline)}
    rss0 = rss_mb(os.getpid())
    if args.trace:
        tracemalloc.start()
    t0 = time.process_time()
    for i, value in enumerate(messages[1:]):
        pipeline.apply_message(value)
        if i % 500 == 499:  # what the link stage's view writer takes after each batch
            pipeline.graph.take_changes()
            pipeline.named, pipeline.fresh = [], []
    pipeline.graph.take_changes()
    pipeline.named, pipeline.fresh = [], []
    elapsed = time.process_time() - t0  # CPU: other processes share the cores
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0] if args.trace else 0
    tracemalloc.stop()
    rss1 = rss_mb(os.getpid())
    del messages
    held = n - 1
    # the resolver's cache of records read back is bounded (``InMemoryIndex.RECENT``): a
    # fixed cost, not the state's, so it is measured apart
    recent = pipeline.resolver.index.__dict__.get("_recent", {})
    cache_mb = deep_size(recent, set()) / 2**20
    recent.clear()
    seen: set[int] = set()
    by_part = {name: (deep_size(obj, seen) - before[name]) / held
               for name, obj in components(pipeline)}
    nodes, edges = pipeline.graph.g.number_of_nodes(), pipeline.graph.g.number_of_edges()
    del pipeline, seen
    gc.collect()
    runs = [apply_cpu(accepted_all(n, start, settings), settings) for _ in range(args.runs)]
    out = {"reports": n, "graph_nodes": nodes, "graph_edges": edges,
           "apply_ms_per_report": round(elapsed / held * 1000, 3),
           "bytes_per_report": {k: round(v) for k, v in by_part.items()},
           "deep_total_bytes_per_report": round(sum(by_part.values())),
           **({"traced_bytes_per_report": round(traced / held)} if args.trace else {}),
           "rss_growth_bytes_per_report": round((rss1 - rss0) * 2**20 / held),
           "resolver_cache_mb": round(cache_mb, 1),
           **({"apply_cpu_us_per_report": round(statistics.median(runs)),
               "apply_cpu_us_per_report_fastest": round(min(runs)),
               "apply_cpu_runs": [round(r) for r in runs]} if runs else {})}
    if args.out:
        write_results(args.out, out)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        if isinstance(value, dict):
            for part, b in value.items():
                print(f"  {part:<16} {b:>8,}")
        elif isinstance(value, list):
            print(f"{key:<30} {', '.join(f'{v:,}' for v in value)}")
        else:
            print(f"{key:<30} {value:,}")


if __name__ == "__main__":
    main()
