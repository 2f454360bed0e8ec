"""The view's tables, on SQLite (a file, one machine) or PostgreSQL (any machine).

``LINKWATCH_VIEW_URL`` names the database: ``postgresql://user@host:5432/db`` (what
``docker-compose.yml`` runs), or ``sqlite:///path/to/file``.  Unset, the view is a SQLite
file in the data directory, ``{data_dir}/view/{app_id}.sqlite3``: readers on the same
machine as the link stage need nothing else.  In PostgreSQL each app id has its own schema
(``lw_<app id>_<hash>``), so several deployments (and the tests) share one database.

Tables (the same in both)::

    meta  (k, v)                         offset, fingerprint, reports, written_at
    nodes (id, kind, nbrs, reports, data)   nbrs: distinct neighbours, in and out
    edges (src, dst, type, data)            one row per (src, dst, type): the MultiDiGraph key
    names (key, rid, node, seq, record)     resolver blocking key -> a person record (search)
    reports (id, at, data)                  one ``reporting.rows.ReportRow`` per report held

``data`` is ``linkwatch.view.codec`` JSON.  Only the link stage writes (``ViewWriter``);
every write is one transaction that also moves ``meta.offset``, so a reader sees the state
after some whole batch, never half of one.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from linkwatch.config import Settings

CHUNK = 500  # ids per IN (...) list

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " nbrs INTEGER NOT NULL, reports INTEGER NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS edges (src TEXT NOT NULL, dst TEXT NOT NULL,"
    " type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (src, dst, type))",
    "CREATE INDEX IF NOT EXISTS edges_dst ON edges (dst)",
    "CREATE TABLE IF NOT EXISTS names (key TEXT NOT NULL, rid TEXT NOT NULL,"
    " node TEXT NOT NULL, seq BIGINT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (key, rid))",
    "CREATE INDEX IF NOT EXISTS names_rid ON names (rid)",
    "CREATE INDEX IF NOT EXISTS names_key_seq ON names (key, seq)",
    "CREATE TABLE IF NOT EXISTS reports (id TEXT PRIMARY KEY, at TEXT NOT NULL,"
    " data TEXT NOT NULL)",
)
_UPSERT = {
    "nodes": "INSERT INTO nodes (id, kind, nbrs, reports, data) VALUES (?, ?, ?, ?, ?)"
             " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, nbrs = excluded.nbrs,"
             " reports = excluded.reports, data = excluded.data",
    "edges": "INSERT INTO edges (src, dst, type, data) VALUES (?, ?, ?, ?)"
             " ON CONFLICT (src, dst, type) DO UPDATE SET data = excluded.data",
    "names": "INSERT INTO names (key, rid, node, seq, record) VALUES (?, ?, ?, ?, ?)"
             " ON CONFLICT (key, rid) DO UPDATE SET node = excluded.node,"
             " seq = excluded.seq, record = excluded.record",
    "reports": "INSERT INTO reports (id, at, data) VALUES (?, ?, ?)"
               " ON CONFLICT (id) DO UPDATE SET at = excluded.at, data = excluded.data",
}
_COLUMNS = {"nodes": "id, kind, nbrs, reports, data", "edges": "src, dst, type, data",
            "names": "key, rid, node, seq, record", "reports": "id, at, data"}

NodeRow = tuple[str, str, int, int, str]    # id, kind, nbrs, reports, data
EdgeRow = tuple[str, str, str, str]         # src, dst, type, data
NameRow = tuple[str, str, str, int, str]    # key, rid, node, seq, record
ReportRowText = tuple[str, str, str]        # report id, reported at (ISO), data


def _name(identifier: str) -> str:
    """A table or column name of ours (never input) to put in a statement."""
    if identifier not in {"nodes", "edges", "names", "meta", "reports", "id", "rid", "key", "src",
                          "dst"}:
        raise ValueError(f"not a view table or column: {identifier!r}")
    return identifier


class ViewUnavailable(RuntimeError):
    """The view cannot be read (no such file yet, database down): says which and why."""


def url_of(settings: Settings) -> str:
    if settings.view_url:
        return settings.view_url
    return f"sqlite:///{Path(settings.data_dir).resolve() / 'view' / f'{settings.app_id}.sqlite3'}"


def schema_name(app_id: str) -> str:
    """The PostgreSQL schema of one app id: readable, and unique by its hash."""
    plain = re.sub(r"[^a-z0-9_]", "_", app_id.lower())[:40]
    return f"lw_{plain}_{hashlib.sha256(app_id.encode()).hexdigest()[:8]}"


def where(url: str) -> str:
    """The URL without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


