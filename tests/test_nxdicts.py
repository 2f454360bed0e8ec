"""The ocg detector's Louvain and betweenness over plain dicts give what networkx's
give: the same communities and the same figures, to the bit, for the same graph and
seed, on graphs like the detector's (balls of up to 32 co-offenders) and on arbitrary
ones (any node order, repeated pairs, self-loops, several components, heavy weights)."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from linkwatch.graph.detectors._nxdicts import betweenness_centrality, louvain_communities


def _nx(nodes: list[str], edges: list[tuple[str, str, int]], seed: int) -> list[set[str]]:
    h = nx.Graph()
    h.add_nodes_from(nodes)
    for u, v, w in edges:
        h.add_edge(u, v, weight=w)
    return nx.community.louvain_communities(h, weight="weight", seed=seed)


def _random_graph(rng: random.Random) -> tuple[list[str], list[tuple[str, str, int]]]:
    nodes = list(dict.fromkeys(f"person:E{rng.randrange(10_000):05d}"
                               for _ in range(rng.randint(2, 48))))
    if rng.random() < 0.5:
        nodes.sort()          # as the detector builds them
    edges = []
    for _ in range(rng.randint(1, 3 * len(nodes))):
        u, v = (rng.sample(nodes, 2) if len(nodes) > 1 and rng.random() > 0.03
                else (rng.choice(nodes),) * 2)
        edges.append((u, v, rng.choice((1, 1, 1, 2, 3, 40))))
    return nodes, edges


@pytest.mark.parametrize("block", range(4))
def test_same_communities_as_networkx(block: int) -> None:
    rng = random.Random(block)
    for case in range(500):
        nodes, edges = _random_graph(rng)
        seed = rng.randrange(1000)
        got = louvain_communities(nodes, edges, seed)
        assert got == _nx(nodes, edges, seed), (block, case)


def test_same_communities_on_groups_with_brokers() -> None:
    """Dense crews linked by a few brokers, the shape the detector is for."""
    rng = random.Random(99)
    for case in range(200):
        crews = [[f"person:c{k}m{i}" for i in range(rng.randint(3, 8))]
                 for k in range(rng.randint(2, 5))]
        edges = [(a, b, rng.randint(1, 4)) for crew in crews for i, a in enumerate(crew)
                 for b in crew[i + 1:] if rng.random() < 0.7]
        for c1, c2 in zip(crews, crews[1:], strict=False):
            edges.append((rng.choice(c1), rng.choice(c2), 1))
        nodes = sorted(p for crew in crews for p in crew)
        edges = sorted((min(u, v), max(u, v), w) for u, v, w in edges)
        assert louvain_communities(nodes, edges, 42) == _nx(nodes, edges, 42), case


def test_no_edges_is_every_node_alone() -> None:
    assert louvain_communities(["a", "b"], [], 42) == [{"a"}, {"b"}] == _nx(["a", "b"], [], 42)


def _adjacency(nodes: list[str], edges: list[tuple[str, str, int]]) -> dict[str, list[str]]:
    """``G[v]`` of the ``nx.Graph`` built from ``nodes`` then ``edges`` (first insertion
    keeps its place; a self-loop once)."""
    adj: dict[str, dict[str, None]] = {v: {} for v in nodes}
    for u, v, _ in edges:
        adj[u][v] = None
        adj[v][u] = None
    return {v: list(nbrs) for v, nbrs in adj.items()}


@pytest.mark.parametrize("block", range(2))
def test_same_betweenness_as_networkx(block: int) -> None:
    """Exact (every node a source) and sampled (``k`` sources, as the detector asks for
    more than 32 persons), figure for figure."""
    rng = random.Random(100 + block)
    for case in range(400):
        nodes, edges = _random_graph(rng)
        h = nx.Graph()
        h.add_nodes_from(nodes)
        h.add_edges_from((u, v) for u, v, _ in edges)
        seed = rng.randrange(1000)
        k = rng.choice((None, None, 1, 2, min(len(nodes), 8), len(nodes)))
        want = nx.betweenness_centrality(h, k=k, seed=seed)
        got = betweenness_centrality(_adjacency(nodes, edges), k=k, seed=seed)
        assert list(got) == list(want), (block, case)
        assert all(a == b or (math.isnan(a) and math.isnan(b))  # k=1: 0/0 for its source
                   for a, b in zip(got.values(), want.values(), strict=True)), (block, case, k)
