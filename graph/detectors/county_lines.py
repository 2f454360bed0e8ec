"""county_lines and cuckooing (domain.md s.5, NCLCC: communication, movement,
violence, vulnerability).

county_lines: a candidate deal line is a touched phone marked ``deal_line`` in a
report, or named in at least ``cfg.county_lines_min_reports`` drugs reports in the
window.  Indicators, each with its weight (summed, capped at 1):

====================================  ======
communication: role ``deal_line``       0.25
communication: extra drugs reports      0.05 each, up to 0.2
communication: several places (LSOA)    0.1
movement: runner from out of area       0.15
movement: vehicle tying runners         0.05
vulnerability: child runner             0.2
vulnerability: missing episode          0.1
vulnerability: cuckooed address         0.1
violence: weapons in the reports        0.15
report marked ``county_lines``          0.1
====================================  ======

Raised when the sum reaches ``cfg.county_lines_min_score``.  Example: deal line in
2 drugs reports (0.25), one runner from B1 (0.15) -> 0.4, medium.

cuckooing: a vulnerable adult's home (domain.md s.5) with at least
``cfg.cuckoo_min_reports`` drugs/ASB reports (or reports marked ``cuckooing``) in
which that same resident is involved, and a suspect who is not them.  One resident
recurring is what tells a taken-over flat from a hostel, where each report concerns
a different one of many unrelated residents; children at an address are
child_exploitation's.
"""

from __future__ import annotations

from datetime import datetime

import networkx as nx

from linkwatch.graph import model as m

from . import _util as u
from .base import DetectorConfig, Finding

CUCKOO_CATEGORIES = frozenset({"drugs", "anti-social-behaviour"})


def _is_drugs(sub: nx.MultiDiGraph, rid: str, cfg: DetectorConfig) -> bool:
    d = sub.nodes[u.report_node(rid)]
    return d.get("category") in cfg.drugs_categories or "county_lines" in (d.get("markers") or ())


def out_of_area(data: dict, cfg: DetectorConfig) -> bool:
    """A person node's ``out_of_area`` as enrichment judged it (``rules.enrich.
    outside_force``); where it could not (home force not known), the detector's own
    estimate from the postcode's outward code against ``home_postcode_prefixes``."""
    judged = data.get("out_of_area")
    if judged is not None:
        return bool(judged)
    pc = str(data.get("postcode") or "").upper().strip()
    if not pc:
        return False
    outward = pc.split()[0] if " " in pc else pc[:-3]
    area = "".join(ch for ch in outward[:2] if ch.isalpha())
    homes = {p.upper() for p in cfg.home_postcode_prefixes}
    return outward not in homes and area not in homes


def detect_county_lines(sub: nx.MultiDiGraph, touched: set[str],
                        cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    phones = {n for n in touched if n in sub and m.kind_of(n) == "phone"}
    out = []
    for phone in sorted(phones):
        if u.is_hub(sub, phone, cfg):
            continue
        rids = u.reports_of(sub, phone, now, cfg.window_days)
        deal = [r for r in rids if (sub.get_edge_data(u.report_node(r), phone, key=m.MENTIONS)
                                    or {}).get("role") == "deal_line"]
        drugs = [r for r in rids if _is_drugs(sub, r, cfg)]
        if not deal and len(drugs) < cfg.county_lines_min_reports:
            continue
        finding = _line(sub, phone, sorted(set(deal) | set(drugs)), bool(deal), now, cfg)
        if finding:
            out.append(finding)
    return out


def _line(sub: nx.MultiDiGraph, phone: str, rids: list[str], deal: bool, now: datetime | None,
          cfg: DetectorConfig) -> Finding | None:
    reasons: list[str] = []
    score = 0.0

    def add(weight: float, why: str) -> None:
        nonlocal score
        score += weight
        reasons.append(f"{why} (+{weight:g})")

    if deal:
        add(0.25, f"{u.label(sub, phone)} recorded as a deal line")
    drugs = [r for r in rids if _is_drugs(sub, r, cfg)]
    if len(drugs) >= 2:
        add(min(0.2, 0.05 * len(drugs)), f"named in {len(drugs)} drugs reports")
    places = {sub.nodes[u.report_node(r)].get("lsoa") for r in rids} - {None}
    if len(places) >= 2:
        add(0.1, f"reports in {len(places)} different places (LSOAs)")
    holders = sorted(p for p in sub.predecessors(phone) if m.kind_of(p) == "person")
    runners = sorted({p for r in rids
                      for p in u.involved(sub, r, m.OFFENDER_ROLES | {"associate"})})
    people = sorted(set(holders) | set(runners))
    far = [p for p in people if out_of_area(sub.nodes[p], cfg)]
    if far:
        add(0.15, f"{len(far)} person(s) from outside the force area")
    children = [p for p in people if u.is_child(sub.nodes[p], now, cfg)]
    if children:
        add(0.2, f"{len(children)} child(ren) involved")
    missing = [p for p in people if "missing_episode" in (sub.nodes[p].get("flags") or ())]
    if missing:
        add(0.1, f"{len(missing)} person(s) with missing episodes")
    weapons = sorted({w for r in rids for w in sub.nodes[u.report_node(r)].get("weapons") or ()})
    if weapons:
        add(0.15, f"weapons: {', '.join(weapons)}")
    vehicles = sorted({v for p in people for v in sub.successors(p)
                       if m.kind_of(v) == "vehicle" and not u.is_hub(sub, v, cfg)})
    if vehicles:
        add(0.05, "vehicle(s) tie people to the line: "
                  f"{', '.join(u.label(sub, v) for v in vehicles)}")
    homes = sorted({a for p in people for a in sub.successors(p) if m.kind_of(a) == "address"})
    cuckooed = [a for a in homes if _cuckoo_evidence(sub, a, now, cfg)]
    if cuckooed:
        add(0.1, f"cuckooed address(es): {', '.join(u.label(sub, a) for a in cuckooed)}")
    if any("county_lines" in (sub.nodes[u.report_node(r)].get("markers") or ()) for r in rids):
        add(0.1, "report(s) marked county_lines")
    if score < cfg.county_lines_min_score:
        return None
    nodes = {phone, *people, *vehicles, *cuckooed, *(u.report_node(r) for r in rids)}
    return u.build(
        sub, type="county_lines", key=f"county_lines:{phone}", score=score,
        title=f"County line suspected: {u.label(sub, phone)}, {len(rids)} reports",
        summary=(f"Phone {u.label(sub, phone)} recurs across {len(rids)} drugs reports with "
                 f"{len(people)} people linked to it. Indicators: " + "; ".join(reasons) + "."),
        reasons=reasons, report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes),
        cluster_id=f"county_lines:{phone}")


