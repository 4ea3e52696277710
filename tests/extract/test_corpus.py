from __future__ import annotations

import io
import json

import pytest

from kgprep.core.config import InputConfig
from kgprep.extract.corpus import iter_parts, iter_records
from kgprep.extract.readers import text_lines
from kgprep.extract.records import Document, Reject, content_id, normalise_text


def _records(tmp_path, lines: list[bytes], **kwargs):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    cfg = InputConfig(paths=[str(path)], **kwargs)
    return list(iter_records(cfg, str(tmp_path)))


def test_bad_jsonl_records_become_rejects_with_position_and_reason(tmp_path):
    records = _records(
        tmp_path,
        [
            json.dumps({"id": "a", "text": "Good text."}).encode(),
            b"{not json",
            json.dumps({"id": "b"}).encode(),
            json.dumps({"id": "c", "text": 5}).encode(),
            json.dumps({"id": "d", "text": "   \n"}).encode(),
            b'{"id": "e", "text": "caf\xff"}',
            json.dumps(["a list"]).encode(),
            json.dumps({"id": "f", "text": "Also good."}).encode(),
        ],
    )
    docs = [r for r in records if isinstance(r, Document)]
    rejects = [r for r in records if isinstance(r, Reject)]
    assert [d.doc_id for d in docs] == ["a", "f"]
    assert [r.position for r in rejects] == ["line 2", "line 3", "line 4", "line 5", "line 6",
                                             "line 7"]
    reasons = " | ".join(r.reason for r in rejects)
    for fragment in ("invalid JSON", "missing text field", "not a string", "whitespace-only",
                     "invalid UTF-8", "not a JSON object"):
        assert fragment in reasons
    assert all(r.source == "in.jsonl" for r in rejects)


def test_missing_id_gets_a_content_hash_plus_position(tmp_path):
    line = json.dumps({"text": "No id here."}).encode()
    first, second = _records(tmp_path, [line, line], deduplicate=False)
    assert first.doc_id.startswith(content_id("No id here.") + "-")
    assert second.doc_id.startswith(content_id("No id here.") + "-")
    assert first.doc_id != second.doc_id


def test_custom_fields(tmp_path):
    (doc,) = _records(tmp_path, [json.dumps({"key": 7, "body": "Text."}).encode()],
                      text_field="body", id_field="key")
    assert (doc.doc_id, doc.text) == ("7", "Text.")


def test_text_is_nfc_without_control_characters():
    assert normalise_text("Cafe\u0301\x00 ok\x07\tdone\n") == "Café ok\tdone\n"


def test_parts_are_contiguous_and_fingerprints_stable():
    docs = [Document(str(i), f"text {i}", "s") for i in range(5)]
    rejects: list[Reject] = []
    parts = list(iter_parts(iter(docs), 2, rejects))
    assert [[d.doc_id for d in p.documents] for p in parts] == [["0", "1"], ["2", "3"], ["4"]]
    again = list(iter_parts(iter(docs), 2, rejects))
    assert [p.fingerprint for p in parts] == [p.fingerprint for p in again]
    changed = [*docs[:3], Document("3", "edited", "s"), docs[4]]
    new = list(iter_parts(iter(changed), 2, rejects))
    assert new[0].fingerprint == parts[0].fingerprint
    assert new[1].fingerprint != parts[1].fingerprint


def test_parquet_and_text_inputs(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["First doc.", "Second doc."]}),
                   tmp_path / "docs.parquet")
    (tmp_path / "plain.txt").write_text("Para one.\nStill one.\n\nPara two.\n", encoding="utf-8")
    cfg = InputConfig(paths=[str(tmp_path / "docs.parquet"), str(tmp_path / "plain.txt")])
    records = list(iter_records(cfg, str(tmp_path)))
    assert all(isinstance(r, Document) for r in records)
    assert [r.doc_id for r in records[:2]] == ["p1", "p2"]
    texts = [r.text.strip() for r in records[2:]]
    assert texts == ["Para one.\nStill one.", "Para two."]


