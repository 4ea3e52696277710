"""Subnetwork drawings for the report: a connected piece of each subnetwork, relations on its edges.

``connected_core`` is pure (ids in, ids out); ``draw`` turns a ``Drawing`` into a matplotlib figure.
A subnetwork is often several unconnected pieces (a seeded domain gathers nodes by PageRank, not by
adjacency), so drawing its top nodes by score leaves floating nodes; the drawing instead grows one
connected set of nodes inside the subnetwork's largest connected part, best-scored node first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

NODE_CHARS = 26  # longer labels are cut with an ellipsis so they do not run over their neighbours
RELATION_CHARS = 22
NODE_SIZE = 120


@dataclass(frozen=True)
class Drawing:
    name: str
    labels: list[str]  # node labels, in the order the nodes were chosen
    edges: list[tuple[int, int, str]]  # (subject index, object index, relation label(s))
    subnet_nodes: int  # nodes in the whole subnetwork
    component_nodes: int  # nodes in its largest connected part


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def connected_core(edges: list[tuple[int, int, int, float]], scores: dict[int, float],
                   k: int) -> tuple[list[int], list[tuple[int, int, int]], int]:
    """Up to ``k`` nodes forming one connected subgraph of ``edges`` (subject, relation, object,
    weight), and the edges among them (subject, relation, object; self-loops left out).

    The nodes come from the largest connected part (ties: higher total score, then smaller least
    node id). It starts at that part's best-scored node and adds, one at a time, the neighbour of
    the chosen set with the best score (ties: the heavier link to the chosen set, then the smaller
    id), so every added node has an edge to the set: the result is connected, with no isolated node.
    Also returns the size of the largest connected part. Deterministic for the same input.
    """
    adjacency: dict[int, dict[int, float]] = defaultdict(dict)
    for subj, _, obj, weight in edges:
        if subj == obj:
            continue
        adjacency[subj][obj] = adjacency[subj].get(obj, 0.0) + weight
        adjacency[obj][subj] = adjacency[obj].get(subj, 0.0) + weight
    if not adjacency or k < 2:
        return [], [], 0
    seen: set[int] = set()
    components: list[list[int]] = []
    for start in sorted(adjacency):
        if start in seen:
            continue
        seen.add(start)
        stack, part = [start], []
        while stack:
            node = stack.pop()
            part.append(node)
            for other in adjacency[node]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        components.append(part)
    best = max(components, key=lambda c: (len(c), sum(scores.get(n, 0.0) for n in c), -min(c)))
    seed = max(best, key=lambda n: (scores.get(n, 0.0), sum(adjacency[n].values()), -n))
    chosen, chosen_set = [seed], {seed}
    link: dict[int, float] = dict(adjacency[seed])  # frontier node -> weight of links to the set
    while link and len(chosen) < k:
        node = max(link, key=lambda n: (scores.get(n, 0.0), link[n], -n))
        del link[node]
        chosen.append(node)
        chosen_set.add(node)
        for other, weight in adjacency[node].items():
            if other not in chosen_set:
                link[other] = link.get(other, 0.0) + weight
    inside = sorted({(s, r, o) for s, r, o, _ in edges
                     if s != o and s in chosen_set and o in chosen_set})
    return chosen, inside, len(best)


def drawing_for(name: str, edges: list[tuple[int, int, int, float]], scores: dict[int, float],
                k: int, node_labels: list[str], relation_labels: list[str]) -> Drawing:
    """The ``Drawing`` of one subnetwork: its connected core, labelled by readable names; the
    relations between the same subject and object are joined into one edge label."""
    chosen, inside, component = connected_core(edges, scores, k)
    index = {node: i for i, node in enumerate(chosen)}
    names: dict[tuple[int, int], list[str]] = defaultdict(list)
    for subj, rel, obj in inside:
        label = relation_labels[rel]
        if label not in names[(index[subj], index[obj])]:
            names[(index[subj], index[obj])].append(label)
    return Drawing(
        name=name,
        labels=[node_labels[n] for n in chosen],
        edges=[(a, b, " / ".join(sorted(ls))) for (a, b), ls in sorted(names.items())],
        subnet_nodes=len(scores),
        component_nodes=component,
    )


def positions(graph: Any) -> dict[int, Any]:
    """Node positions that fill the picture. Kamada-Kawai places a tree readably but leaves a long
    thin one in a narrow band; turned so its longest extent runs across the (wide) figure and
    stretched on each axis to fill it, close nodes move apart. No randomness: same data, same
    picture."""
    import networkx as nx
    import numpy as np

    placed = nx.kamada_kawai_layout(graph)
    nodes = sorted(placed)
    points = np.array([placed[n] for n in nodes], float)
    points -= points.mean(axis=0)
    if len(nodes) > 2:
        _, _, axes = np.linalg.svd(points, full_matrices=False)
        points = points @ axes.T
    spread = np.ptp(points, axis=0)
    points /= np.where(spread > 1e-9, spread / 2, 1.0)
    return {n: points[i] for i, n in enumerate(nodes)}


def draw(drawing: Drawing) -> Any:
    """A matplotlib figure: nodes labelled, arrows from subject to object, each edge labelled with
    its relation. The layout (Kamada-Kawai from a circle) has no randomness: same data, same PNG."""
    import matplotlib.pyplot as plt
    import networkx as nx

    fig, ax = plt.subplots(figsize=(8, 6))
    ax.set_title(f"{shorten(drawing.name, 80)}\n{len(drawing.labels)} of "
                 f"{drawing.subnet_nodes} nodes, from its largest connected part "
                 f"({drawing.component_nodes} nodes)", fontsize=9)
    ax.axis("off")
    if not drawing.labels:
        ax.text(0.5, 0.5, "no edges inside this subnetwork", ha="center", va="center",
                color="#666666", transform=ax.transAxes)
        return fig
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(range(len(drawing.labels)))
    graph.add_edges_from((a, b) for a, b, _ in drawing.edges)
    layout = positions(graph.to_undirected())
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_size=NODE_SIZE, node_color="#9ecae1",
                           edgecolors="#3b7dd8")
    # Both directions between two nodes: bend the pair apart so arrows and labels do not overlap.
    pairs = {(a, b) for a, b, _ in drawing.edges}
    for bent in (False, True):
        chosen = [(a, b, label) for a, b, label in drawing.edges if ((b, a) in pairs) == bent]
        if not chosen:
            continue
        style = "arc3,rad=0.2" if bent else "arc3"
        nx.draw_networkx_edges(graph, layout, ax=ax, edgelist=[(a, b) for a, b, _ in chosen],
                               edge_color="#888888", arrows=True, arrowsize=11,
                               node_size=NODE_SIZE, connectionstyle=style)
        nx.draw_networkx_edge_labels(
            graph, layout, ax=ax, connectionstyle=style, font_size=6.5, font_color="#1f6b3a",
            rotate=False,
            edge_labels={(a, b): shorten(label, RELATION_CHARS) for a, b, label in chosen},
            bbox={"boxstyle": "round,pad=0.15", "fc": "#f2f8f2", "ec": "none", "alpha": 0.85})
    # Node names just above their dots, on white, so edges and their labels do not cross them.
    for i, text in enumerate(drawing.labels):
        x, y = layout[i]
        ax.annotate(shorten(text, NODE_CHARS), (x, y), xytext=(0, 7), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7.5, zorder=5,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.8})
    ax.margins(0.12)
    return fig
