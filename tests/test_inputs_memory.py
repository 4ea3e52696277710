"""Memory flat in document size: a long document is parsed one piece at a time, its triples
shifted to document offsets, rows kept in document order (issue #15, item 4)."""

from __future__ import annotations

import weakref
from typing import Any

from kgprep.config import ExtractConfig
from kgprep.corpus import Document
from kgprep.extract import process_documents


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
    assert counters["long_documents_split"] == len(pieces) - 1 == 5
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
