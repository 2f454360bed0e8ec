"""Read-model data shaped for the API: alert summaries, evidence, Cytoscape JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import networkx as nx

from linkwatch.graph.store import whole
from linkwatch.schemas import severity_rank
from linkwatch.view.codec import Capped, smallest

MAX_NODES = 400  # a neighbourhood bigger than this is cut (and says so)


def summary(alert: dict[str, Any], status: dict[str, Any] | None) -> dict[str, Any]:
    status = status or {}
    return {"alert_id": alert["alert_id"], "version": alert.get("version", 1),
            "type": alert.get("type", ""), "severity": alert.get("severity", "low"),
            "score": alert.get("score", 0.0), "title": alert.get("title", ""),
            "cluster_id": alert.get("cluster_id"), "reports": len(alert.get("report_ids", [])),
            "updated_at": str(alert.get("updated_at", "")),
            "status": status.get("status", "new"), "assignee": status.get("assignee")}


def evidence(g: nx.MultiDiGraph, report_ids: Iterable[str],
             home: str = "Warwickshire Police") -> list[dict[str, Any]]:
    """Each evidence report as the graph has it, with the share of its persons whose home
    force is not the report's owning force (``home`` when it names none) and their forces."""
    from linkwatch.rules.offenders import outside_share

    out = []
    for rid in report_ids:
        node = f"report:{rid}"
        data = g.nodes.get(node, {})
        persons = {p: {"home_force": g.nodes[p].get("home_force")}
                   for p in (g.successors(node) if node in g else ())
                   if p.startswith("person:")}
        share = outside_share({"force": data.get("force") or home, "persons": persons})
        out.append({"report_id": rid, "kind": data.get("report_kind"),
                    "reported_at": _plain(data.get("reported_at")),
                    "category": data.get("category"), "force": data.get("force"),
                    "markers": list(data.get("markers") or ()),
                    "outside_share": share["share"], "outside_forces": share["forces"]})
    return out


def clusters(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for a in alerts:
        cid = a.get("cluster_id")
        if not cid:
            continue
        c = found.setdefault(cid, {"cluster_id": cid, "alert_ids": [], "types": set(),
                                   "severity": "low", "entities": set()})
        c["alert_ids"].append(a["alert_id"])
        c["types"].add(a.get("type", ""))
        if severity_rank(a.get("severity")) > severity_rank(c["severity"]):
            c["severity"] = a["severity"]
        c["entities"] |= {e["entity_id"] for e in a.get("entities", [])}
    return [{**c, "alert_ids": sorted(c["alert_ids"]), "types": sorted(c["types"]),
             "entities": len(c["entities"])} for c in sorted(found.values(),
                                                              key=lambda c: c["cluster_id"])]


# the chart's elements carry at most this many ids per attribute (a hub's report_ids)
ELEMENT_IDS = 50


def cytoscape(g: nx.MultiDiGraph, limit: int = MAX_NODES,
              keep: Iterable[str] = ()) -> dict[str, Any]:
    """Cytoscape.js elements of ``g``; at most ``limit`` nodes (``keep`` first)."""
    keep = [n for n in keep if n in g]
    nodes = list(dict.fromkeys([*keep, *sorted(g.nodes)]))
    truncated = len(nodes) > limit
    chosen = set(nodes[:limit])
    elements: dict[str, list[dict[str, Any]]] = {"nodes": [], "edges": []}
    for n in nodes[:limit]:
        elements["nodes"].append({"data": {"id": n, **_attrs(whole(g, g.nodes[n]),
                                                             ELEMENT_IDS)}})
    for u, v, k, d in g.edges(keys=True, data=True):
        if u in chosen and v in chosen:
            elements["edges"].append({"data": {"id": f"{u}|{k}|{v}", "source": u, "target": v,
                                               **_attrs(d, ELEMENT_IDS), "type": k}})
    return {"elements": elements, "truncated": truncated}


def neighbourhood(view: Any, node: str, hops: int, limit: int = MAX_NODES) -> dict[str, Any]:
    """``cytoscape`` of ``node``'s ``hops`` neighbourhood in the link view, reading only the
    nodes the chart keeps: the region's ids first (hubs included, not expanded), then the
    attributes of at most ``limit`` of them (``node`` and the first by id, as ``cytoscape``
    chooses) and the edges between those."""
    ids = view.within([node], hops)
    chosen = list(dict.fromkeys([node, *sorted(ids)]))
    out = cytoscape(view.subgraph(chosen[:limit], cap=ELEMENT_IDS), limit=limit, keep=[node])
    out["truncated"] = len(chosen) > limit
    return out


def node_details(data: dict[str, Any], node_id: str, degree: int) -> dict[str, Any]:
    """One node's whole attributes (no cap) and its degree, for the details panel."""
    return {"id": node_id, **_attrs(data), "degree": degree}


def _attrs(data: Mapping[str, Any], cap: int | None = None) -> dict[str, Any]:
    """JSON-able attributes; with ``cap``, a collection longer than that (a hub's
    ``report_ids``, thousands) is cut to its first ``cap`` and ``<name>_total`` says how
    many there are (``node_details`` gives the whole list of one node)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if v is None or v == () or v == set():
            continue
        if isinstance(v, Capped):  # read from the view already cut (``view.subgraph``)
            out[k] = [_plain(x) for x in v.first[:cap]]
            out[f"{k}_total"] = v.total
        elif cap is not None and isinstance(v, (set, frozenset, list, tuple)) and len(v) > cap:
            out[k] = [_plain(x) for x in smallest(cap, v)]
            out[f"{k}_total"] = len(v)
        else:
            out[k] = _plain(v)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
