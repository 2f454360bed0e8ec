"""The link stage's side of the view: after each batch, what the batch changed.

``collect`` runs on the link stage's event loop right after a batch is applied (the state
cannot move under it) and turns the changed nodes, edges and resolved names into rows;
``write`` puts them in the database in one transaction with the accepted offset reached,
off the loop (``Writes``).  A batch's write is never skipped: if one fails (the database
is down), the next batch replaces the whole view instead, so the view never stays wrong.

While the database is down (a write failed), ``Writes`` tries again after a backoff that
doubles up to ``BACKOFF_MAX_S``, and first only reconnects (``ViewWriter.reopen``): the
whole state is collected again only once the database answers.  Meanwhile each batch's
report rows are kept (``carried``; past ``CARRY_MAX`` rows, appended to a file in the data
directory, 0600) and its change sets are dropped, since the write that follows replaces
the view: the link stage's memory does not grow with the outage, and no report row is lost.

Which start the view needs after the link stage (re)builds its state (``start``):

* **incremental** when the state came from a snapshot at offset ``S``, the view was
  written by this code and settings (``fingerprint``) and the view has reached ``S``:
  everything that changed after ``S`` is in the state's change sets, and the view already
  has what changed before;
* **replace** otherwise: no snapshot (a first start, a new owner after a rebalance, a
  snapshot made stale by a purge), other code, or a view behind the snapshot.  A retention
  purge also replaces the view (``replace``), so purged reports leave every reader.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from linkwatch.config import Settings
from linkwatch.graph.store import whole
from linkwatch.pipeline import persons
from linkwatch.rules.resolve._resolver import block_keys

from .codec import encode
from .store import EdgeRow, NameRow, NodeRow, ReportRowText, Store, where

log = logging.getLogger(__name__)

FORMAT = 1  # the tables' shape and the codec; part of the fingerprint
CARRY_MAX = 50_000  # report rows carried in memory while the view is down; then on disk
BACKOFF_MAX_S = 60.0  # the longest wait between two tries while the view is down


@dataclass
class Rows:
    """One batch's changes (or, with ``full``, the whole state), ready to write."""

    offset: int
    reports: int
    full: bool = False
    nodes: list[NodeRow] = field(default_factory=list)
    gone_nodes: list[str] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)
    gone_edges: list[tuple[str, str, str]] = field(default_factory=list)
    names: list[NameRow] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # record ids whose rows are replaced
    reports_rows: list[ReportRowText] = field(default_factory=list)
    spilled: Path | None = None  # report rows carried on disk, written before reports_rows


def view_fingerprint(settings: Settings) -> str:
    from linkwatch import snapshot

    return f"{FORMAT}:{snapshot.fingerprint(settings)}"


def node_row(g: Any, node: str) -> NodeRow:
    data = g._node[node]  # noqa: SLF001 - plain dict reads
    nbrs = len(g._succ[node]) + len(g._pred[node])  # noqa: SLF001
    return (node, str(data.get("kind") or node.split(":", 1)[0]), nbrs,
            len(data.get("report_ids") or ()), encode(whole(g, data)))


def edge_row(g: Any, key: tuple[str, str, str]) -> EdgeRow:
    u, v, k = key
    return u, v, k, encode(g._adj[u][v][k])  # noqa: SLF001


def report_row_text(report: Any, enrichment: Any) -> ReportRowText:
    """The report's ``ReportRow`` (the plan's measures, ``linkwatch.reporting``) as a row."""
    from linkwatch.reporting.rows import report_row

    row = report_row(report, enrichment)
    fields = {f: getattr(row, f) for f in _ROW_FIELDS}
    # a tuple of PersonRow dicts: tagged one by one ("g"); dataclasses.asdict deep-copied
    # every value, a fifth of the view's cost
    fields["persons"] = [{f: getattr(p, f) for f in _PERSON_FIELDS} for p in row.persons]
    return row.report_id, row.at.isoformat(), encode(fields)


