"""Memory flat in document size: a long document is parsed one piece at a time, its triples
shifted to document offsets, rows kept in document order (issue #15, item 4)."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from typing import Any

import pyarrow as pa

from kgprep.core.config import ExtractConfig
from kgprep.extract.parse import MemoryZones, process_documents
from kgprep.extract.records import Document


class PieceSpy:
    """Wraps the spaCy pipeline: records what each call parses and how many of the Docs it
    returned are still alive when the next parse starts."""

    def __init__(self, nlp: Any):
        self.nlp = nlp
        self.calls: list[tuple[str, list[str]]] = []
        self.alive_at_parse: list[int] = []
        self._docs: list[weakref.ref] = []

    def _alive(self) -> int:
        return sum(ref() is not None for ref in self._docs)

    def __call__(self, text: str) -> Any:
        self.alive_at_parse.append(self._alive())
        self.calls.append(("call", [text]))
        doc = self.nlp(text)
        self._docs.append(weakref.ref(doc))
        return doc

    def pipe(self, texts: Any, batch_size: int) -> Any:
        texts = list(texts)
        self.calls.append(("pipe", texts))
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            self._docs.append(weakref.ref(doc))
            yield doc

    def __getattr__(self, name: str) -> Any:  # vocab, memory_zone, ...
        return getattr(self.nlp, name)


def test_a_long_document_is_parsed_one_piece_at_a_time_and_its_triples_shifted(nlp):
    sentence = "Marie Curie discovered polonium in Paris. "
    long_text = sentence * 60  # 2,520 characters: 6 pieces of at most 500
    docs = [Document("a", "NASA launched Hubble in 1990.", "s"), Document("long", long_text, "s"),
            Document("b", "Fleming discovered penicillin in London.", "s")]
    spy = PieceSpy(nlp)
    table, counters = process_documents(spy, docs, ExtractConfig(), max_piece_chars=500)
    pieces = [texts[0] for kind, texts in spy.calls if kind == "call"]
    assert "".join(pieces) == long_text and all(len(p) <= 500 for p in pieces)
    assert len(pieces) == 6
    assert counters["long_documents_split"] == 1  # one document, in six pieces
    # Short documents go to nlp.pipe; no piece of the long one does.
    piped = [t for kind, texts in spy.calls if kind == "pipe" for t in texts]
    assert sorted(piped) == sorted([docs[0].text, docs[2].text])
    # When a piece is parsed, no earlier piece's Doc is alive any more.
    assert spy.alive_at_parse == [0] * len(pieces)
    rows = table.to_pylist()
    assert [r["doc_id"] for r in rows] == ["a", "long", "b"]
    long_row = rows[1]
    assert len(long_row["triples"]) == len(long_row["sentences"]) == 60
    for t in long_row["triples"]:
        assert long_text[t["subj"]["start"]:t["subj"]["end"]] == "Marie Curie"
        assert long_text[t["obj"]["start"]:t["obj"]["end"]] == "polonium"
        sent = long_row["sentences"][t["sentence"]]
        assert sent["start"] <= t["subj"]["start"] < t["obj"]["end"] <= sent["end"]
    assert sorted(t["sentence"] for t in long_row["triples"]) == list(range(60))
    # The same rows as when the document is parsed whole.
    whole, _ = process_documents(nlp, docs, ExtractConfig(), max_piece_chars=10_000)
    assert [r["triples"] for r in whole.to_pylist()] == [r["triples"] for r in rows]


class HeapSpy(PieceSpy):
    """Also records, when each piece is parsed, the memory held by Python objects (traced)
    plus Arrow's memory pool."""

    def __init__(self, nlp: Any):
        super().__init__(nlp)
        self.held_at_parse: list[int] = []

    def __call__(self, text: str) -> Any:
        gc.collect()
        self.held_at_parse.append(tracemalloc.get_traced_memory()[0] + pa.total_allocated_bytes())
        return super().__call__(text)


def test_a_long_document_keeps_its_triples_compact_as_it_is_parsed(nlp, monkeypatch):
    """Triples become compressed Arrow data once a batch of them is full. Kept as Python
    dicts until the row was written, they held ~3 KB a triple (a 50 MB document has ~450k
    triples); now the memory held grows by a few hundred bytes a triple at most, past one
    batch of dicts (here one piece's 60, so that 10 pieces show the growth)."""
    import kgprep.extract.parse

    monkeypatch.setattr(kgprep.extract.parse, "_TRIPLES_PER_BATCH", 60)
    sentence = "Marie Curie discovered polonium in Paris. "
    long_text = sentence * 720  # 12 pieces of 60 triples and 60 sentences
    spy = HeapSpy(nlp)
    tracemalloc.start()
    try:
        table, counters = process_documents(spy, [Document("long", long_text, "s")],
                                            ExtractConfig(), max_piece_chars=2520)
    finally:
        tracemalloc.stop()
    assert counters["triples"] == 720 and len(spy.held_at_parse) == 12
    growth = spy.held_at_parse[-1] - spy.held_at_parse[1]  # over 10 pieces, 600 triples
    assert growth < 600 * 500, spy.held_at_parse  # as dicts: 600 * ~3,000
    assert len(table.column("triples")[0]) == 720


