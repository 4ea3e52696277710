"""kgprep cost --efficiency-from: the measured factor, its spread, and plain words about both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgprep.ablation_report import ablation_section
from kgprep.cli import main
from kgprep.core.config import CostConfig
from kgprep.cost import estimate, measured_efficiency, render, with_measured
from tests.conftest import one_error_line, sample_pipeline


def _entry(factor, spread, reached=3, within=False):
    return {"efficiency_factor": factor, "efficiency_spread": spread, "seeds": 3,
            "seeds_reaching_baseline": reached, "within_seed_spread": within,
            "final_heldout_loss": 5.0, "final_heldout_loss_std": 0.01,
            "efficiency_per_seed": [factor] * 3,
            "probe": {"train": {"mrr": 0.1}, "heldout": {"mrr": 0.05}}, "runs": []}


def results(**variants):
    return {"variants": {"baseline": _entry(1.0, 0.0, within=True), **variants},
            "variant_order": ["baseline", *variants],
            "size": {"seeds": 3, "layers": 2, "width": 64}, "budget_tokens": 1000,
            "split": {"train_documents": 9, "heldout_documents": 1}, "device": "cpu",
            "wall_seconds": 1.0}


def test_default_variant_is_the_lowest_reached_factor():
    r = results(role_loss=_entry(0.9, 0.02), linearised=_entry(None, None, reached=1),
                embeddings=_entry(0.8, 0.05))
    m = measured_efficiency(r, "r.json")
    assert (m.variant, m.factor, m.spread, m.candidates) == ("embeddings", 0.8, 0.05, 3)
    assert measured_efficiency(r, "r.json", "role_loss").factor == 0.9


def test_cost_uses_the_measured_factor_and_shows_its_range():
    cfg = CostConfig(efficiency_factor=0.7)
    m = measured_efficiency(results(embeddings=_entry(0.8, 0.05)), "r.json")
    cost = with_measured(cfg, m)
    assert cost.efficiency_factor == 0.8
    est = estimate(10**9, cost)
    assert est.knowledge_dollars == pytest.approx(est.baseline_dollars * 0.8)
    rows = dict(render(est, cost, m))
    low, high = (estimate(10**9, CostConfig(efficiency_factor=f)).knowledge_dollars
                 for f in (0.75, 0.85))
    assert rows["knowledge-subnetwork cost at factor ± spread"] == f"${low:,.2f} to ${high:,.2f}"
    assert "measured" in next(k for k in rows if k.startswith("efficiency factor"))
    assert "beyond the seed-to-seed spread" in m.note()


def test_within_spread_and_not_reached_are_said_plainly():
    m = measured_efficiency(results(role_loss=_entry(0.97, 0.05, within=True)), "r.json")
    assert "within the seed-to-seed spread" in m.note() and "not a measured saving" in m.note()
    none = measured_efficiency(results(role_loss=_entry(None, None, reached=0)), "r.json")
    assert none.factor_used == 1.0
    assert "no saving is measured" in none.note() and "above 1" in none.note()


@pytest.fixture
def pipeline_with_results(tmp_path: Path) -> Path:
    pipeline = sample_pipeline(tmp_path)
    out = tmp_path / "work" / "ablation"
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps(results(
        role_loss=_entry(0.97, 0.05, within=True), embeddings=_entry(None, None, reached=0))))
    return pipeline


def test_cli_cost_efficiency_from(pipeline_with_results, capsys):
    pipeline = str(pipeline_with_results)
    assert main(["cost", pipeline, "--tokens", "1000000",
                 "--efficiency-from", "ablation/results.json"]) == 0
    out = capsys.readouterr().out
    assert "efficiency factor (measured, variant 'role_loss'" in out
    assert "0.97" in out and "within the seed-to-seed spread" in out
    assert main(["cost", pipeline, "--tokens", "1000000", "--efficiency-from",
                 "ablation/results.json", "--variant", "embeddings"]) == 0
    assert "no saving is measured" in capsys.readouterr().out
    assert main(["cost", pipeline, "--tokens", "1000", "--efficiency-from",
                 "ablation/results.json", "--variant", "magic"]) == 2
    assert "'magic' is not in" in one_error_line(capsys.readouterr().err)
    assert main(["cost", pipeline, "--tokens", "1000", "--efficiency-from", "nope.json"]) == 3
    assert "kgprep ablate" in one_error_line(capsys.readouterr().err)


def test_report_section(pipeline_with_results, tmp_path):
    section = ablation_section(tmp_path / "work")
    assert "Measured efficiency" in section and "0.6-0.8" in section
    assert "within the seed-to-seed spread" in section
    assert "not reached (0/3 seeds)" in section
    assert "Not measured" in ablation_section(tmp_path / "elsewhere")