def make_report_rows(pipeline: Any) -> None:
    """The rows of the reports in ``pipeline.fresh`` made now, into ``fresh_rows``, which
    ``ViewWriter.collect`` takes first.  A replay applies thousands of reports before the
    view takes any: a row is a tenth of the report it is made from (620 B against 5.7 KB
    for a soak report), and a process keeps the memory it once held
    (``linkwatch.rebuild.replay``)."""
    pipeline.fresh_rows += [report_row_text(r, e) for r, e in pipeline.fresh]
    pipeline.fresh = []


_ROW_FIELDS = ("report_id", "kind", "at", "category", "markers", "harm", "harm_key",
               "homicide", "knife", "serious_violence")
_PERSON_FIELDS = ("ref", "role", "key", "home_force", "flags")


def name_rows(node: str, record: Any, seq: int) -> list[NameRow]:
    body = orjson.dumps(record.as_list()).decode()
    return [(key, record.rid, node, seq, body) for key in block_keys(record)]


def person_node(g: Any, persons_of: Mapping[str, Any], record: Any,
                entity_id: str) -> str | None:
    """The person node one resolved record went into: ``person:<entity id when it was
    resolved>`` (an entity merged later keeps its older nodes)."""
    nodes = g._node  # noqa: SLF001
    for entity, (ref, _t) in persons(persons_of.get(record.report_id)).items():
        if ref == record.person_ref and f"person:{entity}" in nodes:
            return f"person:{entity}"
    node = f"person:{entity_id}"
    return node if node in nodes else None


