"""The README's random graph facts: drawn from the graph exactly as it is delivered."""

from __future__ import annotations

import json

from kgprep.benchmarks.sample_facts import graph_facts, main, markdown


def test_every_graph_fact_is_drawable_with_its_labels(sample_run):
    facts = graph_facts(sample_run)
    stats = json.loads((sample_run / "stats" / "graph.json").read_text())
    assert len(facts) == stats["counts"]["facts"] > 0
    # The cut the graph stage ran with is recorded, and the facts are read at it.
    manifest = json.loads((sample_run / "graph" / "manifest.json").read_text())
    assert manifest["min_confidence"] == stats["details"]["min_confidence"] == 0.45
    nodes = {s for s, _, _, _ in facts}
    assert "NASA" in nodes  # node labels, not lower-cased keys
    assert all(doc for _, _, _, doc in facts)
    table = markdown(facts[:3]).splitlines()
    assert table[0] == "| subject | relation | object | document |" and len(table) == 5


def test_without_the_shared_data_it_skips(tmp_path, capsys):
    assert main(["--shared", str(tmp_path)]) == 0
    assert "skipped" in capsys.readouterr().out
