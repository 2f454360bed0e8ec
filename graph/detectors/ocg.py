"""ocg: co-offending networks (edges ``co_offender``), domain.md s.6.

Louvain communities (``nx.community.louvain_communities``, seeded by ``cfg.ocg_seed``)
over the co-offender component of the touched persons only, capped at
``cfg.ocg_max_component`` persons (bounded work).  A community with a touched
person and at least ``cfg.ocg_min_size`` members is an OCG candidate.  Key
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


def co_offender_graph(g: nx.MultiDiGraph, persons: Iterable[str], cap: int) -> nx.Graph:
    """Undirected co-offender component of ``persons``; weight = shared reports."""
    h = nx.Graph()
    frontier = [p for p in persons if p in g]
    seen = set(frontier)
    while frontier and len(seen) <= cap:
        p = frontier.pop()
        h.add_node(p)
        for a, b, k, d in [*g.out_edges(p, keys=True, data=True),
                           *g.in_edges(p, keys=True, data=True)]:
            if k != m.CO_OFFENDER:
                continue
            q = b if a == p else a
            w = len(d.get("report_ids") or ())
            h.add_edge(p, q, weight=h.get_edge_data(p, q, {"weight": 0})["weight"] + w)
            if q not in seen:
                seen.add(q)
                frontier.append(q)
    return h


def detect_ocg(sub: nx.MultiDiGraph, touched: set[str], cfg: DetectorConfig,
               tracker: ClusterTracker | None = None,
               graph: nx.MultiDiGraph | None = None) -> list[Finding]:
    """``graph``: the full link graph when available (else ``sub``) for the component."""
    g = graph if graph is not None else sub
    persons = sorted(p for p in touched if m.kind_of(p) == "person" and p in g
                     and (g.nodes[p].get("roles") or set()) & m.OFFENDER_ROLES)
    if not persons:
        return []
    h = co_offender_graph(g, persons, cfg.ocg_max_component)
    if h.number_of_edges() == 0:
        return []
    comms = sorted((frozenset(c) for c in nx.community.louvain_communities(
        h, weight="weight", seed=cfg.ocg_seed)), key=lambda c: (-len(c), min(c)))
    ids = (tracker or ClusterTracker()).assign(comms) if tracker else [
        "C" + hashlib.sha256(min(c, key=lambda p: (g.nodes[p]["first_seen"], p)).encode())
        .hexdigest()[:12] for c in comms]
    member_of = {p: i for i, c in enumerate(comms) for p in c}
    k = min(len(h), 200)
    between = nx.betweenness_centrality(h, k=k if k < len(h) else None, seed=cfg.ocg_seed)
    out = []
    for i, comm in enumerate(comms):
        if len(comm) < cfg.ocg_min_size or not comm & set(persons):
            continue
        brokers = sorted(p for p in comm if any(member_of[q] != i for q in h[p]))
        players = sorted(comm, key=lambda p: (-h.degree(p), -between.get(p, 0), p))[:3]
        links = sorted((a, b, m.CO_OFFENDER) for a in comm for b in comm
                       if g.has_edge(a, b, key=m.CO_OFFENDER))
        rids = sorted({r for lk in links for r in g.edges[lk]["report_ids"]})
        harm = u.total_harm(g, rids)
        score = (0.35 + 0.05 * (len(comm) - cfg.ocg_min_size) + 0.1 * bool(brokers)
                 + 0.2 * u.harm_component(harm))
        reasons = [f"{len(comm)} people co-offending across {len(rids)} reports "
                   f"(Louvain community, threshold {cfg.ocg_min_size})",
                   "key players: " + ", ".join(
                       f"{p} (degree {h.degree(p)}, betweenness {between.get(p, 0):.2f})"
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
