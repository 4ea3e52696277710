"""`kgprep query`: the whole graph from a persistent store, provenance, --subnet, errors."""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.namespace import RDFS
from rdflib.term import Node

from kgprep.cli import EXIT_CONFIG, EXIT_INPUT, EXIT_LOCKED, main
from kgprep.core.io import work_dir_lock
from kgprep.query import close_matches
from kgprep.store import MARKER, STORE_DIR
from tests.conftest import one_error_line, sample_pipeline

BASE = "https://kgprep.example.org"


@pytest.fixture()
def work(sample_run, tmp_path) -> Path:
    """A copy of the sample work dir (the store is built inside it) and its pipeline file."""
    shutil.copytree(sample_run, tmp_path / "work", ignore=shutil.ignore_patterns(STORE_DIR))
    sample_pipeline(tmp_path)
    return tmp_path / "work"


def query(work: Path, sparql: str, *extra: str) -> int:
    return main(["query", str(work.parent / "pipeline.toml"), sparql, *extra])


def rdf_terms(work: Path) -> list[tuple[Node, Node, Node, Node]]:
    """Every quad of rdf/, read by rdflib's parser (not the store's)."""
    quads: list[tuple[Node, Node, Node, Node]] = []
    for path in sorted((work / "rdf").glob("part-*.nq")):
        dataset = Dataset()
        dataset.parse(str(path), format="nquads")
        quads += list(dataset.quads())
    return quads


def rdf_quads(work: Path) -> list[tuple[str, str, str, str]]:
    return [(str(s), str(p), str(o), str(g)) for s, p, o, g in rdf_terms(work)]


def rows(out: str) -> list[list[str]]:
    return [line.split("\t") for line in out.splitlines()]


COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_the_store_holds_exactly_the_quads_of_rdf(work, capsys):
    quads = rdf_quads(work)
    assert len(quads) == len(set(quads)) > 200
    assert query(work, COUNT_ALL) == 0
    assert rows(capsys.readouterr().out) == [[str(len(quads))]]
    # The same quads, not only as many: every document graph and every subject is there.
    assert query(work, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }") == 0
    assert {r[0] for r in rows(capsys.readouterr().out)} == {q[3] for q in quads}
    assert query(work, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }") == 0
    assert {r[0] for r in rows(capsys.readouterr().out)} == {q[0] for q in quads}


def test_the_store_is_built_once_and_rebuilt_when_the_graph_changes(work, capsys):
    marker = work / STORE_DIR / MARKER
    assert query(work, "ASK { ?s ?p ?o }") == 0
    assert "built now" in capsys.readouterr().err
    built = marker.stat().st_mtime_ns
    for _ in range(2):  # later queries open the same store
        assert query(work, COUNT_ALL) == 0
        captured = capsys.readouterr()
        assert "built now" not in captured.err
        assert marker.stat().st_mtime_ns == built
    before = int(captured.out)

    # The graph stage again, with a confidence floor: other quads in rdf/, a new store.
    assert main(["graph", str(work.parent / "pipeline.toml"),
                 "--set", "graph.min_confidence=0.7"]) == 0
    capsys.readouterr()
    after = len(rdf_quads(work))
    assert 0 < after < before
    assert query(work, COUNT_ALL) == 0
    captured = capsys.readouterr()
    assert "built now" in captured.err and int(captured.out) == after

    # A build that died half way left no marker: the next query builds again.
    marker.unlink()
    assert query(work, COUNT_ALL) == 0
    captured = capsys.readouterr()
    assert "built now" in captured.err and int(captured.out) == after
    # A store whose files were damaged by hand is built again too.
    (work / STORE_DIR / "db" / "CURRENT").unlink()
    assert query(work, COUNT_ALL) == 0
    captured = capsys.readouterr()
    assert "built now" in captured.err and int(captured.out) == after


def test_a_build_waits_for_no_running_stage(work, capsys):
    """Building writes to the work dir, so it takes the lock a running stage holds."""
    with work_dir_lock(work):
        assert query(work, "ASK { ?s ?p ?o }") == EXIT_LOCKED
    assert "in use by another kgprep run" in one_error_line(capsys.readouterr().err)
    assert query(work, "ASK { ?s ?p ?o }") == 0  # once built, queries need no lock
    with work_dir_lock(work):
        assert query(work, "ASK { ?s ?p ?o }") == 0


