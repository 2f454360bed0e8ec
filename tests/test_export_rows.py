"""``linkwatch export`` of the whole view in csv, json, graphml, gexf and i2 is written row by
row from the view's tables (``linkwatch.view.ViewRows``), without the graph: the files are
byte for byte those the graph gave before (``tests/data/export_rows``, written by the code
before the change; ``export_cases.write_golden``), and those the graph gives now.

The graph (``export_cases.tricky_graph``) holds sets, tuples, datetimes, dates, ``None``
attributes, nested values, unicode, formula-like and multi-line labels, multi-edges, and
its edges table is not in the graph's order."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_cases import GOLDEN, HANDLING, KEY, tricky_graph, write_view
from test_view import BACKENDS, PG

from linkwatch.config import Settings
from linkwatch.exporting import export_view
from linkwatch.graph.export import STREAMED, export_graph
from linkwatch.view import GraphView
from linkwatch.view.store import schema_name

_TODAY = re.compile(rb'lastmodifieddate="[0-9-]+"')  # GEXF's meta: the day it was written


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: _TODAY.sub(b'lastmodifieddate=""', p.read_bytes())
            for p in sorted(folder.iterdir())}


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


@pytest.fixture(params=["plain", "same_type"])
def view(request: pytest.FixtureRequest, settings: Settings) -> Iterator[tuple[str, GraphView]]:
    write_view(settings, tricky_graph(same_type_edges=request.param == "same_type"))
    v = GraphView.open(settings)
    yield request.param, v
    v.close()


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "pseudonymised"])
@pytest.mark.parametrize("fmt", sorted(STREAMED))
def test_rows_write_the_files_the_graph_wrote(view: tuple[str, GraphView], fmt: str,
                                              key: bytes | None, tmp_path: Path) -> None:
    case, v = view
    golden = files(GOLDEN / f"{case}-{fmt}{'-pseudonymised' if key else ''}")
    with v.rows() as rows:
        export_graph(rows, fmt, tmp_path / "rows", handling=HANDLING, pseudonymise_key=key)
        assert (rows.nodes_read, rows.edges_read) == (8, 9 + (case == "same_type"))
    assert files(tmp_path / "rows") == golden
    export_graph(v.graph(), fmt, tmp_path / "graph", handling=HANDLING, pseudonymise_key=key)
    assert files(tmp_path / "graph") == golden


@pytest.mark.parametrize("key", [None, KEY], ids=["plain", "pseudonymised"])
def test_neo4j_from_the_graph_writes_the_files_it_wrote(view: tuple[str, GraphView],
                                                        key: bytes | None,
                                                        tmp_path: Path) -> None:
    """A format written from the graph (faster to read now) gives the same files too."""
    case, v = view
    golden = files(GOLDEN / f"{case}-neo4j{'-pseudonymised' if key else ''}")
    export_view(v, "neo4j", tmp_path / "view", handling=HANDLING, pseudonymise_key=key)
    assert files(tmp_path / "view") == golden


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


@pytest.mark.parametrize("fmt", ["csv", "json", "graphml", "gexf", "i2", "neo4j"])
def test_a_pseudonymised_export_holds_no_identifier_in_clear(view: tuple[str, GraphView],
                                                              fmt: str) -> None:
    """Only attributes known to be safe leave a personal node or an edge at one: the
    e-mail node's ``value`` (a phone number), the edge's ``numbers`` as written, a home
    postcode, a date of birth are not in any file, whatever attribute holds them."""
    case, _ = view
    folder = GOLDEN / f"{case}-{fmt}-pseudonymised"
    written = "".join(f.read_text(encoding="utf-8") for f in sorted(folder.iterdir()))
    for clear in ("+447700900123", "07700 900123", "alice", "CV11 4AB", "1950-02-03",
                  "Zoë", "مطاوع"):
        assert clear not in written, (fmt, clear)
    assert "h-a7b75c61e6eb340d285e" in written  # the person is there, by pseudonym
    if fmt != "i2":  # i2 charts carry no attributes beyond the core
        assert "30-39" in written  # what is kept: the age as a band


@pytest.mark.parametrize("fmt", ["csv", "graphml", "i2"])
def test_export_view_writes_the_whole_graph_or_a_part(view: tuple[str, GraphView], fmt: str,
                                                      tmp_path: Path) -> None:
    """``export_view`` (``linkwatch export``): everything row by row in a streamed format,
    from the graph otherwise and for a part; the counts are those written."""
    case, v = view
    edges = 9 + (case == "same_type")
    paths, n, e = export_view(v, fmt, tmp_path / "all", handling=HANDLING)
    assert (n, e) == (8, edges) and paths and all(p.exists() for p in paths)
    if fmt in STREAMED:
        assert files(tmp_path / "all") == files(GOLDEN / f"{case}-{fmt}")
    paths, n, e = export_view(v, fmt, tmp_path / "part", handling=HANDLING,
                              entity="person:E2", hops=1)
    # E2, the report and E1: the report's edges to both, E2's to E1 (two when same_type)
    assert (n, e) == (3, edges - 6)
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
