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


def test_the_code_that_decides_a_stage_is_part_of_its_hash(monkeypatch, sample_run, tmp_path):
    """A work dir built by an older kgprep must not look current after an upgrade that changed
    the rules or the shipped confidence model."""
    import shutil

    from kgprep.core import stage
    from kgprep.core.io import sha256_file
    from kgprep.extract import STAGE as EXTRACT
    from tests.conftest import sample_pipeline

    package = Path(stage.__file__).resolve().parents[1]
    for spec in STAGE_SPECS:  # every stage names the code it runs, and it exists
        assert spec.code and all(list(package.glob(p)) for p in spec.code), spec.name
    covered = {p.relative_to(package).as_posix() for pattern in SPEC["extract"].code
               for p in package.glob(pattern)}
    assert {"extract/triples.py", "extract/edge_checks.py", "models/confidence.json"} <= covered

    shutil.copytree(sample_run, tmp_path / "work")
    cfg = load_config(sample_pipeline(tmp_path, workers=2))
    assert EXTRACT.is_current(cfg)
    before = {s: stage_config_hash(s, cfg) for s in STAGES}

    def upgraded(path: Path) -> str:  # the same install with one extraction rule changed
        return "changed" if path.name == "edge_checks.py" else sha256_file(path)

    monkeypatch.setattr(stage, "sha256_file", upgraded)
    stage.code_digest.cache_clear()
    try:
        after = {s: stage_config_hash(s, cfg) for s in STAGES}
        assert [s for s in STAGES if before[s] != after[s]] == list(STAGES)
        assert not EXTRACT.is_current(cfg)
    finally:
        stage.code_digest.cache_clear()
