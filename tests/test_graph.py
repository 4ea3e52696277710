from __future__ import annotations

import pyarrow as pa
import pytest
from rdflib import Dataset

from kgprep.graph import aggregate_part, build_nx, combine_parts
from kgprep.rdf import iri, nquads_bytes


def flat_table(rows):
    names = ["doc_id", "subj_key", "subj_label", "subj_type", "pred_key", "pred_label",
             "obj_key", "obj_label", "obj_type", "confidence", "negated"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


ROWS = [
    ("d1", "sun", "Sun", "CONCEPT", "be", "is", "star", "star", "CONCEPT", 0.8, False),
    ("d2", "sun", "Sun", "CONCEPT", "be", "is", "star", "stars", "CONCEPT", 0.6, False),
    ("d2", "earth", "Earth", "LOC", "orbit", "orbits", "sun", "sun", "CONCEPT", 0.9, False),
    ("d3", "aspirin", "Aspirin", "CONCEPT", "cure", "cure", "cancer", "cancer", "CONCEPT", 0.9,
     True),
]


def _iri(kind, key):
    return iri("https://ex.org", kind, key)


def test_nodes_relations_edges_aggregate_with_sorted_dense_ids():
    # Split across two parts (at a document boundary): the aggregates must add up the same.
    parts = [aggregate_part(flat_table(ROWS[:1])), aggregate_part(flat_table(ROWS[1:]))]
    nodes, relations, edges = combine_parts(parts, _iri)
    whole = combine_parts([aggregate_part(flat_table(ROWS))], _iri)
    assert [t.to_pylist() for t in whole] == [t.to_pylist() for t in (nodes, relations, edges)]
    assert nodes["key"].to_pylist() == ["aspirin", "cancer", "earth", "star", "sun"]
    assert nodes["node_id"].to_pylist() == [0, 1, 2, 3, 4]
    by_key = {r["key"]: r for r in nodes.to_pylist()}
    assert (by_key["sun"]["freq"], by_key["sun"]["doc_freq"]) == (3, 2)
    assert by_key["sun"]["label"] == "Sun"  # the most frequent surface form
    assert relations["key"].to_pylist() == ["be", "cure", "orbit"]
    # The negated triple gives no edge; the two "sun be star" mentions merge into one.
    assert edges.to_pylist() == [
        {"subj_node": 2, "relation_id": 2, "obj_node": 4, "weight": 0.9, "doc_freq": 1},
        {"subj_node": 4, "relation_id": 0, "obj_node": 3, "weight": 1.4, "doc_freq": 2},
    ]
    graph = build_nx(edges["subj_node"].to_numpy(), edges["obj_node"].to_numpy(),
                     edges["weight"].to_numpy(), n_nodes=nodes.num_rows)
    assert sorted(graph.nodes) == [0, 1, 2, 3, 4]
    assert graph[4][3]["weight"] == pytest.approx(1.4)


def test_iri_percent_encodes_everything_reserved():
    assert iri("https://ex.org/", "entity", 'a b/"<c>"\n') == (
        "https://ex.org/entity/a%20b%2F%22%3Cc%3E%22%0A"
    )


ADVERSARIAL = ['say "hi"', "<b>bold</b>", "line\nbreak", "tab\tand\rcr", "bell\x07\x1f",
               "naïve café 東京 🚀", "back\\slash", "x" * 10_000, "a > b", "{}|^`"]


def test_adversarial_keys_give_valid_nquads_that_parse_back():
    triples = []
    for i, key in enumerate(ADVERSARIAL):
        triples.append({
            "subj": {"key": key}, "obj": {"key": ADVERSARIAL[(i + 1) % len(ADVERSARIAL)]},
            "pred": {"key": key[:50]}, "negated": False,
        })
    docs = pa.table({"doc_id": ["doc <1>\n", "doc 2"], "triples": [triples[:5], triples[5:]]})
    data = nquads_bytes(docs, "https://ex.org")
    written = data.count(b"\n")
    parsed = Dataset()
    parsed.parse(data=data.decode("utf-8"), format="nquads")
    quads = list(parsed.quads((None, None, None, None)))
    assert len(quads) == written > 0
    assert len({str(q[3]) for q in quads}) == 2
    assert any(str(q[0]).endswith("/entity/" + "x" * 10_000) for q in quads)


def test_subnetwork_turtle_with_adversarial_labels_parses_back():
    from rdflib import Graph
    from rdflib.namespace import RDFS

    from kgprep.subnets import TurtleTerms, subnet_turtle

    keys = ADVERSARIAL
    nodes = pa.table({"iri": [_iri("entity", k) for k in keys], "label": keys})
    relations = pa.table({"iri": [_iri("relation", "rel \"x\"")], "label": ['rel "x"\n']})
    edges = pa.table({"subj_node": list(range(len(keys) - 1)), "relation_id": [0] * (len(keys) - 1),
                      "obj_node": list(range(1, len(keys)))})
    data = subnet_turtle("test", edges, TurtleTerms(nodes, relations))
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format="turtle")
    assert len(graph) == (len(keys) - 1) + len(keys) + 1
    assert {str(o) for o in graph.objects(None, RDFS.label)} >= set(keys)
