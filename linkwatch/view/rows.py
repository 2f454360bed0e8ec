"""The whole link view as the exports' rows (``graph.export.Rows``), without the graph.

``linkwatch export`` of everything in csv, json, graphml, gexf, i2 or neo4j writes each node
and edge as text: its attributes decoded only as far as the file needs them.  A row's ``$types``
(``codec``) say which of its JSON values stand for a set, a tuple or a time; a time is
written as its ISO 8601 text, a set or tuple as its members sorted and joined by ``;``.
Those texts are made from the stored JSON directly (each distinct time once), not from
datetimes and sets, and no graph is built: what takes a whole-graph read most of its time.
A row whose attributes are not the plain kind (nested values, a set member holding a line
break, a core attribute of an unusual type, a coordinate to coarsen that is not a number)
is decoded whole and goes through the graph's own path (``_common.node_record``), so the
files are the same, byte for byte, as those written from ``GraphView.graph()`` (the tests
compare them).  ``node_records`` and ``edge_records`` give typed records (decoded whole),
of the kinds asked for, or the edges at the nodes asked for: only those rows are decoded
(stix shares a few kinds of node; neo4j reads a file's rows again when a column's type
turns out to be other than its first values said).

Rows come in the graph's order: nodes as stored, edges grouped by their source node in
that order, then by target in the order first met, as ``MultiDiGraph.edges`` gives them.
``node_attrs`` looks nodes up by id (stix: the reports that name an indicator);
``sources_into`` gives the sources of each node's in-edges of some types in the order
``MultiDiGraph.in_edges`` gives them (ftm: the persons using an account), from one more read
of the edges table.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Container, Iterable, Iterator
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol

import orjson

from linkwatch.graph import model as m
from linkwatch.graph.export._common import (
    _CORE,
    ARRAY_SEP,
    Flat,
    Pseudonymiser,
    Record,
    coarsen,
    coarsen_edge,
    edge_record,
    flat,
    node_record,
    of_types,
    text,
)

from .codec import decode
from .store import Store, gc_paused


class _View(Protocol):
    """What rows need of a ``reader.GraphView`` (named so, not imported: the reader
    imports this module)."""

    store: Store

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...


_TYPES = "$types"
_SCALAR = frozenset({str, int, float, bool})
_COARSENED = frozenset({"age", "lat", "lon"})  # what ``coarsen`` reads (numbers)
_TIME = {"d": datetime, "D": date}
_PLAIN_KINDS = frozenset({"d", "D", "s", "t"})  # what ``_extra`` writes from the JSON itself
# A plan for one ``$types``: how first_seen, last_seen and report_ids are stored ("" when
# untyped), or None when the row takes the graph's path.
_Plan = tuple[str, str, str] | None
_UNSEEN = object()


def _plan(types: dict[str, str], coarsened: bool) -> _Plan:
    core = {"first_seen": "", "last_seen": "", "report_ids": ""}
    for name, kind in types.items():
        if name in ("first_seen", "last_seen") and kind in _TIME:
            core[name] = kind
        elif name == "report_ids" and kind in ("s", "t"):
            core[name] = kind
        elif name in _CORE or (coarsened and name in _COARSENED) or kind not in _PLAIN_KINDS:
            return None  # the graph's path
    return core["first_seen"], core["last_seen"], core["report_ids"]


def _type(data: str) -> Any:
    """An edge's own ``type`` attribute, as decoded (``None`` when it has none)."""
    raw = orjson.loads(data)
    if _TYPES in raw and "type" in raw[_TYPES]:
        return decode(data).get("type")
    return raw.get("type")