def test_provenance_names_the_documents_that_state_a_fact(work, capsys):
    stated_by: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s, p, o, g in rdf_terms(work):
        stated_by[(s.n3(), p.n3(), o.n3())].add(str(g))
    # The statement most documents make (ties by the triple; in the sample, a label).
    (s, p, o), docs = max(stated_by.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(docs) >= 3
    sparql = f"SELECT ?doc WHERE {{ GRAPH ?doc {{ {s} {p} {o} }} }}"
    assert query(work, sparql) == 0
    assert [r[0] for r in rows(capsys.readouterr().out)] == sorted(docs)
    # A fact between two entities, written with the predeclared prefixes.
    short = re.compile(rf"<{BASE}/(entity|relation)/([A-Za-z0-9%_-]+)>")
    fact = min(k for k in stated_by if all(short.fullmatch(t) for t in k))
    prefixed = " ".join(short.sub(lambda m: f"{m[1].replace('relation', 'rel')}:{m[2]}", t)
                        for t in fact)
    assert query(work, f"SELECT ?doc WHERE {{ GRAPH ?doc {{ {prefixed} }} }}") == 0
    assert [r[0] for r in rows(capsys.readouterr().out)] == sorted(stated_by[fact])


def test_subnet_keeps_only_its_edges_with_their_documents(work, capsys):
    turtle = Graph().parse(work / "subnets" / "computing.ttl", format="turtle")
    edges = {(str(s), str(p), str(o)) for s, p, o in turtle if p != RDFS.label}
    assert edges
    facts = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o FILTER(?p != rdfs:label) }"
    assert query(work, facts, "--subnet", "computing") == 0
    assert {tuple(r) for r in rows(capsys.readouterr().out)} == edges
    assert query(work, facts) == 0
    assert len(rows(capsys.readouterr().out)) > len(edges)  # the whole graph has more
    # Provenance inside the subnetwork: the documents that state its edges, as in rdf/.
    expected = {g for s, p, o, g in rdf_quads(work) if (s, p, o) in edges}
    docs = "SELECT DISTINCT ?doc WHERE { GRAPH ?doc { ?s ?p ?o FILTER(?p != rdfs:label) } }"
    assert query(work, docs, "--subnet", "computing") == 0
    assert {r[0] for r in rows(capsys.readouterr().out)} == expected
    # Its entities keep their labels, as the documents state them, and no other node has one.
    nodes = {s for s, _, _ in edges} | {o for _, _, o in edges}
    expected = {(s, o) for s, p, o, _ in rdf_quads(work) if p == str(RDFS.label) and s in nodes}
    assert query(work, "SELECT DISTINCT ?s ?l WHERE { ?s rdfs:label ?l }",
                 "--subnet", "computing") == 0
    assert {tuple(r) for r in rows(capsys.readouterr().out)} == expected


def test_an_unknown_subnet_is_one_line_with_close_matches(work, capsys):
    assert query(work, "ASK { ?s ?p ?o }", "--subnet", "computng") == EXIT_CONFIG
    line = one_error_line(capsys.readouterr().err)
    assert "no subnetwork named 'computng'" in line and "did you mean: computing?" in line
    assert not (work / STORE_DIR).exists()  # a typo never waits for a store build
    assert query(work, "ASK { ?s ?p ?o }", "--subnet", "Medicine") == EXIT_CONFIG
    assert "did you mean: medicine?" in one_error_line(capsys.readouterr().err)
    assert query(work, "ASK { ?s ?p ?o }", "--subnet", "zzzzqqq") == EXIT_CONFIG
    assert "none is close" in one_error_line(capsys.readouterr().err)


def test_close_matches_are_few_and_best_first():
    names = [f"community-topic{i}-{i:08x}" for i in range(790)] + ["astronomy", "computing",
                                                                  "geography", "medicine"]
    assert close_matches("Computing", names) == ["computing"]
    assert close_matches("geograpy", names)[0] == "geography"
    assert len(close_matches("community-topic1", names)) == 5
    assert close_matches("x", names) == []  # too short to be in a name on purpose
    # A community's name joins its top labels: one of them finds it.
    apple = "community-apple-tim_cook-california-c17ebd9c"
    assert close_matches("tim_cook", [*names, apple]) == [apple]


@pytest.mark.parametrize(("sparql", "position"), [
    ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }", "line 3, column"),
    ("SELECT * WHERE { ?s foo:bar ?o }", "prefix foo: is not declared"),
    ("SELEC * WHERE { ?s ?p ?o }", "line 1, column"),
    ("", "the query is empty"),
])
def test_bad_sparql_is_one_line_with_its_position(work, capsys, sparql, position):
    assert query(work, sparql) == EXIT_CONFIG
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("kgprep: error: bad SPARQL") and position in line
    assert len(line) < 250
    assert not (work / STORE_DIR).exists()  # checked before any store build


def test_missing_upstream_stages_are_input_errors(work, capsys):
    (work / "subnets" / "manifest.json").unlink()
    assert query(work, "ASK { ?s ?p ?o }", "--subnet", "computing") == EXIT_INPUT
    assert "run the subnets stage" in one_error_line(capsys.readouterr().err)
    assert query(work, "ASK { ?s ?p ?o }") == 0  # the whole graph needs no subnetworks
    capsys.readouterr()
    (work / "graph" / "manifest.json").unlink()
    assert query(work, "ASK { ?s ?p ?o }") == EXIT_INPUT
    assert "run the graph stage" in one_error_line(capsys.readouterr().err)


def test_construct_and_header_output(work, capsys):
    assert query(work, "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l "
                       "FILTER(?s = entity:linux) }") == 0
    assert rows(capsys.readouterr().out) == [[f"{BASE}/entity/linux", str(RDFS.label), "Linux"]]
    assert query(work, "SELECT ?l WHERE { entity:linux rdfs:label ?l } LIMIT 1",
                 "--header") == 0
    assert rows(capsys.readouterr().out) == [["l"], ["Linux"]]


def test_the_help_examples_run(work, capsys):
    """Every example `kgprep query --help` gives runs on the sample graph and finds rows."""
    with pytest.raises(SystemExit):
        main(["query", "--help"])
    # An example may go on over indented lines, to fit the terminal.
    examples = [" ".join(e.split()) for e in re.findall(
        r"^  kgprep query P '(.+?)'$", capsys.readouterr().out, re.MULTILINE | re.DOTALL)]
    assert len(examples) == 3 and any("GRAPH ?doc" in e for e in examples)
    for sparql in examples:
        assert query(work, sparql) == 0
        assert capsys.readouterr().out.strip(), sparql
