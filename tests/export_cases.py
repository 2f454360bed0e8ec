"""A small link graph with everything an export has to get right (synthetic data only), and
its view written as the link stage writes one, for tests/test_export_rows.py.

Sets, tuples, datetimes (UTC, an offset, microseconds, naive), dates, ``None``
attributes, nested values, unicode (combining marks, emoji sequences, right-to-left),
labels that start like spreadsheet formulas or hold newlines, quotes and commas, numbers
where text is usual, multi-edges, and an edges table whose order is not the graph's.
``tests/data/export_rows/`` holds what ``linkwatch export`` wrote for it before the
text formats were written row by row (``write_golden``)."""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import networkx as nx

from linkwatch.config import Settings
from linkwatch.view import Store
from linkwatch.view.writer import edge_row, node_row

GOLDEN = Path(__file__).parent / "data" / "export_rows"
KEY = b"test-key-not-a-secret-0123456789"
HANDLING = "OFFICIAL-SENSITIVE"
T0 = datetime(2026, 11, 24, 21, 5, tzinfo=UTC)


def tricky_graph(same_type_edges: bool = False, indicators: bool = False) -> nx.MultiDiGraph:
    """``same_type_edges``: also two edges between one pair whose keys differ but whose
    ``type`` is the same (the link stage never makes them: its key is the type).
    ``indicators``: also a second report and the indicators STIX shares (``indicators``)."""
    g = nx.MultiDiGraph()
    g.add_node("report:AF-0001", kind="report", label="AF-0001", first_seen=T0, last_seen=T0,
               report_ids={"AF-0001"}, report_kind="fraud", reported_at=T0,
               force="Warwickshire Police", markers=("knife", "county_lines"), weapons=(),
               category=None)
    g.add_node("person:E1", kind="person", label="Zoë O’Brien-Ünal 👩‍👩‍👧 e\u0301",
               first_seen=datetime(2026, 11, 24, 21, 5, 7, 120034,
                                   tzinfo=timezone(timedelta(hours=5, minutes=30))),
               last_seen=datetime(2026, 11, 25, 9, 0),  # naive
               report_ids={"AF-0001", "NC-0002", "WK-0003"}, roles={"victim", "suspect"},
               flags=set(), dob=date(1950, 2, 3), postcode="CV11 4AB", age=34,
               lat=52.523456, lon=-1.468512, note=None, aliases=["Zed", "Zoe"],
               seen={"where": ("CV11", 2), "$s": "not a tag"}, score=0.1 + 0.2,
               big=10**16, tiny=1e-7, verified=True)
    g.add_node("person:E2", kind="person", label='=HYPERLINK("x")\nsecond, "line"\r',
               first_seen=T0, report_ids={"AF-0001"}, roles={"suspect"}, age="unknown",
               lat="52.5", lon=float("inf"), postcode=None)
    g.add_node("phone:+447700900123", kind="phone", label=None, first_seen=T0,
               report_ids={"AF-0001", "NC-0002"})
    g.add_node("email:alice@example.com", kind="email", label="-1.46",
               first_seen=T0, last_seen=T0 + timedelta(days=3), report_ids=("NC-0002",),
               value="+447700900123", name="@alice", id="not the id")
    g.add_node("address:1 example street", label="مطاوع ١ شارع\tExample",
               report_ids={"WK-0003"}, since=date(2020, 1, 31), tags={3, 1, 2})
    g.add_node("url:https://shop.example.com/pay?a=1&b=<2>", kind="url")
    g.add_node("vehicle:AB12CDE", kind="vehicle", report_ids=set())
    g.add_edge("report:AF-0001", "person:E1", key="involved", type="involved",
               first_seen=T0, last_seen=T0, report_ids={"AF-0001"}, role="victim")
    g.add_edge("report:AF-0001", "person:E2", key="involved", type="involved",
               first_seen=T0, last_seen=T0, report_ids={"AF-0001"}, role="-suspect")
    g.add_edge("report:AF-0001", "phone:+447700900123", key="mentions", type="mentions",
               first_seen=T0, report_ids={"AF-0001"}, role=None)
    g.add_edge("person:E1", "phone:+447700900123", key="uses_phone", type="uses_phone",
               first_seen=T0, last_seen=T0 + timedelta(hours=1),
               report_ids={"AF-0001", "NC-0002"}, numbers=("07700 900123", "+447700900123"))
    g.add_edge("person:E2", "person:E1", key="co_offender", type="co_offender",
               report_ids={"WK-0003", "AF-0001"}, weight=2, seen_on={date(2026, 1, 2)})
    g.add_edge("person:E1", "email:alice@example.com", key="uses_email",
               report_ids={"NC-0002"}, note="no type attribute: the key is the type")
    g.add_edge("person:E1", "phone:+447700900123", key="contacted", type="contacted",
               first_seen=T0, report_ids={"NC-0002"}, id="edge-id", source="not the source")
    g.add_edge("person:E1", "address:1 example street", key="lives_at", type="lives_at",
               report_ids={"WK-0003"}, since=datetime(2020, 1, 31, tzinfo=UTC))
    g.add_edge("report:AF-0001", "url:https://shop.example.com/pay?a=1&b=<2>",
               key="mentions", type="mentions", report_ids={"AF-0001"})
    if same_type_edges:
        g.add_edge("person:E2", "person:E1", key="paid_to", type="co_offender",
                   report_ids={"AF-0001"}, amount=1200.5)
    if indicators:
        add_indicators(g)
    return g


