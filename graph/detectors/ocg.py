"""ocg: co-offending networks (edges ``co_offender``), domain.md s.6.

Louvain communities (``nx.community.louvain_communities``, seeded by ``cfg.ocg_seed``)
over the co-offender component of the touched persons only, capped at
``cfg.ocg_max_component`` persons (bounded work).  A community with a touched
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
from collections.abc import Iterable
from typing import Any

import networkx as nx
from linkwatch.graph import model as m

from . import _util as u
from .base import DetectorConfig, Finding


class ClusterTracker:
    def __init__(self) -> None:
        self.clusters: dict[str, frozenset[str]] = {}

    def assign(self, communities: Iterable[Iterable[str]]) -> list[str]:
        """One id per community, in the order given."""
        comms = [frozenset(c) for c in communities]
        order = sorted(range(len(comms)), key=lambda i: (-len(comms[i]), min(comms[i])))
        ids: list[str | None] = [None] * len(comms)
        taken: set[str] = set()
        for i in order:
            best = max(((len(comms[i] & mem), cid) for cid, mem in self.clusters.items()
                        if cid not in taken and comms[i] & mem), default=None)
            if best:
                cid = best[1]
            else:
                cid = "C" + hashlib.sha256(min(comms[i]).encode()).hexdigest()[:12]
                while cid in self.clusters or cid in taken:
                    cid = "C" + hashlib.sha256(cid.encode()).hexdigest()[:12]
            taken.add(cid)
            ids[i] = cid
        for i, cid in enumerate(ids):
            self.clusters[cid] = comms[i]  # type: ignore[index]
        return ids  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        return {"clusters": {k: sorted(v) for k, v in sorted(self.clusters.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterTracker:
        t = cls()
        t.clusters = {k: frozenset(v) for k, v in data.get("clusters", {}).items()}
        return t


# a component bigger than this is examined around the touched persons only: the
# nearest LOCAL_LIMIT persons (breadth-first, in id order).  Louvain and betweenness
# cost grows with the square of the persons examined; this keeps one report's work
# bounded (a few ms) however large the co-offending network grows.
LOCAL_LIMIT = 32
EXACT_BETWEENNESS = 32  # up to this many persons betweenness is exact, else sampled


def _co_neighbours(g: nx.MultiDiGraph, p: str) -> dict[str, int]:
    """Co-offenders of ``p`` with the number of reports shared (both directions)."""
    out: dict[str, int] = {}
    for adj in (g._succ[p], g._pred[p]):  # noqa: SLF001 - adjacency dicts, no view objects
        for q, keyed in adj.items():
            d = keyed.get(m.CO_OFFENDER)
            if d is not None and q != p:
                out[q] = out.get(q, 0) + len(d.get("report_ids") or ())
    return out


def _canonical_graph(g: nx.MultiDiGraph, persons: Iterable[str]) -> nx.Graph:
    """Co-offender graph induced on ``persons``, built in id order (so Louvain, which is
    seeded but order-sensitive, gives the same communities for the same edges)."""
    keep = sorted(persons)
    inside = set(keep)
    h = nx.Graph()
    h.add_nodes_from(keep)
    for p in keep:
        for q, w in sorted(_co_neighbours(g, p).items()):
            if q in inside and p < q:
                h.add_edge(p, q, weight=w)
    return h


def _ball(g: nx.MultiDiGraph, start: list[str], members: set[str], cap: int) -> list[str]:
    """Up to ``cap`` persons of one component nearest to ``start`` (breadth-first, id order)."""
    seen, frontier = set(start[:cap]), sorted(start[:cap])
    while frontier and len(seen) < cap:
        nxt = []
        for p in frontier:
            for q in sorted(_co_neighbours(g, p)):
                if q in members and q not in seen and len(seen) < cap:
                    seen.add(q)
                    nxt.append(q)
        frontier = nxt
    return sorted(seen)


def co_offender_graph(g: nx.MultiDiGraph, persons: Iterable[str], cap: int) -> nx.Graph:
    """Undirected co-offender component of ``persons`` (at most ``cap`` persons, nearest
    first); weight = shared reports."""
    start = sorted(p for p in persons if p in g)
    seen = set(start)
    frontier = list(start)
    while frontier and len(seen) < cap:
        nxt = []
        for p in frontier:
            for q in sorted(_co_neighbours(g, p)):
                if q not in seen and len(seen) < cap:
                    seen.add(q)
                    nxt.append(q)
        frontier = nxt
    return _canonical_graph(g, seen)


def _analyse(h: nx.Graph, seed: int) -> tuple[list[frozenset[str]]]:
    """Louvain communities of one co-offender graph."""
    if h.number_of_edges() == 0:
        return ([],)
    return ([frozenset(c) for c in nx.community.louvain_communities(
        h, weight="weight", seed=seed)],)


def _betweenness(h: nx.Graph, seed: int) -> dict[str, float]:
    """Betweenness of one co-offender graph, computed when a community of it becomes an
    alert (most reports raise none) and remembered on the graph, which the component
    memo keeps: the same graph and seed give the same figures whenever it is asked."""
    between = h.graph.get("betweenness")
    if between is None:
        k = len(h) if len(h) <= EXACT_BETWEENNESS else EXACT_BETWEENNESS
        between = h.graph["betweenness"] = nx.betweenness_centrality(
            h, k=k if k < len(h) else None, seed=seed)
    return between


def _components(g: nx.MultiDiGraph, persons: list[str], cfg: DetectorConfig,
                use_index: bool) -> list[tuple[nx.Graph, list[frozenset[str]]]]:
    """(co-offender graph, communities) for each component of ``persons``.

    With the link graph's component index (``LinkGraph.co_offenders``) a component's
    analysis is remembered until one of its co-offender edges changes; the result is
    the same as computing it afresh (it depends only on the component's edges)."""
    cap = min(cfg.ocg_max_component, LOCAL_LIMIT)
    index = g.graph.get("co_offenders") if use_index else None
    if index is None:
        h = co_offender_graph(g, persons, cap)
        return [(h, *_analyse(h, cfg.ocg_seed))]
    groups: dict[str, list[str]] = {}
    for p in persons:
        found = index.component(p)
        if found is not None:
            groups.setdefault(found[0], []).append(p)
    out = []
    for root, starts in sorted(groups.items(), key=lambda kv: min(kv[1])):
        _, members, version = index.component(root)
        whole = len(members) <= cap
        # one remembered analysis per whole component; balls of a big one in a small cache
        slot = root if whole else ("ball", root, tuple(sorted(starts)))
        key = (version, cfg.ocg_seed, cap)
        cached = index.memo.get(slot)
        if cached is not None and cached[0] == key:
            hit = cached[1]
        else:
            h = _canonical_graph(g, members if whole else _ball(g, starts, members, cap))
            hit = (h, *_analyse(h, cfg.ocg_seed))
            if not whole and len(index.balls) > 4096:
                for stale in index.balls:
                    index.memo.pop(stale, None)
                index.balls.clear()
            if not whole:
                index.balls.add(slot)
            index.memo[slot] = (key, hit)
        out.append(hit)
    return out


def detect_ocg(sub: nx.MultiDiGraph, touched: set[str], cfg: DetectorConfig,
               tracker: ClusterTracker | None = None,
               graph: nx.MultiDiGraph | None = None) -> list[Finding]:
    """``graph``: the full link graph when available (else ``sub``) for the component."""
    g = graph if graph is not None else sub
    persons = sorted(p for p in touched if m.kind_of(p) == "person" and p in g
                     and (g.nodes[p].get("roles") or set()) & m.OFFENDER_ROLES)
    if not persons:
        return []
    parts = _components(g, persons, cfg, use_index=graph is not None)
    parts = [part for part in parts if part[1]]
    if not parts:
        return []
    comms = sorted((c for _, cs in parts for c in cs), key=lambda c: (-len(c), min(c)))
    ids = (tracker or ClusterTracker()).assign(comms) if tracker else [
        "C" + hashlib.sha256(min(c, key=lambda p: (g.nodes[p]["first_seen"], p)).encode())
        .hexdigest()[:12] for c in comms]
    h_of = {p: h for h, cs in parts for c in cs for p in c}
    member_of = {p: i for i, c in enumerate(comms) for p in c}
    out = []
    for i, comm in enumerate(comms):
        if len(comm) < cfg.ocg_min_size or not comm & set(persons):
            continue
        brokers = sorted(p for p in comm if any(member_of[q] != i for q in h_of[p][p]))
        links = sorted((a, b, m.CO_OFFENDER) for a in comm for b in g._succ[a]  # noqa: SLF001
                       if b in comm and m.CO_OFFENDER in g._succ[a][b])  # noqa: SLF001
        rids = sorted({r for lk in links for r in g.edges[lk]["report_ids"]})
        events = [r for r in rids if not g.nodes[u.report_node(r)].get("duplicate_of")]
        if len(events) < cfg.ocg_min_reports:  # one group incident is not an OCG
            continue
        between = _betweenness(h_of[min(comm)], cfg.ocg_seed)
        players = sorted(comm, key=lambda p: (-h_of[p].degree(p), -between.get(p, 0), p))[:3]
        harm = u.total_harm(g, rids)
        score = (0.35 + 0.05 * (len(comm) - cfg.ocg_min_size) + 0.1 * bool(brokers)
                 + 0.2 * u.harm_component(harm))
        reasons = [f"{len(comm)} people co-offending across {len(rids)} reports "
                   f"(Louvain community, threshold {cfg.ocg_min_size})",
                   "key players: " + ", ".join(
                       f"{p} (degree {h_of[p].degree(p)}, betweenness {between.get(p, 0):.2f})"
                       for p in players)]
        if brokers:
            reasons.append("brokers to other groups: " + ", ".join(brokers))
        if harm:
            reasons.append(f"total harm {harm:g} crime-harm-index days")
        out.append(u.build(
            g, type="ocg", key=f"ocg:{ids[i]}", score=score, cluster_id=ids[i],
            title=f"Co-offending group {ids[i]}: {len(comm)} people",
            summary=(f"{len(comm)} people offend together across {len(rids)} reports; "
                     f"key players {', '.join(players)}."),
            reasons=reasons, report_ids=rids, entities=comm, links=links))
    return out
