"""Fraud detectors (domain.md s.7): mule_account, fraud_campaign, fraud_network.

* mule_account: a payee account (account/iban/card/wallet) paid by at least
  ``cfg.mule_min_victims`` distinct victims in the window.  Score 0.4 at the
  threshold, +0.08 per extra victim, +0.2 with an elderly (>= ``cfg.elderly_age``)
  or vulnerable victim, up to +0.15 for harm.  Example: 4 victims, one aged 82 -> 0.68 high.
* fraud_campaign: one sender/contact phone, email, domain or URL reaching at least
  ``cfg.campaign_min_victims`` distinct victims in fraud reports (cyber reports are
  cyber_campaign's), one script: the commonest fraud type
  covers at least ``cfg.campaign_min_type_share`` of the reports (a bank switchboard or
  a retailer's address is named by victims of every kind of fraud).  Scoring from 0.4.
* In both, a report where the identifier is the victim's own (their phone) is no evidence.
* fraud_network: reports joined through shared non-hub identifiers (hubs are
  discounted and listed), at least ``cfg.network_min_reports`` reports and
  ``cfg.network_min_shared`` shared identifiers (one shared account is a mule_account,
  one shared sender a fraud_campaign: a network joins several); a collector
  is an account sharing reports or holders with ``cfg.collector_min_mules`` mule
  accounts.  The network is followed through the whole link graph (it runs further
  than the two-hop neighbourhood), up to ``cfg.network_max_reports`` reports.  Key: the
  network's earliest-seen identifier, so it is stable as it grows.  A star is not a
  network: when one shared identifier (one site) is in at least
  ``cfg.network_max_star_share`` of the reports, the structure is that identifier's
  (mule_account, fraud_campaign or cyber_campaign; issue 19).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

import networkx as nx

from linkwatch.graph import model as m

from . import _util as u
from .base import DetectorConfig, Finding

PAYEE_KINDS = frozenset({"account", "iban", "card", "wallet"})
SENDER_KINDS = frozenset({"phone", "email", "domain", "url", "handle"})
SENDER_ROLES = frozenset({"sender", "contact", "phishing_site", "person"})
LINKING_KINDS = PAYEE_KINDS | SENDER_KINDS | frozenset({"ip", "hash", "username", "imei"})


def _victims_by_role(sub: nx.MultiDiGraph, node: str, roles: frozenset[str], now: datetime | None,
                     cfg: DetectorConfig, kinds: frozenset[str] | None = None,
                     ) -> tuple[dict[str, set[str]], list[str]]:
    """victim/reporter -> reports (of ``kinds``, default any) in which the node appears
    in one of ``roles``."""
    out: dict[str, set[str]] = {}
    rids: list[str] = []
    for rid, victims in _victim_reports(sub, node, roles, u.reports_of(
            sub, node, now, cfg.window_days), kinds):
        rids.append(rid)
        for p in victims:
            out.setdefault(p, set()).add(rid)
    return out, rids


def _paid_by(sub: nx.MultiDiGraph, account: str, now: datetime | None, cfg: DetectorConfig,
             need: int) -> bool:
    """``len(_victims_by_role(sub, account, {"payee"}, ...)[0]) >= need``, reading the
    account's reports only until ``need`` victims are found (a popular account has
    hundreds)."""
    rids = (r for r in sub.nodes[account].get("report_ids") or ()
            if u.in_window(sub, r, now, cfg.window_days))
    seen: set[str] = set()
    for _rid, victims in _victim_reports(sub, account, frozenset({"payee"}), rids):
        seen.update(victims)
        if len(seen) >= need:
            return True
    return False


def _victim_reports(sub: nx.MultiDiGraph, node: str, roles: frozenset[str],
                    rids: Iterable[str], kinds: frozenset[str] | None = None,
                    ) -> Iterator[tuple[str, list[str]]]:
    """(report, its victims or else reporters) for each of ``rids`` (in the window) in
    which ``node`` appears in one of ``roles``, or is paid or contacted by a victim, and
    is not a victim's own identifier."""
    for rid in rids:
        if u.victims_own(sub, rid, node):
            continue
        if kinds and sub.nodes[u.report_node(rid)].get("report_kind") not in kinds:
            continue
        data = sub.get_edge_data(u.report_node(rid), node, key=m.MENTIONS) or {}
        victims = u.involved(sub, rid, {"victim"})
        if data.get("role") not in roles and not _person_link(sub, node, victims):
            continue
        yield rid, victims or u.reporters(sub, rid)


def _person_link(sub: nx.MultiDiGraph, node: str, victims: list[str]) -> bool:
    return any(sub.has_edge(v, node, key=m.PAID_TO) or sub.has_edge(node, v, key=m.CONTACTED)
               for v in victims)


