"""``input.encoding``: text and JSON Lines files in another ASCII-compatible encoding are read
whole, and every document is found again at the byte offset its part records."""

from __future__ import annotations

import json

import pytest

from kgprep.core.config import ConfigError, InputConfig, line_codec, load_config
from kgprep.extract.corpus import iter_records
from kgprep.extract.readers import read_file
from kgprep.extract.records import Document, Reject
from tests.conftest import write_pipeline

# cp1252 bytes UTF-8 cannot decode: é, ï, the euro sign (0x80) and "…" (0x85, which Latin-1
# would read as NEL, a line break for str.splitlines). A form feed splits a line into pieces,
# and two of them in a row end a paragraph inside the line.
TEXT = "Café one .\nnaïve € two … .\n\nThé third\x0c\x0cFourth, après .\n"
RECORDS = [{"id": "a", "text": "Crème brûlée … is French ."}, {"id": "b", "text": "Plain ."}]


def _write(tmp_path):
    (tmp_path / "old.txt").write_bytes(TEXT.encode("cp1252"))
    (tmp_path / "old.jsonl").write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS).encode("cp1252"))
    return [str(tmp_path / "old.jsonl"), str(tmp_path / "old.txt")]


def test_a_cp1252_corpus_is_read_whole_with_input_encoding(tmp_path):
    paths = _write(tmp_path)
    records = list(iter_records(InputConfig(paths=paths, encoding="cp1252"), str(tmp_path)))
    assert all(isinstance(r, Document) for r in records)
    assert [r.text for r in records] == [
        "Crème brûlée … is French .", "Plain .",
        "Café one .\nnaïve € two … .", "Thé third", "Fourth, après ."]


def test_without_it_each_line_utf8_cannot_read_is_a_reject_saying_what_to_set(tmp_path):
    paths = _write(tmp_path)
    records = list(iter_records(InputConfig(paths=paths), str(tmp_path)))
    rejects = [r for r in records if isinstance(r, Reject)]
    assert [r.position for r in rejects] == ["line 1", "line 1", "line 2", "line 4"]
    assert all(r.reason.startswith("invalid UTF-8: ") and "set input.encoding" in r.reason
               for r in rejects)
    assert [r.text for r in records if isinstance(r, Document)] == ["Plain ."]


@pytest.mark.parametrize("encoding", ["cp1252", "shift_jis", "gb18030"])
@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_each_document_is_found_again_at_its_byte_offset(tmp_path, fmt, encoding):
    """A worker reads its part from the offsets the driver recorded: counted in the file's
    encoding, not in UTF-8 (where "é" is two bytes, not one). Shift JIS and GB18030 write a
    character in one to four bytes; GB18030's byte order mark starts the file."""
    text, records = TEXT, RECORDS
    if encoding != "cp1252":
        text = "東京 one .\n京都 two … .\n\n大阪 third\x0c\x0cFourth, 名古屋 .\n"
        records = [{"id": "a", "text": "東京 is in Japan … ."}, {"id": "b", "text": "Plain ."}]
    mark = "\ufeff" if encoding == "gb18030" else ""
    (tmp_path / "old.txt").write_bytes((mark + text).encode(encoding))
    (tmp_path / "old.jsonl").write_bytes((mark + "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in records)).encode(encoding))
    cfg = InputConfig(paths=[], encoding=encoding)
    path = str(tmp_path / ("old.txt" if fmt == "text" else "old.jsonl"))
    documents = [r for r in read_file(path, fmt, cfg, "s") if isinstance(r, Document)]
    paragraphs = text.replace("\x0c\x0c", "\n\n").strip().split("\n\n")
    expected = paragraphs if fmt == "text" else [r["text"] for r in records]
    assert [d.text for d in documents] == expected
    for document in documents:
        assert document.location is not None
        start = (document.location.offset, document.location.line)
        again = next(r for r in read_file(path, fmt, cfg, "s", start)
                     if isinstance(r, Document))
        assert (again.doc_id, again.text) == (document.doc_id, document.text)


def test_utf8_with_signature_reads_as_utf8_and_names_are_python_codec_names(tmp_path):
    assert line_codec("UTF8") == line_codec("utf-8-sig") == "utf-8"
    assert line_codec("latin-1") == "iso8859-1"
    path = write_pipeline(tmp_path, 'name="x"\nwork_dir="w"\n[input]\npaths=["."]\n'
                          'encoding="utf-8-sig"\n')
    assert load_config(path).input.encoding == "utf-8-sig"


@pytest.mark.parametrize(("encoding", "message"), [
    ("utf-32", "iconv -f utf-32 -t UTF-8"),  # not ASCII byte for byte
    ("utf-7", "does not write ASCII as ASCII"),  # "+" starts an escape: offsets would break
    ("raw_unicode_escape", "does not write ASCII as ASCII"),  # "\\u0041" would read as "A"
    ("rot13", "is not a text encoding"),
    ("iso2022_kr", "keeps a shift state across lines"),  # its set is announced once
    ("latin-9000", "unknown encoding"),
])
def test_an_encoding_lines_cannot_be_read_in_stops_the_run(tmp_path, encoding, message):
    path = write_pipeline(tmp_path, 'name="x"\nwork_dir="w"\n[input]\npaths=["."]\n'
                          f'encoding="{encoding}"\n')
    with pytest.raises(ConfigError, match=r"config key 'input\.encoding'") as info:
        load_config(path)
    assert message in str(info.value)


def test_a_utf8_file_with_its_byte_order_mark_in_a_cp1252_run_is_one_reject(tmp_path):
    """Read as cp1252 its text would be mojibake ("CafÃ©"); the mark says what it is."""
    (tmp_path / "utf8.txt").write_bytes("\ufeffCafé .\n".encode())
    records = list(iter_records(InputConfig(paths=[str(tmp_path / "utf8.txt")],
                                            encoding="cp1252"), str(tmp_path)))
    assert [(r.position, r.reason.split(";")[0]) for r in records] == [
        ("file", "not cp1252: UTF-8 text (byte order mark EF BB BF)")]


def test_a_binary_parquet_text_column_is_decoded_with_input_encoding(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = ["Café one .", "Crème two ."]
    path = tmp_path / "binary.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": pa.array(
        [t.encode("cp1252") for t in texts], pa.binary())}), path)
    records = list(iter_records(InputConfig(paths=[str(path)], encoding="cp1252"),
                                str(tmp_path)))
    assert [r.text for r in records if isinstance(r, Document)] == texts
    records = list(iter_records(InputConfig(paths=[str(path)]), str(tmp_path)))
    assert [r.reason.split(":")[0] for r in records] == ["invalid UTF-8", "invalid UTF-8"]


def test_a_json_array_after_a_gb18030_byte_order_mark_is_one_reject(tmp_path):
    path = tmp_path / "array.jsonl"
    path.write_bytes('\ufeff[{"text": "東京 ."},\n {"text": "京都 ."}]\n'.encode("gb18030"))
    records = list(read_file(str(path), "jsonl", InputConfig(paths=[], encoding="gb18030"), "s"))
    assert [(r.position, r.reason.split(":")[0]) for r in records] == [
        ("file", "a JSON array, not JSON Lines (one object a line)")]
    assert "東京" in records[0].excerpt
