"""CPU per report of each stage's own work, in process (no broker): what the worker
processes spend beyond Faust, aiokafka and Redis.

    python bench/link_cpu.py [--reports 12000] [--rate 600] [--batch 25] [--runs 3]

The reports are ``bench/throughput.py``'s (the demo scenario's background, seed 11).
Measured, as CPU seconds of this process (all its threads) per report:

* ``intake``: ``rules.intake.decode`` and ``rules.enrichment.enrich`` and the accepted
  message's encoding (what the intake agent does per report, less Kafka and Redis);
* ``link_apply``: the link stage's batches (``--batch`` reports each), paced at ``--rate``
  reports per second as they arrive in a steady stream, decoded and applied
  (``Pipeline.apply_message``), with no view;
* ``link_with_view``: the same with the view written as the link agent writes it
  (``linkwatch.view.Writes``: SQLite in a temporary folder, its thread included), at
  ``LINKWATCH_VIEW_INTERVAL_S`` and with a write per batch (interval 0), so the view's
  share is ``link_with_view - link_apply``.

Each figure is the median of ``--runs`` runs (min and max kept: other work on the machine
moves CPU figures by about a quarter).  Writes bench/results/link_cpu.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo_scenario import generate  # noqa: E402
from linkwatch.pipeline import Pipeline  # noqa: E402
from linkwatch.rules.enrichment import enrich  # noqa: E402
from linkwatch.rules.intake import Accepted, Source, decode  # noqa: E402
from linkwatch.schemas import accepted as accepted_message  # noqa: E402
from linkwatch.view import ViewWriter, Writes  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)


def intake(reports: list[dict[str, Any]], settings: Settings) -> tuple[list[bytes], float]:
    """The accepted messages, and the CPU seconds intake's rules took to make them."""
    out: list[bytes] = []
    c0 = time.process_time()
    for i, report in enumerate(reports):
        src = Source(f"linkwatch.reports.{report['kind']}", 0, i, report["report_id"].encode())
        outcome = decode(src, orjson.dumps(report), report["kind"], received_at=START,
                         max_bytes=settings.max_message_bytes)
        if isinstance(outcome, Accepted):
            payload = enrich(outcome.report, outcome.content_hash, settings)
            payload.source = src.coordinate
            out.append(accepted_message.encode(payload))
    return out, time.process_time() - c0


async def link(messages: list[bytes], batch: int, rate: float,
               interval: float | None) -> tuple[float, int]:
    """CPU seconds to apply ``messages`` in paced batches; with ``interval`` (not
    ``None``), the view is written as the link agent writes it.  Also the writes made."""
    settings = Settings(app_id="link-cpu", data_dir=tempfile.mkdtemp(prefix="lw-link-cpu-"),
                        view_interval_s=interval or 0.0)
    pipeline = Pipeline(settings)
    writes = None
    made = [0]
    if interval is not None:
        writer = ViewWriter(settings)
        write = writer.write

        def counted(rows: Any) -> None:
            made[0] += 1
            write(rows)

        writer.write = counted  # type: ignore[method-assign]
        writes = Writes(writer)
        writer.prepare(0, None)
        writes.offer(pipeline, 0)
        await writes.flush()
        made[0] = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(0, len(messages), batch):
        part = messages[i:i + batch]
        decoded = [accepted_message.try_decode(v) for v in part]
        for value, message in zip(part, decoded, strict=True):
            pipeline.apply_message(value, decoded=message)
        pipeline.offset = i + len(part)
        if writes is not None:
            writes.offer(pipeline, pipeline.offset)
        due = t0 + (i + len(part)) / rate  # the next batch arrives then
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    if writes is not None:
        await writes.flush()
    return time.process_time() - c0, made[0]


def spread(values: list[float], n: int) -> dict[str, float]:
    ms = [v / n * 1000 for v in values]
    return {"median": round(statistics.median(ms), 4), "min": round(min(ms), 4),
            "max": round(max(ms), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=12_000)
    ap.add_argument("--rate", type=float, default=600.0, help="reports per second")
    ap.add_argument("--batch", type=int, default=25,
                    help="reports per batch (at 600/s the link agent's 50 ms take gives ~30)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    settings = Settings(app_id="link-cpu")
    reports = generate(seed=11, background=args.reports).reports[:args.reports]
    interval = settings.view_interval_s
    cpu: dict[str, list[float]] = {"intake": [], "link_apply": [], "link_with_view": [],
                                   "link_with_view_per_batch": []}
    writes: dict[str, list[int]] = {"link_with_view": [], "link_with_view_per_batch": []}
    messages: list[bytes] = []
    for _ in range(args.runs):
        messages, seconds = intake(reports, settings)
        cpu["intake"].append(seconds)
        for key, view in (("link_apply", None), ("link_with_view", interval),
                          ("link_with_view_per_batch", 0.0)):
            seconds, made = asyncio.run(link(messages, args.batch, args.rate, view))
            cpu[key].append(seconds)
            if key in writes:
                writes[key].append(made)
    n = len(messages)
    figures = {key: spread(values, n) for key, values in cpu.items()}
    view_ms = {key: round(figures[key]["median"] - figures["link_apply"]["median"], 4)
               for key in ("link_with_view", "link_with_view_per_batch")}
    results = {"reports": n, "rate": args.rate, "batch": args.batch, "runs": args.runs,
               "view_interval_s": interval, "cpu_ms_per_report": figures,
               "view_ms_per_report": view_ms,
               "view_writes": {k: int(statistics.median(v)) for k, v in writes.items()},
               "batches": -(-n // args.batch)}
    print(f"{'CPU ms per report (median of ' + str(args.runs) + ')':<44} {'median':>8} "
          f"{'min':>8} {'max':>8}")
    for key, f in figures.items():
        print(f"{key:<44} {f['median']:>8} {f['min']:>8} {f['max']:>8}")
    print(f"view share: {view_ms['link_with_view']} ms at {interval} s interval "
          f"({results['view_writes']['link_with_view']} writes), "
          f"{view_ms['link_with_view_per_batch']} ms writing every batch "
          f"({results['view_writes']['link_with_view_per_batch']} writes of "
          f"{results['batches']} batches)")
    write_results(Path(__file__).parent / "results" / "link_cpu.json", results)


if __name__ == "__main__":
    main()
