"""Shared reading of the link graph for detectors: time windows, reporters,
vulnerability, scoring bands and the assembly of a ``Finding``.

Everything here reads node/edge attributes as ``graph/model.py`` defines them and
tolerates missing ones (real reports are sparse).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.graph.store import NodeTimes, ReportTimes, time_key

from .base import DetectorConfig, Finding

IDENTIFIER_KINDS = frozenset({
    "phone", "email", "account", "iban", "card", "url", "domain", "ip", "wallet", "handle",
    "imei", "username", "hash", "vehicle", "address",
})
INFRA_KINDS = frozenset({"domain", "ip", "url", "wallet", "hash"})
VULNERABLE_FLAGS = frozenset({
    "vulnerable", "disability", "looked_after_child", "missing_episode", "mental_health",
    "learning_disability", "elderly",
})
# ordered levels: the first lower bound the score reaches names the band
SEVERITY_BANDS: tuple[tuple[float, str], ...] = (
    (0.8, "critical"), (0.6, "high"), (0.4, "medium"), (0.0, "low"),
)


def band(score: float) -> str:
    """``0.85`` -> ``critical``; ``0.65`` -> ``high``; ``0.45`` -> ``medium``; else ``low``."""
    return next(name for bound, name in SEVERITY_BANDS if score >= bound)


def clamp(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 3)


def rid_of(node: str) -> str:
    return node.split(":", 1)[1]


def report_node(rid: str) -> str:
    return f"report:{rid}"


def now_of(sub: nx.MultiDiGraph, touched: Iterable[str], cfg: DetectorConfig) -> datetime | None:
    """``cfg.now``, else the latest touched report's time, else ``None`` (no window)."""
    if cfg.now is not None:
        return cfg.now
    times = [sub.nodes[n].get("reported_at") for n in touched
             if n in sub and m.kind_of(n) == "report"]
    times = [t for t in times if t is not None]
    return max(times) if times else None


def in_window(sub: nx.MultiDiGraph, rid: str, now: datetime | None, days: int) -> bool:
    """The report is in ``sub``, is not a duplicate and lies within ``days`` of ``now``."""
    node = report_node(rid)
    if node not in sub:
        return False
    data = sub.nodes[node]
    if data.get("duplicate_of"):
        return False
    when = data.get("reported_at")
    if now is None or when is None:
        return True
    return abs(when - now) <= timedelta(days=days)


def reports_of(sub: nx.MultiDiGraph, node: str, now: datetime | None, days: int) -> list[str]:
    """Report ids (without prefix) behind ``node`` that are in the window, sorted:
    ``scan_reports``, found with the link graph's time index where it has one for the
    node (``window_rids``), so a busy node's old reports are not read."""
    if m.kind_of(node) == "report":
        return scan_reports(sub, node, now, days)
    return window_rids(sub, node, now, days)[1] or []


def scan_reports(sub: nx.MultiDiGraph, node: str, now: datetime | None,
                 days: int) -> list[str]:
    """``reports_of`` by reading every report behind ``node``."""
    rids = sub.nodes[node].get("report_ids") or ()
    if m.kind_of(node) == "report":
        rids = {rid_of(node)}
    return sorted(r for r in rids if in_window(sub, r, now, days))


# Index keys are POSIX seconds, but ``in_window`` measures as Python does: two
# times sharing one tzinfo object are compared on the wall clock, which can differ from
# the POSIX difference by a change of UTC offset (under 48 hours: each offset is under
# 24).  So a key more than _EDGE from a window's edge is surely inside or outside it;
# nearer the edge a report is judged by ``in_window`` itself.
_EDGE = timedelta(days=3).total_seconds()


def window_rids(g: nx.MultiDiGraph, node: str, now: datetime | None, days: int,
                listed: Callable[[int], bool] | None = None) -> tuple[int, list[str] | None]:
    """How many reports behind ``node`` are in the window (``scan_reports``), and their
    ids sorted when ``listed(n)`` (always without ``listed``; else ``None``).

    Bounded work: with the link graph's time index (``store.ReportTimes``) the count is
    a bisect and only reports near the window's edges are read, however many reports
    the node has had; without one (a node with few reports, a graph built by hand, no
    ``now``), the reports are scanned."""
    index = g.graph.get("report_times")
    times = index.of(node) if isinstance(index, ReportTimes) and now is not None else None
    ids = g.nodes[node].get("report_ids") or ()
    at = time_key(now)
    if (times is None or now is None or at is None
            or ids is not index.g.nodes[node].get("report_ids")
            or times.naive != (len(times.keys) if now.utcoffset() is None else 0)):
        rids = scan_reports(g, node, now, days)
        return len(rids), rids
    keys, order, irregular = times.keys, times.rids, index.irregular
    span = days * 86400.0
    lo = bisect_left(keys, at - span - _EDGE)
    hi = max(lo, bisect_right(keys, at + span + _EDGE))
    lo_in = hi_in = lo  # [lo_in, hi_in): surely in the window
    if span > _EDGE:
        lo_in = bisect_left(keys, at - span + _EDGE)
        hi_in = max(lo_in, bisect_right(keys, at + span - _EDGE))
    odd = times.odd
    if g is index.g:
        edge = [r for r in (*order[lo:lo_in], *order[hi_in:hi])
                if r not in irregular and in_window(g, r, now, days)]
        edge += [r for r in odd if in_window(g, r, now, days)]
        stale = sum(1 for r in odd if _indexed_within(times, r, irregular[r], lo_in, hi_in))
        n = hi_in - lo_in - stale + len(edge)
        if listed is not None and not listed(n):
            return n, None
        inner = order[lo_in:hi_in]
        if stale:
            inner = [r for r in inner if r not in irregular]
        return n, sorted((*inner, *edge))
    # a view of the graph (``sub``): each report must also be in the view
    rids = [r for r in order[lo:hi] if r not in irregular and in_window(g, r, now, days)]
    rids += [r for r in odd if in_window(g, r, now, days)]
    n = len(rids)
    return n, sorted(rids) if listed is None or listed(n) else None


