"""cyber_campaign: reports sharing infrastructure (domain, ip, url, wallet, hash).

One phishing site is one piece of infrastructure however it is written: its domain
nodes and URL nodes are grouped by registered domain (``www.bank-verify.com``,
``BANK-VERIFY.com`` and ``http://bank-verify.com/login?id=7`` are one site).

A touched indicator whose site (or itself, for an IP, wallet or hash) is in at least
``cfg.cyber_min_reports`` reports in the window, not counting reports where it is
the victim's own (their connection, their wallet).  An IP address alone is not a
campaign (NAT, public Wi-Fi, VPN exits and shared hosting put strangers behind one
address): it needs a further shared indicator.  Score 0.4, +0.05 per extra report,
+0.1 per further shared indicator (up to 0.3).  The reasons name the indicator
values, so an analyst can block or search them.

One campaign is one alert: the key is the earliest-seen site among the shared
indicators (else the earliest-seen indicator), so it stays put as more of them
reach the threshold.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import networkx as nx

from linkwatch.graph import model as m
from linkwatch.rules.normalise import registered_domain

from . import _util as u
from .base import DetectorConfig, Finding

SITE_KINDS = frozenset({"domain", "url"})


def site_of(sub: nx.MultiDiGraph, node: str) -> str | None:
    """``domain:www.x.co.uk`` / ``url:http://x.co.uk/a`` -> ``x.co.uk``; else ``None``."""
    if m.kind_of(node) not in SITE_KINDS:
        return None
    value = node.split(":", 1)[1]
    host = urlsplit(value).hostname if m.kind_of(node) == "url" else value
    return registered_domain(host.lower()) if host else None


def _group(g: nx.MultiDiGraph, node: str, cfg: DetectorConfig) -> tuple[str | None, set[str]]:
    """The node's site and every non-hub domain/URL node of that site: the domain as
    written with and without ``www.`` (looked up directly, however far apart in the
    graph), and the URLs named in their reports."""
    site = site_of(g, node)
    if site is None:
        return None, {node}
    domains = {node} | {d for d in (f"domain:{site}", f"domain:www.{site}") if d in g}
    near = {x for d in domains for r in g.predecessors(d) for x in g.successors(r)}
    return site, {x for x in domains | near if m.kind_of(x) in SITE_KINDS
                  and not u.is_hub(g, x, cfg) and site_of(g, x) == site}


def _reports(sub: nx.MultiDiGraph, nodes: set[str], now: datetime | None,
             cfg: DetectorConfig) -> list[str]:
    return sorted({r for x in nodes
                   for r in u.offender_side(sub, x, u.reports_of(sub, x, now, cfg.window_days))})


def detect_cyber_campaign(sub: nx.MultiDiGraph, touched: set[str],
                          cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    # one site written two ways may share no other node: read the whole graph ``sub`` is
    # a view of (direct lookups only, so the work stays bounded)
    sub = getattr(sub, "_graph", sub)
    out: dict[str, Finding] = {}
    for node in sorted(n for n in touched if n in sub and m.kind_of(n) in u.INFRA_KINDS):
        if u.is_hub(sub, node, cfg):
            continue
        site, group = _group(sub, node, cfg)
        rids = _reports(sub, group, now, cfg)
        if len(rids) < cfg.cyber_min_reports:
            continue
        rnodes = [u.report_node(r) for r in rids]
        shared = {i for r in rnodes for i in sub.successors(r)
                  if i not in group and m.kind_of(i) in u.INFRA_KINDS
                  and not u.is_hub(sub, i, cfg)
                  and sum(1 for x in sub.predecessors(i) if x in rnodes) >= 2}
        others = {site_of(sub, i) or i for i in shared} - {site}
        if m.kind_of(node) == "ip" and not others:
            continue
        anchor = _anchor(sub, group | shared)
        if anchor in out and len(out[anchor].report_ids) >= len(rids):
            continue
        types = sorted({str(sub.nodes[r].get("category") or "unknown") for r in rnodes})
        what = f"site {site}" if site else f"{m.kind_of(node)} {u.label(sub, node)}"
        score = 0.4 + 0.05 * (len(rids) - cfg.cyber_min_reports) + min(0.3, 0.1 * len(others))
        reasons = [f"{what} in {len(rids)} reports within {cfg.window_days} days "
                   f"(threshold {cfg.cyber_min_reports})"
                   + (f", written {len(group)} ways" if len(group) > 1 else ""),
                   f"cyber types: {', '.join(types)}"]
        if others:
            reasons.append("also shared: " + ", ".join(sorted(others)))
        nodes = {*group, *shared, *rnodes}
        out[anchor] = u.build(
            sub, type="cyber_campaign", key=f"cyber_campaign:{anchor}", score=score,
            title=f"Cyber campaign infrastructure {site or u.label(sub, node)}: "
                  f"{len(rids)} reports",
            summary=(f"{len(rids)} reports share {what}"
                     + (f" and {len(others)} further indicator(s)" if others else "") + "."),
            reasons=reasons, report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes),
            cluster_id=f"cyber_campaign:{anchor}")
    return [out[k] for k in sorted(out)]


def _anchor(sub: nx.MultiDiGraph, nodes: set[str]) -> str:
    """The campaign's stable name: its earliest-seen site, else its earliest indicator."""
    def seen(x: str) -> tuple:
        return (sub.nodes[x]["first_seen"], x)
    sited = [x for x in nodes if site_of(sub, x)]
    if sited:
        return f"site:{site_of(sub, min(sited, key=seen))}"
    return min(nodes, key=seen)