def _victim_finding(sub: nx.MultiDiGraph, node: str, ftype: str, by_victim: dict[str, set[str]],
                    rids: list[str], now: datetime | None, cfg: DetectorConfig,
                    verb: str) -> Finding:
    n = len(by_victim)
    threshold = cfg.mule_min_victims if ftype == "mule_account" else cfg.campaign_min_victims
    persons = sorted(p for p in by_victim if m.kind_of(p) == "person")
    vulnerable = {p: why for p in persons if (why := u.vulnerability(sub.nodes[p], now, cfg))}
    harm = u.total_harm(sub, rids)
    score = (0.4 + 0.08 * (n - threshold) + (0.2 if vulnerable else 0)
             + 0.15 * u.harm_component(harm))
    name, what = u.label(sub, node), m.kind_of(node)
    types = sorted({str(sub.nodes[u.report_node(r)].get("category") or "unknown") for r in rids})
    reasons = [f"{n} different victims {verb} {what} {name} in {len(rids)} reports within "
               f"{cfg.window_days} days (threshold {threshold})",
               f"fraud types: {', '.join(types)}"]
    if vulnerable:
        reasons.append(f"{len(vulnerable)} elderly or vulnerable victim(s): " + "; ".join(
            f"{u.label(sub, p)} ({', '.join(w)})" for p, w in sorted(vulnerable.items())))
    if harm:
        reasons.append(f"total harm {harm:g} crime-harm-index days")
    links = []
    for rid in rids:
        r = u.report_node(rid)
        links += [(r, node, m.MENTIONS), *((r, p, m.INVOLVED) for p in persons)]
    links += [(p, node, m.PAID_TO) for p in persons] + [(node, p, m.CONTACTED) for p in persons]
    title = (f"Possible mule account {name}: {n} victims" if ftype == "mule_account"
             else f"Fraud campaign via {what} {name}: {n} victims")
    return u.build(sub, type=ftype, key=f"{ftype}:{node}", score=score, title=title,
                   summary=f"{n} unrelated victims {verb} {what} {name}. " + (
                       "One account receiving money from many unrelated victims is the mark "
                       "of a money mule." if ftype == "mule_account" else
                       "One contact route reaching many victims suggests one campaign."),
                   reasons=reasons, report_ids=rids, entities=[node, *persons], links=links)


