from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest

from kgprep.config import SubnetsConfig
from kgprep.graph import build_nx
from kgprep.prune import prune_graph
from kgprep.subnets import (
    DomainsError,
    assign_domains,
    cap_members,
    edge_subnets,
    find_communities,
    load_domains,
    match_seeds,
)


def two_cliques_with_a_bridge() -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(range(8))
    for group in ((0, 1, 2, 3), (4, 5, 6, 7)):
        for a in group:
            for b in group:
                if a < b:
                    graph.add_edge(a, b, weight=1.0)
    graph.add_edge(3, 4, weight=0.1)
    return graph


def test_seeded_ppr_separates_communities():
    members = assign_domains(two_cliques_with_a_bridge(), [[0], [7]], SubnetsConfig())
    assert set(members[0]) == {0, 1, 2, 3}
    assert set(members[1]) == {4, 5, 6, 7}
    assert members[0][0] == pytest.approx(1.0)


def test_a_bridge_node_can_belong_to_two_domains():
    graph = two_cliques_with_a_bridge()
    graph.add_edge(8, 0, weight=1.0)
    graph.add_edge(8, 7, weight=1.0)
    members = assign_domains(graph, [[0], [7]], SubnetsConfig())
    assert 8 in members[0] and 8 in members[1]


def test_max_nodes_keeps_the_top_scores():
    capped = cap_members({0: 1.0, 1: 0.2, 2: 0.7, 3: 0.7}, 2)
    assert capped == {0: 1.0, 2: 0.7}


def test_louvain_communities_are_deterministic_and_split_when_too_large():
    graph = two_cliques_with_a_bridge()
    cfg = SubnetsConfig(min_cluster_size=2)
    first = find_communities(graph, cfg)
    assert [sorted(c) for c in first] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert [sorted(c) for c in find_communities(graph, cfg)] == [sorted(c) for c in first]
    whole = nx.complete_graph(12)
    nx.set_edge_attributes(whole, 1.0, "weight")
    big = nx.disjoint_union(whole, nx.path_graph(3))
    nx.set_edge_attributes(big, 1.0, "weight")
    split = find_communities(big, dataclasses.replace(cfg, max_cluster_size=5,
                                                      resolution=1.0))
    assert all(len(c) <= 12 for c in split)


def test_edge_subnet_needs_both_ends_and_unpruned_edges():
    subj, obj = np.array([0, 3, 5, 1]), np.array([1, 4, 6, 2])
    members = [{0: 1.0, 1: 0.5, 2: 0.4, 3: 0.3}, {4: 0.9, 5: 1.0, 6: 0.8}]
    keep = np.array([True, True, True, False])
    assert edge_subnets(subj, obj, keep, members, 7).tolist() == [0, -1, 1, -1]
    # A community (tier 1) only takes edges no seeded domain (tier 0) holds.
    community = {0: 1.0, 1: 1.0, 3: 1.0, 4: 1.0}
    assert edge_subnets(subj, obj, keep, [*members, community], 7, [0, 0, 1]).tolist() == [
        0, 2, 1, -1]


def test_match_seeds_exact_and_head():
    keys = ["influenza virus", "virus", "viruses", "computer virus", "sun"]
    assert match_seeds(keys, ("virus",)) == [0, 1, 3]


def test_domains_file_is_validated(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('b = ["x"]\na = ["Y", "z"]\n')
    assert [(d.name, d.seeds) for d in load_domains(good)] == [("a", ("y", "z")), ("b", ("x",))]
    bad = tmp_path / "bad.toml"
    bad.write_text('a = "not a list"\n')
    with pytest.raises(DomainsError, match="'a'"):
        load_domains(bad)


def test_skos_concept_schemes_are_domains(tmp_path):
    path = tmp_path / "domains.ttl"
    path.write_text("""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:med a skos:ConceptScheme ; skos:prefLabel "medicine" .
ex:vaccine a skos:Concept ; skos:inScheme ex:med ; skos:prefLabel "Vaccine" ;
    skos:altLabel "jab" .
ex:astro a skos:ConceptScheme ; skos:prefLabel "astronomy" ; skos:hasTopConcept ex:star .
ex:star a skos:Concept ; skos:prefLabel "star" .
""")
    domains = load_domains(path)
    assert [(d.name, d.seeds) for d in domains] == [("astronomy", ("star",)),
                                                   ("medicine", ("jab", "vaccine"))]


def edges_fixture():
    # Nodes 0-3 a square with a diagonal, 4 a hub linked to all, 5 rare, self-loop on 2.
    pairs = [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (4, 0), (4, 1), (4, 2), (4, 3), (4, 5),
             (2, 2), (6, 7)]
    subj = np.array([p[0] for p in pairs])
    obj = np.array([p[1] for p in pairs])
    weight = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 0.2, 1, 0.5])
    freq = np.array([5, 5, 5, 5, 9, 1, 2, 2])
    return subj, obj, weight, freq


def test_each_pruning_step_is_counted():
    subj, obj, weight, freq = edges_fixture()
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig())
    assert result.steps["self_loops"] == {"nodes_removed": 0, "edges_removed": 1}
    assert result.edge_keep.sum() == 11
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(min_node_freq=2))
    assert result.steps["min_node_freq"] == {"nodes_removed": 1, "edges_removed": 1}
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(min_edge_weight=0.6))
    assert result.steps["min_edge_weight"]["edges_removed"] == 2
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(edge_weight_percentile=10))
    assert result.steps["edge_weight_percentile"]["edges_removed"] == 1
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(hub_std=1.0))
    assert result.steps["hubs"] == {"nodes_removed": 1, "edges_removed": 5}
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(min_degree=2))
    assert result.steps["min_degree"]["nodes_removed"] == 3  # 5, 6 and 7
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(k_core=3))
    assert sorted(np.flatnonzero(result.node_keep)) == [0, 1, 2, 3, 4]
    result = prune_graph(subj, obj, weight, freq, SubnetsConfig(largest_component=True))
    assert result.steps["largest_component"] == {"nodes_removed": 2, "edges_removed": 1}
    assert not result.node_keep[6] and result.node_keep[5]


def test_build_nx_sums_parallel_relations_on_integer_nodes():
    subj, obj = np.array([0, 1, 0]), np.array([1, 0, 2])
    graph = build_nx(subj, obj, np.array([1.0, 0.5, 2.0]), np.array([True, True, False]))
    assert sorted(graph.edges(data="weight")) == [(0, 1, 1.5)]
