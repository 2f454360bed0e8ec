"""``linkwatch.view``: what the link stage writes is what readers read, on SQLite and on
a real PostgreSQL (127.0.0.1:5432 here; ``LINKWATCH_TEST_PG_URL`` elsewhere).

The link side is a real ``Pipeline`` fed accepted-topic payloads (no Kafka here; the
end-to-end test on the broker is ``test_view_e2e.py``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from test_snapshot import _payloads

from linkwatch.config import Settings
from linkwatch.graph.store import node_attrs
from linkwatch.pipeline import Pipeline
from linkwatch.schemas import accepted
from linkwatch.view import GraphView, Store, ViewUnavailable, ViewWriter
from linkwatch.view.codec import decode as decode_attrs
from linkwatch.view.codec import encode as encode_attrs
from linkwatch.view.store import schema_name
from linkwatch.view.writer import make_report_rows

PG = os.environ.get("LINKWATCH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_up() -> bool:
    try:
        import psycopg

        psycopg.connect(PG, connect_timeout=3).close()
        return True
    except Exception:
        return False


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not _pg_up() and not os.environ.get("CI"), reason="no PostgreSQL reachable"))]


@pytest.fixture(scope="module")
def messages() -> list[bytes]:
    return _payloads()  # test_snapshot's: the demo scenario through intake, as bytes


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    app_id = f"view-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield Settings(app_id=app_id, data_dir=str(tmp_path))
        return
    yield Settings(app_id=app_id, data_dir=str(tmp_path), view_url=PG)
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name(app_id)}" CASCADE')


def plain(g: nx.MultiDiGraph) -> tuple[dict[str, Any], dict[tuple[str, str, str], Any]]:
    """Nodes and edges with their attributes, ``None`` values left out (as the view does);
    a node's whole (``node_attrs``: the link graph leaves its kind's defaults out)."""
    nodes = {n: node_attrs(d) for n, d in g.nodes(data=True)}
    edges = {(u, v, k): {a: b for a, b in d.items() if b is not None}
             for u, v, k, d in g.edges(keys=True, data=True)}
    return nodes, edges


def test_codec_round_trips_what_the_graph_holds() -> None:
    attrs = {"report_ids": {"R1", "R2"}, "markers": ("a", "b"), "n": 3, "x": 0.5,
             "first_seen": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
             "naive": datetime(2026, 1, 2, 3, 4, 5), "flag": True, "none": None,
             "nested": {"k": ("t",)}, "list": [1, {"$s": "not a tag"}]}
    back = decode_attrs(encode_attrs(attrs))
    assert back == {k: v for k, v in attrs.items() if v is not None}
    assert isinstance(back["markers"], tuple) and isinstance(back["report_ids"], set)
    assert back["naive"].tzinfo is None


def test_the_view_equals_the_link_state_batch_by_batch(settings: Settings,
                                                         messages: list[bytes]) -> None:
    pipeline = Pipeline(settings)
    writer = ViewWriter(settings)
    writer.write(writer.start(pipeline, 0, None))
    for i in range(0, len(messages), 37):  # batches, as the link stage takes them
        for p in messages[i:i + 37]:
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
        writer.write(writer.collect(pipeline, i + 37))
    view = GraphView.open(settings)
    assert plain(view.graph()) == plain(pipeline.graph.g)
    state = view.state()
    assert state.offset == len(messages) - len(messages) % 37 + 37 if len(messages) % 37 \
        else state.offset == len(messages)
    assert state.reports == pipeline.reports
    rows = {r.report_id: r for r in view.report_rows()}
    assert set(rows) == {rid for rid in pipeline.applied}
    # a replace (after a purge, a rebalance) gives the same as the increments
    writer.broken()
    writer.write(writer.collect(pipeline, 999))
    assert plain(GraphView.open(settings).graph()) == plain(pipeline.graph.g)
    assert view.state().offset == 999
    assert {r.report_id for r in view.report_rows()} == set(rows)
    writer.close()
    view.close()


def test_rows_made_during_a_replay_are_the_rows_the_view_takes(tmp_path: Path,
                                                                messages: list[bytes]) -> None:
    """A replay makes the report rows as it goes (``make_report_rows``) instead of holding
    the reports: the view's first take gives the same rows, in the same order."""
    taken = []
    for every in (None, 25):
        settings = Settings(app_id=f"rows{every}", data_dir=str(tmp_path / str(every)))
        pipeline = Pipeline(settings)
        for n, p in enumerate(messages, 1):
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
            if every and n % every == 0:
                make_report_rows(pipeline)
                assert pipeline.fresh == []
        writer = ViewWriter(settings)
        taken.append(writer.collect(pipeline, len(messages)).reports_rows)
        assert pipeline.fresh == [] and pipeline.fresh_rows == []
        writer.close()
    assert taken[0] == taken[1] and len(taken[0]) == len(messages)


