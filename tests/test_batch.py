"""Batch-job guarantees: crash safety, bad input, incremental reruns, dry runs, JSON logs."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from tests.conftest import ROOT, sample_pipeline

ARTIFACTS = (".parquet", ".arrow", ".nq", ".ttl", ".jsonl")


def artifacts(work: Path) -> dict[str, bytes]:
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
            if p.is_file() and p.suffix in ARTIFACTS}


def kgprep(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "kgprep", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)


def test_sigkill_at_random_moments_then_rerun_gives_the_clean_output(sample_run, tmp_path):
    pipeline = sample_pipeline(tmp_path, workers=2)
    rng = random.Random(1234)
    killed_in = []
    for _ in range(5):
        run = kgprep("run", str(pipeline))
        time.sleep(rng.uniform(0.5, 9.0))
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            killed_in.append(sorted(p.name for p in (tmp_path / "work" / "stats").glob("*"))
                             if (tmp_path / "work" / "stats").is_dir() else [])
        run.wait()
    final = kgprep("run", str(pipeline))
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()
    assert killed_in, "no run was killed: the kill windows missed every stage"
    work = tmp_path / "work"
    assert artifacts(work) == artifacts(sample_run)
    leftovers = [p for p in work.rglob("*") if p.name.endswith(".tmp") or p.name == ".reuse"]
    assert leftovers == []
    ids = [i for f in sorted((work / "extract").glob("part-*.parquet"))
           for i in pq.read_table(f, columns=["doc_id"])["doc_id"].to_pylist()]
    assert len(ids) == len(set(ids)) == 125


def bad_input_file(path: Path) -> None:
    big = " ".join(["x" * 999] * 5000)  # one 5 MB document of long tokens
    lines = [
        json.dumps({"id": "ok-1", "text": "Marie Curie discovered polonium in Paris."}),
        "{this is not json",
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "not-string", "text": ["a", "list"]}),
        json.dumps({"id": "empty", "text": "   \n\t "}),
        json.dumps({"id": "nul", "text": "Pfizer\x00 developed\x07 the vaccine."}),
        json.dumps({"id": "markup", "text": "<div class='x'><p>NASA <b>launched</b> Hubble in "
                    "1990.</p><script>var a = {};</script></div>" * 20}),
        json.dumps({"id": "french", "text": "Le chat mange la souris dans la cuisine."}),
        json.dumps({"id": "big", "text": big}),
    ]
    data = "\n".join(lines).encode("utf-8") + b'\n{"id": "bad-utf8", "text": "caf\xe9"}\n'
    path.write_bytes(data)


def test_bad_input_is_processed_or_rejected_and_the_run_goes_on(tmp_path, capsys):
    corpus = tmp_path / "bad.jsonl"
    bad_input_file(corpus)
    pipeline = sample_pipeline(tmp_path, extra="")
    text = pipeline.read_text().replace(str(ROOT / "data" / "sample" / "corpus.jsonl"),
                                        str(corpus))
    pipeline.write_text(text)
    assert main(["run", str(pipeline)]) == 0
    work = tmp_path / "work"
    rejects = [json.loads(line) for line in
               (work / "extract" / "rejects.jsonl").read_text().splitlines()]
    reasons = {r["position"]: r["reason"] for r in rejects}
    assert set(reasons) == {"line 2", "line 3", "line 4", "line 5", "line 10"}
    assert all(r["source"].endswith("bad.jsonl") for r in rejects)
    assert "rejected: invalid JSON" in capsys.readouterr().out
    docs = {row["doc_id"]: row for row in
            pq.read_table(work / "extract" / "part-00000.parquet").to_pylist()}
    assert set(docs) == {"ok-1", "nul", "markup", "big"}
    skipped = [json.loads(line) for line in
               (work / "extract" / "skipped.jsonl").read_text().splitlines()]
    assert [(s["doc_id"], s["reason"]) for s in skipped] == [("french", "language:fr")]
    assert docs["nul"]["text"] == "Pfizer developed the vaccine."
    assert len(docs["big"]["text"]) == 5000 * 1000 - 1  # never truncated
    assert docs["big"]["sentences"][-1]["end"] == len(docs["big"]["text"])
    stats = json.loads((work / "stats" / "extract.json").read_text())
    assert stats["counts"]["long_documents_split"] > 0
    assert main(["validate", str(work / "shards")]) == 0
    assert main(["run", str(pipeline), "--strict"]) == 5
    assert "rejected" in capsys.readouterr().err


def test_adding_an_input_file_keeps_full_parts_and_equals_a_clean_run(tmp_path):
    lines = (ROOT / "data" / "sample" / "corpus.jsonl").read_text().splitlines()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "a.jsonl").write_text("\n".join(lines[:100]) + "\n")
    pipeline = sample_pipeline(tmp_path)
    pipeline.write_text(pipeline.read_text().replace(
        str(ROOT / "data" / "sample" / "corpus.jsonl"), str(inputs)))
    assert main(["run", str(pipeline)]) == 0
    (inputs / "b.jsonl").write_text("\n".join(lines[100:]) + "\n")
    assert main(["run", str(pipeline), "--dry-run"]) == 0
    assert main(["run", str(pipeline)]) == 0
    stats = json.loads((tmp_path / "work" / "stats" / "extract.json").read_text())
    # a.jsonl's full part (64) is kept; its tail (36) and b.jsonl (25) form one pooled part.
    assert (stats["counts"]["parts"], stats["counts"]["parts_skipped"]) == (2, 1)
    # The incremental result equals a clean run over both files.
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copytree(inputs, clean / "inputs")
    clean_pipeline = sample_pipeline(clean)
    clean_pipeline.write_text(clean_pipeline.read_text().replace(
        str(ROOT / "data" / "sample" / "corpus.jsonl"), str(clean / "inputs")))
    assert main(["run", str(clean_pipeline)]) == 0
    assert artifacts(tmp_path / "work") == artifacts(clean / "work")


def test_a_config_change_redoes_only_the_stages_it_affects(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)

    def counts(stage: str) -> dict:
        return json.loads((tmp_path / "work" / "stats" / f"{stage}.json").read_text())["counts"]

    assert main(["run", str(pipeline), "--dry-run", "--set", "shards.seq_len=256"]) == 0
    plan = capsys.readouterr().out
    assert "graph: up to date" in plan and "subnets: up to date" in plan
    assert "shards: would rebuild" in plan
    assert main(["run", str(pipeline), "--set", "shards.seq_len=256"]) == 0
    assert counts("extract")["parts_skipped"] == 2
    assert counts("graph")["up_to_date"] == 1 and counts("subnets")["up_to_date"] == 1
    assert counts("shards")["shards_written"] == 2
    assert main(["run", str(pipeline), "--set", "shards.seq_len=256",
                 "--set", "subnets.min_score=0.2"]) == 0
    assert counts("graph")["up_to_date"] == 1
    assert "up_to_date" not in counts("subnets")


def test_json_log_format_for_schedulers(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)
    assert main(["--log-format", "json", "run", str(pipeline)]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in events] == ["stage_start", "stage_done"] * 4
    assert events[-1]["stage"] == "shards" and "counts" in events[-1]
    assert main(["--log-format", "json", "run", str(tmp_path / "missing.toml")]) == 2
    error = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert error["event"] == "error" and error["exit_code"] == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_counts_agree(sample_run, tmp_path, workers, monkeypatch):
    # Graph and shards parts go to the pool however little work there is (sample_run's did not).
    monkeypatch.setattr("kgprep.engines.PARALLEL_MIN_BYTES", 0)
    pipeline = sample_pipeline(tmp_path, workers=workers)
    assert main(["run", str(pipeline)]) == 0
    assert artifacts(tmp_path / "work") == artifacts(sample_run)
