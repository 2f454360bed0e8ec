"""repeat_victim and knife_crime.

* repeat_victim: one resolved person a victim at least ``cfg.repeat_victim_min`` times
  in the window.  Score 0.4, +0.1 per extra time, +0.25 when any report is marked
  ``domestic_abuse``, +0.15 when vulnerable.  Example: 3 domestic-abuse reports -> 0.65 high.
* knife_crime: at least ``cfg.knife_min_incidents`` incidents with a knife or blade
  (weapons or marker, any case or wording: "Knife", "bladed article") in the same
  LSOA, or within ``cfg.knife_radius_m`` metres, within
  ``cfg.knife_window_days`` days.  Score 0.45, +0.1 per extra incident, up to +0.2 for harm.
"""

from __future__ import annotations

import math
from datetime import timedelta

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.rules.normalise import key_text

from . import _util as u
from .base import DetectorConfig, Finding


def detect_repeat_victim(sub: nx.MultiDiGraph, touched: set[str],
                         cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    out = []
    for p in sorted(n for n in touched if n in sub and m.kind_of(n) == "person"):
        if len(sub.nodes[p].get("report_ids") or ()) < cfg.repeat_victim_min:
            continue  # cheap exit: not in enough reports at all
        rids = sorted(u.rid_of(r) for r, _, k, d in sub.in_edges(p, keys=True, data=True)
                      if k == m.INVOLVED and d.get("role") == "victim"
                      and u.in_window(sub, u.rid_of(r), now, cfg.window_days))
        if len(rids) < cfg.repeat_victim_min:
            continue
        da = [r for r in rids if "domestic_abuse" in (sub.nodes[u.report_node(r)].get("markers")
                                                     or ())]
        why = u.vulnerability(sub.nodes[p], now, cfg)
        score = 0.4 + 0.1 * (len(rids) - cfg.repeat_victim_min) + 0.25 * bool(da) + 0.15 * bool(why)
        reasons = [f"{u.label(sub, p)} was the victim in {len(rids)} reports within "
                   f"{cfg.window_days} days (threshold {cfg.repeat_victim_min})"]
        if da:
            reasons.append(f"{len(da)} of them domestic abuse")
        if why:
            reasons.append(f"vulnerable: {', '.join(why)}")
        suspects = sorted(s for s in sub.successors(p) if sub.has_edge(p, s, key=m.VICTIM_OF))
        nodes = {p, *suspects, *(u.report_node(r) for r in rids)}
        out.append(u.build(
            sub, type="repeat_victim", key=f"repeat_victim:{p}", score=score,
            title=f"Repeat victim: {u.label(sub, p)} ({len(rids)} reports)",
            summary=(f"{u.label(sub, p)} has been a victim {len(rids)} times in "
                     f"{cfg.window_days} days" + (", including domestic abuse." if da else ".")),
            reasons=reasons, report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes)))
    return out


BLADE_WORDS = ("knife", "knives", "blade", "machete")  # "Knife", "kitchen knife", "bladed article"


def _knife(d: dict) -> bool:
    words = [key_text(str(w)) for w in (*(d.get("weapons") or ()), *(d.get("markers") or ()))]
    return any(b in w for w in words for b in BLADE_WORDS)


def _metres(a: dict, b: dict) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def detect_knife_crime(sub: nx.MultiDiGraph, touched: set[str],
                       cfg: DetectorConfig) -> list[Finding]:
    """Clusters around each touched knife incident (bounded: its LSOA's reports in ``sub``)."""
    out = []
    for r in sorted(n for n in touched if n in sub and m.kind_of(n) == "report"):
        d = sub.nodes[r]
        if not _knife(d):
            continue
        now, span = d.get("reported_at"), timedelta(days=cfg.knife_window_days)
        near = {r}
        loc = f"location:{d['lsoa']}" if d.get("lsoa") else None
        candidates = set(sub.predecessors(loc)) if loc and loc in sub else set()
        # same LSOA, or within the radius (candidates: reports two hops away in sub)
        if d.get("lat") is not None:
            candidates |= {x for x in sub if m.kind_of(x) == "report"
                           and sub.nodes[x].get("lat") is not None} if len(sub) < 5000 else set()
        for x in candidates:
            xd = sub.nodes[x]
            if m.kind_of(x) != "report" or not _knife(xd) or xd.get("duplicate_of"):
                continue
            if now and xd.get("reported_at") and abs(xd["reported_at"] - now) > span:
                continue
            same_place = loc and xd.get("lsoa") == d.get("lsoa")
            if same_place or (d.get("lat") is not None and xd.get("lat") is not None
                              and _metres(d, xd) <= cfg.knife_radius_m):
                near.add(x)
        if len(near) < cfg.knife_min_incidents:
            continue
        rids = sorted(u.rid_of(x) for x in near)
        harm = u.total_harm(sub, rids)
        score = 0.45 + 0.1 * (len(rids) - cfg.knife_min_incidents) + 0.2 * u.harm_component(harm)
        place = d.get("lsoa") or f"{d.get('lat')},{d.get('lon')}"
        key_place = loc or f"grid:{round(d['lat'], 2)},{round(d['lon'], 2)}"
        suspects = sorted({p for rid in rids for p in u.involved(sub, rid, m.OFFENDER_ROLES)})
        nodes = {*near, *suspects} | ({loc} if loc and loc in sub else set())
        out.append(u.build(
            sub, type="knife_crime", key=f"knife_crime:{key_place}", score=score,
            title=f"Knife crime cluster near {place}: {len(rids)} incidents",
            summary=(f"{len(rids)} incidents involving knives within {cfg.knife_window_days} "
                     f"days near {place}."),
            reasons=[f"{len(rids)} knife incidents in the same LSOA or within "
                     f"{cfg.knife_radius_m:g} m within {cfg.knife_window_days} days "
                     f"(threshold {cfg.knife_min_incidents})"]
            + ([f"total harm {harm:g} crime-harm-index days"] if harm else []),
            report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes)))
    return out
