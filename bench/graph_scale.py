"""Per-report cost of the link stage as the graph grows (issue 5).

    python bench/graph_scale.py [--sizes 10000,100000,1000000] [--sample 2000] [--out FILE]

For each size, a link graph of about that many entities (non-report nodes) is
built directly (``LinkGraph.add_report`` on synthetic reports whose persons are
already resolved: no entity resolution, no detection), then a sample of new
reports is timed through

* ``link``: graph update, hub verdicts, detectors on the neighbourhood, alert
  versions (``Pipeline.link``) for reports naming known people, phones, accounts
  and places, offenders co-offending with known offenders;
* ``apply``: the whole link stage (``Pipeline.apply``: validation, entity
  resolution, near-duplicates, link, referrals) for reports of new people.

The synthetic world is seeded and has what makes graphs expensive: a skewed reuse
of phones and accounts, an innocent switchboard in 1% of reports (a hub), busy
places, and offenders drawn with preferential attachment, so the co-offender graph
has one giant component.  Prints a table; writes bench/results/graph_scale.json (every
size's row: a run of some sizes only should go elsewhere, ``--out``).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, summarise_ms, write_results  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.pipeline import Outputs, Pipeline  # noqa: E402
from linkwatch.rules.enrichment import enrich  # noqa: E402
from linkwatch.schemas import ReportAdapter  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
SWITCHBOARD = "03457 404404"
CATEGORIES = ("burglary", "drugs", "violence-and-sexual-offences", "vehicle-crime",
              "criminal-damage-arson", "shoplifting", "anti-social-behaviour")
FRAUD_TYPES = ("purchase", "investment", "romance", "courier", "impersonation")


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class World:
    """Seeded pools of people and identifiers, and reports drawn from them."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n = 0
        self.people = self.phones = self.accounts = 0  # how many exist so far
        self.lsoas = 2000
        self.offenders: list[int] = []                  # preferential attachment pool

    def _pick(self, have: int, new_share: float) -> tuple[int, int]:
        """(index, new count): a new one, or a known one with a skew to the popular."""
        if have == 0 or self.rng.random() < new_share:
            return have, have + 1
        hot = int(self.rng.paretovariate(1.2)) - 1  # a few indices recur very often
        return (hot if hot < have and self.rng.random() < 0.5
                else self.rng.randrange(have)), have

    def _phone(self, new_share: float) -> str:
        i, self.phones = self._pick(self.phones, new_share)
        return f"07700 9{i:05d}" if i < 100000 else f"07{400000000 + i}"

    def _account(self) -> str:
        i, self.accounts = self._pick(self.accounts, 0.6)
        return f"{200000 + i % 700000:06d} {10000000 + i:08d}"

    def _offender(self) -> int:
        if self.offenders and self.rng.random() < 0.7:
            return self.rng.choice(self.offenders)  # active offenders offend more
        self.people += 1
        self.offenders.append(self.people)
        return self.people

    def _victim(self) -> int:
        i, self.people = self._pick(self.people, 0.85)
        return i

    def report(self, resolved: bool) -> dict[str, Any]:
        """One synthetic report; ``resolved`` persons carry entity ids from the pool."""
        self.n += 1
        rng, n = self.rng, self.n
        when = START + timedelta(minutes=3 * n)
        persons: list[dict[str, Any]] = []

        def person(ref: str, role: str, who: int, phone: str | None) -> dict[str, Any]:
            p: dict[str, Any] = {"person_ref": ref, "role": role, "name": f"Person {who}"}
            if resolved:
                p["entity_id"] = f"E{who:08d}"
            if phone:
                p["phones"] = [phone]
            if role == "victim":
                p["postcode"] = f"CV{1 + who % 40} {who % 10}AB"
            return p

        victim = self._victim() if resolved else 10**9 + n
        persons.append(person("v1", "victim", victim,
                              self._phone(0.8) if rng.random() < 0.7 else None))
        if rng.random() < 0.5:
            k = 1 if rng.random() < 0.6 else rng.choice((2, 2, 3))
            for j in range(k):
                who = self._offender() if resolved else 2 * 10**9 + 3 * n + j
                persons.append(person(f"s{j + 1}", "suspect", who,
                                      self._phone(0.5) if rng.random() < 0.3 else None))
        base = {"report_id": f"GS-{n:08d}", "reported_at": when.isoformat(),
                "force": "Warwickshire Police", "persons": persons}
        if rng.random() < 0.5:
            ids = [{"type": "bank_account", "role": "payee",
                    "value": self._account()}]
            if rng.random() < 0.02:
                ids.append({"type": "phone", "role": "contact", "value": SWITCHBOARD})
            return {**base, "kind": "fraud", "source": "report-fraud", "identifiers": ids,
                    "fraud": {"fraud_type": rng.choice(FRAUD_TYPES),
                              "amount_lost": f"£{rng.randrange(20, 5000)}.00"}}
        return {**base, "kind": "incident", "source": "rms",
                "location": {"lsoa_code": f"E0{1000000 + self._pick(self.lsoas, 0)[0]}"},
                "incident": {"category": rng.choice(CATEGORIES)}}


