"""How long the link stage takes to get its state back after a restart: from a snapshot
(``linkwatch.snapshot``) against replaying every accepted report (issue 5).

    python bench/restart.py [--reports 20000,50000]

For each size, the throughput scenario's reports are put through intake in-process,
then folded into a ``Pipeline`` (what a full replay does, less reading the topic); the
state is written as a snapshot and loaded back.  Prints a table; writes
bench/results/restart.json (machine, commit).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, write_results  # noqa: E402

from linkwatch import snapshot  # noqa: E402
from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo_scenario import generate  # noqa: E402
from linkwatch.pipeline import Pipeline  # noqa: E402
from linkwatch.rules.enrichment import enrich  # noqa: E402
from linkwatch.rules.intake import Accepted, Source, decode  # noqa: E402


def accepted(n: int, settings: Settings) -> list[bytes]:
    now = datetime.now(UTC)
    out = []
    for i, report in enumerate(generate(seed=11, background=n).reports[:n]):
        outcome = decode(Source("bench", 0, i, None), json.dumps(report).encode(),
                         report["kind"], received_at=now)
        assert isinstance(outcome, Accepted)
        out.append(orjson.dumps(enrich(outcome.report, outcome.content_hash, settings)))
    return out


def measure(n: int, data_dir: str) -> dict[str, float]:
    settings = Settings(app_id=f"restart-{n}", data_dir=data_dir)
    payloads = accepted(n, settings)
    t0 = time.perf_counter()
    pipeline = Pipeline(settings)
    for body in payloads:
        pipeline.apply(orjson.loads(body))
    replay_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    file = snapshot.write(pipeline, n, settings)
    write_s = time.perf_counter() - t0
    size_mb = file.stat().st_size / 1e6
    del pipeline
    gc.collect()
    t0 = time.perf_counter()
    loaded = snapshot.load(settings)
    load_s = time.perf_counter() - t0
    assert loaded is not None and loaded.pipeline.reports == n
    snapshot.forget(settings)
    return {"reports": n, "replay_s": round(replay_s, 1), "snapshot_write_s": round(write_s, 1),
            "snapshot_mb": round(size_mb, 1), "snapshot_load_s": round(load_s, 1),
            "speed_up": round(replay_s / load_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", default="20000,50000")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.reports.split(",")):
            rows.append(measure(n, tmp))
            print(rows[-1], flush=True)
    print(f"{'reports':>8} {'replay s':>9} {'write s':>8} {'MB':>7} {'load s':>7} {'x':>5}")
    for r in rows:
        print(f"{r['reports']:>8} {r['replay_s']:>9} {r['snapshot_write_s']:>8} "
              f"{r['snapshot_mb']:>7} {r['snapshot_load_s']:>7} {r['speed_up']:>5}")
    write_results(Path(__file__).parent / "results" / "restart.json",
                  {"rows": rows, "peak_rss_mb": round(peak_rss_mb(), 1),
                   "note": "replay_s: folding the reports in-process, without reading the "
                           "topic (a real replay also reads it), so the speed-up is a floor"})


if __name__ == "__main__":
    main()