class Store:
    """One app id's view tables and the few statements the writer and readers need."""

    def __init__(self, url: str, app_id: str, *, create: bool) -> None:
        self.url = url
        self.pg = url.startswith(("postgresql:", "postgres:"))
        try:
            self.conn: Any = self._connect_pg(url, app_id, create) if self.pg \
                else self._connect_sqlite(url, create)
        except ViewUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - any driver error: one clear message
            raise ViewUnavailable(f"link view at {where(url)} cannot be opened: "
                                  f"{type(exc).__name__}: {exc}") from exc
        if not create:
            try:  # the link stage may be creating it this moment
                self.conn.execute("SELECT k FROM meta WHERE k = 'offset'").fetchall()
            except Exception as exc:  # noqa: BLE001
                self.close()
                raise ViewUnavailable(
                    f"link view at {where(url)} is not ready yet (no tables: the link stage "
                    f"is creating it); {type(exc).__name__}") from exc

    @classmethod
    def open(cls, settings: Settings, *, create: bool = False) -> Store:
        return cls(url_of(settings), settings.app_id, create=create)

    # -- connections -------------------------------------------------------------------
    def _connect_sqlite(self, url: str, create: bool) -> sqlite3.Connection:
        path = Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        if create:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        elif not path.is_file():
            raise ViewUnavailable(
                f"no link view at {path}: the link stage writes it (start `linkwatch worker`, "
                "or set LINKWATCH_VIEW_URL to where it writes)")
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                               timeout=30.0)
        if create:
            path.chmod(0o600)  # personal data: the owner's only
            conn.execute("PRAGMA journal_mode=WAL")  # readers see the last commit, never wait
            conn.execute("PRAGMA synchronous=NORMAL")
            for stmt in _SCHEMA:
                conn.execute(stmt)
        return conn

    def _connect_pg(self, url: str, app_id: str, create: bool) -> Any:
        import psycopg

        # bounded: the link stage reconnects while the database is down (view/writer.py),
        # and a host that drops packets must not hold it for the system's TCP timeout
        timeout: dict[str, Any] = {} if "connect_timeout" in url else {"connect_timeout": 10}
        conn = psycopg.connect(url, autocommit=True, **timeout)
        schema = schema_name(app_id)
        if create:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        elif conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                          (schema,)).fetchone() is None:
            conn.close()
            raise ViewUnavailable(f"no link view for app id {app_id!r} at {where(url)}: "
                                  "the link stage writes it (start `linkwatch worker`)")
        conn.execute(f'SET search_path TO "{schema}"')
        if create:
            for stmt in _SCHEMA:
                conn.execute(stmt)
        return conn

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    # -- statements --------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(self._sql(sql), params).fetchall())

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.pg:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)
        else:
            self.conn.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if self.pg:
            with self.conn.transaction():
                yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- writes (the link stage's ``ViewWriter``, inside ``transaction``) ----------------
    def upsert(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        self._many(_UPSERT[table], rows)

    def delete(self, table: str, column: str, values: Iterable[Any]) -> None:
        values = list(values)
        for i in range(0, len(values), CHUNK):
            part = values[i:i + CHUNK]
            self.conn.execute(self._sql(
                f"DELETE FROM {_name(table)} WHERE {_name(column)} IN "  # noqa: S608 - ours
                f"({','.join('?' * len(part))})"), part)

    def delete_edges(self, keys: Iterable[tuple[str, str, str]]) -> None:
        self._many("DELETE FROM edges WHERE src = ? AND dst = ? AND type = ?", keys)

    def clear(self) -> None:
        """Empty the graph's tables (``reports`` is kept: ``drop_orphan_reports``)."""
        for table in ("nodes", "edges", "names", "meta"):
            self.conn.execute(f"DELETE FROM {table}")  # noqa: S608 - a fixed name

    def drop_orphan_reports(self) -> None:
        """Rows of reports the graph no longer holds (purged)."""
        self.conn.execute("DELETE FROM reports WHERE ('report:' || id) NOT IN"
                          " (SELECT id FROM nodes)")

    def load(self, table: str, rows: Iterable[Sequence[Any]]) -> None:
        """Bulk insert into an emptied table (``COPY`` on PostgreSQL)."""
        if not self.pg:
            self.conn.executemany(
                f"INSERT INTO {table} ({_COLUMNS[table]}) VALUES "  # noqa: S608 - ours
                f"({','.join('?' * len(_COLUMNS[table].split(',')))})", rows)
            return
        with self.conn.cursor() as cur, \
                cur.copy(f"COPY {table} ({_COLUMNS[table]}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def set_meta(self, values: dict[str, str]) -> None:
        self._many("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET"
                   " v = excluded.v", list(values.items()))

    # -- reads ------------------------------------------------------------------------
    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that see one committed state (a batch the writer commits in
        between is not half seen)."""
        if self.pg:
            with self.conn.transaction():
                self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def meta(self) -> dict[str, str]:
        return {k: v for k, v in self.rows("SELECT k, v FROM meta")}

    def select_in(self, sql: str, values: Iterable[Any]) -> list[tuple[Any, ...]]:
        """``sql`` with one ``IN ({})`` filled, over ``values`` in chunks."""
        values = list(dict.fromkeys(values))
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(values), CHUNK):
            part = values[i:i + CHUNK]
            out += self.rows(sql.format(",".join("?" * len(part))), part)
        return out

    def scan(self, table: str) -> Iterator[tuple[Any, ...]]:
        """Every row of ``table``, streamed (a server-side cursor on PostgreSQL)."""
        sql = f"SELECT {_COLUMNS[table]} FROM {table}"  # noqa: S608 - a known table
        if not self.pg:
            yield from self.conn.execute(sql)
            return
        with self.conn.transaction(), self.conn.cursor(name=f"scan_{table}") as cur:
            cur.itersize = 20_000
            cur.execute(sql)
            yield from cur


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a bulk read (back on after, if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
