"""The sample pipeline end to end: what a trainer and a user rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from kgprep.cli import main
from kgprep.core.io import sha256_file
from kgprep.validate import validate_shards
from tests.conftest import ROOT, corrupted_copy, sample_pipeline

WS = re.compile(r"\s+")


def manifest(work: Path) -> dict:
    return json.loads((work / "shards" / "manifest.json").read_text())


def test_all_artifacts_exist(sample_run):
    for rel in ("extract/part-00000.parquet", "extract/part-00001.parquet",
                "extract/rejects.jsonl", "rdf/part-00000.nq", "graph/nodes.parquet",
                "graph/relations.parquet", "graph/edges.parquet", "subnets/membership.parquet",
                "subnets/subnets.parquet", "subnets/medicine.ttl", "shards/shard-00000-000.arrow",
                "shards/manifest.json", "stats/extract.json", "stats/shards.json"):
        assert (sample_run / rel).is_file(), rel
    docs = pq.read_table(sample_run / "extract" / "part-00000.parquet")
    assert docs.column_names == ["doc_id", "text", "source", "sentences", "triples"]
    assert pq.read_table(sample_run / "extract" / "part-00001.parquet").num_rows == 125 - 64


def test_shards_open_with_datasets_and_pyarrow_memory_map(sample_run):
    import datasets

    m = manifest(sample_run)
    seq_len = m["seq_len"]
    for entry in m["shards"]:
        path = sample_run / "shards" / entry["file"]
        ds = datasets.Dataset.from_file(str(path))
        assert ds.num_rows == entry["rows"]
        assert len(ds[0]["input_ids"]) == seq_len
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_stream(source).read_all()
        assert table.num_rows == entry["rows"]
        assert table.schema.field("input_ids").type == pa.list_(pa.uint32(), seq_len)
        assert table.schema.field("subnet").type == pa.list_(pa.int16(), seq_len)


def test_every_triple_span_decodes_to_its_character_span(sample_run):
    m = manifest(sample_run)
    tokenizer = Tokenizer.from_file(str(sample_run / m["tokenizer"]["path"]))
    docs = {}
    for part in sorted((sample_run / "extract").glob("part-*.parquet")):
        for row in pq.read_table(part).to_pylist():
            docs[row["doc_id"]] = row
    checked = 0
    for entry in m["shards"]:
        with pa.memory_map(str(sample_run / "shards" / entry["file"])) as source:
            rows = pa.ipc.open_stream(source).read_all().to_pylist()
        for row in rows:
            for t in row["triples"]:
                owner = next(d for d in row["docs"] if d["start"] <= t["subj_start"] < d["end"])
                doc = docs[owner["doc_id"]]
                source_triple = doc["triples"][t["triple_index"]]
                for arg in ("subj", "pred", "obj"):
                    span = doc["text"][source_triple[arg]["start"]:source_triple[arg]["end"]]
                    tokens = row["input_ids"][t[f"{arg}_start"]:t[f"{arg}_end"]]
                    assert WS.sub("", tokenizer.decode(tokens)) == WS.sub("", span)
                    roles = row["role"][t[f"{arg}_start"]:t[f"{arg}_end"]]
                    assert all(r != 0 for r in roles)
                checked += 1
    assert checked == m["totals"]["triples"] > 50


def test_manifest_totals_and_checksums(sample_run):
    m = manifest(sample_run)
    for key in ("rows", "tokens", "triples", "documents"):
        assert m["totals"][key] == sum(s[key] for s in m["shards"])
    assert m["totals"]["documents"] == 125
    for entry in m["shards"]:
        path = sample_run / "shards" / entry["file"]
        assert sha256_file(path) == entry["sha256"]
        assert path.stat().st_size == entry["bytes"]
    assert m["roles"] == {"none": 0, "subject": 1, "predicate": 2, "object": 4}  # bit flags
    assert m["tokenizer"]["eos_id"] != m["tokenizer"]["pad_id"]
    result = validate_shards(sample_run / "shards")
    assert result.ok, result.errors
    assert result.checked["triples_aligned"] == m["totals"]["triples"]


def test_validate_catches_a_corrupted_shard(sample_run, tmp_path):
    copy = corrupted_copy(sample_run, tmp_path)
    assert main(["validate", str(copy / "shards")]) == 1


def test_second_run_with_other_worker_count_is_byte_identical(sample_run, tmp_path):
    pipeline = sample_pipeline(tmp_path, workers=1)
    assert main(["run", str(pipeline)]) == 0
    other = tmp_path / "work"
    for rel in sorted(p.relative_to(sample_run) for p in sample_run.rglob("*")
                      if p.suffix in (".arrow", ".parquet", ".nq", ".ttl")):
        assert (other / rel).read_bytes() == (sample_run / rel).read_bytes(), rel


def test_rerun_skips_done_parts_and_keeps_bytes(sample_run):
    before = {p.name: p.read_bytes() for p in (sample_run / "shards").glob("*.arrow")}
    pipeline = next(sample_run.parent.glob("pipeline.toml"))
    assert main(["run", str(pipeline)]) == 0
    stats = json.loads((sample_run / "stats" / "extract.json").read_text())
    assert stats["counts"]["parts_skipped"] == stats["counts"]["parts"] == 2
    after = {p.name: p.read_bytes() for p in (sample_run / "shards").glob("*.arrow")}
    assert after == before


def test_subnetworks_cover_the_sample_domains(sample_run):
    nodes = pq.read_table(sample_run / "graph" / "nodes.parquet").to_pylist()
    key_of = {n["node_id"]: n["key"] for n in nodes}
    subnets = pq.read_table(sample_run / "subnets" / "subnets.parquet").to_pylist()
    names = {s["subnet_id"]: s["name"] for s in subnets}
    assert sorted(names.values()) == ["astronomy", "computing", "geography", "medicine"]
    members: dict[str, set[str]] = {n: set() for n in names.values()}
    for row in pq.read_table(sample_run / "subnets" / "membership.parquet").to_pylist():
        members[names[row["subnet_id"]]].add(key_of[row["node_id"]])
    assert {"jupiter", "galileo", "hubble"} & members["astronomy"]
    assert "malaria" in members["medicine"]
    # "Python" alone is one capitalised word the NER does not tag: a partial name, no node.
    assert {"linux", "microsoft"} <= members["computing"]
    assert {"nile", "egypt"} <= members["geography"]
    m = manifest(sample_run)
    with pa.memory_map(str(sample_run / "shards" / m["shards"][0]["file"])) as source:
        table = pa.ipc.open_stream(source).read_all()
    subnet = table["subnet"].combine_chunks().flatten().to_numpy()
    entity = table["entity"].combine_chunks().flatten().to_numpy()
    assert set(subnet[subnet >= 0].tolist()) == set(names)
    assert (entity >= 0).sum() > 100


def test_inspect_marks_roles(sample_run, capsys):
    assert main(["inspect", str(sample_run / "shards"), "--rows", "1"]) == 0
    out = capsys.readouterr().out
    assert "[S " in out and "[P " in out and "[O " in out
    assert "subnet=" in out


def _readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reading the shards from PyTorch", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


def test_readme_pytorch_snippet_runs_as_written(sample_run, monkeypatch, capsys):
    pytest.importorskip("torch")
    snippet = _readme_snippet()
    assert 'Path("work/default/shards")' in snippet
    shards = str(sample_run / "shards")
    snippet = snippet.replace('Path("work/default/shards")', f"Path({shards!r})")
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    for name in ("input_ids", "labels", "role", "entity", "subnet", "loss_mask"):
        assert f"{name} torch.Size([8, 512])" in out