def test_the_vocabulary_is_renewed_between_pieces_with_the_same_rows(nlp):
    """Strings a long document adds to spaCy's vocabulary are freed between its pieces once
    they are many (a 50 MB document of new words would otherwise grow it without bound), and
    the rows are those of a parse that never renews."""
    long_text = "".join(f"Zorblax{i} Quintel discovered glorpium{i} in Paris. "
                        for i in range(120))
    docs = [Document("long", long_text, "s")]
    base = len(nlp.vocab.strings)
    renewing = MemoryZones(nlp, renew_after=30)
    seen: list[int] = []

    class VocabSpy(PieceSpy):
        def __call__(self, text: str) -> Any:
            seen.append(len(nlp.vocab.strings))
            return super().__call__(text)

    try:
        pieces, _ = process_documents(VocabSpy(nlp), docs, ExtractConfig(),
                                      max_piece_chars=1000, zones=renewing)
    finally:
        renewing.close()
    assert len(seen) >= 6 and max(seen) - base < 150  # 240+ new words: renewed on the way
    keeping = MemoryZones(nlp, renew_after=10**9)
    try:
        kept, _ = process_documents(nlp, docs, ExtractConfig(), max_piece_chars=1000,
                                    zones=keeping)
        assert len(nlp.vocab.strings) - base > 240  # never renewed
    finally:
        keeping.close()
    assert pieces.equals(kept)
    assert len(pieces.column("triples")[0]) >= 100


def test_ids_and_part_fingerprints_do_not_depend_on_the_hash_window(monkeypatch):
    """Text is hashed a window at a time (a 50 MB document is never encoded whole): content
    ids and part fingerprints stay the hashes of the whole UTF-8 text, as before."""
    import hashlib

    from kgprep.extract import corpus, records

    texts = ["", "a", "Zoë 😀 € x" * 7, "é" * 23]
    docs = [Document(f"id-{i}", t, f"src-{i}") for i, t in enumerate(texts)]
    expected = hashlib.sha256()
    for doc in docs:
        for value in (doc.doc_id, doc.source, doc.text):
            encoded = value.encode("utf-8")
            expected.update(len(encoded).to_bytes(8, "little") + encoded)
    for window in (1, 3, 1 << 20):
        monkeypatch.setattr(records, "HASH_WINDOW", window)  # _text_windows reads it there
        assert corpus.iter_parts(docs, 10, []).__next__().fingerprint == expected.hexdigest()
        for text in texts:
            want = "sha256-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
            assert records.content_id(text) == want


def test_a_part_with_a_long_document_has_statistics_for_all_but_its_text(nlp, tmp_path):
    """Parquet statistics of a huge text cost memory and are dropped from the file anyway, so
    a part with a long document has none for its text column; every other column keeps
    them, and a part of ordinary documents is written exactly as before."""
    import pyarrow.parquet as pq

    from kgprep.core.io import read_parquet, write_parquet
    from kgprep.extract import write_part

    docs = [Document("long", "Marie Curie discovered polonium in Paris. " * 30, "s")]
    table, counters = process_documents(nlp, docs, ExtractConfig(), max_piece_chars=500)
    assert counters["long_documents_split"] > 0
    write_part(tmp_path / "long.parquet", table, "h", long_document=True)
    meta = pq.read_metadata(tmp_path / "long.parquet")
    columns = [meta.row_group(0).column(i) for i in range(meta.num_columns)]
    without = [c.path_in_schema for c in columns if not c.is_stats_set]
    assert without == ["text"] and len(columns) > 30
    back = read_parquet(tmp_path / "long.parquet")
    assert back.equals(table) and back.schema.metadata[b"kgprep.config_hash"] == b"h"
    write_part(tmp_path / "short.parquet", table, "h", long_document=False)
    write_parquet(tmp_path / "before.parquet", table, {"kgprep.config_hash": "h"})
    assert (tmp_path / "short.parquet").read_bytes() == (tmp_path / "before.parquet").read_bytes()
