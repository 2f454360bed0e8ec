"""Two networkx algorithms over plain dicts: Louvain communities
(``nx.community.louvain_communities``) and betweenness (``nx.betweenness_centrality``).

The ocg detector runs both on small co-offender graphs (at most ``LOCAL_LIMIT``
persons) on most reports that name a known offender.  networkx spends most of that
time building and viewing ``Graph`` objects (for 32 persons about 1 ms each); the same
steps on dicts take a third of it.

Each is networkx 3.x's algorithm step for step (undirected; Louvain with integer
weights, resolution 1 and its default threshold; betweenness unweighted, normalised,
without endpoints): the same node order, the same draws from ``random.Random(seed)``,
the same adjacency order (which breaks ties) and the same floating-point expressions in
the same order, so each returns what networkx returns.  ``tests/test_nxdicts.py``
checks that against networkx on thousands of graphs.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TypeVar

Adjacency = dict[Hashable, dict[Hashable, int]]  # a level's nodes: the given ones, then ints
N = TypeVar("N", bound=Hashable)  # the given nodes; communities are sets of them

THRESHOLD = 0.0000001  # networkx's default: the least modularity gain that opens a level
RESOLUTION = 1


def louvain_communities(nodes: Sequence[N], edges: Iterable[tuple[N, N, int]],
                        seed: int) -> list[set[N]]:
    """Communities of the graph of ``nodes`` and weighted ``edges``, as
    ``nx.community.louvain_communities(G, weight="weight", seed=seed)`` gives them for
    the ``nx.Graph`` built by adding ``nodes`` and then ``edges`` in the order given."""
    given = _adjacency(nodes, edges)
    partition = [{u} for u in nodes]
    if not any(given.values()):
        return partition
    rng = random.Random(seed)  # noqa: S311 - networkx's seeded draws, not secrets
    mod = _modularity(given, partition)
    adj = _adjacency(nodes, _edges(given))   # louvain_partitions' copy of the graph
    members: dict[Hashable, set[N]] = {u: {u} for u in nodes}
    m = sum(_degrees(adj).values()) / 2
    partition, inner, _ = _one_level(adj, members, m, partition, rng)
    while True:
        result = [s.copy() for s in partition]
        new_mod = _modularity(adj, inner)
        if new_mod - mod <= THRESHOLD:
            return result
        mod = new_mod
        adj, members = _gen_graph(adj, members, inner)
        partition, inner, improvement = _one_level(adj, members, m, partition, rng)
        if not improvement:
            return result


def _adjacency(nodes: Iterable[Hashable], edges: Iterable[tuple[Hashable, Hashable, int]]
               ) -> Adjacency:
    """The adjacency of the ``nx.Graph`` built by adding ``nodes``, then ``edges``."""
    adj: Adjacency = {u: {} for u in nodes}
    for u, v, w in edges:
        adj[u][v] = w
        adj[v][u] = w
    return adj


def _edges(adj: Adjacency) -> Iterator[tuple[Hashable, Hashable, int]]:
    """Each edge once, in the order ``nx.Graph.edges`` reports them."""
    seen: set[Hashable] = set()
    for u, nbrs in adj.items():
        for v, w in nbrs.items():
            if v not in seen:
                yield u, v, w
        seen.add(u)


def _degrees(adj: Adjacency) -> dict[Hashable, int]:
    """Weighted degree, a self-loop counted twice (``nx.Graph.degree``)."""
    return {u: sum(nbrs.values()) + nbrs.get(u, 0) for u, nbrs in adj.items()}


def _modularity(adj: Adjacency, communities: Sequence[AbstractSet[Hashable]]) -> float:
    """``nx.community.modularity`` (undirected), in its order of operations."""
    degree = _degrees(adj)
    deg_sum = sum(degree.values())
    m = deg_sum / 2
    norm = 1 / deg_sum**2

    def contribution(community: AbstractSet[Hashable]) -> float:
        l_c = 0
        seen: set[Hashable] = set()
        for u in community:
            for v, w in adj[u].items():
                if v in community and v not in seen:
                    l_c += w
            seen.add(u)
        s = sum(degree[u] for u in community)
        return l_c / m - RESOLUTION * s * s * norm

    return sum(map(contribution, communities))


def _one_level(adj: Adjacency, members: dict[Hashable, set[N]], m: float,
               partition: list[set[N]], rng: random.Random
               ) -> tuple[list[set[N]], list[set[Hashable]], bool]:
    """networkx's ``_one_level`` (undirected): move nodes to the neighbouring community
    of best modularity gain until none moves."""
    node2com = {u: i for i, u in enumerate(adj)}
    inner = [{u} for u in adj]
    degrees = _degrees(adj)
    stot = list(degrees.values())
    nbrs = {u: {v: w for v, w in vs.items() if v != u} for u, vs in adj.items()}
    rand_nodes = list(adj)
    rng.shuffle(rand_nodes)
    # networkx's expressions with RESOLUTION (the int 1) multiplied out and the shared
    # denominator computed once: the same floats
    twice_m_sq = 2 * m**2
    nb_moves = 1
    improvement = False
    while nb_moves > 0:
        nb_moves = 0
        for u in rand_nodes:
            best_mod: float = 0  # networkx's int 0: the same comparisons
            own = best_com = node2com[u]
            weights2com: defaultdict[int, float] = defaultdict(float)
            for nbr, wt in nbrs[u].items():
                weights2com[node2com[nbr]] += wt
            degree = degrees[u]
            stot[own] -= degree
            remove_cost = -weights2com[own] / m + (stot[own] * degree) / twice_m_sq
            for nbr_com, com_wt in weights2com.items():
                gain = remove_cost + com_wt / m - (stot[nbr_com] * degree) / twice_m_sq
                if gain > best_mod:
                    best_mod = gain
                    best_com = nbr_com
            stot[best_com] += degree
            if best_com != own:
                com = members[u]
                partition[own].difference_update(com)
                inner[own].remove(u)
                partition[best_com].update(com)
                inner[best_com].add(u)
                improvement = True
                nb_moves += 1
                node2com[u] = best_com
    return list(filter(len, partition)), list(filter(len, inner)), improvement


def _gen_graph(adj: Adjacency, members: dict[Hashable, set[N]],
               inner: list[set[Hashable]]) -> tuple[Adjacency, dict[Hashable, set[N]]]:
    """networkx's ``_gen_graph``: one node per community, edge weights summed."""
    node2com: dict[Hashable, int] = {}
    new_members: dict[Hashable, set[N]] = {}
    for i, part in enumerate(inner):
        nodes: set[N] = set()
        for node in part:
            node2com[node] = i
            nodes.update(members[node])
        new_members[i] = nodes
    h: Adjacency = {i: {} for i in range(len(inner))}
    for u, v, w in _edges(adj):
        cu, cv = node2com[u], node2com[v]
        total = w + h[cu].get(cv, 0)
        h[cu][cv] = total
        h[cv][cu] = total
    return h, new_members