def _indexed_within(times: NodeTimes, rid: str, key: float | None, lo: int, hi: int) -> bool:
    """``rid`` has an entry under ``key`` at a position in ``[lo, hi)`` of ``times``."""
    if key is None:
        return False
    i = bisect_left(times.keys, key)
    while i < len(times.keys) and times.keys[i] == key:
        if times.rids[i] == rid:
            return lo <= i < hi
        i += 1
    return False


def involved(sub: nx.MultiDiGraph, rid: str, roles: Iterable[str] | None = None) -> list[str]:
    """Person nodes involved in the report (optionally only in ``roles``), sorted."""
    node = report_node(rid)
    if node not in sub:
        return []
    wanted = frozenset(roles) if roles is not None else None
    out = []
    for v, keys in sub.succ[node].items():  # v -> {edge key: data}; one INVOLVED per v
        d = keys.get(m.INVOLVED)
        if d is not None and (wanted is None or d.get("role") in wanted):
            out.append(v)
    return sorted(out)


def reporters(sub: nx.MultiDiGraph, rid: str) -> list[str]:
    """Victims/reporters of a report; a report with none counts as its own reporter."""
    return involved(sub, rid, m.REPORTING_ROLES) or [report_node(rid)]


def age_of(data: dict[str, Any], now: datetime | None) -> int | None:
    dob = data.get("dob")
    if isinstance(dob, date):
        ref = (now or datetime.now().astimezone()).date()
        return ref.year - dob.year - ((ref.month, ref.day) < (dob.month, dob.day))
    age = data.get("age")
    return int(age) if isinstance(age, int | float) else None


def vulnerability(data: dict[str, Any], now: datetime | None, cfg: DetectorConfig) -> list[str]:
    """Why this person is vulnerable, in words (empty when nothing says so)."""
    why = sorted(set(data.get("flags") or ()) & VULNERABLE_FLAGS)
    extra = data.get("vulnerable")  # set by enrichment (store.add_report): bool or reasons
    if extra and "vulnerable" not in why:
        why.append("vulnerable" if extra is True else f"vulnerable: {extra}")
    age = age_of(data, now)
    if age is not None and age >= cfg.elderly_age:
        why.append(f"aged {age}")
    if age is not None and age < cfg.child_age:
        why.append(f"child aged {age}")
    elif age is None and data.get("under_18"):
        why.append("child (under 18)")
    return why


def is_child(data: dict[str, Any], now: datetime | None, cfg: DetectorConfig) -> bool:
    age = age_of(data, now)
    return (age < cfg.child_age) if age is not None else bool(data.get("under_18"))


def total_harm(sub: nx.MultiDiGraph, rids: Iterable[str]) -> float:
    return float(sum(sub.nodes[report_node(r)].get("harm") or 0.0
                     for r in rids if report_node(r) in sub))


def harm_component(harm: float) -> float:
    """Harm index days to 0..1 on a log scale: 365 days (violence with injury) -> 1."""
    return min(1.0, math.log10(1.0 + harm) / math.log10(366.0)) if harm > 0 else 0.0


def skipped_hubs(cfg: DetectorConfig) -> frozenset[str]:
    """Nodes never used as evidence: configured ignore list and detected hubs, minus allow list."""
    return (cfg.hub_ignore | cfg.hubs) - cfg.hub_allow


def touched_addresses(sub: nx.MultiDiGraph, touched: Iterable[str]) -> set[str]:
    """Addresses the new report touched, directly or as a touched person's home."""
    touched = list(touched)
    found = {n for n in touched if m.kind_of(n) == "address"}
    found |= {a for p in touched if p in sub and m.kind_of(p) == "person"
              for a in sub.successors(p) if m.kind_of(a) == "address"}
    return found


def is_hub(sub: nx.MultiDiGraph, node: str, cfg: DetectorConfig) -> bool:
    """Cheap check for a node met while traversing: known hub, or too many links to mean much."""
    if node in cfg.hub_allow:
        return False
    if node in cfg.hub_ignore or node in cfg.hubs:
        return True
    return (m.kind_of(node) in IDENTIFIER_KINDS
            and len(sub.nodes[node].get("report_ids") or ()) >= cfg.hub_max_reports)