def test_text_paragraphs_split_on_whitespace_only_lines(tmp_path):
    # WikiText's blank lines hold a single space.
    (tmp_path / "wiki.txt").write_text(" = Title = \n \n First para .\n \n Second para .\n")
    cfg = InputConfig(paths=[str(tmp_path / "wiki.txt")])
    records = list(iter_records(cfg, str(tmp_path)))
    assert [r.text.strip() for r in records] == ["= Title =", "First para .", "Second para ."]
    assert [r.doc_id.rsplit("-", 1)[0] for r in records] == [content_id(r.text) for r in records]


def test_a_text_line_that_is_not_utf8_is_a_reject_and_reading_goes_on(tmp_path):
    (tmp_path / "mixed.txt").write_bytes(
        b"First para .\n\nBad caf\xe9 line .\nStill second para .\n\nThird\x0cpara .\n")
    cfg = InputConfig(paths=[str(tmp_path / "mixed.txt")])
    records = list(iter_records(cfg, str(tmp_path)))
    rejects = [r for r in records if isinstance(r, Reject)]
    assert [(r.position, r.reason.split(":")[0]) for r in rejects] == [("line 3", "invalid UTF-8")]
    # A form feed splits lines as in datasets' line mode (str.splitlines).
    assert [r.text for r in records if isinstance(r, Document)] == [
        "First para .", "Still second para .", "Third\npara ."]


@pytest.mark.parametrize(("encoding", "name", "expected"), [
    ("utf-16", "in.txt", "not UTF-8: UTF-16 LE text (byte order mark FF FE)"),
    ("utf-16-be", "in.txt.gz", "not UTF-8: every other byte is NUL (UTF-16BE"),  # no mark
    ("utf-32", "in.jsonl", "not UTF-8: UTF-32 LE text (byte order mark FF FE 00 00)"),
    ("utf-32-le", "in.jsonl", "not UTF-8: three NULs in every four bytes (UTF-32LE"),  # no mark
    ("utf-32-be", "in.txt", "not UTF-8: three NULs in every four bytes (UTF-32BE"),
])
def test_a_file_not_in_utf8_is_one_reject_naming_its_encoding(tmp_path, encoding, name,
                                                              expected):
    import gzip

    text = '{"text": "Caf\u00e9 one ."}\n\n{"text": "Two ."}\n'
    data = text.encode(encoding)
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    (tmp_path / "good.txt").write_text("Caf\u00e9 three .\n")
    cfg = InputConfig(paths=[str(tmp_path / name), str(tmp_path / "good.txt")])
    records = list(iter_records(cfg, str(tmp_path)))
    assert [type(r).__name__ for r in records] == ["Reject", "Document"]
    assert records[0].position == "file" and records[0].reason.startswith(expected)
    assert records[1].text == "Caf\u00e9 three ."


@pytest.mark.parametrize("layout", ["pretty", "one line"])
def test_a_json_array_file_is_one_reject_saying_how_to_convert_it(tmp_path, layout):
    records = [{"id": "a", "text": "Paris is in France."}, {"id": "b", "text": "Rome is old."}]
    text = json.dumps(records, indent=2 if layout == "pretty" else None)
    (tmp_path / "in.json").write_text(text + "\n")
    (tmp_path / "list.jsonl").write_text('[1, 2]\n{"text": "Oslo is cold."}\n')
    got = list(iter_records(InputConfig(paths=[str(tmp_path)]), str(tmp_path)))
    rejects = [(r.source, r.position, r.reason) for r in got if isinstance(r, Reject)]
    assert rejects[0][:2] == ("in.json", "file")
    assert rejects[0][2].startswith("a JSON array, not JSON Lines") and "jq -c" in rejects[0][2]
    # A JSON Lines file whose first record is a list of numbers is no array of records.
    assert rejects[1][:2] == ("list.jsonl", "line 1") and "JSON array" not in rejects[1][2]
    assert [r.text for r in got if isinstance(r, Document)] == ["Oslo is cold."]


