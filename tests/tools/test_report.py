"""kgprep report and kgprep cost."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from kgprep.cli import main
from kgprep.core.config import CostConfig
from kgprep.cost import estimate
from tests.conftest import sample_pipeline


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data.strip())
            self._in_h2 = False


def test_report_is_self_contained_with_decodable_pngs(sample_run, capsys):
    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    assert main(["report", str(pipeline)]) == 0
    page = sample_run / "report" / "index.html"
    text = page.read_text(encoding="utf-8")
    parser = Images()
    parser.feed(text)
    parser.close()
    assert parser.headings == ["Stages", "Triples", "Graph", "Pruning and subnetworks", "Shards",
                               "Training cost", "Measured efficiency"]
    # triples histogram, degrees, entities, relations, pruning, 4 subnetworks, tokens/boundaries
    assert len(parser.sources) == 6 + 4
    for src in parser.sources:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    pngs = sorted(p.name for p in (sample_run / "report").glob("*.png"))
    assert len(pngs) == len(parser.sources)
    assert "http://" not in re.sub(r"https?://[^\s<]*example\.org[^\s<]*", "", text)
    assert "Compute-optimal" in text or "compute-optimal" in text


def test_cost_figures_match_hand_computation():
    cfg = CostConfig(tokens_per_parameter=20, peak_flops=1e15, utilization=0.5,
                     price_per_gpu_hour=2.0, efficiency_factor=0.7, integration_cost=100.0,
                     maintenance_cost=50.0)
    est = estimate(2_000_000_000, cfg)
    assert est.parameters == pytest.approx(100_000_000)  # 2e9 / 20
    assert est.flops == pytest.approx(1.2e18)  # 6 * 1e8 * 2e9
    assert est.gpu_hours == pytest.approx(1.2e18 / 5e14 / 3600)  # 0.6667 h
    assert est.baseline_dollars == pytest.approx(2.0 * 1.2e18 / 5e14 / 3600)
    assert est.knowledge_dollars == pytest.approx(est.baseline_dollars * 0.7 + 150.0)


def test_cost_command_prints_the_model(sample_run, tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path, extra="[cost]\nefficiency_factor = 0.6")
    assert main(["cost", str(pipeline), "--tokens", "1000000"]) == 0
    out = capsys.readouterr().out
    assert "1,000,000" in out and "50.00k" in out  # D and N = D / 20
    assert "assumption" in out and "0.6" in out
    assert main(["cost", str(pipeline), "--set", "cost.utilization=2"]) == 2


def test_role_counts_read_bit_flags():
    import numpy as np

    from kgprep.report import role_counts

    # none, subject, subject+object, predicate, object, none
    roles = np.array([0, 1, 5, 2, 4, 0], np.uint8)
    assert role_counts(roles).tolist() == [2, 2, 1, 2]


def _lookup_data(page_text: str) -> dict:
    import json

    start = page_text.index('<script type="application/json" id="lookup-data">')
    body = page_text[page_text.index(">", start) + 1: page_text.index("</script>", start)]
    return json.loads(body)


def test_entity_lookup_page_holds_every_graph_fact_with_its_sentences(sample_run):
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from kgprep.core.config import load_config
    from kgprep.core.facts import fact_mask

    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    assert main(["report", str(pipeline)]) == 0
    report = sample_run / "report"
    index = (report / "index.html").read_text(encoding="utf-8")
    assert 'href="entities.html"' in index
    text = (report / "entities.html").read_text(encoding="utf-8")
    # Offline: nothing is fetched (no src/href to another origin, no external script or style).
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "<script src" not in text and "<link" not in text
    data = _lookup_data(text)
    min_confidence = load_config(pipeline).graph.min_confidence
    facts = 0
    for part in sorted((sample_run / "extract").glob("part-*.parquet")):
        triples = pc.list_flatten(pq.read_table(part, columns=["triples"])["triples"])
        facts += int(np.sum(fact_mask(triples, min_confidence)))
    # The sample's graph is under every limit: each fact triple is counted once on the page.
    assert len(data["entities"]) == data["graph_entities"] < data["limits"]["entities"]
    assert sum(f[4] for f in data["facts"]) == facts > 0
    names = {e[0]: e for e in data["entities"]}
    nasa = names["NASA"]
    shown = [data["facts"][i] for i in nasa[4]]
    assert all("NASA" in (f[0][0], f[2][0]) for f in shown)
    launch = next(f for f in shown if f[1] == "launch" and f[2][0] == "Voyager 1")
    doc, sentence, s0, s1, o0, o1 = launch[6][0]
    said = data["sentences"][sentence]
    assert data["docs"][doc] == "astro-028"
    assert said[s0:s1] == "NASA" and said[o0:o1] == "Voyager 1"
    # The other side of a fact links to its own entry when it is listed.
    assert data["entities"][launch[2][1]][0] == "Voyager 1"


def test_entity_lookup_limits_bound_the_page(sample_run):
    from kgprep.report_entity import LookupLimits, collect_lookup

    full = collect_lookup(sample_run, 0.05)
    small = collect_lookup(sample_run, 0.05, LookupLimits(entities=5, facts_per_entity=2,
                                                          sentences_per_fact=1))
    assert [e[0] for e in small["entities"]] == [e[0] for e in full["entities"][:5]]
    assert all(len(e[4]) <= 2 for e in small["entities"])
    assert all(len(f[6]) == 1 for f in small["facts"])
    assert len(small["sentences"]) <= 10 < len(full["sentences"])
    # Each entity keeps its most often stated facts.
    for entity in small["entities"]:
        counts = [small["facts"][i][4] for i in entity[4]]
        assert counts == sorted(counts, reverse=True)


def test_ranked_sorts_and_keeps_equal_labels_apart():
    import numpy as np

    from kgprep.report import ranked

    rows = ranked(["be in", "found", "be in", "x"], ["be in", "found", "is in", "x"],
                  np.array([3, 9, 5, 1]), 3)
    assert rows == [("found", 9), ("be in (is in)", 5), ("be in (be in)", 3)]


def test_connected_core_is_connected_and_skips_the_smaller_part():
    import networkx as nx

    from kgprep.report_draw import connected_core

    # Part A: a path 0-1-2-3-4 and a branch 2-5; part B: 10-11 (scores higher but smaller).
    edges = [(0, 0, 1, 1.0), (1, 1, 2, 1.0), (2, 0, 3, 1.0), (3, 0, 4, 1.0), (2, 2, 5, 1.0),
             (10, 0, 11, 5.0), (4, 0, 4, 1.0)]
    scores = {0: 0.1, 1: 0.2, 2: 0.9, 3: 0.3, 4: 0.8, 5: 0.5, 10: 1.0, 11: 1.0}
    nodes, inside, component = connected_core(edges, scores, 4)
    assert component == 6 and len(nodes) == 4 and nodes[0] == 2
    # Best-scored neighbours first: 5 (0.5), then 3 (0.3), then 4 (0.8, reachable through 3).
    assert nodes == [2, 5, 3, 4]
    graph = nx.Graph([(s, o) for s, _, o in inside])
    assert set(graph) == set(nodes) and nx.is_connected(graph)
    assert all(s != o for s, _, o in inside)
    assert connected_core(edges, scores, 4) == (nodes, inside, component)
    assert connected_core([], {}, 4) == ([], [], 0)


def test_report_drawings_are_connected_with_relation_labels(sample_run):
    import networkx as nx

    from kgprep.core.config import load_config
    from kgprep.report import collect

    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    drawings = collect(load_config(pipeline)).drawings
    assert len(drawings) == 4
    for drawing in drawings:
        assert 2 <= len(drawing.labels) <= 15
        graph = nx.Graph([(a, b) for a, b, _ in drawing.edges])
        # No floating node: every drawn node is on an edge, and the drawing is one piece.
        assert set(graph) == set(range(len(drawing.labels))) and nx.is_connected(graph)
        assert all(label.strip() for _, _, label in drawing.edges)
    geography = next(d for d in drawings if d.name == "geography")
    named = {(geography.labels[a], label, geography.labels[b]) for a, b, label in
             geography.edges}
    assert ("Paris", "capital of", "France") in named