def add_indicators(g: nx.MultiDiGraph) -> None:
    """A second report (no label, no time reported) naming indicators of every kind STIX
    shares, some it cannot (an ip that is not one, a hash of no known length), links
    between two indicators (a multi-edge among them), a report id holding ``;``, a
    non-ASCII e-mail; and columns the Neo4j files cannot type from their first value: one
    holding a flag and a text, a tuple and a text, a set with a line break in a member,
    and attributes first met on a later node or edge."""
    t1 = T0 + timedelta(days=1)
    g.add_node("report:NC-0002", kind="report", first_seen=t1, last_seen=t1 + timedelta(hours=2),
               report_ids={"NC-0002"}, report_kind="cyber", force=True, weapons="none",
               markers={"phishing\nsms", "b"}, channel="e-mail")
    for node, extra in (
            ("domain:shop.example.com", {"report_ids": {"NC-0002", "NC-0002;x"}}),
            ("ip:203.0.113.7", {"report_ids": {"NC-0002"}}),
            ("ip:2001:db8::1", {"report_ids": {"NC-0002"}, "asn": 64500}),
            ("ip:not-an-ip", {"report_ids": {"NC-0002"}}),
            ("hash:" + "ab" * 32, {"report_ids": {"NC-0002"}}),
            ("hash:abc", {"report_ids": {"NC-0002"}}),
            ("wallet:bc1qsynthetic0000000000", {"report_ids": {"NC-0002"}}),
            ("email:zoë@exämple.com", {"report_ids": {"NC-0002"}, "label": "Zoë's mail"})):
        g.add_node(node, kind=node.split(":", 1)[0], first_seen=t1, last_seen=t1, **extra)
    for target in ("domain:shop.example.com", "ip:203.0.113.7", "ip:2001:db8::1",
                   "ip:not-an-ip", "hash:" + "ab" * 32, "hash:abc",
                   "wallet:bc1qsynthetic0000000000", "email:zoë@exämple.com",
                   "phone:+447700900123"):
        g.add_edge("report:NC-0002", target, key="mentions", type="mentions",
                   first_seen=t1, last_seen=t1, report_ids={"NC-0002"})
    g.add_edge("phone:+447700900123", "email:zoë@exämple.com", key="contacted",
               type="contacted", first_seen=t1, last_seen=t1 + timedelta(hours=1),
               report_ids={"NC-0002"}, confirmed=True)
    g.add_edge("phone:+447700900123", "email:zoë@exämple.com", key="uses_identifier",
               type="uses_identifier", first_seen=t1, last_seen=t1, report_ids={"NC-0002"})
    g.add_edge("url:https://shop.example.com/pay?a=1&b=<2>", "domain:shop.example.com",
               key="uses_identifier", type="uses_identifier", first_seen=T0, last_seen=t1,
               report_ids={"AF-0001", "NC-0002"}, confirmed="unknown")
    g.add_edge("domain:shop.example.com", "ip:203.0.113.7", key="uses_identifier",
               type="uses_identifier", first_seen=t1, last_seen=t1, report_ids={"NC-0002"},
               seen_on=(date(2026, 11, 25),))


CASES = {"plain": {}, "same_type": {"same_type_edges": True}, "indicators": {"indicators": True}}
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # "now" of a STIX export (``stix_clock``)


@contextlib.contextmanager
def stix_clock(now: datetime = NOW) -> Iterator[None]:
    """The STIX writer's clock stopped at ``now``: an indicator seen at no known time is
    dated when the bundle is written, and the golden files were written at another time."""
    from linkwatch.graph.export import stix

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return now.astimezone(tz)

    real, stix.datetime = stix.datetime, Clock  # type: ignore[misc]
    try:
        yield
    finally:
        stix.datetime = real  # type: ignore[misc]


def write_view(settings: Settings, g: nx.MultiDiGraph, seed: int = 7) -> None:
    """The graph as the view's tables, its edges stored in a shuffled order (as edges added
    batch by batch are) and one edge to a node the view does not hold (readers skip it)."""
    store = Store.open(settings, create=True)
    edges = [edge_row(g, (u, v, k)) for u, v, k in g.edges(keys=True)]
    random.Random(seed).shuffle(edges)
    edges.append(("person:E1", "phone:+447700900999", "contacted", '{"type":"contacted"}'))
    with store.transaction():
        store.clear()
        store.load("nodes", [node_row(g, n) for n in g])
        store.load("edges", edges)
        store.set_meta({"offset": "3", "reports": "3", "written_at": T0.isoformat()})
    store.close()


def write_golden(out: Path = GOLDEN) -> None:
    """What ``linkwatch export`` of the whole view writes (run with the code to compare
    with: ``python tests/export_cases.py``)."""
    import tempfile

    from linkwatch.graph.export import export_graph
    from linkwatch.view import GraphView

    for case, kwargs in CASES.items():
        g = tricky_graph(**kwargs)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(app_id="golden", data_dir=tmp)
            write_view(settings, g)
            view = GraphView.open(settings)
            whole = view.select()
            view.close()
            for fmt in ("csv", "json", "graphml", "gexf", "i2", "neo4j", "stix", "ftm"):
                for pseudo, key in (("", None), ("-pseudonymised", KEY)):
                    with stix_clock():
                        export_graph(whole, fmt, out / f"{case}-{fmt}{pseudo}",
                                     handling=HANDLING, pseudonymise_key=key)


if __name__ == "__main__":
    write_golden(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN)