def test_a_small_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path):
    # Shorter than the encoding check's sample: the check must leave it to the reader.
    import gzip

    lines = "".join(json.dumps({"id": f"d{i}", "text": f"Document number {i} ."}) + "\n"
                    for i in range(40))
    assert len(lines) < 4096
    packed = gzip.compress(lines.encode("utf-8"))
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) * 3 // 4])
    records = list(iter_records(InputConfig(paths=[str(tmp_path / "cut.jsonl.gz")]),
                                str(tmp_path)))
    kept = [r for r in records if isinstance(r, Document)]
    (reject,) = [r for r in records if isinstance(r, Reject)]
    assert kept and reject.position == f"after {kept[-1].position}"
    assert reject.reason.startswith("unreadable file")


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 1 << 20])
def test_text_lines_end_at_lf_crlf_or_a_lone_cr_across_chunk_boundaries(chunk_size):
    data = b"a\r\nb\rc\n\r\rd\r\n\ne\r"
    lines = list(text_lines(io.BytesIO(data), chunk_size))
    assert lines == [b"a\r\n", b"b\r", b"c\n", b"\r", b"\r", b"d\r\n", b"\n", b"e\r"]
    assert list(text_lines(io.BytesIO(b"no end"), chunk_size)) == [b"no end"]
    assert list(text_lines(io.BytesIO(b""), chunk_size)) == []


def test_long_documents_are_parsed_in_pieces_and_nothing_is_lost(nlp):
    from kgprep.core.config import ExtractConfig
    from kgprep.extract.parse import process_documents, split_long_text

    sentence = "Marie Curie discovered polonium in Paris. "
    text = sentence * 400  # 16,800 characters
    pieces = split_long_text(text, limit=1000)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 1000 for _, p in pieces)
    assert all(p.endswith(". ") for _, p in pieces[:-1])
    table, counters = process_documents(nlp, [Document("long", text, "s")], ExtractConfig(),
                                        max_piece_chars=1000)
    row = table.to_pylist()[0]
    assert len(pieces) > 1 and counters["long_documents_split"] == 1
    assert len(row["triples"]) == 400
    for t in row["triples"]:
        assert text[t["subj"]["start"]:t["subj"]["end"]] == "Marie Curie"
        assert text[t["obj"]["start"]:t["obj"]["end"]] == "polonium"
    assert len(row["sentences"]) == 400
    assert sorted({t["sentence"] for t in row["triples"]}) == list(range(400))


def test_memory_zones_keep_vocabulary_across_parts_until_it_grows_too_big(nlp):
    """Parts share what earlier parts added to the vocabulary (re-adding it every part cost
    parse time), and it is all freed once the zone has gained ``renew_after`` strings."""
    from kgprep.core.config import ExtractConfig
    from kgprep.extract.parse import MemoryZones, process_documents

    zones = MemoryZones(nlp, renew_after=50)
    base = len(nlp.vocab.strings)
    try:
        first, _ = process_documents(nlp, [Document("a", "Zorblax quintessified flimflam.", "s")],
                                     ExtractConfig(), zones=zones)
        after_first = len(nlp.vocab.strings)
        assert after_first > base
        novel = " ".join(f"glorpwordy{i}" for i in range(100))  # 100+ new strings
        process_documents(nlp, [Document("b", novel, "s")], ExtractConfig(), zones=zones)
        assert "quintessified" in nlp.vocab.strings  # the first part's strings were kept
        again, _ = process_documents(nlp, [Document("a", "Zorblax quintessified flimflam.", "s")],
                                     ExtractConfig(), zones=zones)
        assert again.to_pylist() == first.to_pylist()
        assert "glorpwordy7" not in nlp.vocab.strings  # renewed: the 100 words were freed
        assert len(nlp.vocab.strings) == after_first
    finally:
        zones.close()
    assert len(nlp.vocab.strings) == base
    # Without zones, one is opened and freed per call.
    process_documents(nlp, [Document("c", novel, "s")], ExtractConfig())
    assert len(nlp.vocab.strings) == base
