"""``linkwatch export`` of the whole view in every format is written row by row from
the view's tables (``linkwatch.view.ViewRows``), without the graph: the files are byte for
byte those the graph gave before (``tests/data/export_rows``, written by the code before
the change; ``export_cases.write_golden``), and those the graph gives now.

The graph (``export_cases.tricky_graph``) holds sets, tuples, datetimes, dates, ``None``
attributes, nested values, unicode, formula-like and multi-line labels, multi-edges, and
its edges table is not in the graph's order; its ``indicators`` case adds what STIX shares
and columns whose Neo4j type only the last of their values decides."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_cases import CASES, GOLDEN, HANDLING, KEY, stix_clock, tricky_graph, write_view
from test_snapshot import _payloads
from test_view import BACKENDS, PG

from linkwatch.config import Settings
from linkwatch.exporting import export_view
from linkwatch.graph.export import FORMATS, STREAMED, export_graph
from linkwatch.pipeline import Pipeline
from linkwatch.schemas import accepted
from linkwatch.view import GraphView, ViewWriter
from linkwatch.view.store import schema_name

_TODAY = re.compile(rb'lastmodifieddate="[0-9-]+"')  # GEXF's meta: the day it was written
_BUNDLE = re.compile(rb'"bundle--[0-9a-f-]{36}"')  # a STIX bundle's id: new each time
WRITTEN = list(FORMATS)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: _BUNDLE.sub(b'"bundle--"', _TODAY.sub(b'lastmodifieddate=""', p.read_bytes()))
            for p in sorted(folder.iterdir())}


def shape(case: str) -> tuple[int, int]:
    """Nodes and edges of the case's graph (the view's edge to a node it lacks is not one)."""
    g = tricky_graph(**CASES[case])
    return g.number_of_nodes(), g.number_of_edges()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A view on SQLite, or on PostgreSQL (its own schema, dropped after)."""
    app_id = f"rows-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield Settings(app_id=app_id, data_dir=str(tmp_path / "data"))
        return
    yield Settings(app_id=app_id, data_dir=str(tmp_path / "data"), view_url=PG)
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name(app_id)}" CASCADE')


@pytest.fixture(params=list(CASES))
def view(request: pytest.FixtureRequest, settings: Settings) -> Iterator[tuple[str, GraphView]]:
    write_view(settings, tricky_graph(**CASES[request.param]))
    v = GraphView.open(settings)
    yield request.param, v
    v.close()


def test_every_format_is_written_from_rows() -> None:
    assert set(STREAMED) == set(WRITTEN) == set(FORMATS)


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "pseudonymised"])
@pytest.mark.parametrize("fmt", WRITTEN)
def test_rows_write_the_files_the_graph_wrote(view: tuple[str, GraphView], fmt: str,
                                              key: bytes | None, tmp_path: Path) -> None:
    case, v = view
    golden = files(GOLDEN / f"{case}-{fmt}{'-pseudonymised' if key else ''}")
    with v.rows() as rows, stix_clock():
        export_graph(rows, fmt, tmp_path / "rows", handling=HANDLING, pseudonymise_key=key)
        assert (rows.nodes_read, rows.edges_read) == shape(case)
    assert files(tmp_path / "rows") == golden
    with stix_clock():
        export_graph(v.graph(), fmt, tmp_path / "graph", handling=HANDLING,
                     pseudonymise_key=key)
    assert files(tmp_path / "graph") == golden


def test_the_golden_files_hold_what_was_asked(view: tuple[str, GraphView]) -> None:
    """The comparison above means something: the tricky values are in the files."""
    case, _ = view
    nodes = (GOLDEN / f"{case}-csv" / "nodes.csv").read_text(encoding="utf-8")
    assert "Zoë O’Brien-Ünal 👩‍👩‍👧 e\u0301" in nodes
    assert "'=HYPERLINK" in nodes and "second, " in nodes  # neutralised, one line
    assert "2026-11-24T21:05:07.120034+05:30" in nodes and "2026-11-25T09:00:00," in nodes
    assert "suspect;victim" in nodes and "knife;county_lines" not in nodes
    assert "county_lines;knife" in nodes  # a tuple's members sorted, as before
    edges = (GOLDEN / f"{case}-csv" / "edges.csv").read_text(encoding="utf-8")
    assert edges.count("person:E1,phone:+447700900123,") == 2  # a multi-edge
    assert "phone:+447700900999" not in edges  # the edge to a node not held
    pseudo = (GOLDEN / f"{case}-csv-pseudonymised" / "nodes.csv").read_text(encoding="utf-8")
    assert "Zoë" not in pseudo and "1950-02-03" not in pseudo and '""age"": ""30-39""' in pseudo
    if case != "indicators":
        return
    reports = (GOLDEN / "indicators-neo4j" / "neo4j_nodes_report.csv").read_text("utf-8")
    # a column of a flag and a text, of a tuple and a text: text, as Python writes each;
    # a set member's line break made a space; a column first met on the second report
    assert reports.splitlines()[0].endswith(",force,markers:string[],weapons,channel")
    assert ",Warwickshire Police,county_lines;knife,()," in reports
    assert ",True,b;phishing sms,none,e-mail" in reports
    bundle = (GOLDEN / "indicators-stix" / "bundle.stix.json").read_text("utf-8")
    for shared in ("[domain-name:value = 'shop.example.com']", "[ipv6-addr:value = '2001:db8::1']",
                   "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']", r"zo\u00eb@ex\u00e4mple.com",
                   '"report_ids": ["NC-0002", "NC-0002;x"]', '"name": "linkwatch report NC-0002"',
                   '"description": "contacted"', '"description": "uses_identifier"'):
        assert shared in bundle, shared
    assert "not-an-ip" not in bundle and "hash:abc" not in bundle and "person:" not in bundle
    assert bundle.count('"relationship_type": "related-to"') == 4
    assert '"first_observed": "2026-12-01T12:00:00Z"' in bundle  # the url: seen "now"


