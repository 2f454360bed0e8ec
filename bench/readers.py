"""Readers of the link state at scale (issue 21): search and neighbourhood queries.

    python bench/readers.py [--entities 100000] [--queries 300] [--out FILE]
    python bench/readers.py --entities 1000000     # several GB and minutes

Builds bench/graph_scale.py's world in process (its ``World`` and ``build``: a link graph of
about ``--entities`` non-report nodes), gives every person node a resolver record (a
synthetic name drawn, skewed like real name frequencies, from seeded Faker pools of
``scenario.NAME_LOCALES``, and a date of birth) filed in the resolver's index with its
blocking keys, as the link stage would hold them.  Then, over ``--queries`` random queries
each, it times (p50 / p95 / p99):

* ``search_identifier``: a phone or an account of the graph as a person writes it
  (``07700 912345``, ``20-01-23 10000123``), through ``linkwatch.search.search``;
* ``search_name``: a person's name as written, crossed over, or with the date of birth;
* ``neighbourhood_2hop``: a random entity's 2-hop neighbourhood shaped as the API returns it
  (``LinkGraph.neighbourhood`` + ``views.cytoscape``);

each in process and through the API (FastAPI ``TestClient``: key check, query validation,
the audit record to a null sink, JSON).  It also checks that each identifier query's top hit
is the node asked for and that each name query finds its person (``found``).

The link stage's side (this process) builds the world and writes the view readers read
(``linkwatch.view``: a replace, as after a purge; SQLite, or ``--view-url`` PostgreSQL);
the reader side is a process of its own, as ``linkwatch serve`` is, so its figures are its
own: every query above through the view, ``serve_ready_s`` (from the job handed over to
the first answer: interpreter, imports, app, view open), its RSS against the link stage's
(the issue's target: under 25 %), and ``export`` (the whole graph read from the view and
written in one format, as ``linkwatch export DIR`` does, through the same
``exporting.export_view``: every format row by row from the view's tables, ftm importing
FollowTheMoney too; target under 5 s at 100k nodes).
Prints a table; writes bench/results/readers.json with the machine and commit.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, percentile, summarise_ms, write_results  # noqa: E402
from graph_scale import World, build, current_rss_mb, entities  # noqa: E402

from linkwatch.config import Settings  # noqa: E402
from linkwatch.pipeline import Pipeline  # noqa: E402
from linkwatch.rules.resolve import to_record  # noqa: E402
from linkwatch.rules.resolve._index import Batch  # noqa: E402
from linkwatch.rules.resolve._resolver import block_keys  # noqa: E402
from linkwatch.search import search  # noqa: E402

KEY = "bench-readers-key"


def name_pools(seed: int = 11, given: int = 1500, family: int = 4000
               ) -> tuple[list[str], list[str]]:
    """Distinct synthetic given and family names from Faker (seeded), across the scenario's
    locales in its weights (Latin, Polish, Vietnamese, Greek, Arabic, Chinese...)."""
    from faker import Faker

    from linkwatch.demo_scenario import NAME_LOCALES, NAME_WEIGHTS

    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in NAME_LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed + i)
    pools: tuple[dict[str, None], dict[str, None]] = ({}, {})
    for pool, want, attr in ((pools[0], given, "first_name"), (pools[1], family, "last_name")):
        tries = 0
        while len(pool) < want and tries < want * 50:
            tries += 1
            loc = rng.choices(NAME_LOCALES, NAME_WEIGHTS)[0]
            pool[getattr(fakers[loc], attr)().split()[0]] = None
    return list(pools[0]), list(pools[1])


def file_people(p: Pipeline, seed: int = 13) -> dict[str, tuple[str, str, str]]:
    """One resolver record per person node (the entity id the node is named after), filed
    with its blocking keys; returns node -> (given, family, dob)."""
    rng = random.Random(seed)
    given, family = name_pools()
    index = p.resolver.index
    people: dict[str, tuple[str, str, str]] = {}
    g = p.graph.g
    for seq, node in enumerate(n for n in g if n.startswith("person:")):
        # skewed: the first names of each pool are common ("Smith" is about 1 %)
        first = given[min(int(len(given) * rng.random() ** 2), len(given) - 1)]
        last = family[min(int(len(family) * rng.random() ** 2), len(family) - 1)]
        dob = f"{rng.randrange(1940, 2009)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        report = next(iter(g.nodes[node]["report_ids"]))
        record = to_record({"name": f"{first} {last}", "dob": dob, "person_ref": node},
                           report, None)
        entity = node.split(":", 1)[1]
        index.commit(Batch(record=record, seq=seq + 1, keys=block_keys(record),
                           assign={record.rid: (entity, seq + 1)},
                           members_add={entity: [record.rid]}))
        g.nodes[node]["label"] = f"{first} {last}"
        people[node] = (first, last, dob)
    return people


def written(node: str) -> str:
    """A phone or account node as a person would write it."""
    kind, value = node.split(":", 1)
    if kind == "phone" and value.startswith("+44"):
        national = "0" + value[3:]
        return f"{national[:5]} {national[5:]}"
    if kind == "account":
        sort, account = value.split("-", 1)
        return f"{sort[:2]}-{sort[2:4]}-{sort[4:]} {account}"
    return value


def queries(p: Pipeline, people: dict[str, tuple[str, str, str]], n: int, seed: int = 17
            ) -> dict[str, list[tuple[str, str | None, str]]]:
    """(query, dob, the node it should find) per kind of query."""
    rng = random.Random(seed)
    idents = [x for x in p.graph.g if x.startswith(("phone:+44", "account:"))]
    nodes = list(people)
    out: dict[str, list[tuple[str, str | None, str]]] = {"identifier": [], "name": []}
    for node in rng.sample(idents, min(n, len(idents))):
        out["identifier"].append((written(node), None, node))
    for i, node in enumerate(rng.sample(nodes, min(n, len(nodes)))):
        first, last, dob = people[node]
        q, d = ((f"{first} {last}", None), (f"{last} {first}", None),
                (f"{first} {last}", dob))[i % 3]
        out["name"].append((q, d, node))
    return out


def client(settings: Settings) -> tuple[Any, Any]:
    """The API app reading the view (no broker: the alert and referral followers are not
    started; the view is opened as the lifespan would)."""
    from fastapi.testclient import TestClient

    from linkwatch.api.app import create_app
    from linkwatch.api.auth import ApiSettings, KeyRing
    from linkwatch.api.deps import Services
    from linkwatch.api.readmodel import ReadModel
    from linkwatch.view import GraphView

    class NullAudit:
        async def write(self, record: dict[str, Any], *, wait: bool = True) -> None:
            return None

    keys = KeyRing(f"{KEY}:analyst:bench")
    # the TestClient's Host is "testserver" (the API answers only the names it is given)
    app = create_app(settings, keys, ApiSettings(api_hosts="testserver,localhost"))
    model = ReadModel(settings)
    model.view = GraphView.open(settings)
    app.state.services = Services(settings, keys, model, None, NullAudit())  # type: ignore[arg-type]
    return TestClient(app, headers={"X-API-Key": KEY}), model.view


def timed(calls: list[Any]) -> tuple[list[float], list[Any]]:
    clock, took, results = time.perf_counter, [], []
    for call in calls:
        t = clock()
        results.append(call())
        took.append(clock() - t)
    return took, results


def summary(seconds: list[float]) -> dict[str, float]:
    p95 = percentile([s * 1000 for s in seconds], 95)
    return {**summarise_ms(seconds), "p95_ms": round(p95, 4)}


def reader(job: dict[str, Any]) -> dict[str, Any]:
    """A reader process of its own (``--reader``): what ``linkwatch serve`` and ``linkwatch
    export`` cost on the view the link stage wrote, with this process's RSS."""
    import tempfile

    from linkwatch.api import views
    from linkwatch.exporting import export_view
    from linkwatch.graph.export import STREAMED

    t_start = job["started"]
    settings = Settings(**job["settings"])
    api, view = client(settings)
    assert api.get("/api/entities/neighbourhood",
                   params={"node": job["starts"][0], "hops": 1}).status_code == 200
    ready_s = time.time() - t_start  # interpreter, imports, app, the view open, one answer
    rows: dict[str, Any] = {"serve_ready_s": round(ready_s, 2)}
    for kind, items in job["queries"].items():
        took, found = timed([lambda q=q, d=d: search(view, q, dob=d) for q, d, _ in items])
        pairs = list(zip(found, (want for _, _, want in items), strict=True))
        if kind == "identifier":  # the node asked for comes first
            ok = sum(bool(h) and h[0].node_id == want for h, want in pairs)
        else:  # the person is among the hits (namesakes may outrank it)
            ok = sum(want in {x.node_id for x in h} for h, want in pairs)
        rows[f"search_{kind}"] = {"in_process": summary(took), "found": ok, "queries": len(items),
                                  "mean_hits": round(sum(map(len, found)) / len(items), 2)}
        took, responses = timed([lambda q=q, d=d: api.get(
            "/api/search", params={"q": q, **({"dob": d} if d else {})}) for q, d, _ in items])
        assert all(r.status_code == 200 for r in responses), responses[0].text
        rows[f"search_{kind}"]["api"] = summary(took)
    starts = job["starts"]
    took, subs = timed([lambda n=n: views.neighbourhood(view, n, 2) for n in starts])
    sizes = [len(s["elements"]["nodes"]) for s in subs]
    rows["neighbourhood_2hop"] = {"in_process": summary(took), "queries": len(starts),
                                  "mean_nodes": round(sum(sizes) / len(sizes), 1),
                                  "max_nodes": max(sizes)}
    took, responses = timed([lambda n=n: api.get("/api/entities/neighbourhood",
                                                 params={"node": n, "hops": 2}) for n in starts])
    assert all(r.status_code == 200 for r in responses), responses[0].text
    rows["neighbourhood_2hop"]["api"] = summary(took)
    rows["api_rss_mb"] = round(current_rss_mb(), 1)
    if job["export"]:  # the whole graph, as `linkwatch export DIR --format F` reads and writes it
        t = time.perf_counter()
        whole = view.select()  # the graph itself (what the formats not STREAMED are written from)
        read_s = time.perf_counter() - t
        rows["export"] = {"nodes": whole.number_of_nodes(), "edges": whole.number_of_edges(),
                          "graph_read_s": round(read_s, 2), "formats": {}}
        del whole
        for fmt in job["export"].split(","):
            with tempfile.TemporaryDirectory() as tmp:
                t, cpu = time.perf_counter(), time.process_time()
                _, nodes, edges = export_view(view, fmt, Path(tmp), handling="OFFICIAL")
                total_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
            assert (nodes, edges) == (rows["export"]["nodes"], rows["export"]["edges"])
            rows["export"]["formats"][fmt] = {
                "total_s": round(total_s, 2), "cpu_s": round(cpu_s, 2),  # this process's
                "path": "rows" if fmt in STREAMED else "graph"}
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entities", type=int, default=100_000,
                    help="non-report nodes of the world (1000000 for the issue's target)")
    ap.add_argument("--queries", type=int, default=300, help="timed queries per measure")
    ap.add_argument("--export", default="csv,json,graphml",
                    help="formats the export row writes, comma-separated ('' for none)")
    ap.add_argument("--view-url", default=None,
                    help="LINKWATCH_VIEW_URL (default: SQLite in a temporary data directory)")
    ap.add_argument("--reader", type=Path, help=argparse.SUPPRESS)  # the reader process's job
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).parent / "results" / "readers.json",
                    help="results file (default bench/results/readers.json)")
    args = ap.parse_args()
    if args.reader:
        print(json.dumps(reader(json.loads(args.reader.read_text()))))
        return
    import tempfile

    from linkwatch.view import ViewWriter

    data_dir = tempfile.mkdtemp(prefix="lw-bench-readers-")
    settings = Settings(app_id="bench-readers", data_dir=data_dir, view_url=args.view_url)
    p = Pipeline(settings)
    reports, build_s = build(p, World(), args.entities)
    t0 = time.perf_counter()
    people = file_people(p)
    file_s = time.perf_counter() - t0
    print(f"built {entities(p):,} entities from {reports:,} reports in {build_s:.0f} s; "
          f"{len(people):,} person records filed in {file_s:.0f} s", flush=True)
    link_rss = current_rss_mb()  # the link stage's state, as it holds it
    t0 = time.perf_counter()
    writer = ViewWriter(settings)
    writer.write(writer.everything(p, reports))
    writer.close()
    view_s = time.perf_counter() - t0
    print(f"view written (a replace, as after a purge) in {view_s:.0f} s", flush=True)
    qs = queries(p, people, args.queries)
    rng = random.Random(19)
    starts = rng.sample([n for n in people] + [q[2] for q in qs["identifier"]],
                        min(args.queries, len(people)))
    g = p.graph.g
    shape = {"entities": entities(p), "nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
    del p, g, people  # the reader is another process; this one's state is not its
    job = Path(data_dir) / "job.json"
    job.write_text(json.dumps({"settings": settings.model_dump(mode="json", include={
        "app_id", "data_dir", "view_url"}), "queries": qs, "starts": starts,
        "export": args.export, "started": time.time()}))
    run = subprocess.run([sys.executable, __file__, "--reader", str(job)], capture_output=True,
                         text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"reader process failed:\n{run.stderr[-3000:]}")
    rows = json.loads(run.stdout.strip().splitlines()[-1])

    print(f"{'measure':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'api p50':>8} "
          f"{'api p95':>8} {'api p99':>8}  found")
    for name, r in rows.items():
        if not isinstance(r, dict) or "in_process" not in r:
            continue
        i, a = r["in_process"], r["api"]
        what = f"{r['found']}/{r['queries']}" if "found" in r else f"{r['mean_nodes']} nodes"
        print(f"{name:<22} {i['p50_ms']:>8.2f} {i['p95_ms']:>8.2f} {i['p99_ms']:>8.2f} "
              f"{a['p50_ms']:>8.2f} {a['p95_ms']:>8.2f} {a['p99_ms']:>8.2f}  {what}")
    print(f"({shape['entities']:,} entities, {shape['nodes']:,} nodes, {shape['edges']:,} "
          f"edges; target p95 < 100 ms at 1M entities)")
    print(f"serve ready (a new process: imports, app, view open, first answer): "
          f"{rows['serve_ready_s']:.1f} s (target < 15 s at 1M)")
    print(f"API process RSS {rows['api_rss_mb']:.0f} MB; the link stage's state "
          f"{link_rss:.0f} MB: {100 * rows['api_rss_mb'] / link_rss:.1f} % (target < 25 %)")
    if "export" in rows:
        e = rows["export"]
        print(f"export of the whole graph ({e['nodes']:,} nodes, {e['edges']:,} edges; target "
              f"< 5 s at 100k nodes), read from the view and written (the graph alone reads "
              f"in {e['graph_read_s']:.1f} s):")
        for fmt, f in e["formats"].items():
            print(f"  {fmt:<8} total {f['total_s']:>5.1f} s  (CPU {f['cpu_s']:>4.1f} s; "
                  f"from the {f['path']})")
    write_results(args.out, {
        **shape, "build_reports": reports,
        "build_seconds": round(build_s, 1), "file_people_seconds": round(file_s, 1),
        "view_write_seconds": round(view_s, 1), "view": "postgresql" if args.view_url
        else "sqlite", "queries": args.queries, **rows, "link_rss_mb": round(link_rss, 1),
        "api_rss_share": round(rows["api_rss_mb"] / link_rss, 3),
        "target_p95_ms_at_1m": 100.0}, peak_rss_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