class ViewWriter:
    """Owned by the link stage; nothing else writes the view."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.fingerprint = view_fingerprint(settings)
        self.store = Store.open(settings, create=True)
        self.full_needed = True   # until ``start`` has seen the view
        self.carried: list[ReportRowText] = []  # report rows of a write that failed
        # more of them, past ``CARRY_MAX``: older than ``carried``.  One left by another
        # process is deleted: its reports are after the view's offset, so the link stage
        # replays them and makes their rows again
        self.spill = Path(settings.data_dir) / "view" / f"{settings.app_id}.carried.jsonl"
        self.spill.unlink(missing_ok=True)

    def reached(self) -> int:
        """The accepted offset the view has reached, if this code and these settings wrote
        it; else -1.  A snapshot ahead of it is not used: the link stage replays every
        report, so the view gets every report's row again."""
        meta = self.store.meta()
        if meta.get("fingerprint") != self.fingerprint:
            return -1
        return int(meta.get("offset", -1))

    # -- on the loop -------------------------------------------------------------------
    def start(self, pipeline: Any, offset: int, snapshot_offset: int | None) -> Rows:
        """The rows that bring the view to the rebuilt state (see the module's rules)."""
        self.prepare(offset, snapshot_offset)
        return self.collect(pipeline, offset)

    def prepare(self, offset: int, snapshot_offset: int | None) -> None:
        """Decide whether the first write after a (re)build replaces the view or adds to
        it (the module's rules); the state's change sets hold the rest."""
        meta = self.store.meta()
        at = int(meta.get("offset", -1))
        self.full_needed = not (snapshot_offset is not None
                                and meta.get("fingerprint") == self.fingerprint
                                and at >= snapshot_offset)
        log.info("link view at %s: %s (view at offset %d, state at %d, snapshot %s)",
                 where(self.store.url), "replaced" if self.full_needed else "updated",
                 at, offset, snapshot_offset)

    def collect(self, pipeline: Any, offset: int) -> Rows:
        """What changed since the last call, as rows; the whole state if a replace is due.
        If it fails, no report row is lost: they are carried to the next call, which
        replaces the view (the change sets it took are gone)."""
        make_report_rows(pipeline)  # fails before it takes ``fresh``, or not at all
        reports = self.carried + pipeline.fresh_rows
        self.carried, pipeline.fresh_rows = [], []
        try:
            rows = self._rows(pipeline, offset, reports)
        except Exception:
            self.broken()
            self.carried = reports + self.carried
            raise
        if self.spill.exists():  # the write reads it (off the loop) and deletes it
            rows.spilled = self.spill.with_suffix(".writing")
            os.replace(self.spill, rows.spilled)
        return rows

    def hold(self, pipeline: Any) -> None:
        """The view is down: keep the report rows of what was applied (``carried``, on disk
        past ``CARRY_MAX``) and drop the change sets, since the next write replaces the
        view.  Cheap: ``Writes.offer`` calls it after each batch while the view is down."""
        make_report_rows(pipeline)
        self.carried += pipeline.fresh_rows
        pipeline.fresh_rows = []
        pipeline.graph.take_changes()
        pipeline.named = []
        self.full_needed = True
        if len(self.carried) > CARRY_MAX:
            self._append(self.carried)
            self.carried = []

    def _append(self, rows: Iterable[ReportRowText]) -> None:
        self.spill.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.spill, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "wb") as fh:  # personal data: the owner's only
            fh.writelines(orjson.dumps(row) + b"\n" for row in rows)

    def purged(self, held: Container[str]) -> None:
        """A purge rebuilt the state: the next write replaces the view, and the report rows
        carried for it keep only the reports ``held`` (the purged ones' leave the disk)."""
        self.broken()
        self.carried = [row for row in self.carried if row[0] in held]
        if self.spill.exists():  # filtered line by line: it may be larger than memory
            old = self.spill.with_suffix(".purging")
            os.replace(self.spill, old)
            self._append(row for row in _read_spill(old) if row[0] in held)
            old.unlink()
            if not self.spill.stat().st_size:
                self.spill.unlink()

    def kept(self) -> str:
        """What is kept for the view while it is down (for the log)."""
        size = self.spill.stat().st_size if self.spill.exists() else 0
        return f"{len(self.carried):,} report rows in memory, {size / 2**20:,.1f} MB on disk"

    def reopen(self) -> None:
        """Connect to the view's database again (off the loop): after a failed write the
        connection may be dead (a PostgreSQL restart).  Raises while it is still down."""
        self.store.close()
        self.store = Store.open(self.settings, create=True)
        self.store.meta()

    def _rows(self, pipeline: Any, offset: int, reports: list[ReportRowText]) -> Rows:
        nodes, edges = pipeline.graph.take_changes()
        named, pipeline.named = pipeline.named, []
        if self.full_needed:
            self.full_needed = False
            rows = self.everything(pipeline, offset)
            rows.reports_rows = reports
            return rows
        g = pipeline.graph.g
        rows = Rows(offset, pipeline.reports, reports_rows=reports)
        for n in nodes:
            if n in g:
                rows.nodes.append(node_row(g, n))
            else:
                rows.gone_nodes.append(n)
        adj = g._adj  # noqa: SLF001
        for key in edges:
            u, v, k = key
            if k in adj.get(u, {}).get(v, ()):
                rows.edges.append(edge_row(g, key))
            else:
                rows.gone_edges.append(key)
        if named:
            stored = pipeline.resolver.index.fetch([r.rid for _, r in named])
            for node, record in named:
                held = stored.get(record.rid)
                rows.renamed.append(record.rid)
                if held is not None and node in g:
                    rows.names += name_rows(node, record, held.seq)
        return rows

    def everything(self, pipeline: Any, offset: int) -> Rows:
        g = pipeline.graph.g
        rows = Rows(offset, pipeline.reports, full=True)
        rows.nodes = [node_row(g, n) for n in g._node]  # noqa: SLF001
        rows.edges = [(u, v, k, encode(d)) for u, v, k, d in g.edges(keys=True, data=True)]
        for stored in pipeline.resolver.index.scan():
            node = person_node(g, pipeline.persons_of, stored.record, stored.entity_id)
            if node is not None:
                rows.names += name_rows(node, stored.record, stored.seq)
        return rows

    def broken(self, rows: Rows | None = None) -> None:
        """A write failed (``rows``), or a purge rebuilt the state: the next ``collect``
        replaces the whole view (the failed write's report rows go with it)."""
        self.full_needed = True
        if rows is not None:
            self.carried = rows.reports_rows + self.carried
            if rows.spilled is not None and rows.spilled.exists():  # older than any since
                if self.spill.exists():  # (none is made while a write runs; kept all the same)
                    with rows.spilled.open("ab") as older, self.spill.open("rb") as newer:
                        shutil.copyfileobj(newer, older)  # in chunks: it may be large
                os.replace(rows.spilled, self.spill)
            rows.spilled = None

    # -- off the loop ------------------------------------------------------------------
    def write(self, rows: Rows) -> None:
        store = self.store
        t0 = time.perf_counter()
        with store.transaction():
            if rows.full:
                store.clear()
                store.load("nodes", rows.nodes)
                store.load("edges", rows.edges)
                store.load("names", _unique(rows.names))
                self._reports(rows)
                store.drop_orphan_reports()
            else:
                store.upsert("nodes", rows.nodes)
                store.delete("nodes", "id", rows.gone_nodes)
                store.upsert("edges", rows.edges)
                store.delete_edges(rows.gone_edges)
                store.delete("names", "rid", rows.renamed)
                store.upsert("names", _unique(rows.names))
                self._reports(rows)
            store.set_meta({"offset": str(rows.offset), "reports": str(rows.reports),
                            "fingerprint": self.fingerprint,
                            "written_at": datetime.now(UTC).isoformat()})
        if rows.spilled is not None:
            rows.spilled.unlink(missing_ok=True)
            rows.spilled = None
        if rows.full:
            log.info("link view replaced: %d nodes, %d edges, %d name keys at offset %d "
                     "in %.1fs", len(rows.nodes), len(rows.edges), len(rows.names),
                     rows.offset, time.perf_counter() - t0)

    def _reports(self, rows: Rows) -> None:
        if rows.spilled is not None:  # the older rows first: a later version overwrites
            batch: list[ReportRowText] = []
            for row in _read_spill(rows.spilled):
                batch.append(row)
                if len(batch) == 10_000:
                    self.store.upsert("reports", batch)
                    batch = []
            self.store.upsert("reports", batch)
        self.store.upsert("reports", rows.reports_rows)

    def close(self) -> None:
        self.store.close()


