from __future__ import annotations

import dataclasses
import re
import shutil

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rdflib import Graph

from kgprep.cli import main
from kgprep.core.config import SubnetsConfig
from kgprep.graph import build_nx
from kgprep.subnets import (
    DomainsError,
    assign_domains,
    cap_members,
    community_name,
    edge_subnets,
    find_communities,
    load_domains,
    match_seeds,
)
from kgprep.subnets.prune import prune_graph
from tests.conftest import sample_pipeline

URL = "https://example.org/" + "a/very/long.path/" * 17 + "Zoë"  # 314 characters
SAFE_NAME = re.compile(r"[a-z0-9_-]{1,60}")


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


@pytest.mark.parametrize("labels", [
    [URL, URL + "x", "Insulin"],
    ["a/b.c", "../../etc/passwd", "x\\y:z*?"],
    ["Zoë Saldaña", "東京", "🚀"],
    ["", " ", "."],
])
def test_community_names_are_bounded_safe_and_deterministic(labels):
    name = community_name(labels, set())
    assert SAFE_NAME.fullmatch(name) and name.startswith("community-"), name
    assert community_name(list(labels), set()) == name


def test_community_names_show_each_label_and_keep_apart_labels_that_slug_alike():
    assert community_name(["Zoë Saldaña", "New York", "東京"], set()).startswith(
        "community-zoe_saldana-new_york-")
    alike = [["New York"], ["new york"], ["New/York"], ["NEW  YORK"]]
    names = [community_name(labels, set()) for labels in alike]
    assert len({n.split("-")[1] for n in names}) == 1  # the same slug ...
    assert len(set(names)) == len(alike)  # ... told apart by the hash
    # The same labels twice (two communities) still give two names.
    first = community_name(["Paris"], set())
    second = community_name(["Paris"], {first})
    third = community_name(["Paris"], {first, second})
    assert len({first, second, third}) == 3 and all(SAFE_NAME.fullmatch(n) for n in (second, third))


def test_skos_labels_that_are_not_names_become_slugs(tmp_path):
    path = tmp_path / "domains.ttl"
    path.write_text(f"""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
ex:a a skos:ConceptScheme ; skos:prefLabel "{URL}" ; skos:hasTopConcept ex:x .
ex:b a skos:ConceptScheme ; skos:prefLabel "Infectious diseases" ; skos:hasTopConcept ex:x .
ex:c a skos:ConceptScheme ; skos:prefLabel "infectious/diseases" ; skos:hasTopConcept ex:x .
ex:d a skos:ConceptScheme ; skos:prefLabel "Medicine" ; skos:hasTopConcept ex:x .
ex:x a skos:Concept ; skos:prefLabel "x" .
""", encoding="utf-8")
    names = [d.name for d in load_domains(path)]
    assert "Medicine" in names  # a label that is already a valid name is kept as written
    slugged = sorted(n for n in names if n != "Medicine")
    assert [n.rsplit("-", 1)[0] for n in slugged] == [
        "https_example_org_a_very_long_path_a_very_long_path",
        "infectious_diseases", "infectious_diseases"]
    assert all(SAFE_NAME.fullmatch(n) for n in slugged) and len(set(slugged)) == 3


@pytest.mark.parametrize("name", ["x" * 61, "médecine", "a/b", ".hidden"])
def test_toml_domain_names_must_be_short_portable_file_names(tmp_path, name):
    path = tmp_path / "domains.toml"
    path.write_text(f'"{name}" = ["x"]\n', encoding="utf-8")
    with pytest.raises(DomainsError, match="must be 1-60 ASCII"):
        load_domains(path)


def test_domain_names_differing_only_in_case_are_duplicates(tmp_path):
    path = tmp_path / "domains.toml"
    path.write_text('Medicine = ["x"]\nmedicine = ["y"]\n', encoding="utf-8")
    with pytest.raises(DomainsError, match="duplicate"):
        load_domains(path)


def test_a_300_character_label_gives_short_turtle_file_names(sample_run, tmp_path):
    # Every node's label becomes a long URL (with slashes, dots and unicode): the community
    # names then share one slug and only their hashes tell them apart.
    work = tmp_path / "work"
    shutil.copytree(sample_run, work)
    nodes_path = work / "graph" / "nodes.parquet"
    nodes = pq.read_table(nodes_path)
    long_labels = pa.array([f"{URL}/{key}" for key in nodes["key"].to_pylist()])
    nodes = nodes.set_column(nodes.schema.get_field_index("label"), "label", long_labels)
    pq.write_table(nodes, nodes_path)
    shutil.rmtree(work / "subnets")
    pipeline = sample_pipeline(tmp_path)
    overrides = ["--set", "subnets.mode=both", "--set", "subnets.min_cluster_size=3"]
    assert main(["subnets", str(pipeline), *overrides]) == 0
    subnets = pq.read_table(work / "subnets" / "subnets.parquet").to_pylist()
    communities = [s["name"] for s in subnets if s["kind"] == "community"]
    assert len(communities) >= 2 and len(set(communities)) == len(communities)
    assert all(SAFE_NAME.fullmatch(n) for n in communities)
    files = sorted(p.stem for p in (work / "subnets").glob("*.ttl"))
    assert files == sorted(s["name"] for s in subnets)
    busiest = max((s for s in subnets if s["kind"] == "community"), key=lambda s: s["n_edges"])
    assert busiest["n_edges"] > 0
    ttl = (work / "subnets" / f"{busiest['name']}.ttl").read_text(encoding="utf-8")
    assert URL in ttl and len(Graph().parse(data=ttl, format="turtle")) > 0
    # A rerun from scratch gives the same names, and an up-to-date rerun succeeds too.
    shutil.rmtree(work / "subnets")
    assert main(["subnets", str(pipeline), *overrides]) == 0
    assert sorted(p.stem for p in (work / "subnets").glob("*.ttl")) == files
    assert main(["subnets", str(pipeline), *overrides]) == 0
