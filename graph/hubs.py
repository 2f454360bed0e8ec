"""Innocent hubs: identifiers that many unrelated people share for innocent reasons.

A bank's switchboard number given as ``contact`` by forty unrelated fraud victims,
a hostel's address, a café's public Wi-Fi IP.  Linking through such a node would
glue strangers into one "network", so detectors skip hubs and say so
(``Finding.discounted_hubs``).

A node is judged by ordered rules (the first that applies decides):

1. on ``cfg.hub_allow`` -> never a hub ("allow-listed"), e.g. a known deal line;
2. on ``cfg.hub_ignore`` -> a hub ("configured"), e.g. ``phone:+443457404404``;
3. on the operator's list of known legitimate contacts (``graph/allowlist.py``,
   ``LINKWATCH_ALLOWLIST_FILE``) -> a hub ("known legitimate contact");
4. not an identifier/address node -> not a hub;
5. a contact route (phone, e-mail, domain, URL, handle) with at least
   ``cfg.contact_min_reports`` reports -> a hub when it is an innocent contact
   (``innocent_contact``: the victims' contact, not the fraudster's route);
6. fewer than ``cfg.hub_min_reports`` reports in the window -> not a hub;
7. ``cfg.hub_max_reports`` or more reports -> a hub ("too common to be evidence");
8. otherwise a sample of ``cfg.hub_sample`` of its reports is examined: relatedness
   is the share of them that meet another sampled report through anything else
   (a person, phone, account, vehicle...); a hub when relatedness is at most
   ``cfg.hub_max_relatedness`` and the reports spread over at least
   ``cfg.hub_min_categories`` categories.  Example: 40 reports, 9 fraud types,
   1 of 40 sharing anything else -> relatedness 0.025 -> hub.  A campaign's 40
   reports share payee accounts and one fraud type -> not a hub.

An innocent contact (rule 5) is read from structure, never from wording: in every
report it is named with the role ``contact`` (never ``sender``, a site, a payee or a deal
line) and no suspect or offender uses it; its reports are otherwise unrelated
(relatedness as in rule 8); and the contexts are unrelated: at least
``cfg.contact_other_route_share`` of its reports name another sender or site (the
fraudster's route, beside the victim's call to the bank), or the reports spread over
``cfg.hub_min_categories`` fraud types, or over time (``cfg.contact_min_span_days``, with
at most ``cfg.contact_max_burst_share`` of them within any ``cfg.contact_burst_days``: a
campaign comes in a burst, victims ring their bank all year).  Example: a bank's number
named as ``contact`` by 5 victims of 4 fraud types over 3 months -> hub; a scam line named
as ``contact`` by 6 courier-fraud victims in 10 days -> not a hub.

``HubIndex`` remembers verdicts between reports (a node is re-judged whenever a
report touches it) and is serialisable for snapshots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.graph.allowlist import AllowList
from linkwatch.graph.detectors import _util as u
from linkwatch.graph.detectors._util import is_hub
from linkwatch.graph.detectors.base import DetectorConfig

# nodes that never make two reports "related" (too coarse to mean anything)
_COARSE = frozenset({"location", "postcode", "report"})
# a contact route: what a victim may have contacted, or been contacted from
CONTACT_KINDS = frozenset({"phone", "email", "domain", "url", "handle"})
# roles naming the offender's route in a report (not a contact the victim made)
ROUTE_ROLES = frozenset({"sender", "phishing_site", "c2", "deal_line"})


@dataclass(frozen=True)
class HubVerdict:
    node: str
    is_hub: bool
    reason: str
    reports: int = 0
    categories: int = 0
    relatedness: float = 0.0


def assess_hub(g: nx.MultiDiGraph, node: str, cfg: DetectorConfig,
               legit: AllowList | None = None) -> HubVerdict:
    """Judge one node by the ordered rules in the module docstring."""
    if node in cfg.hub_allow:
        return HubVerdict(node, False, "allow-listed")
    if node in cfg.hub_ignore:
        return HubVerdict(node, True, "configured hub")
    name = legit.covers(node) if legit else None
    if name:
        return HubVerdict(node, True, f"known legitimate contact: {name}")
    if node not in g or m.kind_of(node) not in u.IDENTIFIER_KINDS:
        return HubVerdict(node, False, "not an identifier")
    contact = m.kind_of(node) in CONTACT_KINDS
    floor = min(cfg.hub_min_reports, cfg.contact_min_reports) if contact else cfg.hub_min_reports
    n, rids = u.window_rids(g, node, cfg.now, cfg.window_days,
                            lambda n: floor <= n < cfg.hub_max_reports)
    if n >= cfg.hub_max_reports:
        return HubVerdict(node, True, f"{n} reports: too common to be evidence", n)
    if n < floor:
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    assert rids is not None  # noqa: S101 - listed whenever floor <= n < max
    if n < cfg.hub_min_reports and not _contact_only(g, node, rids):
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    relatedness, cats = _spread(g, node, rids, cfg)
    if contact:
        why = innocent_contact(g, node, rids, cfg, relatedness, cats)
        if why:
            return HubVerdict(node, True, why, n, cats, relatedness)
    if n < cfg.hub_min_reports:
        return HubVerdict(node, False, f"{n} reports, below {cfg.hub_min_reports}", n)
    hub = relatedness <= cfg.hub_max_relatedness and cats >= cfg.hub_min_categories
    why = (f"{n} reports across {cats} categories, {relatedness:.0%} of them related "
           f"by anything else")
    return HubVerdict(node, hub, why, n, cats, relatedness)


def _contact_only(g: nx.MultiDiGraph, node: str, rids: list[str]) -> bool:
    """Every one of ``rids`` names ``node`` with the role ``contact`` (cheap: stops at the
    first report that does not, e.g. a deal line or someone's own phone)."""
    succ = g.succ
    for rid in rids:
        rnode = u.report_node(rid)
        data = succ[rnode].get(node, {}).get(m.MENTIONS) if rnode in succ else None
        if data is None or data.get("role") != "contact":
            return False
    return True


def _spread(g: nx.MultiDiGraph, node: str, rids: list[str],
            cfg: DetectorConfig) -> tuple[float, int]:
    """(relatedness, categories) over a sample of ``cfg.hub_sample`` of ``rids``."""
    step = max(1, len(rids) // cfg.hub_sample)
    sample = rids[::step][: cfg.hub_sample]
    skip = cfg.hub_ignore | cfg.hubs | {node}
    others: dict[str, set[str]] = {r: _other_nodes(g, r, skip) for r in sample}
    seen = Counter(x for nodes in others.values() for x in nodes)
    related = sum(1 for nodes in others.values() if any(seen[x] > 1 for x in nodes))
    relatedness = round(related / len(sample), 3)
    cats = len({g.nodes[u.report_node(r)].get("category") or "unknown" for r in sample})
    return relatedness, cats


def innocent_contact(g: nx.MultiDiGraph, node: str, rids: list[str], cfg: DetectorConfig,
                     relatedness: float, cats: int) -> str | None:
    """Why ``node`` is the victims' contact rather than the fraudster's route, or ``None``
    (rule 5 of the module docstring).  ``rids``: its reports in the window, sorted."""
    if relatedness > cfg.hub_max_relatedness:
        return None
    if any(m.kind_of(p) == "person" and (g.nodes[p].get("roles") or set()) & m.OFFENDER_ROLES
           for p in g.predecessors(node)):
        return None   # a suspect's or offender's own phone/e-mail
    succ = g.succ
    beside = 0
    times = []
    for rid in rids:
        rnode = u.report_node(rid)
        adj = succ[rnode] if rnode in succ else {}
        data = adj.get(node, {}).get(m.MENTIONS)
        if data is None or data.get("role") != "contact":
            return None   # named as a sender, a site, a payee, or only as someone's own
        if any(v != node and (adj[v].get(m.MENTIONS) or {}).get("role") in ROUTE_ROLES
               for v in adj if m.kind_of(v) in CONTACT_KINDS):
            beside += 1
        when = g.nodes[rnode].get("reported_at")
        if when is not None:
            times.append(when)
    n = len(rids)
    if beside >= cfg.contact_other_route_share * n:
        return (f"named only as a contact in {n} unrelated reports; {beside} of them name "
                "another sender or site: the victims' contact, not the fraudster's route")
    if cats >= cfg.hub_min_categories:
        return (f"named only as a contact in {n} unrelated reports across {cats} "
                "categories: the victims' contact, not one campaign's")
    if len(times) == n and n:
        times.sort()
        span = (times[-1] - times[0]).total_seconds() / 86400
        burst = timedelta(days=cfg.contact_burst_days)
        most, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] > burst:
                lo += 1
            most = max(most, hi - lo + 1)
        if span >= cfg.contact_min_span_days and most <= cfg.contact_max_burst_share * n:
            return (f"named only as a contact in {n} unrelated reports over {span:.0f} days, "
                    f"at most {most} within {cfg.contact_burst_days} days: the victims' "
                    "contact, not a campaign's burst")
    return None


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

    def __init__(self, legit: AllowList | None = None) -> None:
        self.verdicts: dict[str, HubVerdict] = {}
        self._hubs: frozenset[str] | None = None  # cached; reset when a verdict changes
        self.legit = legit   # known legitimate contacts (configuration, set again on restore)

    @property
    def hubs(self) -> frozenset[str]:
        if self._hubs is None:
            self._hubs = frozenset(n for n, v in self.verdicts.items() if v.is_hub)
        return self._hubs

    def observe(self, g: nx.MultiDiGraph, touched: Iterable[str],
                cfg: DetectorConfig) -> frozenset[str]:
        """Re-judge touched identifier nodes (pass the full graph when you have it)."""
        nodes = g._node  # noqa: SLF001 - plain dict reads on the per-report path
        legit = getattr(self, "legit", None) or None   # an empty list: nothing to ask
        for n in sorted(touched):
            kind = m.kind_of(n)
            if n in nodes and kind in u.IDENTIFIER_KINDS:
                floor = (min(cfg.hub_min_reports, cfg.contact_min_reports)
                         if kind in CONTACT_KINDS else cfg.hub_min_reports)
                if (n not in self.verdicts and n not in cfg.hub_ignore
                        and len(nodes[n].get("report_ids") or ()) < floor
                        and not (legit and legit.covers(n))):
                    continue  # too few reports to be a hub, and no verdict to update
                v = assess_hub(g, n, cfg, legit)
                if v.is_hub or n in self.verdicts:
                    old = self.verdicts.get(n)
                    self.verdicts[n] = v
                    if old is None or old.is_hub != v.is_hub:
                        self._hubs = None
        return self.hubs

    def to_dict(self) -> dict[str, object]:
        return {"verdicts": [asdict(v) for _, v in sorted(self.verdicts.items())]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HubIndex:
        index = cls()
        for item in data.get("verdicts", []):
            v = HubVerdict(**item)
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


__all__ = ["CONTACT_KINDS", "HubIndex", "HubVerdict", "assess_hub", "bounded_neighbourhood",
           "detect_hubs", "innocent_contact", "is_hub", "window_reports"]
