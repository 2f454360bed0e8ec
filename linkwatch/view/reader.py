"""The readers' side of the view: parts of the link graph, read from the database.

Every reader (``linkwatch export``, ``share``, ``search``, the API) asks for the part it
needs and gets a ``networkx.MultiDiGraph`` of just that part, with the attributes the link
stage holds, so the functions that select, export and draw graphs work on it unchanged.
The cost of a question is the size of its answer, not of the history: a 2-hop
neighbourhood reads its nodes and their edges; the whole graph (an export of everything)
reads each node and edge once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import networkx as nx
import orjson

from linkwatch.config import Settings
from linkwatch.reporting.rows import PersonRow, ReportRow
from linkwatch.rules.resolve import Record

from .codec import decode
from .rows import ViewRows
from .store import Store, ViewUnavailable, gc_paused, where

BIG = 2_000  # a node with more neighbours than this: its edges are read from the other end

__all__ = ["GraphView", "ViewRows", "ViewState", "ViewUnavailable"]


@dataclass(frozen=True)
class ViewState:
    """Where the view stands: the accepted offset it has reached, and when."""

    offset: int
    reports: int
    written_at: datetime | None
    where: str

    def describe(self) -> str:
        when = self.written_at.isoformat(timespec="seconds") if self.written_at else "never"
        return (f"link view at {self.where}: {self.reports} reports, accepted offset "
                f"{self.offset}, written {when}")


class GraphView:
    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, settings: Settings) -> GraphView:
        """Raises ``ViewUnavailable`` (with what to do) when there is no view to read."""
        return cls(Store.open(settings))

    def close(self) -> None:
        self.store.close()

    def state(self) -> ViewState:
        meta = self.store.meta()
        at = meta.get("written_at")
        return ViewState(int(meta.get("offset", -1)), int(meta.get("reports", 0)),
                         datetime.fromisoformat(at) if at else None, where(self.store.url))

    # -- nodes -------------------------------------------------------------------------
    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The attributes of each of ``ids`` that is in the graph."""
        return {r[0]: decode(r[1]) for r in self.store.select_in(
            "SELECT id, data FROM nodes WHERE id IN ({})", ids)}

    def node(self, node_id: str) -> dict[str, Any] | None:
        return self.nodes([node_id]).get(node_id)

    def existing(self, ids: Iterable[str]) -> set[str]:
        return {r[0] for r in self.store.select_in("SELECT id FROM nodes WHERE id IN ({})", ids)}

    def degree(self, node_id: str) -> int:
        """Edges at ``node_id``, both ways (``MultiDiGraph.degree``)."""
        rows = self.store.rows("SELECT (SELECT COUNT(*) FROM edges WHERE src = ?) +"
                               " (SELECT COUNT(*) FROM edges WHERE dst = ?)", (node_id, node_id))
        return int(rows[0][0])

    # -- parts of the graph ------------------------------------------------------------
    def subgraph(self, ids: Iterable[str], cap: int | None = None) -> nx.MultiDiGraph:
        """The nodes ``ids`` (those that exist) and every edge between two of them; with
        ``cap``, long sets of attributes come ``Capped`` (``codec.decode``)."""
        rows = self.store.select_in("SELECT id, nbrs, data FROM nodes WHERE id IN ({})", ids)
        g = _graph((r[0], decode(r[2], cap)) for r in rows)
        small = [r[0] for r in rows if r[1] <= BIG]
        big = [r[0] for r in rows if r[1] > BIG]
        found: dict[tuple[str, str, str], str] = {}
        for sql in ("SELECT src, dst, type, data FROM edges WHERE src IN ({})",
                    "SELECT src, dst, type, data FROM edges WHERE dst IN ({})"):
            for u, v, k, d in self.store.select_in(sql, small):
                if u in g and v in g:
                    found[(u, v, k)] = d
        for i in range(0, len(big), 250):  # edges between two big nodes
            part = big[i:i + 250]
            marks = ",".join("?" * len(part))
            for u, v, k, d in self.store.rows(
                    f"SELECT src, dst, type, data FROM edges WHERE src IN ({marks})"  # noqa: S608
                    f" AND dst IN ({','.join('?' * len(big))})", [*part, *big]):
                found[(u, v, k)] = d
        _add_edges(g, ((u, v, k, decode(d, cap)) for (u, v, k), d in sorted(found.items())))
        return g

    def reports_with_persons(self, report_ids: Iterable[str]) -> nx.MultiDiGraph:
        """The ``report:<id>`` nodes and the persons each involves (alert evidence)."""
        nodes = [f"report:{rid}" for rid in report_ids]
        persons = {r[0] for r in self.store.select_in(
            "SELECT dst FROM edges WHERE src IN ({})", nodes) if r[0].startswith("person:")}
        return self.subgraph([*nodes, *sorted(persons)])

    def neighbour_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        out = {r[0] for r in self.store.select_in("SELECT dst FROM edges WHERE src IN ({})", ids)}
        out |= {r[0] for r in self.store.select_in("SELECT src FROM edges WHERE dst IN ({})", ids)}
        return out

    def within(self, seeds: Iterable[str], hops: int, max_degree: int | None = 250) -> set[str]:
        """Node ids within ``hops`` of ``seeds``, ignoring direction.  A node with more than
        ``max_degree`` neighbours is included but not expanded through (a hub), as
        ``LinkGraph.neighbourhood`` does; ``None``: every node is expanded."""
        frontier = self.existing(seeds)
        seen = set(frontier)
        for _ in range(max(hops, 0)):
            if not frontier:
                break
            if max_degree is not None:
                frontier = {r[0] for r in self.store.select_in(
                    "SELECT id, nbrs FROM nodes WHERE id IN ({})", frontier)
                    if r[1] <= max_degree}
            nxt = self.neighbour_ids(frontier)
            frontier = nxt - seen
            seen |= frontier
        return seen

    def neighbourhood(self, seeds: Iterable[str], hops: int = 2,
                      max_degree: int | None = 250) -> nx.MultiDiGraph:
        return self.subgraph(self.within(seeds, hops, max_degree))

    def select(self, *, alert: Any = None, cluster_id: str | None = None,
               entity: str | Iterable[str] | None = None, hops: int = 1,
               since: datetime | None = None, until: datetime | None = None
               ) -> nx.MultiDiGraph:
        """``graph.export.select`` over the view, reading only what the filters can keep:
        an alert's nodes, an entity's ``hops`` around it; the whole graph only when no
        alert or entity narrows it (everything, or a cluster)."""
        from linkwatch.graph.export import select
        from linkwatch.graph.export._select import alert_node_ids

        if alert is None and cluster_id is None and entity is None \
                and since is None and until is None:
            return self.graph()  # everything: select would only copy it
        region: set[str] | None = None
        if cluster_id is None and (alert is not None or entity is not None):
            region = set()
            if alert is not None:
                region |= alert_node_ids(alert)
            if entity is not None:
                seeds = [entity] if isinstance(entity, str) else list(entity)
                region |= self.within(seeds, hops, None)
        g = self.graph() if region is None else self.subgraph(region)
        return select(g, alert=alert, cluster_id=cluster_id, entity=entity, hops=hops,
                      since=since, until=until)

    def graph(self) -> nx.MultiDiGraph:
        """The whole link graph."""
        with self.store.snapshot():
            return self.read_graph()

    def read_graph(self) -> nx.MultiDiGraph:
        """The whole link graph, read in the caller's snapshot (``graph``, ``ViewRows``).
        The collector is paused meanwhile: the graph's million new objects would set off
        full collections that walk all of them, more than half the read's time."""
        with gc_paused():
            g = _graph((r[0], decode(r[4])) for r in self.store.scan("nodes"))
            _add_edges(g, ((r[0], r[1], r[2], decode(r[3])) for r in self.store.scan("edges")))
        return g

    def rows(self) -> ViewRows:
        """The whole graph as the text exports' rows, without building it:
        ``with view.rows() as rows: export_graph(rows, "csv", out)``."""
        return ViewRows(self)

    # -- names (search) ----------------------------------------------------------------
    def name_candidates(self, keys: Iterable[str], cap: int) -> list[tuple[str, Record]]:
        """(person node, resolver record) filed under each of ``keys``, the newest ``cap``
        of each key, once each."""
        out: dict[str, tuple[str, Record]] = {}
        for key in dict.fromkeys(keys):
            for rid, node, record in self.store.rows(
                    "SELECT rid, node, record FROM names WHERE key = ? ORDER BY seq DESC"
                    " LIMIT ?", (key, cap)):
                if rid not in out:
                    out[rid] = (node, Record.from_list(orjson.loads(record)))
        return list(out.values())

    # -- report rows (the plan's measures) ---------------------------------------------
    def report_rows(self) -> list[ReportRow]:
        """One ``ReportRow`` per report the link state holds (latest version)."""
        out = []
        for _rid, _at, data in self.store.scan("reports"):
            d = decode(data)
            d["persons"] = tuple(PersonRow(**p) for p in d.get("persons", ()))
            out.append(ReportRow(**d))
        return out


def _graph(nodes: Iterable[tuple[str, dict[str, Any]]]) -> nx.MultiDiGraph:
    """A MultiDiGraph of ``nodes`` (id, attributes), its adjacency dicts filled directly:
    ``add_nodes_from`` checks and copies each, a third of an export's time."""
    g = nx.MultiDiGraph()
    node, succ, pred = g._node, g._succ, g._pred  # noqa: SLF001 - networkx's own layout
    for n, data in nodes:
        node[n] = data
        succ[n] = {}
        pred[n] = {}
    return g


def _add_edges(g: nx.MultiDiGraph,
               edges: Iterable[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Edges (u, v, key, attributes) between nodes ``g`` holds, as ``add_edges_from``
    would store them: ``succ[u][v]`` and ``pred[v][u]`` are one key dict."""
    succ, pred = g._succ, g._pred  # noqa: SLF001
    for u, v, k, data in edges:
        if u not in succ or v not in succ:
            continue  # an end not read (never in one snapshot; kept safe all the same)
        keys = succ[u].get(v)
        if keys is None:
            keys = succ[u][v] = pred[v][u] = {}
        keys[k] = data