def betweenness_centrality(adj: Mapping[N, Sequence[N]], k: int | None = None,
                           seed: int | None = None) -> dict[N, float]:
    """``nx.betweenness_centrality(G, k=k, seed=seed)`` for the undirected graph whose
    ``G[v]`` iterates as ``adj[v]`` (every node a key, in ``G``'s node order).

    Nodes are numbered in that order and the work is done on lists (the figures and the
    order of every addition are networkx's)."""
    nodes = list(adj)
    index = {v: i for i, v in enumerate(nodes)}
    nbrs = [[index[w] for w in adj[v]] for v in nodes]
    between = [0.0] * len(nodes)
    if k == len(nodes):
        k = None
    sources = (range(len(nodes)) if k is None
               else [index[v] for v in random.Random(seed).sample(nodes, k)])  # noqa: S311
    for s in sources:
        order, preds, sigma = _shortest_paths(nbrs, s)
        delta: list[float] = [0] * len(nodes)  # ints until added to, as networkx's
        while order:
            w = order.pop()
            coeff = (1 + delta[w]) / sigma[w]
            for v in preds[w]:
                delta[v] += sigma[v] * coeff
            if w != s:
                between[w] += delta[w]
    n = len(nodes) - 1     # networkx's N: pairs (s, t) with t != v (no endpoints)
    if n >= 2 and k is None:
        scale = 1 / (n * (n - 1))
        if scale != 1:
            between = [b * scale for b in between]
    elif n >= 2 and k is not None:  # always so here: the line above took k is None
        scale_source = 1 / ((k - 1) * (n - 1)) if k > 1 else math.nan
        scale_other = 1 / (k * (n - 1))
        sampled = set(sources)
        between = [b * (scale_source if i in sampled else scale_other)
                   for i, b in enumerate(between)]
    return dict(zip(nodes, between, strict=True))


def _shortest_paths(nbrs: list[list[int]], s: int
                    ) -> tuple[list[int], list[list[int]], list[float]]:
    """Breadth-first from ``s``: nodes in the order reached, each node's predecessors on
    shortest paths and the number of those paths (networkx's
    ``_single_source_shortest_path_basic``)."""
    order: list[int] = []
    preds: list[list[int]] = [[] for _ in nbrs]
    sigma = [0.0] * len(nbrs)
    dist = [-1] * len(nbrs)
    dist[s] = 0
    sigma[s] = 1.0
    queue = deque([s])
    while queue:
        v = queue.popleft()
        order.append(v)
        dv = dist[v] + 1
        sigmav = sigma[v]
        for w in nbrs[v]:
            if dist[w] < 0:
                queue.append(w)
                dist[w] = dv
            if dist[w] == dv:
                sigma[w] += sigmav
                preds[w].append(v)
    return order, preds, sigma
