"""Only part descriptors cross the wire: a worker reads its own part from the input, in every
format, and finds out when the input changed under the run."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgprep.core.config import InputConfig
from kgprep.extract.corpus import iter_parts, iter_records, read_part
from kgprep.extract.records import Document, InputChangedError


def _parts(cfg: InputConfig, base: Path, part_size: int = 3) -> list:
    return list(iter_parts(iter_records(cfg, str(base)), part_size, []))


def _assert_workers_read_what_the_driver_read(cfg: InputConfig, base: Path,
                                              part_size: int = 3) -> list:
    parts = _parts(cfg, base, part_size)
    assert parts
    for part in parts:
        descriptor = pickle.loads(pickle.dumps(part.descriptor()))
        documents = read_part(descriptor, cfg)
        assert documents == part.documents
        assert [d.position for d in documents] == [d.position for d in part.documents]
    return parts


def _jsonl(path: Path, rows: list, bom: bool = False, opener=open) -> None:
    lines = "".join(json.dumps(row) + "\n" if not isinstance(row, str) else row for row in rows)
    with opener(path, "wb") as fh:
        fh.write((b"\xef\xbb\xbf" if bom else b"") + lines.encode("utf-8"))


ROWS = [{"id": f"d{i}", "text": f"Document number {i} mentions Paris, caf\u00e9 {i}."}
        for i in range(10)]


def test_jsonl_with_bom_rejects_and_blank_lines(tmp_path):
    rows = [*ROWS[:4], "not json\n", "\n", *ROWS[4:]]
    _jsonl(tmp_path / "a.jsonl", rows, bom=True)
    cfg = InputConfig(paths=[str(tmp_path / "a.jsonl")])
    parts = _assert_workers_read_what_the_driver_read(cfg, tmp_path)
    assert [len(p.documents) for p in parts] == [3, 3, 3, 1]


def test_compressed_jsonl_is_read_forward_to_the_part(tmp_path):
    _jsonl(tmp_path / "a.jsonl.gz", ROWS, opener=gzip.open)
    cfg = InputConfig(paths=[str(tmp_path / "a.jsonl.gz")])
    _assert_workers_read_what_the_driver_read(cfg, tmp_path)


def test_text_paragraphs_including_one_that_starts_inside_a_line(tmp_path):
    # "\x0c" is a line break to str.splitlines: the second paragraph starts mid-line, after
    # a multi-byte character, and the file starts with a byte order mark.
    text = ("\ufeffFirst paragraph, caf\u00e9.\nIts second line.\n \n"
            "Na\u00efve line\x0c\x0cSecond paragraph starts here.\n\n"
            "Third one.\n\n\n" + "".join(f"Paragraph {i}.\n\n" for i in range(6)))
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    cfg = InputConfig(paths=[str(tmp_path / "a.txt")], format="text")
    parts = _assert_workers_read_what_the_driver_read(cfg, tmp_path, part_size=2)
    texts = [d.text for p in parts for d in p.documents]
    assert texts[:4] == ["First paragraph, caf\u00e9.\nIts second line.", "Na\u00efve line",
                         "Second paragraph starts here.", "Third one."]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_text_paragraphs_are_found_by_their_own_line_whatever_the_line_ending(tmp_path,
                                                                                 ending):
    # Old Mac files end lines with a lone CR: each paragraph still has its own line number
    # and offset, so a worker reads from its paragraph, not from the top of the file.
    text = "".join(f"Paragraph {i}, line one.{ending}line two.{ending}{ending}" for i in range(7))
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    cfg = InputConfig(paths=[str(tmp_path / "a.txt")], format="text")
    parts = _assert_workers_read_what_the_driver_read(cfg, tmp_path, part_size=2)
    documents = [d for p in parts for d in p.documents]
    assert [d.text for d in documents] == [f"Paragraph {i}, line one.\nline two."
                                           for i in range(7)]
    assert [d.position for d in documents] == [f"line {1 + 3 * i}" for i in range(7)]
    assert [d.location.offset for d in documents] == [
        len("".join(f"Paragraph {k}, line one.{ending}line two.{ending}{ending}"
                    for k in range(i)).encode()) for i in range(7)]


def test_parquet_from_the_row_group_that_holds_the_part(tmp_path):
    table = pa.table({"id": [r["id"] for r in ROWS], "text": [r["text"] for r in ROWS]})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=4)
    cfg = InputConfig(paths=[str(tmp_path / "a.parquet")])
    _assert_workers_read_what_the_driver_read(cfg, tmp_path)


def test_saved_dataset(tmp_path):
    import datasets

    datasets.Dataset.from_list(ROWS).save_to_disk(str(tmp_path / "ds"))
    cfg = InputConfig(paths=[str(tmp_path / "ds")])
    _assert_workers_read_what_the_driver_read(cfg, tmp_path)


def test_pooled_parts_span_files_and_skips_stay_out(tmp_path):
    _jsonl(tmp_path / "a.jsonl", ROWS[:4])
    # A duplicate text is a skip: the worker must step over it, not take it.
    _jsonl(tmp_path / "b.jsonl", [ROWS[5], {"id": "dup", "text": ROWS[5]["text"]}, ROWS[6]])
    cfg = InputConfig(paths=[str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
    parts = _assert_workers_read_what_the_driver_read(cfg, tmp_path)
    assert [[d.doc_id for d in p.documents] for p in parts] == [["d0", "d1", "d2"],
                                                                ["d3", "d5", "d6"]]


def test_a_descriptor_carries_no_text(tmp_path):
    big = {"id": "big", "text": "word " * 200_000}
    _jsonl(tmp_path / "a.jsonl", [big])
    (part,) = _parts(InputConfig(paths=[str(tmp_path / "a.jsonl")]), tmp_path)
    assert len(pickle.dumps(part.descriptor())) < 1_000 < len(pickle.dumps(part))


def test_an_input_changed_under_the_run_is_an_error(tmp_path):
    _jsonl(tmp_path / "a.jsonl", ROWS)
    cfg = InputConfig(paths=[str(tmp_path / "a.jsonl")])
    parts = _parts(cfg, tmp_path)
    # The same documents rewritten with one text edited: offsets hold, the fingerprint does not.
    _jsonl(tmp_path / "a.jsonl", [*ROWS[:4], {**ROWS[4], "text": ROWS[4]["text"][::-1]},
                                  *ROWS[5:]])
    assert read_part(parts[0].descriptor(), cfg) == parts[0].documents
    with pytest.raises(InputChangedError, match=r"part 1 .*a\.jsonl"):
        read_part(parts[1].descriptor(), cfg)
    # Truncated: the document at the part's offsets is gone.
    _jsonl(tmp_path / "a.jsonl", ROWS[:2])
    with pytest.raises(InputChangedError, match=r"a\.jsonl has no document at line 10"):
        read_part(parts[3].descriptor(), cfg)


def test_a_document_not_read_from_an_input_has_no_descriptor():
    from kgprep.extract.records import Part

    part = Part(0, [Document("x", "text", "memory")], "f")
    with pytest.raises(ValueError, match="not read from an input"):
        part.descriptor()


def test_zstd_text_is_read_forward_to_the_part(tmp_path):
    text = "".join(f"Paragraph {i} about Berlin.\n\n" for i in range(9))
    with pa.CompressedOutputStream(str(tmp_path / "a.txt.zst"), "zstd") as out:
        out.write(text.encode("utf-8"))
    cfg = InputConfig(paths=[str(tmp_path / "a.txt.zst")], format="text")
    _assert_workers_read_what_the_driver_read(cfg, tmp_path)


def test_the_cli_reports_a_changed_input_as_an_input_error():
    from kgprep.cli import EXIT_INPUT, classify

    assert classify(InputChangedError("input changed")) == (EXIT_INPUT, "input changed")


def test_a_parquet_part_deep_inside_one_row_group(tmp_path):
    rows = [{"id": f"r{i}", "text": f"Row {i} names Lisbon."} for i in range(500)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "one.parquet")  # one row group
    assert pq.ParquetFile(tmp_path / "one.parquet").num_row_groups == 1
    cfg = InputConfig(paths=[str(tmp_path / "one.parquet")])
    parts = _assert_workers_read_what_the_driver_read(cfg, tmp_path, part_size=70)
    assert [d.position for d in parts[3].documents][:2] == ["row 210", "row 211"]


def test_a_worker_that_cannot_read_the_input_says_so(tmp_path):
    _jsonl(tmp_path / "a.jsonl", ROWS)
    cfg = InputConfig(paths=[str(tmp_path / "a.jsonl")])
    (part, *_) = _parts(cfg, tmp_path)
    (tmp_path / "a.jsonl").unlink()  # as on a node that does not see the driver's disk
    with pytest.raises(InputChangedError, match=r"a worker cannot read .*a\.jsonl"):
        read_part(part.descriptor(), cfg)
