"""The stage registry: the config-hash chain and the CLI's stage commands derive from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kgprep.cli import build_parser
from kgprep.core.config import load_config
from kgprep.core.stage import SPEC, STAGE_SPECS, STAGES, lineage, stage_config_hash

PIPELINE = Path(__file__).resolve().parents[2] / "pipelines" / "default.toml"


def test_lineage_follows_reads_upstream_first():
    assert [s.name for s in lineage("shards")] == ["extract", "graph", "subnets", "shards"]
    assert [s.name for s in lineage("graph")] == ["extract", "graph"]
    assert tuple(s.name for s in STAGE_SPECS) == STAGES
    for spec in STAGE_SPECS:  # every stage reads only stages that come before it
        assert all(STAGES.index(r) < STAGES.index(spec.name) for r in spec.reads)


def test_a_setting_changes_its_stage_and_the_stages_downstream_only():
    cfg = load_config(PIPELINE)
    before = {s: stage_config_hash(s, cfg) for s in STAGES}
    graph_changed = dataclasses.replace(cfg, graph=dataclasses.replace(
        cfg.graph, min_confidence=cfg.graph.min_confidence + 0.25))
    after = {s: stage_config_hash(s, graph_changed) for s in STAGES}
    assert [s for s in STAGES if before[s] != after[s]] == ["graph", "subnets", "shards"]


def test_a_hashed_file_counts_by_content(tmp_path):
    cfg = load_config(PIPELINE)
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text("x = 1\n")
    second.write_text("x = 1\n")
    assert "domains_file" in SPEC["subnets"].hashed_files

    def with_domains(path: Path) -> str:
        changed = dataclasses.replace(cfg, subnets=dataclasses.replace(
            cfg.subnets, domains_file=str(path)))
        return stage_config_hash("subnets", changed)

    assert with_domains(first) == with_domains(second)  # same bytes, another path
    second.write_text("x = 2\n")
    assert with_domains(first) != with_domains(second)


def test_the_cli_has_one_command_per_stage_with_its_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for spec in STAGE_SPECS:
        assert spec.name in sub.choices
        assert sub.choices[spec.name].description == spec.help
