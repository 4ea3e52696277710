"""Structured pruning of the knowledge graph, in numpy over edge arrays (no Python per edge).

Steps run in a fixed order, and each reports how many nodes and edges it removed:

1. ``self_loops``: edges from a node to itself;
2. ``min_node_freq``: nodes mentioned fewer times, with their edges;
3. ``min_edge_weight``: edges whose summed confidence is lower;
4. ``edge_weight_percentile``: edges below that percentile of the remaining weights;
5. ``hubs``: nodes whose degree exceeds mean + k * std (k = ``hub_std``);
6. ``min_degree``: nodes left with fewer neighbours;
7. ``k_core``: the k-core of what remains;
8. ``largest_component``: only the largest connected component.
(Step 9, ``max_nodes`` per subnetwork by PageRank, runs in the subnets stage.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kgprep.core.config import SubnetsConfig


@dataclass
class PruneResult:
    edge_keep: np.ndarray  # bool per input edge
    node_keep: np.ndarray  # bool per node
    steps: dict[str, dict[str, int]] = field(default_factory=dict)


def _degrees(subj: np.ndarray, obj: np.ndarray, keep: np.ndarray, n_nodes: int) -> np.ndarray:
    """Distinct-neighbour degree of each node over the kept, undirected edges."""
    s, o = subj[keep], obj[keep]
    lo, hi = np.minimum(s, o), np.maximum(s, o)
    pairs = np.unique(lo.astype(np.int64) * n_nodes + hi)
    a, b = pairs // n_nodes, pairs % n_nodes
    return np.bincount(a, minlength=n_nodes) + np.bincount(b, minlength=n_nodes)


def prune_graph(subj: np.ndarray, obj: np.ndarray, weight: np.ndarray, node_freq: np.ndarray,
                cfg: SubnetsConfig) -> PruneResult:
    n_nodes = len(node_freq)
    edge_keep = np.ones(len(subj), bool)
    node_keep = np.zeros(n_nodes, bool)
    node_keep[subj] = node_keep[obj] = True  # isolated nodes are never part of a subnetwork
    steps: dict[str, dict[str, int]] = {}

    def record(name: str, before_nodes: int, before_edges: int) -> None:
        # A node counts as present while it has an edge (isolated nodes are never in subnets).
        steps[name] = {"nodes_removed": before_nodes - int(node_keep.sum()),
                       "edges_removed": before_edges - int(edge_keep.sum())}

    def drop_nodes(mask: np.ndarray) -> None:
        node_keep[mask] = False
        edge_keep[~(node_keep[subj] & node_keep[obj])] = False

    def state() -> tuple[int, int]:
        return int(node_keep.sum()), int(edge_keep.sum())

    before = state()
    if cfg.drop_self_loops:
        edge_keep[subj == obj] = False
    record("self_loops", *before)

    before = state()
    drop_nodes(node_freq < cfg.min_node_freq)
    record("min_node_freq", *before)

    before = state()
    edge_keep[weight < cfg.min_edge_weight] = False
    record("min_edge_weight", *before)

    before = state()
    if cfg.edge_weight_percentile > 0 and edge_keep.any():
        cutoff = np.percentile(weight[edge_keep], cfg.edge_weight_percentile)
        edge_keep[weight < cutoff] = False
    record("edge_weight_percentile", *before)

    before = state()
    if cfg.hub_std > 0 and edge_keep.any():
        degree = _degrees(subj, obj, edge_keep, n_nodes)
        present = degree > 0
        limit = degree[present].mean() + cfg.hub_std * degree[present].std()
        drop_nodes(degree > limit)
    record("hubs", *before)

    before = state()
    if cfg.min_degree > 0:
        degree = _degrees(subj, obj, edge_keep, n_nodes)
        drop_nodes(degree < cfg.min_degree)
    record("min_degree", *before)

    before = state()
    if cfg.k_core > 0:
        # Peel nodes below k until none is left: the k-core.
        while True:
            degree = _degrees(subj, obj, edge_keep, n_nodes)
            weak = node_keep & (degree < cfg.k_core)
            if not weak.any():
                break
            drop_nodes(weak)
    record("k_core", *before)

    before = state()
    if cfg.largest_component and edge_keep.any():
        s, o = subj[edge_keep], obj[edge_keep]
        # Imported here: scipy.sparse costs ~0.2 s, and every kgprep command imports this module.
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        matrix = coo_matrix((np.ones(len(s), np.int8), (s, o)), shape=(n_nodes, n_nodes))
        _, labels = connected_components(matrix, directed=False)
        touched = np.zeros(n_nodes, bool)
        touched[s] = touched[o] = True
        sizes = np.bincount(labels[touched])
        largest = int(np.argmax(sizes))
        drop_nodes(labels != largest)
    record("largest_component", *before)

    # Nodes without any kept edge are not part of the pruned graph.
    has_edge = np.zeros(n_nodes, bool)
    has_edge[subj[edge_keep]] = True
    has_edge[obj[edge_keep]] = True
    node_keep &= has_edge
    return PruneResult(edge_keep=edge_keep, node_keep=node_keep, steps=steps)