def _read_spill(path: Path) -> Iterator[ReportRowText]:
    with path.open("rb") as fh:
        for line in fh:
            report_id, at, data = orjson.loads(line)
            yield report_id, at, data


def _unique(rows: Iterable[NameRow]) -> list[NameRow]:
    """One row per (key, record id): the last written wins, as an upsert would."""
    return list({(r[0], r[1]): r for r in rows}.values())


class Writes:
    """The writer's rows go to the database on a thread, one write at a time and at most
    one started per ``interval`` seconds (``LINKWATCH_VIEW_INTERVAL_S``), while the link
    stage goes on applying.  A batch applied meanwhile is not collected at once: its
    changes wait in the state's change sets (``LinkGraph.changed``,
    ``Pipeline.named``/``fresh``) and are collected with every other batch applied
    before the next write starts.  So one write (one commit) covers many batches, and a
    hub that each of them touched is encoded and written once; the commit and the
    upserts of a small batch cost more than applying it.  The view is behind the link
    stage by at most the interval plus one write, always at the end of a whole batch.

    Collecting happens only on the event loop while the link stage is between two
    batches (``offer`` right after a batch is applied, a write's end or the interval's
    timer while the link stage awaits), so the state never moves under it.  The link
    stage awaits ``flush`` before a snapshot (the view must have reached it) and before a
    purge rebuilds the state.

    While the view is down (``failures``: tries in a row that failed), a try only
    reconnects, after ``delay``; the batches applied meanwhile are ``ViewWriter.hold``."""

    def __init__(self, writer: ViewWriter, interval: float | None = None) -> None:
        self.writer = writer
        self.interval = writer.settings.view_interval_s if interval is None else interval
        self.failures = 0
        self._loop = asyncio.get_running_loop()
        self._running: asyncio.Future[None] | None = None
        self._due: tuple[Any, int] | None = None  # (pipeline, offset) applied, uncollected
        self._started = -float("inf")  # loop time of the last write's start
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, pipeline: Any, offset: int) -> None:
        """``pipeline`` has applied everything up to ``offset``: write it now, or with the
        next write."""
        self._due = (pipeline, offset)
        if self.failures:  # the view is down: what the next write needs, nothing more
            self.writer.hold(pipeline)
        self._kick()

    def _busy(self) -> bool:
        return self._running is not None and not self._running.done()

    def _kick(self) -> None:
        if self._due is None or self._busy():
            return  # a running write kicks again when it ends
        wait = self._started + self.delay() - self._loop.time()
        if wait > 0:
            if self._timer is None:
                self._timer = self._loop.call_later(wait, self._on_timer)
            return
        self._start()

    def _on_timer(self) -> None:
        self._timer = None
        self._kick()

    def delay(self) -> float:
        """Seconds from one write's start to the next: ``interval``, doubled for each
        try in a row that failed, up to ``BACKOFF_MAX_S``."""
        if not self.failures:
            return self.interval
        return min(max(self.interval, 0.5) * 2 ** min(self.failures, 16), BACKOFF_MAX_S)

    def _start(self) -> None:
        assert self._due is not None  # noqa: S101 - only called with a batch due
        if self.failures:  # the view is down: reconnect first, collect once it answers
            self._started = self._loop.time()
            self._running = asyncio.ensure_future(self._reopen())
            self._running.add_done_callback(lambda _: self._kick())
            return
        pipeline, offset = self._due
        self._due = None
        self._started = self._loop.time()
        try:
            rows = self.writer.collect(pipeline, offset)
        except Exception:  # on a timer or a write's end: must not be lost in the loop
            log.exception("link view collect failed; the next write replaces the view")
            self.writer.broken()
            return
        self._running = asyncio.ensure_future(self._write(rows))
        self._running.add_done_callback(lambda _: self._kick())  # what came meanwhile

    async def _write(self, rows: Rows) -> None:
        try:
            await asyncio.to_thread(self.writer.write, rows)
        except Exception as exc:  # noqa: BLE001 - the view is rebuilt whole next write
            self.failures += 1
            log.warning("link view write failed (%s: %s); the next write replaces the view "
                        "(next try in %.0fs)", type(exc).__name__, exc, self.delay())
            self.writer.broken(rows)
        else:
            self.failures = 0

    async def _reopen(self) -> None:
        try:
            await asyncio.to_thread(self.writer.reopen)
        except Exception as exc:  # noqa: BLE001 - still down: try again later
            self.failures += 1
            log.warning("link view still down (%s: %s); kept for it: %s; next try in %.0fs",
                        type(exc).__name__, exc, self.writer.kept(), self.delay())
        else:
            log.info("link view reachable again: replacing it")
            self.failures = 0

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def stop(self) -> None:
        """The link stage stops: nothing more is collected (a write running on its thread
        ends on its own; the next owner's first write replaces or adds to the view)."""
        self._cancel_timer()
        self._due = None

    async def flush(self) -> None:
        """Return when every batch offered is in the database, or the view is down (one
        write or reconnection failed)."""
        self._cancel_timer()
        tried = False
        while True:
            running = self._running
            if running is not None and not running.done():
                await running
            elif self._due is None or (tried and self.failures):
                return
            else:
                tried = True
                self._start()
