from __future__ import annotations

import pyarrow as pa
import pytest
from rdflib import Dataset

from kgprep.graph import aggregate_part, build_nx, combine_parts
from kgprep.graph.rdf import iri, nquads_bytes


def flat_table(rows, literal=None):
    names = ["doc_id", "subj_key", "subj_label", "subj_type", "pred_key", "pred_label",
             "obj_key", "obj_label", "obj_type", "confidence", "negated"]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
    literal = literal or [False] * len(rows)
    return table.append_column("fact", pa.array([True] * len(rows))).append_column(
        "literal", pa.array(literal)).append_column(
        "no_edge_reason", pa.array([None] * len(rows), pa.string()))


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


def test_literal_objects_are_values_not_nodes_and_non_facts_are_left_out():
    rows = [*ROWS, ("d4", "sun", "Sun", "CONCEPT", "formed in", "formed in", "-4600000000",
                    "4.6 billion years ago", "DATE", 0.9, False)]
    flat = flat_table(rows, literal=[False] * len(ROWS) + [True])
    not_fact = flat_table([("d5", "moon", "Moon", "CONCEPT", "orbit", "orbits", "earth",
                            "Earth", "LOC", 0.2, False)])
    not_fact = not_fact.set_column(11, "fact", pa.array([False]))
    nodes, relations, edges = combine_parts([aggregate_part(pa.concat_tables([flat, not_fact]))],
                                            _iri)
    assert nodes["key"].to_pylist() == ["aspirin", "cancer", "earth", "star", "sun"]
    assert relations["key"].to_pylist() == ["be", "cure", "formed in", "orbit"]
    assert edges.num_rows == 2


def test_iri_percent_encodes_everything_reserved():
    assert iri("https://ex.org/", "entity", 'a b/"<c>"\n') == (
        "https://ex.org/entity/a%20b%2F%22%3Cc%3E%22%0A"
    )


ADVERSARIAL = ['say "hi"', "<b>bold</b>", "line\nbreak", "tab\tand\rcr", "bell\x07\x1f",
               "naïve café 東京 🚀", "back\\slash", "x" * 10_000, "a > b", "{}|^`"]


def test_adversarial_keys_give_valid_nquads_that_parse_back():
    triples = []
    for i, key in enumerate(ADVERSARIAL):
        other = ADVERSARIAL[(i + 1) % len(ADVERSARIAL)]
        triples.append({
            "subj": {"key": key, "name": key, "kind": "entity"},
            "obj": {"key": other, "name": other, "kind": "entity"},
            "pred": {"key": key[:50]}, "negated": False, "confidence": 0.9,
            "no_edge_reason": None,
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


def test_facts_only_with_typed_literals_in_nquads():
    def arg(key, kind="entity", value=None, datatype=None):
        return {"key": key, "name": key.title(), "kind": kind, "value": value,
                "datatype": datatype}

    triples = [
        {"subj": arg("du fu"), "pred": {"key": "born in"}, "obj": arg("gongyi"),
         "negated": False, "confidence": 0.9, "no_edge_reason": None},
        {"subj": arg("du fu"), "pred": {"key": "born in"},
         "obj": arg("712^^xsd:gYear", "literal", "0712", "xsd:gYear"),
         "negated": False, "confidence": 0.9, "no_edge_reason": None},
        {"subj": arg("du fu"), "pred": {"key": "write"}, "obj": arg("poem", "generic"),
         "negated": False, "confidence": 0.9, "no_edge_reason": "object:generic"},
        {"subj": arg("du fu"), "pred": {"key": "visit"}, "obj": arg("chang'an"),
         "negated": False, "confidence": 0.3, "no_edge_reason": None},
    ]
    docs = pa.table({"doc_id": ["d"], "triples": [triples]})
    lines = nquads_bytes(docs, "https://ex.org", min_confidence=0.5).decode().splitlines()
    facts = [line for line in lines if "rdf-schema#label" not in line]
    assert facts == [
        "<https://ex.org/entity/du%20fu> <https://ex.org/relation/born%20in> "
        '"0712"^^<http://www.w3.org/2001/XMLSchema#gYear> <https://ex.org/doc/d> .',
        "<https://ex.org/entity/du%20fu> <https://ex.org/relation/born%20in> "
        "<https://ex.org/entity/gongyi> <https://ex.org/doc/d> .",
    ]
    assert len(lines) == 4  # plus the labels of the two nodes, by name


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


def test_quote_string_matches_rdflib_parsing():
    """Labels are quoted without rdflib's private helpers; rdflib must read them back exactly."""
    from rdflib import Graph, Literal, URIRef

    from kgprep.graph.ntriples import quote_string

    for text in ['plain', 'a "quote"', "back\\slash", "two\nlines", "cr\rlf", "tab\tand é ✓",
                 '\\"', "<unk> > <"]:
        line = f"<http://x/s> <http://x/p> {quote_string(text)} .\n"
        g = Graph().parse(data=line, format="nt")
        assert list(g) == [(URIRef("http://x/s"), URIRef("http://x/p"), Literal(text))]