def _cuckoo_evidence(sub: nx.MultiDiGraph, address: str, now: datetime | None,
                     cfg: DetectorConfig) -> tuple[list[str], list[str]] | None:
    rids = [r for r in u.reports_of(sub, address, now, cfg.window_days)
            if (sub.nodes[u.report_node(r)].get("category")
                in CUCKOO_CATEGORIES | cfg.drugs_categories
                or "cuckooing" in (sub.nodes[u.report_node(r)].get("markers") or ()))]
    residents = [p for p in sub.predecessors(address) if m.kind_of(p) == "person"]
    vulnerable = [p for p in residents if u.vulnerability(sub.nodes[p], now, cfg)
                  and not u.is_child(sub.nodes[p], now, cfg)
                  and not (sub.nodes[p].get("roles") or set()) <= m.OFFENDER_ROLES]
    if len(rids) < cfg.cuckoo_min_reports or not vulnerable:
        return None
    involved = {p: [r for r in rids if p in u.involved(sub, r)] for p in vulnerable}
    recurring = sorted(p for p, rs in involved.items() if len(rs) >= cfg.cuckoo_min_reports)
    rids = sorted({r for p in recurring for r in involved[p]})
    visitors = {s for r in rids for s in u.involved(sub, r, m.OFFENDER_ROLES)} - set(recurring)
    if not recurring or not visitors:
        return None
    return rids, recurring


def detect_cuckooing(sub: nx.MultiDiGraph, touched: set[str],
                     cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    addresses = u.touched_addresses(sub, touched)
    out = []
    for addr in sorted(addresses):
        if addr not in sub or u.is_hub(sub, addr, cfg):
            continue
        ev = _cuckoo_evidence(sub, addr, now, cfg)
        if not ev:
            continue
        rids, vulnerable = ev
        visitors = sorted({p for r in rids for p in u.involved(sub, r, m.OFFENDER_ROLES)}
                          - set(vulnerable))
        far = [p for p in visitors if out_of_area(sub.nodes[p], cfg)]
        score = 0.45 + 0.05 * (len(rids) - cfg.cuckoo_min_reports) + 0.05 * len(visitors) \
            + 0.1 * bool(far)
        reasons = [f"{len(rids)} drugs/ASB reports linked to {u.label(sub, addr)} within "
                   f"{cfg.window_days} days (threshold {cfg.cuckoo_min_reports})",
                   "vulnerable resident(s): " + "; ".join(
                       f"{u.label(sub, p)} ({', '.join(u.vulnerability(sub.nodes[p], now, cfg))})"
                       for p in vulnerable)]
        if visitors:
            reasons.append(f"{len(visitors)} suspect(s) linked to the address"
                           + (f", {len(far)} from outside the force area" if far else ""))
        nodes = {addr, *vulnerable, *visitors, *(u.report_node(r) for r in rids)}
        out.append(u.build(
            sub, type="cuckooing", key=f"cuckooing:{addr}", score=score,
            title=f"Possible cuckooing at {u.label(sub, addr)}",
            summary=(f"A vulnerable resident's home at {u.label(sub, addr)} appears in "
                     f"{len(rids)} drugs/ASB reports with {len(visitors)} suspect(s)."),
            reasons=reasons, report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes)))
    return out
