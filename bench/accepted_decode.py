"""What the link stage pays to read one accepted report (issue 21, item 3).

    python bench/accepted_decode.py [--background 2000] [--rounds 30]

The scenario's reports are put through intake in-process and written as the accepted
topic carries them; then, interleaved, each round times in CPU time:

* ``decode``: ``schemas.accepted.decode``, the one decoder (msgspec envelope, pydantic
  report from its own bytes);
* ``dict``: what the link stage did before the typed contract, ``orjson.loads`` of the
  message and ``ReportAdapter.validate_python`` of its report (the link inputs then
  stayed untyped dicts and lists);
* ``head``: ``schemas.accepted.decode_head`` (the readers that need only ids).

Prints microseconds per report (min and median over rounds); writes
bench/results/accepted_decode.json (machine, commit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import orjson  # noqa: E402
from _common import write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.demo_scenario import generate  # noqa: E402
from linkwatch.rules.enrichment import enrich  # noqa: E402
from linkwatch.rules.intake import Accepted, Source, decode  # noqa: E402
from linkwatch.schemas import (
    ReportAdapter,  # noqa: E402
    accepted,  # noqa: E402
)


def messages(background: int) -> list[bytes]:
    settings = Settings(app_id="bench-decode")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i, report in enumerate(generate(seed=11, background=background).reports):
        src = Source(f"reports.{report['kind']}", 0, i, None)
        outcome = decode(src, json.dumps(report).encode(), report["kind"], received_at=now)
        assert isinstance(outcome, Accepted)
        message = enrich(outcome.report, outcome.content_hash, settings)
        message.source = src.coordinate
        out.append(accepted.encode(message))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--background", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    values = messages(args.background)

    def typed() -> None:
        for v in values:
            accepted.decode(v)

    def untyped() -> None:
        for v in values:
            ReportAdapter.validate_python(orjson.loads(v)["report"])

    def head() -> None:
        for v in values:
            accepted.decode_head(v)

    ways: dict[str, Callable[[], None]] = {"decode": typed, "dict": untyped, "head": head}
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, way in ways.items():
            t0 = time.process_time()
            way()
            times[name].append((time.process_time() - t0) / len(values) * 1e6)
    results = {name: {"min_us": round(min(t), 1), "median_us": round(statistics.median(t), 1)}
               for name, t in times.items()}
    print(f"{len(values)} accepted messages, {sum(map(len, values)) / len(values):.0f} B "
          f"mean; CPU us per report over {args.rounds} rounds")
    for name, r in results.items():
        print(f"{name:>7}  min {r['min_us']:>6}  median {r['median_us']:>6}")
    write_results(Path(__file__).parent / "results" / "accepted_decode.json", results,
                  messages=len(values), rounds=args.rounds)


if __name__ == "__main__":
    main()
