from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest

from kgprep.config import SubnetsConfig
from kgprep.subnets import DomainsError, assign_domains, edge_subnets, load_domains, match_seeds


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


def test_max_nodes_keeps_the_top_scores():
    members = assign_domains(two_cliques_with_a_bridge(), [[0]], SubnetsConfig(max_nodes=2))
    assert len(members[0]) == 2 and 0 in members[0]


def test_edge_subnet_needs_both_ends_and_unpruned_edges():
    edges = pa.table({"subj_node": [0, 3, 5, 1], "relation_id": [0, 0, 0, 0],
                      "obj_node": [1, 4, 6, 2]})
    members = {0: {0: 1.0, 1: 0.5, 2: 0.4, 3: 0.3}, 1: {4: 0.9, 5: 1.0, 6: 0.8}}
    keep = np.array([True, True, True, False])
    assert edge_subnets(edges, keep, members).tolist() == [0, -1, 1, -1]


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
