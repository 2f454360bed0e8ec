"""Innocent hubs: identifiers that many unrelated people share for innocent reasons.

A bank's switchboard number given as ``contact`` by forty unrelated fraud victims,
a hostel's address, a café's public Wi-Fi IP.  Linking through such a node would
glue strangers into one "network", so detectors skip hubs and say so
(``Finding.discounted_hubs``).

A node is judged by ordered rules (the first that applies decides):

1. on ``cfg.hub_allow`` -> never a hub ("allow-listed"), e.g. a known deal line;
2. on ``cfg.hub_ignore`` -> a hub ("configured"), e.g. ``phone:+443457404404``;
3. not an identifier/address node -> not a hub;
4. fewer than ``cfg.hub_min_reports`` reports in the window -> not a hub;
5. ``cfg.hub_max_reports`` or more reports -> a hub ("too common to be evidence");
6. otherwise a sample of ``cfg.hub_sample`` of its reports is examined: relatedness
   is the share of them that meet another sampled report through anything else
   (a person, phone, account, vehicle...); a hub when relatedness is at most
   ``cfg.hub_max_relatedness`` and the reports spread over at least
   ``cfg.hub_min_categories`` categories.  Example: 40 reports, 9 fraud types,
   1 of 40 sharing anything else -> relatedness 0.025 -> hub.  A campaign's 40
   reports share payee accounts and one fraud type -> not a hub.

``HubIndex`` remembers verdicts between reports (a node is re-judged whenever a
report touches it) and is serialisable for snapshots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.graph.detectors import _util as u
from linkwatch.graph.detectors._util import is_hub
from linkwatch.graph.detectors.base import DetectorConfig

# nodes that never make two reports "related" (too coarse to mean anything)
_COARSE = frozenset({"location", "postcode", "report"})


@dataclass(frozen=True)
class HubVerdict:
    node: str
    is_hub: bool
    reason: str
    reports: int = 0
    categories: int = 0
    relatedness: float = 0.0


def assess_hub(g: nx.MultiDiGraph, node: str, cfg: DetectorConfig) -> HubVerdict:
    """Judge one node by the ordered rules in the module docstring."""
    if node in cfg.hub_allow:
        return HubVerdict(node, False, "allow-listed")
    if node in cfg.hub_ignore:
        return HubVerdict(node, True, "configured hub")
    if node not in g or m.kind_of(node) not in u.IDENTIFIER_KINDS:
        return HubVerdict(node, False, "not an identifier")
    n, rids = window_reports(g, node, cfg)
    if n < cfg.hub_min_reports:
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    if n >= cfg.hub_max_reports:
        return HubVerdict(node, True, f"{n} reports: too common to be evidence", n)
    assert rids is not None  # noqa: S101 - listed whenever min <= n < max
    step = max(1, n // cfg.hub_sample)
    sample = rids[::step][: cfg.hub_sample]
    skip = cfg.hub_ignore | cfg.hubs | {node}
    others: dict[str, set[str]] = {r: _other_nodes(g, r, skip) for r in sample}
    seen = Counter(x for nodes in others.values() for x in nodes)
    related = sum(1 for nodes in others.values() if any(seen[x] > 1 for x in nodes))
    relatedness = round(related / len(sample), 3)
    cats = len({g.nodes[u.report_node(r)].get("category") or "unknown" for r in sample})
    hub = relatedness <= cfg.hub_max_relatedness and cats >= cfg.hub_min_categories
    why = (f"{n} reports across {cats} categories, {relatedness:.0%} of them related "
           f"by anything else")
    return HubVerdict(node, hub, why, n, cats, relatedness)


def window_reports(g: nx.MultiDiGraph, node: str,
                   cfg: DetectorConfig) -> tuple[int, list[str] | None]:
    """How many reports behind ``node`` are in the window (as ``_util.reports_of``), and
    their ids sorted when ``hub_min_reports <= n < hub_max_reports`` (else ``None``):
    a bisect of the link graph's time index (``_util.window_rids``)."""
    return u.window_rids(g, node, cfg.now, cfg.window_days,
                         lambda n: cfg.hub_min_reports <= n < cfg.hub_max_reports)


def _other_nodes(g: nx.MultiDiGraph, rid: str, skip: frozenset[str]) -> set[str]:
    rnode = u.report_node(rid)
    out = {v for v in g.successors(rnode) if v not in skip and m.kind_of(v) not in _COARSE}
    # a person counts only as a resolved entity: an unresolved one is unique to its report
    return {v for v in out if not (m.kind_of(v) == "person" and f"person:{rid}/" in v)}


def detect_hubs(sub: nx.MultiDiGraph, touched: Iterable[str],
                cfg: DetectorConfig) -> frozenset[str]:
    """The touched identifier/address nodes that are hubs (data-detected or configured)."""
    return frozenset(n for n in touched
                     if n in sub and m.kind_of(n) in u.IDENTIFIER_KINDS
                     and assess_hub(sub, n, cfg).is_hub)


class HubIndex:
    """Remembered hub verdicts, re-judged when a report touches the node."""

    def __init__(self) -> None:
        self.verdicts: dict[str, HubVerdict] = {}
        self._hubs: frozenset[str] | None = None  # cached; reset when a verdict changes

    @property
    def hubs(self) -> frozenset[str]:
        if self._hubs is None:
            self._hubs = frozenset(n for n, v in self.verdicts.items() if v.is_hub)
        return self._hubs

    def observe(self, g: nx.MultiDiGraph, touched: Iterable[str],
                cfg: DetectorConfig) -> frozenset[str]:
        """Re-judge touched identifier nodes (pass the full graph when you have it)."""
        nodes = g._node  # noqa: SLF001 - plain dict reads on the per-report path
        for n in sorted(touched):
            if n in nodes and m.kind_of(n) in u.IDENTIFIER_KINDS:
                if (n not in self.verdicts and n not in cfg.hub_ignore
                        and len(nodes[n].get("report_ids") or ()) < cfg.hub_min_reports):
                    continue  # too few reports to be a hub, and no verdict to update
                v = assess_hub(g, n, cfg)
                if v.is_hub or n in self.verdicts:
                    old = self.verdicts.get(n)
                    self.verdicts[n] = v
                    if old is None or old.is_hub != v.is_hub:
                        self._hubs = None
        return self.hubs

    def to_dict(self) -> dict[str, object]:
        return {"verdicts": [asdict(v) for _, v in sorted(self.verdicts.items())]}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> HubIndex:
        index = cls()
        for item in data.get("verdicts", []):  # type: ignore[union-attr]
            v = HubVerdict(**item)  # type: ignore[arg-type]
            index.verdicts[v.node] = v
        index._hubs = None
        return index


def bounded_neighbourhood(g: nx.MultiDiGraph, nodes: Iterable[str], hops: int,
                          stop: frozenset[str]) -> nx.MultiDiGraph:
    """Like ``LinkGraph.neighbourhood`` but never expands *through* a hub in ``stop``:
    the hub itself is included, its other neighbours are not (bounded work)."""
    start = {n for n in nodes if n in g}
    frontier, seen = set(start), set(start)
    for _ in range(hops):
        nxt: set[str] = set()
        for n in frontier:
            if n in stop and n not in start:
                continue
            nxt.update(g.successors(n))
            nxt.update(g.predecessors(n))
        frontier = nxt - seen
        seen |= frontier
    return g.subgraph(seen)


__all__ = ["HubIndex", "HubVerdict", "assess_hub", "bounded_neighbourhood", "detect_hubs",
           "is_hub", "window_reports"]
