"""ocg: co-offending networks (edges ``co_offender``), domain.md s.6.

Louvain communities (networkx's ``louvain_communities``, seeded by ``cfg.ocg_seed``,
run over plain dicts: ``_nxdicts.py``)
over the co-offender component of the touched persons only; a component of more
than ``LOCAL_LIMIT`` persons (or ``cfg.ocg_max_component``, if smaller) is examined
around them (that many persons nearest them), so one report's work does not grow
with the co-offending network (a city's can join thousands).  A community with a touched
person and at least ``cfg.ocg_min_size`` members, co-offending across at least
``cfg.ocg_min_reports`` reports, is an OCG candidate.  Key
players: highest degree and betweenness; brokers: members linked into another
community.  Score 0.35, +0.05 per extra member, +0.1 when a broker links groups,
up to +0.2 for harm.

``ClusterTracker`` keeps ``cluster_id`` stable across updates: each community takes
the id of the known cluster it overlaps most (largest communities choose first),
so when clusters merge or split the id follows the larger overlap.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.graph.store import CoOffenders

from . import _util as u
from ._nxdicts import betweenness_centrality, louvain_communities
from .base import DetectorConfig, Finding


class ClusterTracker:
    """Known clusters (``clusters``: id -> members), changed only by ``assign``.

    ``_holding`` (person -> ids of the clusters holding them) finds the clusters a
    community overlaps without scanning every cluster ever seen: the work per
    community is its size, not the number of clusters (which grows with the graph)."""

    def __init__(self) -> None:
        self.clusters: dict[str, frozenset[str]] = {}
        self._holding: dict[str, set[str]] = {}

    def assign(self, communities: Iterable[Iterable[str]]) -> list[str]:
        """One id per community, in the order given."""
        comms = [frozenset(c) for c in communities]
        order = sorted(range(len(comms)), key=lambda i: (-len(comms[i]), min(comms[i])))
        ids: list[str | None] = [None] * len(comms)
        taken: set[str] = set()
        for i in order:
            overlapping = {c for p in comms[i] for c in self._holding.get(p, ())} - taken
            best = max(((len(comms[i] & self.clusters[c]), c) for c in overlapping),
                       default=None)
            if best:
                cid = best[1]
            else:
                cid = "C" + hashlib.sha256(min(comms[i]).encode()).hexdigest()[:12]
                while cid in self.clusters or cid in taken:
                    cid = "C" + hashlib.sha256(cid.encode()).hexdigest()[:12]
            taken.add(cid)
            ids[i] = cid
        for i, got in enumerate(ids):
            self._set(got, comms[i])  # type: ignore[arg-type]
        return ids  # type: ignore[return-value]

    def _set(self, cid: str, members: frozenset[str]) -> None:
        for p in self.clusters.get(cid, ()):
            held = self._holding[p]
            held.discard(cid)
            if not held:
                del self._holding[p]
        self.clusters[cid] = members
        for p in members:
            self._holding.setdefault(p, set()).add(cid)

    def __getstate__(self) -> dict[str, Any]:
        return {"clusters": self.clusters}  # the index is derived: rebuilt on load

    def __setstate__(self, state: dict[str, Any]) -> None:
        """From a snapshot (``linkwatch.snapshot``), including one written before the
        index existed (its state is ``{"clusters": ...}`` too)."""
        self.__init__()  # type: ignore[misc]
        for k, v in state.get("clusters", {}).items():
            self._set(k, frozenset(v))

    def to_dict(self) -> dict[str, Any]:
        return {"clusters": {k: sorted(v) for k, v in sorted(self.clusters.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterTracker:
        t = cls()
        for k, v in data.get("clusters", {}).items():
            t._set(k, frozenset(v))
        return t


# a component bigger than this is examined around the touched persons only: the
# nearest LOCAL_LIMIT persons (breadth-first, in id order).  Louvain and betweenness
# cost grows with the square of the persons examined; this keeps one report's work
# bounded (a few ms) however large the co-offending network grows.
LOCAL_LIMIT = 32
EXACT_BETWEENNESS = 32  # up to this many persons betweenness is exact, else sampled
MEMO_SIZE = 4096        # analyses remembered, least recently used dropped first
_MEMO = ("ocg", "analyses")  # their slot in the component index's memo


def _co_neighbours(g: nx.MultiDiGraph, p: str, index: CoOffenders | None = None
                   ) -> dict[str, int]:
    """Co-offenders of ``p`` with the number of reports shared (both directions).

    ``index`` (the full graph's ``CoOffenders``) keeps these counts, so a busy
    offender's whole adjacency (every report and phone) is not read."""
    if index is not None:
        return dict(index.shared.get(p, ()))
    out: dict[str, int] = {}
    for adj in (g._succ[p], g._pred[p]):  # noqa: SLF001 - adjacency dicts, no view objects
        for q, keyed in adj.items():
            d = keyed.get(m.CO_OFFENDER)
            if d is not None and q != p:
                out[q] = out.get(q, 0) + len(d.get("report_ids") or ())
    return out


def _edges(near: dict[str, dict[str, int]]) -> tuple[tuple[str, str, int], ...]:
    """The weighted co-offender edges among ``near``'s persons (given in id order with
    their co-offenders), each once, in id order."""
    return tuple((p, q, w) for p, nb in near.items() for q, w in sorted(nb.items())
                 if p < q and q in near)


class _Analysis:
    """Louvain communities of one co-offender graph (persons in id order, weighted
    edges), with each person's neighbours in it and, once an alert asks, betweenness.

    Both are networkx's algorithms run on these tuples and dicts (``_nxdicts.py``): no
    ``nx.Graph`` is built, and none is remembered (one whose views have been used holds
    reference cycles, and one kept across the pipeline's ``gc.freeze`` and then dropped
    from the memo would never be freed)."""

    __slots__ = ("_between", "adj", "communities", "persons", "seed")

    def __init__(self, persons: tuple[str, ...], edges: tuple[tuple[str, str, int], ...],
                 seed: int) -> None:
        self.persons, self.seed = persons, seed
        adj: dict[str, list[str]] = {p: [] for p in persons}
        for p, q, _ in edges:
            adj[p].append(q)
            adj[q].append(p)
        self.adj = {p: tuple(qs) for p, qs in adj.items()}
        self.communities = [frozenset(c) for c in louvain_communities(
            persons, edges, seed)] if edges else []
        self._between: dict[str, float] | None = None

    def degree(self, p: str) -> int:
        return len(self.adj[p])

    def betweenness(self) -> dict[str, float]:
        """Computed when a community of this graph becomes an alert that is published
        (``Finding.explain``), then remembered with the analysis."""
        if self._between is None:
            n = len(self.persons)
            self._between = betweenness_centrality(
                self.adj, k=EXACT_BETWEENNESS if n > EXACT_BETWEENNESS else None, seed=self.seed)
        return self._between


def _near(g: nx.MultiDiGraph, persons: Iterable[str], index: CoOffenders | None = None
          ) -> dict[str, dict[str, int]]:
    return {p: _co_neighbours(g, p, index) for p in sorted(persons)}


def _ball(g: nx.MultiDiGraph, start: list[str], members: set[str] | None,
          cap: int, index: CoOffenders | None = None) -> dict[str, dict[str, int]]:
    """Up to ``cap`` persons of one component (``members``; ``None``: whatever the
    co-offender edges reach) nearest to ``start``, breadth-first in id order; in id
    order, each with its co-offenders (read once: a busy offender's adjacency is long)."""
    near: dict[str, dict[str, int]] = {}
    seen, frontier = set(start[:cap]), sorted(start[:cap])
    while frontier and len(seen) < cap:
        nxt = []
        for p in frontier:
            if len(seen) >= cap:
                break
            near[p] = _co_neighbours(g, p, index)
            for q in sorted(near[p]):
                if (members is None or q in members) and q not in seen and len(seen) < cap:
                    seen.add(q)
                    nxt.append(q)
        frontier = nxt
    return {p: near[p] if p in near else _co_neighbours(g, p, index) for p in sorted(seen)}


def _components(g: nx.MultiDiGraph, persons: list[str], cfg: DetectorConfig,
                use_index: bool) -> list[_Analysis]:
    """The analysis of each co-offender component of ``persons`` (of the ball around
    them in a component of more than ``LOCAL_LIMIT`` persons).

    With the link graph's component index (``LinkGraph.co_offenders``) analyses are
    remembered (the last ``MEMO_SIZE``): a whole component's until one of its
    co-offender edges changes, a ball's by its weighted edges.  Either way the result is
    the one computed afresh: it depends only on the graph analysed."""
    cap = min(cfg.ocg_max_component, LOCAL_LIMIT)
    index = g.graph.get("co_offenders") if use_index else None
    if index is None:
        start = sorted(p for p in persons if p in g)
        reach = _ball(g, start, None, cap) if len(start) <= cap else _near(g, start)
        return [_Analysis(tuple(reach), _edges(reach), cfg.ocg_seed)]
    memo = index.memo.get(_MEMO)
    if memo is None:
        memo = index.memo[_MEMO] = OrderedDict()
    groups: dict[str, list[str]] = {}
    for p in persons:
        found = index.component(p)
        if found is not None:
            groups.setdefault(found[0], []).append(p)
    out = []
    for root, starts in sorted(groups.items(), key=lambda kv: min(kv[1])):
        _, members, version = index.component(root)
        near: dict[str, dict[str, int]] | None = None
        slot: tuple[Any, ...]
        if len(members) <= cap:
            slot = ("component", root, version, cfg.ocg_seed)
        else:
            near = _ball(g, starts, members, cap, index)
            slot = (tuple(near), _edges(near), cfg.ocg_seed)
        hit = memo.get(slot)
        if hit is None:
            if near is None:
                near = _near(g, members, index)
                hit = _Analysis(tuple(near), _edges(near), cfg.ocg_seed)
            else:
                hit = _Analysis(*slot)
            memo[slot] = hit
            if len(memo) > MEMO_SIZE:
                memo.popitem(last=False)
        else:
            memo.move_to_end(slot)
        out.append(hit)
    return out


def _key_players(comm: frozenset[str], part_of: dict[str, _Analysis], n_reports: int,
                 head: str, tail: list[str]) -> Callable[[], dict[str, Any]]:
    """The summary and reasons naming the key players (highest degree, then betweenness).

    Deferred (``Finding.explain``): betweenness is the dearest part of the analysis and
    only an alert that is published needs it, not a finding that repeats a known one."""
    def explain() -> dict[str, Any]:
        between = part_of[min(comm)].betweenness()
        players = sorted(comm, key=lambda p: (-part_of[p].degree(p), -between.get(p, 0), p))[:3]
        return {
            "summary": (f"{len(comm)} people offend together across {n_reports} reports; "
                        f"key players {', '.join(players)}."),
            "reasons": (head, "key players: " + ", ".join(
                f"{p} (degree {part_of[p].degree(p)}, betweenness {between.get(p, 0):.2f})"
                for p in players), *tail)}
    return explain


def detect_ocg(sub: nx.MultiDiGraph, touched: set[str], cfg: DetectorConfig,
               tracker: ClusterTracker | None = None,
               graph: nx.MultiDiGraph | None = None) -> list[Finding]:
    """``graph``: the full link graph when available (else ``sub``) for the component."""
    g = graph if graph is not None else sub
    persons = sorted(p for p in touched if m.kind_of(p) == "person" and p in g
                     and (g.nodes[p].get("roles") or set()) & m.OFFENDER_ROLES)
    if not persons:
        return []
    parts = [a for a in _components(g, persons, cfg, use_index=graph is not None)
             if a.communities]
    if not parts:
        return []
    comms = sorted((c for a in parts for c in a.communities), key=lambda c: (-len(c), min(c)))
    ids = (tracker or ClusterTracker()).assign(comms) if tracker else [
        "C" + hashlib.sha256(min(c, key=lambda p: (g.nodes[p]["first_seen"], p)).encode())
        .hexdigest()[:12] for c in comms]
    part_of = {p: a for a in parts for c in a.communities for p in c}
    member_of = {p: i for i, c in enumerate(comms) for p in c}
    out = []
    for i, comm in enumerate(comms):
        if len(comm) < cfg.ocg_min_size or not comm & set(persons):
            continue
        brokers = sorted(p for p in comm if any(member_of[q] != i for q in part_of[p].adj[p]))
        links = sorted((a, b, m.CO_OFFENDER) for a in comm for b in g._succ[a]  # noqa: SLF001
                       if b in comm and m.CO_OFFENDER in g._succ[a][b])  # noqa: SLF001
        rids = sorted({r for lk in links for r in g.edges[lk]["report_ids"]})
        events = [r for r in rids if not g.nodes[u.report_node(r)].get("duplicate_of")]
        if len(events) < cfg.ocg_min_reports:  # one group incident is not an OCG
            continue
        harm = u.total_harm(g, rids)
        score = (0.35 + 0.05 * (len(comm) - cfg.ocg_min_size) + 0.1 * bool(brokers)
                 + 0.2 * u.harm_component(harm))
        head = (f"{len(comm)} people co-offending across {len(rids)} reports "
                f"(Louvain community, threshold {cfg.ocg_min_size})")
        tail = ([f"brokers to other groups: {', '.join(brokers)}"] if brokers else []) + (
            [f"total harm {harm:g} crime-harm-index days"] if harm else [])
        out.append(u.build(
            g, type="ocg", key=f"ocg:{ids[i]}", score=score, cluster_id=ids[i],
            title=f"Co-offending group {ids[i]}: {len(comm)} people",
            summary=f"{len(comm)} people offend together across {len(rids)} reports.",
            reasons=[head, *tail], report_ids=rids, entities=comm, links=links,
            explain=_key_players(comm, part_of, len(rids), head, tail)))
    return out
