"""Inputs users have: compressed JSONL, text and Parquet; unreadable files and unencodable
records as rejects; zero documents as an error; the conservation line (issue #15, items 1-2)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from kgprep.core.config import InputConfig
from kgprep.extract.corpus import iter_records
from kgprep.extract.records import Document, Reject
from tests.conftest import input_pipeline

TEXTS = ["Marie Curie discovered polonium in Paris.", "NASA launched the Hubble telescope.",
         "Alexander Fleming discovered penicillin in London."]
COMPRESSORS = {
    "": lambda b: b,
    ".gz": gzip.compress,
    ".zst": lambda b: _zstd(b),
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
}


def _zstd(data: bytes) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


def _payload(fmt: str) -> bytes:
    if fmt == "jsonl":
        return b"".join(json.dumps({"id": f"d{i}", "text": t}).encode() + b"\n"
                        for i, t in enumerate(TEXTS))
    if fmt == "text":
        return "\n\n".join(TEXTS).encode() + b"\n"
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"id": [f"d{i}" for i in range(len(TEXTS))], "text": TEXTS}), sink)
    return sink.getvalue().to_pybytes()


def _write(directory: Path, name: str, fmt: str, suffix: str) -> Path:
    path = directory / f"{name}{suffix}"
    path.write_bytes(COMPRESSORS[suffix](_payload(fmt)))
    return path


def _read(tmp_path: Path, *paths: Path, **kwargs) -> list:
    cfg = InputConfig(paths=[str(p) for p in paths], **kwargs)
    return list(iter_records(cfg, str(tmp_path)))


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
@pytest.mark.parametrize(("fmt", "name"), [("jsonl", "docs.jsonl"), ("text", "docs.txt"),
                                           ("parquet", "docs.parquet")])
def test_each_format_is_read_compressed_or_not_with_format_auto(tmp_path, fmt, name, suffix):
    path = _write(tmp_path, name, fmt, suffix)
    records = _read(tmp_path, path)
    assert [r.text for r in records] == TEXTS
    assert all(isinstance(r, Document) and r.source == path.name for r in records)


def test_an_explicit_format_still_decompresses_by_the_name(tmp_path):
    path = _write(tmp_path, "docs.jsonl", "jsonl", ".zst")
    records = _read(tmp_path, path, format="jsonl")
    assert [r.doc_id for r in records] == ["d0", "d1", "d2"]


def _unreadable_files(directory: Path) -> dict[str, str]:
    """name -> what its reject reason says."""
    # Incompressible lines, so half of each file holds many of them.
    lines = b"".join(json.dumps({"id": i, "text": f"Paper {hashlib.sha256(bytes(i)).hexdigest()}"}
                                ).encode() + b"\n" for i in range(300))
    full = gzip.compress(lines)
    (directory / "corrupt.jsonl.gz").write_bytes(b"this is not gzip at all")
    (directory / "truncated.jsonl.gz").write_bytes(full[: len(full) // 2])
    zst = _zstd(lines)
    (directory / "truncated.jsonl.zst").write_bytes(zst[: len(zst) // 2])
    (directory / "fake.parquet").write_bytes(b"PAR1 but not really a parquet file")
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}),
                   directory / "empty.parquet")
    (directory / "empty.jsonl").write_bytes(b"")
    return {"corrupt.jsonl.gz": "unreadable file: BadGzipFile",
            "truncated.jsonl.gz": "unreadable file: EOFError",
            "truncated.jsonl.zst": "unreadable file: OSError: Truncated",
            "fake.parquet": "unreadable file: ArrowInvalid",
            "empty.parquet": "no records in file",
            "empty.jsonl": "no records in file"}


def test_a_file_that_cannot_be_read_is_one_reject_with_its_path_and_reading_goes_on(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    expected = _unreadable_files(data)
    good = _write(data, "good.jsonl", "jsonl", ".gz")
    records = _read(tmp_path, data, deduplicate=False, languages=[])
    rejects = {Path(r.source).name: r for r in records if isinstance(r, Reject)}
    assert set(rejects) == set(expected)
    for name, reason in expected.items():
        assert rejects[name].reason.startswith(reason), rejects[name]
        assert rejects[name].source == f"data/{name}"
    # What came before the truncation point is kept; the reject says where reading stopped.
    kept = [r for r in records
            if isinstance(r, Document) and r.source == "data/truncated.jsonl.gz"]
    assert kept and rejects["truncated.jsonl.gz"].position == f"after {kept[-1].position}"
    assert [r.text for r in records if isinstance(r, Document) and r.source.endswith(good.name)
            ] == TEXTS


def test_a_lone_surrogate_is_a_reject_not_a_crash(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a", "text": "Fine text here."}\n'
                    '{"id": "b", "text": "broken \\ud800 text"}\n'
                    '{"id": "\\udfff", "text": "Bad id."}\n', encoding="utf-8")
    records = _read(tmp_path, path)
    assert [type(r).__name__ for r in records] == ["Document", "Reject", "Reject"]
    assert records[1].position == "line 2" and records[2].position == "line 3"
    assert "unencodable text" in records[1].reason and "U+D800" in records[1].reason
    assert "id field" in records[2].reason
    json.dumps(records[1].to_json(), ensure_ascii=False).encode("utf-8")  # writable as is


def _pipeline(tmp_path: Path, paths: list[Path], extra: str = "") -> Path:
    return input_pipeline(tmp_path, paths, "inputs", 4, extra)


def _jsonl_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_cli_reads_compressed_inputs_rejects_bad_files_and_strict_fails(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    expected = _unreadable_files(data)
    _write(data, "a.jsonl", "jsonl", ".zst")
    _write(data, "b.txt", "text", ".xz")
    (data / "c.jsonl").write_text('{"id": "s", "text": "lone \\ud800 surrogate"}\n')
    pipeline = _pipeline(tmp_path, [data], extra="deduplicate = false\nlanguages = []")
    assert main(["extract", str(pipeline)]) == 0
    out = capsys.readouterr().out
    work = tmp_path / "work" / "extract"
    rejects = _jsonl_lines(work / "rejects.jsonl")
    by_source = {r["source"]: r["reason"] for r in rejects}
    for name, reason in expected.items():
        assert by_source[f"data/{name}"].startswith(reason)
    assert "unencodable text" in by_source["data/c.jsonl"]
    stats = json.loads((tmp_path / "work" / "stats" / "extract.json").read_text())
    counts = stats["counts"]
    kept_from_truncated = counts["documents"] - 2 * len(TEXTS)
    assert kept_from_truncated > 0  # the readable start of the truncated files
    assert counts["rejects"] == len(expected) + 1
    # The summary ends with the conservation line, and it balances.
    last = out.strip().splitlines()[-1]
    assert last.strip() == stats["conservation"]
    assert last.strip().startswith(f"records read {counts['records_read']:,} = processed "
                                   f"{counts['documents']:,} + rejected {counts['rejects']}")
    assert counts["records_read"] == counts["documents"] + counts["rejects"] + counts["skipped"]
    assert "no records in file 2" in last and "skipped 0" in last
    assert main(["extract", str(pipeline), "--strict"]) == 5
    assert "rejected" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["empty file", "empty directory", "all rejected"])
def test_zero_documents_is_exit_3_naming_the_inputs_unless_allowed(tmp_path, capsys, kind):
    data = tmp_path / "data"
    data.mkdir()
    if kind == "empty file":
        target = data / "empty.jsonl"
        target.write_text("")
    elif kind == "empty directory":
        target = data
    else:
        target = data / "bad.jsonl"
        target.write_text("{not json\n[1, 2]\n")
    pipeline = _pipeline(tmp_path, [target])
    assert main(["run", str(pipeline)]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("kgprep: ")
    assert "no documents read" in err and str(target) in err and "input.allow_empty" in err
    assert not (tmp_path / "work" / "extract" / "manifest.json").exists()
    assert main(["extract", str(pipeline), "--set", "input.allow_empty=true"]) == 0
    manifest = json.loads((tmp_path / "work" / "extract" / "manifest.json").read_text())
    assert manifest["totals"]["documents"] == 0


def _one_document_extracted(tmp_path: Path) -> tuple[Path, Path]:
    """(the input file, the pipeline) after a successful extract of one document."""
    data = tmp_path / "data"
    data.mkdir()
    target = data / "in.jsonl"
    target.write_text('{"text": "Marie Curie was born in Warsaw."}\n')
    pipeline = _pipeline(tmp_path, [target])
    assert main(["extract", str(pipeline)]) == 0
    assert (tmp_path / "work" / "extract" / "manifest.json").exists()
    return target, pipeline


def test_a_run_that_reads_no_documents_uncommits_the_earlier_run(tmp_path, capsys):
    # The rejects it writes explain this run; the old manifest must not vouch for them.
    target, pipeline = _one_document_extracted(tmp_path)
    extract_dir = tmp_path / "work" / "extract"
    target.write_bytes("{\"text\": \"Marie Curie.\"}\n".encode("utf-16"))
    assert main(["extract", str(pipeline)]) == 3
    capsys.readouterr()
    assert not (extract_dir / "manifest.json").exists()
    (reject,) = _jsonl_lines(extract_dir / "rejects.jsonl")
    assert reject["reason"].startswith("not UTF-8: UTF-16 LE text")
    assert main(["graph", str(pipeline)]) != 0
    assert "extract" in capsys.readouterr().err


def test_an_interrupted_extract_leaves_no_manifest_of_the_run_before(tmp_path, monkeypatch,
                                                                     capsys):
    target, pipeline = _one_document_extracted(tmp_path)
    target.write_text('{"text": "Pierre Curie was born in Paris."}\n')

    def interrupted(*args: object) -> None:  # as if Ctrl-C came while parts were replaced
        raise KeyboardInterrupt

    monkeypatch.setattr("kgprep.extract.ExtractStage._schedule", interrupted)
    assert main(["extract", str(pipeline)]) == 130
    capsys.readouterr()
    assert not (tmp_path / "work" / "extract" / "manifest.json").exists()