class ViewRows:
    """The nodes and edges of the view, in one snapshot: ``with view.rows() as rows:``."""

    def __init__(self, view: _View) -> None:
        self.view = view
        self.store = view.store
        self.nodes_read = self.edges_read = 0
        self._ids: list[str] | None = None
        self._times: dict[str, dict[str, str]] = {"d": {}, "D": {}}
        self._plans: dict[bool, dict[tuple[Any, ...], _Plan]] = {False: {}, True: {}}
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> ViewRows:
        """One snapshot of the tables, the collector paused (``store.gc_paused``: the
        rows make no cycles, and a full collection would walk all that is held)."""
        self._stack = contextlib.ExitStack()
        with self._stack as stack:
            stack.enter_context(self.store.snapshot())
            stack.enter_context(gc_paused())
            self._stack = stack.pop_all()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.__exit__(kind, exc, tb)

    def count(self) -> tuple[int, int]:
        """Nodes and edges stored (edges whose ends are not both nodes are not written)."""
        (nodes, edges), = self.store.rows("SELECT (SELECT COUNT(*) FROM nodes),"
                                          " (SELECT COUNT(*) FROM edges)")
        return int(nodes), int(edges)

    # -- nodes -----------------------------------------------------------------------
    def nodes(self, pseudo: Pseudonymiser) -> Iterator[Flat]:
        ids: list[str] = []
        self.nodes_read = 0
        for node_id, _kind, _nbrs, _reports, data in self.store.scan("nodes"):
            ids.append(node_id)
            yield self._node(node_id, data, pseudo)
        self._ids = ids
        self.nodes_read = len(ids)

    def _node(self, node_id: str, data: str, pseudo: Pseudonymiser) -> Flat:
        raw = orjson.loads(data)
        core = self._core(raw, pseudo.active)
        if core is None:
            return flat(node_record(node_id, decode(data), pseudo))
        first, last, ids, types = core
        kind = raw.pop("kind", None) or m.kind_of(node_id)
        label = raw.pop("label", None)
        raw.pop("type", None)
        extra = self._extra(raw, types) if raw else {}
        if extra is None:
            return flat(node_record(node_id, decode(data), pseudo))
        if pseudo.active:
            extra = coarsen(kind, extra)
        out_id = pseudo.node_id(node_id) if pseudo.active else node_id
        label = out_id.split(":", 1)[-1] if out_id != node_id else str(label or node_id)
        return Flat(out_id, kind, label, first, last, ARRAY_SEP.join(ids), len(ids), extra,
                    types=types)

    def node_records(self, pseudo: Pseudonymiser, kinds: Container[str] | None = None
                     ) -> Iterator[Record]:
        """The nodes of ``kinds`` (the view's kind column; all when ``None``), typed: only
        those are decoded."""
        ids: list[str] = []
        self.nodes_read = 0
        for node_id, kind, _nbrs, _reports, data in self.store.scan("nodes"):
            ids.append(node_id)
            if kinds is None or kind in kinds:
                yield node_record(node_id, decode(data), pseudo)
        self._ids = ids
        self.nodes_read = len(ids)

    # -- edges -----------------------------------------------------------------------
    def edges(self, pseudo: Pseudonymiser) -> Iterator[Flat]:
        for u, v, k, data in self._edge_rows():
            yield self._edge(u, v, k, data, pseudo)

    def edge_records(self, pseudo: Pseudonymiser, touching: Container[str] | None = None
                     ) -> Iterator[Record]:
        """The edges at a node of ``touching`` (all when ``None``), typed: only those are
        decoded."""
        for u, v, k, data in self._edge_rows(touching):
            yield edge_record(u, v, k, decode(data), pseudo)

    def _order(self) -> list[str]:
        """The node ids in the graph's order (read once when ``nodes`` was not read first)."""
        if self._ids is None:
            self._ids = [r[0] for r in self.store.scan("nodes")]
        return self._ids

    def _edge_rows(self, touching: Container[str] | None = None
                   ) -> Iterator[tuple[str, str, str, str]]:
        """(source, target, key, data) of every edge (``edges_read`` counts them), or of
        those at a node of ``touching`` (only those held meanwhile), in the graph's order."""
        by_source: dict[str, dict[str, dict[str, str]] | None] = dict.fromkeys(self._order())
        self.edges_read = 0
        for u, v, k, data in self.store.scan("edges"):
            if u not in by_source or v not in by_source:
                continue  # an end not read (never in one snapshot; kept safe all the same)
            self.edges_read += 1
            if touching is not None and u not in touching and v not in touching:
                continue
            targets = by_source[u]
            if targets is None:
                targets = by_source[u] = {}
            keys = targets.get(v)
            if keys is None:
                targets[v] = {k: data}
            else:
                keys[k] = data
        for u, targets in by_source.items():
            if targets is None:
                continue
            for v, keys in targets.items():
                for k, data in keys.items():
                    yield u, v, k, data

    def _edge(self, u: str, v: str, key: str, data: str, pseudo: Pseudonymiser) -> Flat:
        raw = orjson.loads(data)
        core = self._core(raw, False)
        if core is None:
            return flat(edge_record(u, v, key, decode(data), pseudo))
        first, last, ids, types = core
        etype = str(raw.pop("type", None) or key)
        raw.pop("kind", None)
        raw.pop("label", None)
        extra = self._extra(raw, types) if raw else {}
        if extra is None:
            return flat(edge_record(u, v, key, decode(data), pseudo))
        if pseudo.active:
            extra = coarsen_edge(u, v, extra)
        source, target = (pseudo.node_id(u), pseudo.node_id(v)) if pseudo.active else (u, v)
        return Flat(f"{source}|{etype}|{target}", etype, etype, first, last,
                    ARRAY_SEP.join(ids), len(ids), extra, source, target, types)

    def node_attrs(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return self.view.nodes(ids)

    def sources_into(self, types: Collection[str], kinds: Collection[str]
                     ) -> dict[str, list[str]]:
        """``Rows.sources_into``: the graph's ``in_edges`` list a node's sources in the order
        their first edge to it is stored (``reader._add_edges``), whatever its type.  Only
        the pairs from a node of ``kinds`` are held meanwhile, only the edges whose text
        names one of ``types`` decoded."""
        held = dict.fromkeys(self._order())
        named = re.compile("|".join(re.escape(t) for t in sorted(types))).search
        prefixes = tuple(f"{kind}:" for kind in kinds)  # ``model.kind_of(u) in kinds``
        by_target: dict[str, dict[str, bool]] = {}
        for u, v, _k, data in self.store.scan("edges"):
            if not (u.startswith(prefixes) or u in kinds) or u not in held or v not in held:
                continue
            sources = by_target.get(v)
            if sources is None:
                sources = by_target[v] = {}
            if not sources.get(u):
                sources[u] = named(data) is not None and of_types(_type(data), types)
        return {v: found for v, sources in by_target.items()
                if (found := [u for u, wanted in sources.items() if wanted])}

    # -- one row's attributes --------------------------------------------------------
    def _core(self, raw: dict[str, Any], coarsened: bool
              ) -> tuple[str, str, list[Any], dict[str, str] | None] | None:
        """Pops ``$types``, first_seen, last_seen and report_ids from ``raw``: the times as
        ISO text, the report ids sorted, and the types; ``None`` when the row is not the
        plain kind (the graph's path)."""
        types = raw.pop(_TYPES, None)
        if types:
            plans = self._plans[coarsened]
            key = tuple(types.items())
            plan = plans.get(key, _UNSEEN)
            if plan is _UNSEEN:
                plan = plans[key] = _plan(types, coarsened)
            if plan is None:
                return None
            first_kind, last_kind, ids_kind = plan  # type: ignore[misc]
        else:
            first_kind = last_kind = ids_kind = ""
        first = self._seen(raw.pop("first_seen", None), first_kind)
        last = self._seen(raw.pop("last_seen", None), last_kind)
        if first is None or last is None:
            return None
        ids = raw.pop("report_ids", None)
        if ids is None:
            ids = []
        elif ids_kind == "s":
            if len(ids) > 1:
                ids = sorted(set(ids))
        elif ids_kind == "t":
            if len(ids) > 1:
                ids = sorted(ids)
        else:
            return None
        return first, last, ids, types

    def _time(self, kind: str, value: str) -> str:
        cache = self._times[kind]
        out = cache.get(value)
        if out is None:
            out = cache[value] = _TIME[kind].fromisoformat(value).isoformat()
        return out

    def _seen(self, value: Any, kind: str) -> Any:
        """A first/last seen as the file writes it ("" when there is none); ``None`` when
        its stored type is not a time (the row goes through the graph)."""
        if value is None:
            return ""
        if kind:
            return self._times[kind].get(value) or self._time(kind, value)
        return None

    def _extra(self, raw: dict[str, Any], types: dict[str, str] | None
               ) -> dict[str, Any] | None:
        """The attributes besides the core ones (popped), each as ``_common.text`` gives
        it; ``None`` when a set or tuple member holds a line break (the row goes through
        the graph: neo4j writes each member on one line)."""
        extra: dict[str, Any] = {}
        for name, value in raw.items():
            if value is None:
                continue
            kind = types.get(name) if types else None
            if kind is None:
                extra[name] = value if type(value) in _SCALAR else text(value)
            elif kind in _TIME:
                extra[name] = self._time(kind, value)
            else:  # a set or tuple of scalars (``codec.encode``; ``_plan``)
                joined = ARRAY_SEP.join(sorted([str(v) for v in (set(value) if kind == "s"
                                                                   else value)]))
                if "\n" in joined or "\r" in joined:
                    return None
                extra[name] = joined
        return extra