@pytest.mark.parametrize("fmt", WRITTEN)
def test_a_pseudonymised_export_holds_no_identifier_in_clear(view: tuple[str, GraphView],
                                                              fmt: str) -> None:
    """Only attributes known to be safe leave a personal node or an edge at one: the
    e-mail node's ``value`` (a phone number), the edge's ``numbers`` as written, a home
    postcode, a date of birth are not in any file, whatever attribute holds them."""
    case, _ = view
    folder = GOLDEN / f"{case}-{fmt}-pseudonymised"
    written = "".join(f.read_text(encoding="utf-8") for f in sorted(folder.iterdir()))
    for clear in ("+447700900123", "07700 900123", "alice", "CV11 4AB", "1950-02-03",
                  "Zoë", "zoë", "مطاوع"):
        assert clear not in written, (fmt, clear)
    if fmt == "stix":  # indicators only: the phone, by pseudonym
        assert "h-c38f65fd6d55cf61d077" in written and "linkwatch-pseudonym" in written
        return
    assert "h-a7b75c61e6eb340d285e" in written  # the person is there, by pseudonym
    if fmt not in ("i2", "ftm"):  # i2 charts carry no attributes beyond the core, FtM no age
        assert "30-39" in written  # what is kept: the age as a band


@pytest.mark.parametrize("fmt", ["csv", "graphml", "i2"])
def test_export_view_writes_the_whole_graph_or_a_part(view: tuple[str, GraphView], fmt: str,
                                                      tmp_path: Path) -> None:
    """``export_view`` (``linkwatch export``): everything row by row in a streamed format,
    from the graph otherwise and for a part; the counts are those written."""
    case, v = view
    paths, n, e = export_view(v, fmt, tmp_path / "all", handling=HANDLING)
    assert (n, e) == shape(case) and paths and all(p.exists() for p in paths)
    if fmt in STREAMED:
        assert files(tmp_path / "all") == files(GOLDEN / f"{case}-{fmt}")
    paths, n, e = export_view(v, fmt, tmp_path / "part", handling=HANDLING,
                              entity="person:E2", hops=1)
    # E2, the report and E1: the report's edges to both, E2's to E1 (two when same_type)
    assert (n, e) == (3, 3 + (case == "same_type"))
    assert all(p.exists() for p in paths)


def test_the_collector_is_back_on_after_rows(view: tuple[str, GraphView],
                                             tmp_path: Path) -> None:
    import gc

    _, v = view
    assert gc.isenabled()
    with pytest.raises(RuntimeError), v.rows():
        assert not gc.isenabled()
        raise RuntimeError("a writer failed")
    assert gc.isenabled()
    v.graph()
    assert gc.isenabled()


@pytest.fixture(scope="module")
def messages() -> list[bytes]:
    return _payloads()  # test_snapshot's: the demo scenario through intake, as bytes


def test_after_a_purge_rows_write_what_the_graph_writes(settings: Settings,
                                                        messages: list[bytes],
                                                        tmp_path: Path) -> None:
    """A view written as the link stage writes it (batch by batch), replaced after a purge
    of the oldest third of its reports (``ViewWriter.broken``: the state rebuilt without
    them), then added to: every format from the rows is what the graph gives."""
    half, batch = len(messages) // 2, 37
    rid = {p: accepted.decode(p).report.report_id for p in messages}  # type: ignore[union-attr]
    purged = {rid[p] for p in messages[:len(messages) // 3]}
    pipeline, writer = Pipeline(settings), ViewWriter(settings)
    writer.write(writer.start(pipeline, 0, None))
    for i in range(0, half, batch):
        for p in messages[i:min(i + batch, half)]:
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
        writer.write(writer.collect(pipeline, min(i + batch, half)))
    pipeline = Pipeline(settings)  # the purge: the state rebuilt without the purged reports
    for p in messages[:half]:
        if rid[p] not in purged:
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
    writer.broken()
    writer.write(writer.collect(pipeline, half))
    for i in range(half, len(messages), batch):
        for p in messages[i:i + batch]:
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
        writer.write(writer.collect(pipeline, i + batch))
    writer.close()
    view = GraphView.open(settings)
    try:
        graph = view.graph()
        assert graph.number_of_nodes() == pipeline.graph.g.number_of_nodes()
        assert not {f"report:{r}" for r in purged} & set(graph)
        for fmt in WRITTEN:
            for key in (None, KEY):
                out = tmp_path / f"{fmt}-{bool(key)}"
                with view.rows() as rows, stix_clock():
                    export_graph(rows, fmt, out / "rows", handling=HANDLING,
                                 pseudonymise_key=key)
                with stix_clock():
                    export_graph(graph, fmt, out / "graph", handling=HANDLING,
                                 pseudonymise_key=key)
                assert files(out / "rows") == files(out / "graph"), (fmt, key)
    finally:
        view.close()
    bundle = (tmp_path / "stix-False" / "rows" / "bundle.stix.json").read_text("utf-8")
    assert bundle.count('"type": "indicator"') >= 3 and '"type": "report"' in bundle
    written = "".join(p.read_text("utf-8") for p in (tmp_path / "neo4j-False" / "rows").iterdir())
    assert not any(f"report:{r}," in written for r in purged)
