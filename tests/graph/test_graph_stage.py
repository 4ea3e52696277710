"""Graph, RDF and subnets stages on the sample pipeline."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
from rdflib import Dataset

from kgprep.cli import main
from tests.conftest import sample_pipeline


def test_nquads_parse_back_with_one_named_graph_per_document(sample_run):
    stats = json.loads((sample_run / "stats" / "graph.json").read_text())
    total = 0
    graphs = set()
    for path in sorted((sample_run / "rdf").glob("part-*.nq")):
        dataset = Dataset()
        dataset.parse(str(path), format="nquads")
        quads = list(dataset.quads((None, None, None, None)))
        total += len(quads)
        graphs |= {str(q[3]) for q in quads}
    assert total == stats["counts"]["quads"] > 0
    assert "https://kgprep.example.org/doc/comp-002" in graphs
    # Only documents with a graph fact have a named graph (generic nouns give none).
    assert len(graphs) > 40


def test_pruning_steps_are_counted_in_stats(sample_run):
    details = json.loads((sample_run / "stats" / "subnets.json").read_text())["details"]
    assert [p["step"] for p in details["pruning"]] == [
        "self_loops", "min_node_freq", "min_edge_weight", "edge_weight_percentile", "hubs",
        "min_degree", "k_core", "largest_component", "max_nodes"]
    assert set(details["subnets"]) == {"astronomy", "computing", "geography", "medicine"}


def test_query_one_subnetwork_and_all(sample_run, capsys):
    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    sparql = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?l WHERE { "
              "?s <https://kgprep.example.org/relation/found> ?o . ?o rdfs:label ?l }")
    assert main(["query", str(pipeline), sparql, "--subnet", "computing"]) == 0
    found = set(capsys.readouterr().out.split())
    assert {"Microsoft", "Google"} <= found
    assert main(["query", str(pipeline), "ASK { ?s ?p ?o }"]) == 0
    assert capsys.readouterr().out.strip() == "true"
    assert main(["query", str(pipeline), "ASK { ?s ?p ?o }", "--subnet", "nope"]) == 2


def test_communities_mode_and_pruning_change_the_subnetworks(sample_run, tmp_path):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path, extra="")
    overrides = ["--set", "subnets.mode=both", "--set", "subnets.min_cluster_size=3",
                 "--set", "subnets.max_nodes=5"]
    assert main(["subnets", str(pipeline), *overrides]) == 0
    subnets = pq.read_table(tmp_path / "work" / "subnets" / "subnets.parquet").to_pylist()
    kinds = [s["kind"] for s in subnets]
    assert kinds.count("seeded") == 4 and kinds.count("community") >= 1
    assert all(s["n_nodes"] <= 5 for s in subnets)
    community = next(s for s in subnets if s["kind"] == "community")
    assert community["name"].startswith("community-") and community["seeds"] == []

    def removed(step: str) -> int:
        details = json.loads((tmp_path / "work" / "stats" / "subnets.json").read_text())
        return {p["step"]: p for p in details["details"]["pruning"]}[step]["nodes_removed"]

    assert removed("max_nodes") > 0
    assert main(["subnets", str(pipeline), "--set", "subnets.k_core=2"]) == 0
    assert removed("k_core") > 0


def test_domain_targeted_selection(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path, shards='domains = ["computing"]\nmin_domain_triples = 1')
    assert main(["shards", str(pipeline)]) == 0
    m = json.loads((tmp_path / "work" / "shards" / "manifest.json").read_text())
    assert 0 < m["totals"]["documents"] < 125
    ids = [d["doc_id"] for e in m["shards"] for d in _docs(tmp_path / "work" / "shards" /
                                                          e["file"])]
    assert sum(i.startswith("comp-") for i in ids) > len(set(ids)) * 0.6
    bad = sample_pipeline(tmp_path, shards='domains = ["cooking"]')
    assert main(["shards", str(bad)]) == 2
    assert "shards.domains" in capsys.readouterr().err


def _docs(path):
    from kgprep.core.io import read_arrow_stream

    return [d for row in read_arrow_stream(path)["docs"].to_pylist() for d in row]


def test_a_cut_short_or_removed_nquads_part_is_written_again(sample_run, tmp_path):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path, extra="")
    rdf = tmp_path / "work" / "rdf"
    first, second = sorted(rdf.glob("part-*.nq"))[:2]
    kept = {path: path.read_bytes() for path in (first, second)}
    first.write_bytes(kept[first][: len(kept[first]) // 2])
    second.unlink()
    assert main(["graph", str(pipeline)]) == 0
    assert {path: path.read_bytes() for path in (first, second)} == kept
    stats = json.loads((tmp_path / "work" / "stats" / "graph.json").read_text())
    assert "up_to_date" not in stats["counts"]