def edges_between(sub: nx.MultiDiGraph, nodes: set[str],
                  types: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """Every edge ``(u, v, key)`` of ``sub`` with both ends in ``nodes`` (of ``types``).
    From a busy node (more neighbours than ``nodes``) only ``nodes`` are looked up."""
    wanted = frozenset(types) if types is not None else None
    succ, raw = sub.succ, _root(sub)._succ  # noqa: SLF001 - a dict: its size is O(1)
    out: list[tuple[str, str, str]] = []
    for a in nodes:
        if a not in sub:
            continue
        adj = succ[a]
        near = (v for v in nodes if v in adj) if len(raw[a]) > len(nodes) else (
            v for v in adj if v in nodes)
        for v in near:
            out.extend((a, v, k) for k in adj[v] if wanted is None or k in wanted)
    return out


def _root(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph a view (of a view...) is of; ``g`` itself when it is not a view."""
    while hasattr(g, "_graph"):
        g = g._graph  # noqa: SLF001
    return g


def _edge_data(sub: nx.MultiDiGraph, a: str, b: str, key: str) -> dict[str, Any] | None:
    try:
        return sub.succ[a][b][key]
    except KeyError:
        return None


def build(sub: nx.MultiDiGraph, *, type: str, key: str, score: float, title: str,
          summary: str, reasons: Iterable[str], report_ids: Iterable[str],
          entities: Iterable[str], links: Iterable[tuple[str, str, str]] = (),
          cluster_id: str | None = None, discounted: Iterable[str] = (),
          severity: str | None = None,
          explain: Callable[[], dict[str, Any]] | None = None) -> Finding:
    """Assemble a ``Finding`` in a deterministic order, with labels and link evidence."""
    rids = tuple(sorted(set(report_ids)))
    rset = set(rids)
    ents = tuple(sorted({e for e in entities if e in sub and m.kind_of(e) != "report"}))
    labels = tuple(str(sub.nodes[e].get("label") or e.split(":", 1)[1]) for e in ents)
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for lk in links:
        if lk not in found and (data := _edge_data(sub, *lk)) is not None:
            found[lk] = data
    lks = tuple(sorted(found))
    link_rids = tuple(
        tuple(sorted((set(found[lk]["report_ids"]) & rset) or found[lk]["report_ids"]))
        for lk in lks)
    times = [sub.nodes[report_node(r)].get("reported_at") for r in rids if report_node(r) in sub]
    times = [t for t in times if t is not None]
    score = clamp(score)
    return Finding(
        type=type, key=key, severity=severity or band(score), score=score, title=title,
        summary=summary, reasons=tuple(reasons), report_ids=rids, entities=ents, links=lks,
        cluster_id=cluster_id, discounted_hubs=tuple(sorted(set(discounted))), labels=labels,
        link_report_ids=link_rids, at=max(times) if times else None, explain=explain,
    )


def label(sub: nx.MultiDiGraph, node: str) -> str:
    return str(sub.nodes[node].get("label") or node) if node in sub else node


_OWN_EDGES = frozenset({m.USES_PHONE, m.USES_EMAIL, m.USES_IDENTIFIER})


def victims_own(sub: nx.MultiDiGraph, rid: str, node: str) -> bool:
    """The identifier is the reporting person's own in this report (their phone, email,
    connection): ``person_ref`` or ``phones`` on a victim/reporter.  A family's landline
    or a café's Wi-Fi that victims give as their own says nothing about an offender."""
    for p in involved(sub, rid, m.REPORTING_ROLES):
        for key in _OWN_EDGES:
            data = sub.get_edge_data(p, node, key=key)
            if data and rid in (data.get("report_ids") or ()):
                return True
    return False


def offender_side(sub: nx.MultiDiGraph, node: str, rids: Iterable[str]) -> list[str]:
    """The reports in which ``node`` is not a victim's own identifier."""
    return [r for r in rids if not victims_own(sub, r, node)]


def top_share(sub: nx.MultiDiGraph, rids: Iterable[str]) -> tuple[str, float]:
    """The most common report category and its share: ``(purchase, 0.8)``."""
    cats = [str(sub.nodes[report_node(r)].get("category") or "unknown") for r in rids]
    if not cats:
        return "unknown", 0.0
    best = max(sorted(set(cats)), key=cats.count)
    return best, cats.count(best) / len(cats)


def households(sub: nx.MultiDiGraph, persons: Iterable[str]) -> int:
    """Distinct households among ``persons``: people sharing a home count once."""
    seen: dict[str, str] = {}
    groups = 0
    for p in persons:
        homes = [a for a in (sub.successors(p) if p in sub else ()) if m.kind_of(a) == "address"]
        if not any(h in seen for h in homes):
            groups += 1
        for h in homes:
            seen[h] = p
    return groups
