"""Cut the part of the graph an analyst asked for, before exporting it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import networkx as nx


def select(
    g: nx.MultiDiGraph,
    *,
    alert: Mapping[str, Any] | None = None,
    cluster_id: str | None = None,
    entity: str | Iterable[str] | None = None,
    hops: int = 1,
    since: datetime | None = None,
    until: datetime | None = None,
) -> nx.MultiDiGraph:
    """A copy of the sub-graph every given filter agrees on (no filter: the whole graph).

    * ``alert``: an Alert (or its dict): its entities, link ends and ``report:<id>`` nodes.
    * ``cluster_id``: nodes whose ``cluster_id`` attribute equals it.
    * ``entity``: one node id (or several) and everything within ``hops`` of it,
      ignoring direction.
    * ``since`` / ``until``: keep edges (and nodes) seen in the window:
      ``last_seen >= since`` and ``first_seen <= until``.

    Example: ``select(g, entity="phone:+447700900123", hops=2, since=jan_1)``.
    """
    nodes: set[str] | None = None
    if alert is not None:
        nodes = _restrict(nodes, _alert_nodes(g, alert))
    if cluster_id is not None:
        nodes = _restrict(nodes, {n for n, c in g.nodes(data="cluster_id") if c == cluster_id})
    if entity is not None:
        seeds = [entity] if isinstance(entity, str) else list(entity)
        nodes = _restrict(nodes, _within(g, seeds, hops))
    sub = g.subgraph(g.nodes if nodes is None else nodes)
    if since is not None or until is not None:
        sub = sub.subgraph(n for n, d in sub.nodes(data=True) if _in_window(d, since, until))
        return _copy(sub, [(u, v, k) for u, v, k, d in sub.edges(keys=True, data=True)
                           if _in_window(d, since, until)])
    return _copy(sub, sub.edges(keys=True))


def _restrict(current: set[str] | None, new: set[str]) -> set[str]:
    return new if current is None else current & new


def alert_node_ids(alert: Mapping[str, Any]) -> set[str]:
    """The node ids an alert names: its entities, its links' ends, its reports."""
    if hasattr(alert, "model_dump"):
        alert = alert.model_dump()  # type: ignore[union-attr]
    found = {e["entity_id"] for e in alert.get("entities", ())}
    for link in alert.get("links", ()):
        found |= {link["source"], link["target"]}
    found |= {f"report:{rid}" for rid in alert.get("report_ids", ())}
    return found


def _alert_nodes(g: nx.MultiDiGraph, alert: Mapping[str, Any]) -> set[str]:
    return {n for n in alert_node_ids(alert) if n in g}


def _within(g: nx.MultiDiGraph, seeds: list[str], hops: int) -> set[str]:
    frontier = {n for n in seeds if n in g}
    seen = set(frontier)
    for _ in range(max(hops, 0)):
        nxt: set[str] = set()
        for n in frontier:
            nxt.update(g.successors(n))
            nxt.update(g.predecessors(n))
        frontier = nxt - seen
        seen |= frontier
    return seen


def _in_window(data: Mapping[str, Any], since: datetime | None, until: datetime | None) -> bool:
    last, first = data.get("last_seen"), data.get("first_seen")
    if since is not None and last is not None and last < since:
        return False
    return not (until is not None and first is not None and first > until)


def _copy(nodes_from: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str]]) -> nx.MultiDiGraph:
    """A real graph with its own attribute dicts (sets copied), not a view."""
    out = nx.MultiDiGraph(**nodes_from.graph)
    for n, d in nodes_from.nodes(data=True):
        out.add_node(n, **_own(d))
    for u, v, k in edges:
        out.add_edge(u, v, key=k, **_own(nodes_from.edges[u, v, k]))
    return out


def _own(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: set(v) if isinstance(v, set) else v for k, v in data.items()}
