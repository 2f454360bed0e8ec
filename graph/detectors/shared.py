"""shared_identifier: one identifier or address reported by several different people.

Rule (contract 'Alert', domain.md s.7): a phone, email, account, URL, ... or
address touched by the new report, linked to reports from at least
``cfg.shared_identifier_min_reporters`` distinct reporting persons (victims or
reporters, resolved ids; a report with none counts as its own reporter) within
``cfg.window_days`` of ``cfg.now``.  Configured and detected hubs are skipped, and
so is evidence that says nothing about an offender:

* addresses and postcodes (a home shared by victims is where they live; cuckooing
  and modern_slavery read addresses);
* a report in which the identifier is the reporting person's own (``person_ref`` or
  ``phones`` on a victim: a family landline, a café's Wi-Fi);
* people sharing a home count as one reporter (a household, not several people);
* infrastructure (domain, IP, URL, wallet, hash): cyber_campaign owns it, and keeps an
  IP alone from alerting;
* reports of many different kinds: the commonest category must cover at least
  ``cfg.shared_identifier_min_type_share`` of them (a retailer's customer-service
  address is named by victims of every kind of fraud; one operation runs one script).

Score: 0.35 at the threshold, +0.08 per extra reporter, +0.15 when a reporter is
vulnerable (elderly, child, flagged), up to +0.15 for harm (Cambridge CHI days,
log scale, 365 -> full).  Example: 3 reporters, one aged 80, no harm -> 0.50 medium.
"""

from __future__ import annotations

import networkx as nx

from linkwatch.graph import model as m

from . import _util as u
from .base import DetectorConfig, Finding

PLACE_KINDS = frozenset({"address", "postcode"})


def detect_shared_identifier(sub: nx.MultiDiGraph, touched: set[str],
                             cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    skip = u.skipped_hubs(cfg)
    findings = []
    for node in sorted(touched):
        if (node not in sub or m.kind_of(node) not in u.IDENTIFIER_KINDS or node in skip
                or m.kind_of(node) in PLACE_KINDS or m.kind_of(node) in u.INFRA_KINDS):
            continue
        finding = _assess(sub, node, now, cfg)
        if finding:
            findings.append(finding)
    return findings


def _assess(sub: nx.MultiDiGraph, node: str, now, cfg: DetectorConfig) -> Finding | None:
    if len(sub.nodes[node].get("report_ids") or ()) < cfg.shared_identifier_min_reporters:
        return None  # cheap exit: too few reports to have enough reporters
    rids = u.offender_side(sub, node, u.reports_of(sub, node, now, cfg.window_days))
    by_reporter: dict[str, set[str]] = {}
    for rid in rids:
        for person in u.reporters(sub, rid):
            by_reporter.setdefault(person, set()).add(rid)
    persons = sorted(p for p in by_reporter if m.kind_of(p) == "person")
    n = u.households(sub, persons) + sum(1 for p in by_reporter if m.kind_of(p) != "person")
    if (n < cfg.shared_identifier_min_reporters
            or u.top_share(sub, rids)[1] < cfg.shared_identifier_min_type_share):
        return None
    vulnerable = {p: why for p in persons
                  if (why := u.vulnerability(sub.nodes[p], now, cfg))}
    harm = u.total_harm(sub, rids)
    score = (0.35 + 0.08 * (n - cfg.shared_identifier_min_reporters)
             + (0.15 if vulnerable else 0.0) + 0.15 * u.harm_component(harm))
    what = m.kind_of(node)
    name = u.label(sub, node)
    reasons = [
        f"{what} {name} appears in {len(rids)} reports from {n} different reporting persons "
        f"within {cfg.window_days} days (threshold {cfg.shared_identifier_min_reporters})",
    ]
    if vulnerable:
        reasons.append(f"{len(vulnerable)} vulnerable reporter(s): " + "; ".join(
            f"{u.label(sub, p)} ({', '.join(why)})" for p, why in sorted(vulnerable.items())))
    if harm:
        reasons.append(f"total harm {harm:g} crime-harm-index days across the reports")
    links = []
    for rid in rids:
        rnode = u.report_node(rid)
        links += [(a, b, k) for a, b, k in sub.out_edges(rnode, keys=True) if b == node]
        links += [(rnode, p, m.INVOLVED) for p in u.involved(sub, rid, m.REPORTING_ROLES)]
        links += [(p, node, k) for p in persons for k in (sub.get_edge_data(p, node) or {})]
        links += [(node, p, k) for p in persons for k in (sub.get_edge_data(node, p) or {})]
    return u.build(
        sub, type="shared_identifier", key=f"shared_identifier:{node}", score=score,
        title=f"{what} {name} reported by {n} different people",
        summary=(f"The {what} {name} links {len(rids)} reports made by {n} different "
                 f"victims or reporters in the last {cfg.window_days} days. Reports sharing "
                 f"it may be one offender or operation."),
        reasons=reasons, report_ids=rids, entities=[node, *persons], links=links,
    )