def test_parts_of_the_graph_equal_the_same_parts_of_the_link_state(
        settings: Settings, messages: list[bytes]) -> None:
    from linkwatch.api import views
    from linkwatch.graph.export import select

    pipeline = Pipeline(settings)
    for p in messages:
        pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
    writer = ViewWriter(settings)
    writer.write(writer.start(pipeline, len(messages), None))
    view = GraphView.open(settings)
    g = pipeline.graph.g
    busiest = sorted(g, key=lambda n: (-g.degree(n), n))[:3]
    persons = sorted(n for n in g if n.startswith("person:"))[:5]
    for seed in [*busiest, *persons]:
        for hops in (0, 1, 2):
            assert plain(view.neighbourhood([seed], hops)) == \
                plain(nx.MultiDiGraph(pipeline.graph.neighbourhood([seed], hops))), (seed, hops)
            assert plain(select(view.neighbourhood([seed], hops, None), entity=seed,
                                hops=hops)) == plain(select(g, entity=seed, hops=hops))
        assert view.degree(seed) == g.degree(seed)
        for limit in (5, 400):  # the chart the API draws, cut or whole, as from the state
            got = views.neighbourhood(view, seed, 2, limit)
            want = views.cytoscape(pipeline.graph.neighbourhood([seed], 2), limit=limit,
                                   keep=[seed])
            assert got["truncated"] == want["truncated"], seed
            assert got["elements"]["nodes"] == want["elements"]["nodes"], seed
            assert sorted(got["elements"]["edges"], key=lambda e: e["data"]["id"]) == \
                sorted(want["elements"]["edges"], key=lambda e: e["data"]["id"]), seed
    ids = [*busiest, *persons, "person:nobody"]
    assert plain(view.subgraph(ids)) == plain(nx.MultiDiGraph(g.subgraph(ids)))
    view.close()
    writer.close()


def test_a_reader_without_a_view_is_told_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ViewUnavailable, match="linkwatch worker"):
        GraphView.open(Settings(app_id="never-started", data_dir=str(tmp_path)))


@pytest.mark.skipif(not _pg_up(), reason="no PostgreSQL reachable")
def test_postgres_reader_without_a_view_is_told_what_to_do() -> None:
    with pytest.raises(ViewUnavailable, match="linkwatch worker"):
        Store.open(Settings(app_id=f"never-{uuid.uuid4().hex}", view_url=PG))


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(ViewUnavailable, match="cannot be opened"):
        Store.open(Settings(app_id="x", view_url="postgresql://nobody@127.0.0.1:1/none"))


async def test_writes_coalesce_batches_and_the_last_batch_is_written_when_idle(
        tmp_path: Path, messages: list[bytes]) -> None:
    """``Writes``: batches applied while a write runs, or within the interval, go in one
    write; the view always ends at a whole batch; a stream that stops still has its last
    batch written (by the timer, with no further offer); ``flush`` writes what is due."""
    import asyncio

    from linkwatch.view import Writes

    settings = Settings(app_id=f"view-{uuid.uuid4().hex[:8]}", data_dir=str(tmp_path))
    pipeline = Pipeline(settings)
    writer = ViewWriter(settings)
    written: list[int] = []
    write = writer.write
    writer.write = lambda rows: (write(rows), written.append(rows.offset))  # type: ignore
    writes = Writes(writer, interval=0.3)
    writer.prepare(0, None)
    writes.offer(pipeline, 0)
    await writes.flush()
    assert written == [0]
    view = GraphView.open(settings)
    batches = [(i, messages[i:i + 10]) for i in range(0, 60, 10)]
    for i, part in batches:  # six batches in quick succession: fewer writes than batches
        for p in part:
            pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
        writes.offer(pipeline, i + len(part))
        await asyncio.sleep(0)
    assert len(written) < 1 + len(batches)
    for _ in range(100):  # no more offers: the timer writes the last batch
        if view.state().offset == 60:
            break
        await asyncio.sleep(0.05)
    assert view.state().offset == 60 and written[-1] == 60
    assert all(o in {0, *(i + 10 for i, _ in batches)} for o in written)  # whole batches
    assert plain(view.graph()) == plain(pipeline.graph.g)
    # a failed write: the next one replaces the view, so nothing stays wrong
    writer.write = lambda rows: (_ for _ in ()).throw(OSError("disk full"))  # type: ignore
    for p in messages[60:70]:
        pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
    writes.offer(pipeline, 70)
    await writes.flush()
    assert view.state().offset == 60 and writer.full_needed
    writer.write = write  # type: ignore[method-assign]
    for p in messages[70:80]:
        pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
    writes.offer(pipeline, 80)
    await writes.flush()
    assert view.state().offset == 80
    assert plain(view.graph()) == plain(pipeline.graph.g)
    assert {r.report_id for r in view.report_rows()} == set(pipeline.applied)
    # a stopped link stage (rebalance, shutdown): its timer writes nothing more
    for p in messages[80:90]:
        pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]
    writes.offer(pipeline, 90)  # within the interval: left to the timer
    writes.stop()
    await asyncio.sleep(0.5)
    assert view.state().offset == 80
    view.close()
    writer.close()


def test_a_collect_that_fails_loses_no_report_row(tmp_path: Path, messages: list[bytes],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from linkwatch.view import writer as writer_module

    settings = Settings(app_id=f"view-{uuid.uuid4().hex[:8]}", data_dir=str(tmp_path))
    pipeline = Pipeline(settings)
    writer = ViewWriter(settings)
    writer.write(writer.start(pipeline, 0, None))
    for p in messages[:20]:
        pipeline.apply(accepted.decode(p))  # type: ignore[arg-type]

    def broken(g: Any, node: str) -> Any:
        raise RuntimeError("a bug while encoding a node")

    with monkeypatch.context() as patch:  # after the report rows were made
        patch.setattr(writer_module, "node_row", broken)
        with pytest.raises(RuntimeError):
            writer.collect(pipeline, 20)
    rows = writer.collect(pipeline, 20)
    assert rows.full  # the change sets taken are gone: the view is replaced
    writer.write(rows)
    view = GraphView.open(settings)
    assert {r.report_id for r in view.report_rows()} == set(pipeline.applied)
    assert plain(view.graph()) == plain(pipeline.graph.g)
    view.close()
    writer.close()
