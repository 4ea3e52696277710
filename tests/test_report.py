"""kgprep report and kgprep cost."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from kgprep.cli import main
from kgprep.config import CostConfig
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
                               "Training cost"]
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
