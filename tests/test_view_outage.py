"""The view's database goes down while the link stage runs, and comes back (issue 21).

A real PostgreSQL behind a TCP proxy this test cuts and restores: the link stage goes on
applying; while the database is down it only tries to reconnect, with a growing backoff,
and never collects the whole state; it keeps each report's row (in memory, then on disk,
0600) and drops the change sets; once the database answers, the view is replaced and
holds every report row, and nothing is left on disk.  A purge meanwhile takes the purged
reports' rows out of what is kept."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from test_view import PG, _pg_up, plain

from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline
from linkwatch.schemas import accepted
from linkwatch.view import GraphView, ViewWriter, Writes
from linkwatch.view import writer as writer_module
from linkwatch.view.store import schema_name

PG_ONLY = pytest.mark.skipif(not _pg_up() and not os.environ.get("CI"),
                             reason="no PostgreSQL reachable")  # as test_view.py


class Proxy:
    """Forwards 127.0.0.1:port to the database until ``down`` (every connection cut, new
    ones refused); ``up`` listens on the same port again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.socks: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            if self.listener is not None:
                with contextlib.suppress(OSError):
                    self.listener.shutdown(socket.SHUT_RDWR)
                self.listener.close()
                self.listener = None
            for s in self.socks:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self.socks = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)


def apply(pipeline: Pipeline, messages: list[bytes]) -> None:
    for m in messages:
        pipeline.apply(accepted.decode(m))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def messages() -> list[bytes]:
    from test_snapshot import _payloads

    return _payloads()


@PG_ONLY
async def test_the_view_survives_its_database_going_down_and_loses_no_report_row(
        tmp_path: Path, messages: list[bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "CARRY_MAX", 7)  # on disk after seven rows
    monkeypatch.setattr(writer_module, "BACKOFF_MAX_S", 1.0)
    pg = urlsplit(PG)
    proxy = Proxy((pg.hostname or "127.0.0.1", pg.port or 5432))
    proxy.up()
    via = urlunsplit(pg._replace(netloc=f"{pg.username or 'postgres'}@127.0.0.1:{proxy.port}"))
    app_id = f"outage-{uuid.uuid4().hex[:8]}"
    settings = Settings(app_id=app_id, data_dir=str(tmp_path), view_url=via)
    pipeline = Pipeline(settings)
    writer = ViewWriter(settings)
    wholes: list[int] = []
    everything = writer.everything
    writer.everything = lambda p, o: (wholes.append(o), everything(p, o))[1]  # type: ignore
    writes = Writes(writer, interval=0.0)
    view = None
    try:
        writer.prepare(0, None)
        apply(pipeline, messages[:10])
        writes.offer(pipeline, 10)
        await writes.flush()
        view = GraphView.open(Settings(app_id=app_id, view_url=PG))
        assert view.state().offset == 10 and wholes == [10]

        proxy.down()
        for i in range(10, 40, 5):  # batches while the database is down
            apply(pipeline, messages[i:i + 5])
            writes.offer(pipeline, i + 5)
            await asyncio.sleep(0.05)
        await writes.flush()  # returns: the view is down, the link stage goes on
        assert writes.failures >= 1 and writes.delay() == 1.0
        assert wholes == [10]  # never collected whole while down
        assert view.state().offset == 10
        # the link stage holds rows, not reports nor change sets, and the oldest on disk
        assert pipeline.fresh == [] and pipeline.named == [] and not pipeline.graph.changed
        assert writer.spill.exists()
        assert stat.S_IMODE(writer.spill.stat().st_mode) == 0o600
        kept_on_disk = writer.spill.read_bytes().count(b"\n")
        assert kept_on_disk + len(writer.carried) == 30 - 0  # every report since offset 10
        await asyncio.sleep(1.2)  # a try while still down: a reconnection, nothing whole
        assert wholes == [10]

        proxy.up()
        for _ in range(100):  # the next try reconnects, then replaces the view
            apply(pipeline, [])
            if view.state().offset == 40:
                break
            await asyncio.sleep(0.1)
        assert view.state().offset == 40 and writes.failures == 0
        assert wholes == [10, 40]
        assert plain(view.graph()) == plain(pipeline.graph.g)
        assert {r.report_id for r in view.report_rows()} == set(pipeline.applied)
        assert not writer.spill.exists() and not writer.spill.with_suffix(".writing").exists()
    finally:
        writes.stop()
        proxy.down()
        if view is not None:
            view.close()
        writer.close()
        import psycopg

        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema_name(app_id)}" CASCADE')


def test_a_purge_takes_the_purged_reports_out_of_what_is_kept_for_a_down_view(
        tmp_path: Path, messages: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "CARRY_MAX", 3)
    settings = Settings(app_id=f"outage-{uuid.uuid4().hex[:8]}", data_dir=str(tmp_path))
    pipeline = Pipeline(settings)
    writer = ViewWriter(settings)
    apply(pipeline, messages[:10])
    writer.hold(pipeline)  # as ``Writes.offer`` does while the view is down
    assert writer.spill.exists() and writer.carried == []
    held = sorted(pipeline.applied)[::2]
    writer.purged(set(held))
    on_disk = [line.split(b'"')[1].decode() for line in writer.spill.read_bytes().splitlines()]
    assert sorted(on_disk + [r[0] for r in writer.carried]) == held
    assert writer.full_needed
    writer.purged(set())
    assert not writer.spill.exists() and writer.carried == []
    writer.close()
