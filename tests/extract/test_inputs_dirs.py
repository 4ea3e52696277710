"""Inputs users have: DatasetDict splits, directories searched with include/exclude globs, and
small files grouped into full parts that stay correct under incremental reruns (issue #15, 1)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from kgprep.cli import main
from kgprep.core.config import ConfigError, InputConfig, load_config
from kgprep.extract.corpus import iter_parts, iter_records
from kgprep.extract.records import Document, Reject
from tests.conftest import ROOT, input_pipeline, write_pipeline
from tests.test_batch import artifacts

SAMPLE = [json.loads(line) for line in
          (ROOT / "data" / "sample" / "corpus.jsonl").read_text().splitlines()]


def _pipeline(tmp: Path, paths: list[Path], extra: str = "", part_size: int = 16) -> Path:
    return input_pipeline(tmp, paths, "dirs", part_size, extra,
                          sections="[shards]\nvocab_size = 2000\nseq_len = 128")


def _small_files(directory: Path, names: list[str], per_file: int = 4) -> None:
    """Sample documents, ``per_file`` a file, in the order of ``names``."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        docs = SAMPLE[i * per_file:(i + 1) * per_file]
        (directory / name).write_text("".join(json.dumps(d) + "\n" for d in docs))


def test_a_dataset_dict_reads_the_configured_split(tmp_path, capsys):
    import datasets

    saved = tmp_path / "dd"
    datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"id": ["t1", "t2"], "text": [
            "Marie Curie discovered polonium.", "NASA launched Hubble."]}),
        "test": datasets.Dataset.from_dict({"id": ["x1"], "text": ["Fleming found penicillin."]}),
    }).save_to_disk(str(saved))
    cfg = InputConfig(paths=[str(saved)])
    assert [r.doc_id for r in iter_records(cfg, str(tmp_path))] == ["t1", "t2"]
    cfg = InputConfig(paths=[str(saved)], split="test")
    assert [r.doc_id for r in iter_records(cfg, str(tmp_path))] == ["x1"]
    pipeline = _pipeline(tmp_path, [saved], extra='split = "validation"')
    with pytest.raises(ConfigError, match=r"'input.split'.*validation.*train, test"):
        load_config(pipeline)
    assert main(["extract", str(pipeline)]) == 2
    assert "input.split" in capsys.readouterr().err
    assert not (tmp_path / "work" / "extract").exists()  # found before any work


def test_directories_are_searched_recursively_with_include_and_exclude(tmp_path):
    data = tmp_path / "data"
    _small_files(data / "en", ["a.jsonl"], per_file=2)
    _small_files(data / "en" / "old", ["b.jsonl"], per_file=2)
    (data / "en" / "c.txt").write_text("Guido van Rossum created Python.\n")
    (data / "README.md").write_text("# not a corpus\n")
    _small_files(data / ".cache", ["hidden.jsonl"], per_file=1)

    def sources(**kwargs) -> list[str]:
        cfg = InputConfig(paths=[str(data)], **kwargs)
        return sorted({r.source for r in iter_records(cfg, str(tmp_path))})

    assert sources() == ["data/README.md", "data/en/a.jsonl", "data/en/c.txt",
                         "data/en/old/b.jsonl"]
    assert sources(include=["*.jsonl"]) == ["data/en/a.jsonl", "data/en/old/b.jsonl"]
    assert sources(include=["*.jsonl", "*.txt"], exclude=["en/old/*"]) == [
        "data/en/a.jsonl", "data/en/c.txt"]
    # A file whose name tells no format is a reject, never silently ignored.
    (readme,) = [r for r in iter_records(InputConfig(paths=[str(data)]), str(tmp_path))
                 if isinstance(r, Reject)]
    assert readme.source == "data/README.md" and "unknown format" in readme.reason


def test_small_files_are_grouped_into_full_parts_in_input_order():
    docs = [Document(f"{f}-{i}", f"text {f} {i}", f"file{f}") for f in range(10)
            for i in range(3)]
    parts = list(iter_parts(iter(docs), 8, []))
    assert [len(p.documents) for p in parts] == [8, 8, 8, 6]
    assert [d for p in parts for d in p.documents] == docs
    # A file with more than a part's worth keeps its own full parts; its tail is pooled.
    big = [Document(f"big-{i}", f"big {i}", "big") for i in range(19)]
    parts = list(iter_parts(iter(docs[:3] + big + docs[3:6]), 8, []))
    assert [[d.source for d in p.documents] for p in parts][:2] == [["big"] * 8, ["big"] * 8]
    assert sorted(d.doc_id for p in parts for d in p.documents) == sorted(
        d.doc_id for d in docs[:6] + big)
    assert all(len(p.documents) == 8 for p in parts[:-1])


