"""The readers' view equals the link stage's graph at the same offset, on the real broker:
after a live purge, after a restart from a snapshot, and after a start without one (a new
owner after a rebalance or a crash).  What ``linkwatch export`` writes and what the API
serves come from that view, so they are checked against the same reference: a fresh
``Pipeline`` replaying the accepted topic, which is what the link stage's state is."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest
from test_api import KEYS, start_api
from test_purge_readers import accepted, send
from test_view import plain
from typer.testing import CliRunner

from linkwatch import purge, snapshot
from linkwatch.cli import app
from linkwatch.pipeline import Pipeline, replay
from linkwatch.stack import stop_process
from linkwatch.view import GraphView, Store, ViewUnavailable

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def view_at(settings: Any, offset: int, timeout: float = 60.0) -> GraphView:
    """The view once the link stage has written it up to ``offset``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            view = GraphView.open(settings)
            if view.state().offset >= offset:
                return view
            view.close()
        except ViewUnavailable:
            pass
        assert time.monotonic() < deadline, f"the view did not reach offset {offset}"
        time.sleep(0.2)


def reference(settings: Any) -> nx.MultiDiGraph:
    """The link state a replay of the whole accepted topic builds (purges honoured)."""
    whole = Pipeline(settings)
    asyncio.run(replay(settings, whole, committed_only=False))
    return whole.graph.g


def exported(env: Any, out: Path) -> nx.MultiDiGraph:
    run = CliRunner().invoke(app, ["export", str(out), "--format", "graphml",
                                   "--operator", "analyst-1", "--recipient", "case file",
                                   "--purpose", "view test"], env={**os.environ, **env.vars})
    assert run.exit_code == 0, run.output
    (path,) = out.glob("*.graphml")
    return nx.read_graphml(path)


def test_view_export_and_api_equal_the_link_state_through_purges_and_restarts(
        lw_env, report_factory, person_factory, tmp_path: Path) -> None:
    env = lw_env(LINKWATCH_SNAPSHOT_EVERY="3")
    s = env.settings

    def msg(rid: str, phone: str, name: str | None = None) -> bytes:
        return accepted(report_factory, person_factory, rid, phone, s, name=name)

    # two reports share a phone (one network), a marker forgets A before the worker starts
    offsets = asyncio.run(send(s, [
        msg("A", "07700 900001"), msg("B", "07700 900002", "Shared Phoneperson"),
        msg("C", "07700 900002", "Shared Phoneperson"),
        purge.marker("P1", NOW, ["A"], requested_at=NOW), msg("D", "07700 900004")]))
    env.start_worker()
    view = view_at(s, offsets[-1] + 1)
    want = reference(s)
    assert "report:A" not in want and "report:B" in want
    assert plain(view.graph()) == plain(want)
    assert {r.report_id for r in view.report_rows()} == {"B", "C", "D"}
    report = CliRunner().invoke(app, ["report", "outcomes", "--from", "2026-11-01", "--to",
                                      "2026-11-30", "--format", "json"],
                                env={**os.environ, **env.vars})
    assert report.exit_code == 0, report.output
    body = json.loads(report.stdout[report.stdout.index("{"):])
    assert body["current"]["reports"] == 3, body["current"]  # rows from the view, A purged
    assert any(src.startswith("link view at") for src in body["sources"]), body["sources"]

    # a restart from the snapshot: the view is brought on by increments
    deadline = time.monotonic() + 60
    while not snapshot.path(s).is_file():  # written by a forked child, in the background
        assert time.monotonic() < deadline, "no snapshot written"
        time.sleep(0.2)
    env.stop()
    offsets = asyncio.run(send(s, [msg("F", "07700 900006"), msg("G", "07700 900002")]))
    env.start_worker()
    view = view_at(s, offsets[-1] + 1)
    want = reference(s)
    assert plain(view.graph()) == plain(want)
    assert "updated (view at offset" in env.log.read_text()

    # a view behind the snapshot (its writes were lost): the snapshot is not used, every
    # report is replayed, and the view is replaced with every report's row again
    deadline = time.monotonic() + 60
    while not snapshot.path(s).is_file():
        assert time.monotonic() < deadline, "no snapshot written"
        time.sleep(0.2)
    env.stop()
    store = Store.open(s)
    with store.transaction():
        store.set_meta({"offset": "0"})
        store.delete("reports", "id", ["C"])
    store.close()
    env.start_worker()
    view = view_at(s, offsets[-1] + 1)
    assert plain(view.graph()) == plain(reference(s))
    assert "not used: the link view has reached only 0" in env.log.read_text()
    assert "C" in {r.report_id for r in view.report_rows()}

    # what the tools read: an export, and the API's neighbourhood of the shared phone
    got = exported(env, tmp_path / "export1")
    assert set(got.nodes) == set(want.nodes)
    assert set(got.edges()) == set(want.edges())
    proc, url = start_api(env)
    with httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}, timeout=10) as c:
        hood = c.get("/api/entities/neighbourhood",
                     params={"node": "phone:+447700900002", "hops": 2}).json()
        served = {n["data"]["id"] for n in hood["elements"]["nodes"]}
        assert served == set(nx.ego_graph(want.to_undirected(as_view=True),
                                          "phone:+447700900002", radius=2)), hood
        hits = c.get("/api/search", params={"q": "Shared Phoneperson"}).json()["hits"]
        assert hits and all(h["node_id"] in want for h in hits), hits

        # a live purge: the view is replaced without the purged report; the API follows
        offsets = asyncio.run(send(s, [purge.marker("P2", NOW, ["B"], requested_at=NOW),
                                       msg("E", "07700 900005")]))
        view = view_at(s, offsets[-1] + 1)
        want = reference(s)
        assert "report:B" not in want and plain(view.graph()) == plain(want)
        assert c.get("/api/entities/neighbourhood",
                     params={"node": "report:B"}).status_code == 404
        assert c.get("/api/entities/neighbourhood",
                     params={"node": "report:E"}).status_code == 200
    stop_process(proc)

    # a start with no snapshot (another worker took the partition): the view is replaced
    env.stop()
    snapshot.forget(s)
    offsets = asyncio.run(send(s, [msg("H", "07700 900008")]))
    env.start_worker()
    view = view_at(s, offsets[-1] + 1)
    assert plain(view.graph()) == plain(reference(s))
    assert "link view replaced" in env.log.read_text()
    got = exported(env, tmp_path / "export2")
    assert set(got.nodes) == set(view.graph().nodes)
    assert json.loads(json.dumps(sorted(got.nodes)))  # plain ids, nothing lost in between
