"""A stage's manifest is its commit point: a run that starts replacing what the manifest lists
withdraws it first, so a run stopped part-way leaves none, and the next reader says so."""

from __future__ import annotations

import shutil

import pytest

from kgprep.cli import main
from tests.conftest import sample_pipeline


@pytest.mark.parametrize(("stage", "change", "reader"), [
    # N-Quads parts are replaced one by one; the query store loads them under the manifest.
    ("graph", "graph.min_confidence=0.5", "subnets"),
    # Shards are rewritten under the same names; the loader reads them by the manifest.
    ("shards", "shards.seq_len=256", "validate"),
])
def test_an_interrupted_run_leaves_no_manifest_of_the_run_before(sample_run, tmp_path,
                                                                  monkeypatch, capsys, stage,
                                                                  change, reader):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)

    def interrupted(*args: object) -> None:  # as if Ctrl-C came while parts were replaced
        raise KeyboardInterrupt

    monkeypatch.setattr(f"kgprep.{stage}.{stage.capitalize()}Stage.map", interrupted)
    assert main([stage, str(pipeline), "--set", change]) == 130
    assert not (tmp_path / "work" / stage / "manifest.json").exists()
    capsys.readouterr()
    if reader == "validate":
        args = ["validate", str(tmp_path / "work" / "shards")]
    else:
        args = [reader, str(pipeline), "--set", change]
    assert main(args) == 3  # a missing upstream artifact, named on the error line
    assert "manifest" in capsys.readouterr().err