def _shard_totals(work: Path) -> dict:
    return json.loads((work / "shards" / "manifest.json").read_text())["totals"]


def test_a_directory_of_small_files_gives_full_parts_and_rows(tmp_path):
    names = [f"f{i:02d}.jsonl" for i in range(10)]
    _small_files(tmp_path / "many" / "data", names)
    many = _pipeline(tmp_path / "many", [tmp_path / "many" / "data"])
    assert main(["run", str(many)]) == 0
    # The same 40 documents in one file: the same parts, rows and tokens.
    one = tmp_path / "one"
    one.mkdir()
    (one / "all.jsonl").write_text("".join(json.dumps(d) + "\n" for d in SAMPLE[:40]))
    assert main(["run", str(_pipeline(one, [one / "all.jsonl"]))]) == 0
    stats = json.loads((tmp_path / "many" / "work" / "stats" / "extract.json").read_text())
    assert stats["counts"]["parts"] == math.ceil(40 / 16) == 3
    many_totals, one_totals = _shard_totals(tmp_path / "many" / "work"), _shard_totals(one / "work")
    assert many_totals["rows"] == one_totals["rows"]
    assert many_totals["tokens"] == one_totals["tokens"]


def test_adding_and_inserting_small_files_then_rerunning_equals_a_clean_run(tmp_path):
    data = tmp_path / "inc" / "data"
    _small_files(data, ["f00.jsonl", "f02.jsonl", "f04.jsonl", "f06.jsonl", "f08.jsonl"])
    pipeline = _pipeline(tmp_path / "inc", [data], part_size=8)
    assert main(["run", str(pipeline)]) == 0
    # One file sorts between existing ones, one after them all.
    for name, first in (("f03.jsonl", 20), ("f09.jsonl", 24)):
        (data / name).write_text("".join(json.dumps(d) + "\n" for d in SAMPLE[first:first + 4]))
    assert main(["run", str(pipeline)]) == 0
    stats = json.loads((tmp_path / "inc" / "work" / "stats" / "extract.json").read_text())
    assert stats["counts"]["parts"] == 4 and stats["counts"]["parts_skipped"] >= 1
    clean = tmp_path / "clean"
    shutil.copytree(data, clean / "data")
    assert main(["run", str(_pipeline(clean, [clean / "data"], part_size=8))]) == 0
    assert artifacts(tmp_path / "inc" / "work") == artifacts(clean / "work")


def _records_read(work: Path) -> dict[str, int]:
    counts = json.loads((work / "stats" / "extract.json").read_text())["counts"]
    return {key: counts[key] for key in ("records_read", "documents", "rejects", "skipped")}


def test_a_work_dir_inside_the_input_directory_is_not_read_back(tmp_path):
    data = tmp_path / "data"
    _small_files(data, ["a.jsonl"], per_file=6)
    pipeline = write_pipeline(tmp_path, f"""
name = "nested"
work_dir = "{data / 'work'}"
[input]
paths = ["{data}"]
part_size = 4
[run]
workers = 1
""")
    assert main(["extract", str(pipeline)]) == 0
    first = _records_read(data / "work")
    assert first == {"records_read": 6, "documents": 6, "rejects": 0, "skipped": 0}
    # A changed setting reruns extract over the same directory, its parts now inside it.
    assert main(["extract", str(pipeline), "--set", "input.part_size=3"]) == 0
    assert _records_read(data / "work") == first


def test_a_linked_directory_inside_the_input_directory_is_searched(tmp_path):
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    _small_files(data, ["a.jsonl"], per_file=2)
    elsewhere.mkdir()
    (elsewhere / "b.jsonl").write_text("".join(json.dumps(d) + "\n" for d in SAMPLE[10:13]))
    (data / "linked").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(data, target_is_directory=True)  # searched once
    records = list(iter_records(InputConfig(paths=[str(data)]), str(tmp_path)))
    assert all(isinstance(r, Document) for r in records)
    assert [r.source for r in records] == ["data/a.jsonl"] * 2 + ["data/linked/b.jsonl"] * 3