def detect_mule_account(sub: nx.MultiDiGraph, touched: set[str],
                        cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    out = []
    for node in sorted(touched):
        if node not in sub or m.kind_of(node) not in PAYEE_KINDS or u.is_hub(sub, node, cfg):
            continue
        if len(sub.nodes[node].get("report_ids") or ()) < cfg.mule_min_victims:
            continue
        by_victim, rids = _victims_by_role(sub, node, frozenset({"payee"}), now, cfg)
        if len(by_victim) >= cfg.mule_min_victims:
            out.append(_victim_finding(sub, node, "mule_account", by_victim, rids, now, cfg,
                                       "paid money into"))
    return out


def detect_fraud_campaign(sub: nx.MultiDiGraph, touched: set[str],
                          cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    out = []
    for node in sorted(touched):
        if node not in sub or m.kind_of(node) not in SENDER_KINDS or u.is_hub(sub, node, cfg):
            continue
        if len(sub.nodes[node].get("report_ids") or ()) < cfg.campaign_min_victims:
            continue
        by_victim, rids = _victims_by_role(sub, node, SENDER_ROLES - {"person"}, now, cfg,
                                           kinds=frozenset({"fraud"}))
        if (len(by_victim) >= cfg.campaign_min_victims
                and u.top_share(sub, rids)[1] >= cfg.campaign_min_type_share):
            out.append(_victim_finding(sub, node, "fraud_campaign", by_victim, rids, now, cfg,
                                       "were contacted from"))
    return out


def detect_fraud_network(sub: nx.MultiDiGraph, touched: set[str],
                         cfg: DetectorConfig) -> list[Finding]:
    now = u.now_of(sub, touched, cfg)
    starts = sorted(n for n in touched if m.kind_of(n) == "report" and n in sub
                    and sub.nodes[n].get("report_kind") in {"fraud", "cyber"})
    # a network runs further than two hops (victim -> mule -> bank report -> collector ->
    # bank report -> mule -> victim): follow it through the whole link graph that ``sub``
    # is a view of, bounded by cfg.network_max_reports
    sub = getattr(sub, "_graph", sub)
    out: dict[str, Finding] = {}
    for start in starts:
        reports, idents, hubs = _component(sub, start, now, cfg)
        mentions = Counter(i for r in reports for i in sub.successors(r) if i in idents)
        shared = {i for i, n in mentions.items() if n >= 2}
        if len(reports) < cfg.network_min_reports or len(shared) < cfg.network_min_shared:
            continue
        if _star(sub, reports, idents) >= cfg.network_max_star_share * len(reports):
            continue  # one account or sender in (nearly) every report: a mule or a campaign
        anchor = min(shared, key=lambda i: (sub.nodes[i]["first_seen"], i))
        mules = {a for a in shared if m.kind_of(a) in PAYEE_KINDS
                 and _paid_by(sub, a, now, cfg, cfg.mule_min_victims)}
        # "shares a report or holder with" is symmetric: walk out from the few mules
        # rather than from every account in the network
        fed: Counter[str] = Counter()
        for mule in mules:
            fed.update(_co_accounts(sub, mule, reports))
        collectors = sorted(a for a, n in fed.items() if n >= cfg.collector_min_mules
                            and a in idents and a not in mules)
        rids = sorted(u.rid_of(r) for r in reports)
        victims = {p for r in rids for p in u.involved(sub, r, {"victim"})}
        vulnerable = [p for p in victims if u.vulnerability(sub.nodes[p], now, cfg)]
        harm = u.total_harm(sub, rids)
        score = (0.35 + 0.03 * (len(reports) - cfg.network_min_reports) + 0.05 * len(mules)
                 + 0.15 * bool(collectors) + 0.15 * bool(vulnerable)
                 + 0.1 * u.harm_component(harm))
        reasons = [f"{len(reports)} fraud/cyber reports joined by {len(shared)} shared "
                   f"identifiers (threshold {cfg.network_min_reports} reports)"]
        if mules:
            reasons.append(f"{len(mules)} mule account(s): {', '.join(sorted(mules))}")
        if collectors:
            reasons.append(f"collector account(s) fed by mules: {', '.join(collectors)}")
        if vulnerable:
            reasons.append(f"{len(vulnerable)} elderly or vulnerable victim(s)")
        nodes = reports | shared | victims
        out[anchor] = u.build(
            sub, type="fraud_network", key=f"fraud_network:{anchor}", score=score,
            title=f"Fraud network: {len(reports)} reports, {len(shared)} shared identifiers",
            summary=(f"{len(reports)} reports are linked through shared contact routes and "
                     f"accounts ({', '.join(sorted(shared)[:5])}). "
                     + (f"{len(hubs)} innocent hub(s) were not used to link. " if hubs else "")),
            reasons=reasons, report_ids=rids, entities=shared | victims | set(collectors),
            links=u.edges_between(sub, nodes | set(collectors)), discounted=hubs,
            cluster_id=f"fraud_network:{anchor}")
    return [out[k] for k in sorted(out)]


def _component(sub: nx.MultiDiGraph, start: str, now: datetime | None,
               cfg: DetectorConfig) -> tuple[set[str], set[str], set[str]]:
    """Reports and identifiers reachable from ``start`` through non-hub identifiers in ``sub``."""
    reports, idents, hubs = {start}, set(), set()
    frontier = [start]
    while frontier and len(reports) < cfg.network_max_reports:
        r = frontier.pop()
        for i in sub.successors(r):
            if m.kind_of(i) not in LINKING_KINDS or i in idents:
                continue
            if u.is_hub(sub, i, cfg):
                hubs.add(i)
                continue
            idents.add(i)
            for r2 in sub.predecessors(i):
                if (m.kind_of(r2) == "report" and r2 not in reports
                        and u.in_window(sub, u.rid_of(r2), now, cfg.window_days)):
                    reports.add(r2)
                    frontier.append(r2)
    return reports, idents, hubs


def _star(sub: nx.MultiDiGraph, reports: set[str], idents: set[str]) -> int:
    """The most reports one shared identifier (one site for domains and URLs) is in.
    A network joins several hubs; when one of them is in nearly every report the
    structure is that hub's: a mule account, a campaign's sender, one phishing site."""
    from .cyber import site_of

    count: Counter[str] = Counter()
    for r in reports:
        count.update({site_of(sub, i) or i for i in sub.successors(r) if i in idents})
    return max(count.values(), default=0)


def _co_accounts(sub: nx.MultiDiGraph, account: str, reports: set[str]) -> set[str]:
    """Accounts sharing a report or a holder with ``account``."""
    near = set()
    for x in sub.predecessors(account):
        if x in reports or m.kind_of(x) == "person":
            near |= {a for a in sub.successors(x) if m.kind_of(a) in PAYEE_KINDS}
    return near - {account}