def entities(p: Pipeline) -> int:
    """Non-report nodes, in O(1): one report node per report id the graph has seen."""
    return p.graph.g.number_of_nodes() - p.graph.report_nodes


def build(p: Pipeline, world: World, target: int) -> tuple[int, float]:
    """Add resolved reports straight to the graph until ``target`` entities.

    Linear in the reports added.  Hub verdicts are brought up to date once per chunk,
    for every node the chunk touched, as of the chunk's last report (judging a node
    once read all its reports, which made a per-report build quadratic; it is bounded
    now, ``graph/hubs.py``, but the build stays per chunk so sizes compare with earlier
    results).  The verdicts the timed sample starts from are the same kind a worker
    would hold (each node judged at its latest touch, give or take one chunk)."""
    t0, reports, count = time.perf_counter(), 0, 0
    g = p.graph.g
    chunk = min(5000, max(1000, target // 20))
    while True:
        touched: set[str] = set()
        for _ in range(chunk):
            report = ReportAdapter.validate_python(world.report(resolved=True))
            touched |= p.graph.add_report(report)
            reports += 1
        p.hubs.observe(g, touched, p._config(report.reported_at, None))  # noqa: SLF001
        gc.collect()
        gc.freeze()  # as Pipeline does every few thousand reports
        count = entities(p)
        if reports % 100_000 < chunk:
            print(f"  {reports:,} reports, {count:,} entities, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
        if count >= target:
            return reports, time.perf_counter() - t0


def time_sample(p: Pipeline, world: World, sample: int, settings: Settings) -> dict[str, Any]:
    """Wall time per report, and this process's CPU time per report (the machine may be
    shared: CPU time is what a report costs whatever else runs)."""
    wall: dict[str, list[float]] = {"link": [], "apply": []}
    cpu: dict[str, list[float]] = {"link": [], "apply": []}
    resolved = [ReportAdapter.validate_python(world.report(resolved=True)) for _ in range(sample)]
    fresh = [enrich(ReportAdapter.validate_python(world.report(resolved=False)), "h", settings)
             for _ in range(sample)]
    clock, cpu_clock = time.perf_counter, time.process_time
    for report in resolved:
        t, c = clock(), cpu_clock()
        p.link(report, None, None, Outputs())
        wall["link"].append(clock() - t)
        cpu["link"].append(cpu_clock() - c)
    for payload in fresh:
        t, c = clock(), cpu_clock()
        p.apply(payload)
        wall["apply"].append(clock() - t)
        cpu["apply"].append(cpu_clock() - c)
    return {**{k: summarise_ms(v) for k, v in wall.items()},
            **{f"{k}_cpu": summarise_ms(v) for k, v in cpu.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated entity counts")
    ap.add_argument("--sample", type=int, default=2000, help="timed reports per size and path")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "graph_scale.json",
                    help="results file (default bench/results/graph_scale.json)")
    args = ap.parse_args()
    settings = Settings()
    rows = []
    for size in (int(x) for x in args.sizes.split(",")):
        gc.unfreeze()
        gc.collect()
        world = World()
        p = Pipeline(settings)
        reports, build_s = build(p, world, size)
        timed = time_sample(p, world, args.sample, settings)
        g = p.graph.g
        comps = p.graph.co_offenders
        giant = max((len(m) for m in comps.members.values()), default=0)
        rows.append({
            "entities": entities(p), "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "build_reports": reports, "build_seconds": round(build_s, 1),
            "largest_co_offender_component": giant, "hubs": len(p.hubs.hubs),
            "sample": args.sample, **timed, "rss_mb": round(current_rss_mb(), 1),
        })
        r = rows[-1]
        print(f"built {r['entities']:,} entities from {reports:,} reports in {build_s:.0f} s",
              flush=True)
        del p, world, g, comps
    head = (f"{'entities':>10} {'giant':>6} {'build s':>8} {'link p50':>9} {'p99':>8} "
            f"{'cpu p99':>8} {'apply p50':>10} {'p99':>8} {'cpu p99':>8} {'rss MB':>7}")
    print(head)
    for r in rows:
        print(f"{r['entities']:>10,} {r['largest_co_offender_component']:>6} "
              f"{r['build_seconds']:>8.0f} {r['link']['p50_ms']:>9.3f} "
              f"{r['link']['p99_ms']:>8.3f} {r['link_cpu']['p99_ms']:>8.3f} "
              f"{r['apply']['p50_ms']:>10.3f} {r['apply']['p99_ms']:>8.3f} "
              f"{r['apply_cpu']['p99_ms']:>8.3f} {r['rss_mb']:>7.0f}")
    print("(ms per report, wall clock unless cpu; link = graph update + hubs + detectors + "
          "alerts, apply = the whole link stage)")
    write_results(args.out, {"rows": rows, "target_p99_ms_at_1m": 5.0},
                  peak_rss_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
