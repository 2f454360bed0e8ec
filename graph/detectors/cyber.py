"""cyber_campaign: reports sharing infrastructure (domain, ip, url, wallet, hash).

A touched indicator in at least ``cfg.cyber_min_reports`` reports in the window.
Score 0.4, +0.05 per extra report, +0.1 per further shared indicator (up to 0.3).
The reasons name the indicator values, so an analyst can block or search them.
"""

from __future__ import annotations

import networkx as nx

from linkwatch.graph import model as m

from . import _util as u
from .base import DetectorConfig, Finding


def detect_cyber_campaign(sub: nx.MultiDiGraph, touched: set[str],
                          cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    out = []
    for node in sorted(n for n in touched if n in sub and m.kind_of(n) in u.INFRA_KINDS):
        if u.is_hub(sub, node, cfg):
            continue
        rids = u.reports_of(sub, node, now, cfg.window_days)
        if len(rids) < cfg.cyber_min_reports:
            continue
        rnodes = [u.report_node(r) for r in rids]
        also = sorted({i for r in rnodes for i in sub.successors(r)
                       if i != node and m.kind_of(i) in u.INFRA_KINDS and not u.is_hub(sub, i, cfg)
                       and sum(1 for x in sub.predecessors(i) if x in rnodes) >= 2})
        types = sorted({str(sub.nodes[r].get("category") or "unknown") for r in rnodes})
        score = 0.4 + 0.05 * (len(rids) - cfg.cyber_min_reports) + min(0.3, 0.1 * len(also))
        reasons = [f"{m.kind_of(node)} {u.label(sub, node)} in {len(rids)} reports within "
                   f"{cfg.window_days} days (threshold {cfg.cyber_min_reports})",
                   f"cyber types: {', '.join(types)}"]
        if also:
            reasons.append("also shared: " + ", ".join(also))
        nodes = {node, *also, *rnodes}
        out.append(u.build(
            sub, type="cyber_campaign", key=f"cyber_campaign:{node}", score=score,
            title=f"Cyber campaign infrastructure {u.label(sub, node)}: {len(rids)} reports",
            summary=(f"{len(rids)} reports share {m.kind_of(node)} {u.label(sub, node)}"
                     + (f" and {len(also)} further indicator(s)" if also else "") + "."),
            reasons=reasons, report_ids=rids, entities=nodes, links=u.edges_between(sub, nodes)))
    return out
