"""The stage contract: a stage declared in one module and named in the registry gets the
config-hash chain, freshness, ``--dry-run``, a CLI command and workers without other edits."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from kgprep.cli import build_parser, main
from kgprep.core import stage as stage_core
from kgprep.core.config import PipelineConfig, load_config
from kgprep.core.io import read_json, read_parquet, sha256_file, write_json, write_parquet
from kgprep.core.stage import (
    Stage,
    StageReport,
    StageSpec,
    done_record,
    lineage,
    stage_config_hash,
    stage_named,
    stage_names,
)
from kgprep.engines import EngineSpec
from tests.conftest import sample_pipeline


class CharCountStage(Stage):
    """A fake stage: characters per extract part (``process``, in workers), summed into one
    table (``reduce``). Its settings are the [report] section."""

    spec = StageSpec("charcount", ("extract",), ("report",), (), "Count characters per part.")
    upstream_key = "extract_manifest_sha256"

    def __init__(self) -> None:
        self.setup_pid = 0

    def parts(self, cfg: PipelineConfig) -> list[str]:
        return [p["file"] for p in read_json(cfg.work_path / "extract" / "manifest.json")["parts"]]

    def setup(self, *args: Any) -> None:
        self.setup_pid = os.getpid()

    def process(self, item: Any, *args: Any) -> tuple[str, int, int]:
        (work,) = args
        assert self.setup_pid, "setup ran in this worker before its first part"
        texts = read_parquet(work / "extract" / item, columns=["text"])["text"].to_pylist()
        count = sum(len(t) for t in texts)
        write_json(work / "charcount" / item.replace(".parquet", ".done.json"),
                   {"chars": count})
        return item, count, self.setup_pid

    def run(self, cfg: PipelineConfig) -> StageReport:
        report = StageReport("charcount", stage_config_hash("charcount", cfg))
        (cfg.work_path / "charcount").mkdir(parents=True, exist_ok=True)
        if self.is_current(cfg):
            report.counts = {"up_to_date": 1}
            return report.finish()
        items = self.parts(cfg)
        engine = EngineSpec("local", 2)
        results = [r for r, _ in self.map(engine, (), items, (cfg.work_path,),
                                          lambda item: done_record(
                                              cfg.work_path / "charcount"
                                              / item.replace(".parquet", ".done.json"), {}))]
        return self.reduce(cfg, results, report)

    def reduce(self, cfg: PipelineConfig, results: list[Any],
               report: StageReport | None = None) -> StageReport:
        out = cfg.work_path / "charcount"
        table = pa.table({"file": [r[0] for r in results],
                          "chars": [r[1] for r in results]})
        write_parquet(out / "counts.parquet", table, {})
        expected = self.expected_manifest(cfg)
        assert expected is not None
        write_json(out / "manifest.json",
                   {**expected, "files": {"counts": sha256_file(out / "counts.parquet")},
                    "workers": sorted({r[2] for r in results})})
        report = report or StageReport("charcount", expected["config_hash"])
        report.counts = {"chars": sum(r[1] for r in results)}
        return report.finish()


STAGE = CharCountStage()


@pytest.fixture
def registered(monkeypatch):
    """The fake stage registered after the real ones: one name in STAGE_MODULES."""
    monkeypatch.setattr(stage_core, "STAGE_MODULES", (*stage_core.STAGE_MODULES, __name__))


def test_the_registry_lists_the_stage_modules_in_order():
    assert stage_names() == ("extract", "graph", "subnets", "shards")
    for name in stage_names():
        module = stage_named(name)
        assert type(module).__module__ == f"kgprep.{name}"  # each stage declares itself
        assert module.spec.name == name


def test_a_new_stage_gets_the_hash_chain_from_its_spec(registered):
    cfg = load_config(Path(__file__).resolve().parents[2] / "pipelines" / "default.toml")
    assert [s.name for s in lineage("charcount")] == ["extract", "charcount"]
    before = stage_config_hash("charcount", cfg)
    own = dataclasses.replace(cfg, report=dataclasses.replace(cfg.report, top_n=3))
    upstream = dataclasses.replace(cfg, extract=dataclasses.replace(
        cfg.extract, min_confidence=0.5))
    unrelated = dataclasses.replace(cfg, graph=dataclasses.replace(
        cfg.graph, min_confidence=0.5))
    assert stage_config_hash("charcount", own) != before
    assert stage_config_hash("charcount", upstream) != before
    assert stage_config_hash("charcount", unrelated) == before
    # and the real stages do not depend on the new stage's section
    assert stage_config_hash("shards", own) == stage_config_hash("shards", cfg)


def test_a_new_stage_gets_a_cli_command(registered):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sub.choices["charcount"].description == CharCountStage.spec.help
    assert "charcount" in sub.choices["run"].description


def test_a_new_stage_runs_plans_and_is_current_through_the_contract(
        registered, sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)
    cfg = load_config(pipeline)
    assert not STAGE.is_current(cfg)
    assert main(["charcount", str(pipeline), "--dry-run"]) == 0
    assert "charcount: would run (its config, code or inputs differ)" in capsys.readouterr().out

    assert main(["charcount", str(pipeline)]) == 0
    manifest = read_json(tmp_path / "work" / "charcount" / "manifest.json")
    texts = [t for f in STAGE.parts(cfg)
             for t in read_parquet(tmp_path / "work" / "extract" / f)["text"].to_pylist()]
    counts = read_parquet(tmp_path / "work" / "charcount" / "counts.parquet")
    assert sum(counts["chars"].to_pylist()) == sum(len(t) for t in texts)
    # The parts ran in spawned workers, which found the stage by its module and set it up.
    assert manifest["workers"] and os.getpid() not in manifest["workers"]
    assert STAGE.is_current(cfg)
    capsys.readouterr()
    assert main(["run", str(pipeline), "--dry-run"]) == 0
    assert "charcount: up to date" in capsys.readouterr().out

    # Its own setting makes it stale; so does a changed upstream manifest.
    assert main(["charcount", str(pipeline), "--dry-run", "--set", "report.top_n=3"]) == 0
    assert "charcount: would run" in capsys.readouterr().out
    extract_manifest = tmp_path / "work" / "extract" / "manifest.json"
    extract_manifest.write_text(extract_manifest.read_text().replace('"rejects": 0',
                                                                     '"rejects": 0 '))
    assert not STAGE.is_current(cfg)
    # A listed file that no longer holds its bytes is not current either.
    (tmp_path / "work" / "charcount" / "manifest.json").unlink()
    assert not STAGE.is_current(cfg)


def test_the_dry_run_of_every_real_stage_comes_from_its_plan(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)
    cfg = load_config(pipeline)
    for name in stage_names():
        assert stage_named(name).is_current(cfg), name
    assert main(["run", str(pipeline), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines == [stage_named(n).plan(cfg, False).line for n in stage_names()]
    assert lines[1:] == ["graph: up to date", "subnets: up to date", "shards: up to date"]
    # One shard part's marker gone: exactly that part would run, nothing upstream.
    (tmp_path / "work" / "shards" / "part-00001.done.json").unlink()
    assert not stage_named("shards").is_current(cfg)
    assert main(["shards", str(pipeline), "--dry-run"]) == 0
    assert ("shards: 1 parts done with this config; others would run (1 to build (1))"
            in capsys.readouterr().out)
