"""Parse and extract one part, with no file I/O: the extract stage's pure core (DESIGN §4.1).

Loading spaCy, cutting long documents into pieces, memory zones, and a part's documents turned
into its Arrow table. Writing parts, reusing done ones and the manifest are the stage's
(``kgprep.extract``).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any, cast

import pyarrow as pa

from kgprep.core.config import ExtractConfig
from kgprep.core.schemas import DOC_SCHEMA, SPAN_TYPE, TRIPLE_TYPE
from kgprep.extract.records import Document

# Components the extractor reads: POS and lemmas, the parse, and entity types.
NEEDED_COMPONENTS = frozenset(
    {"tok2vec", "transformer", "tagger", "morphologizer", "attribute_ruler", "lemmatizer",
     "parser", "ner", "senter"}
)


def _add_once(nlp: Any, name: str, **where: str) -> None:
    """Add one of kgprep's own components, or enable it where a saved pipeline already has it."""
    if name in nlp.disabled:
        nlp.enable_pipe(name)
    elif name not in nlp.component_names:
        nlp.add_pipe(name, **where)


def load_nlp(model: str) -> Any:
    """Load an installed spaCy pipeline with the components the extractor does not read disabled."""
    import spacy

    # kgprep's own components register with spaCy when imported, before a pipeline saved with
    # them loads; imported here, since importing spaCy (and through thinc, torch) costs ~2 s
    # that the commands that never parse must not pay.
    from kgprep.extract import headlines, lemmas

    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy pipeline '{model}' (config key extract.spacy_model) is not installed: {exc}"
        ) from exc
    own = {headlines.COMPONENT, lemmas.COMPONENT}
    unused = [name for name in nlp.pipe_names if name not in NEEDED_COMPONENTS | own]
    if unused:
        nlp.select_pipes(disable=unused)
    if "parser" in nlp.pipe_names:
        _add_once(nlp, headlines.COMPONENT, before="parser")
    if "lemmatizer" in nlp.pipe_names:
        _add_once(nlp, lemmas.COMPONENT, after="lemmatizer")
    return nlp


# Documents longer than this are parsed in pieces cut at line or sentence ends: the parser needs
# about 1 GB per 100,000 characters, so pieces keep memory flat and nothing is ever dropped.
MAX_PIECE_CHARS = 100_000


def iter_pieces(text: str, limit: int = MAX_PIECE_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) pairs covering ``text``, cut after a newline or sentence end if possible;
    one at a time, so a huge document is never copied whole."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        # The end of the last line or sentence in the window, else the last space, else a hard cut.
        cut = max(window.rfind("\n") + 1, *(window.rfind(end) + 2 for end in (". ", "? ", "! ")))
        if cut <= limit // 2:
            cut = window.rfind(" ") + 1
        if cut <= 0:
            cut = limit
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def split_long_text(text: str, limit: int = MAX_PIECE_CHARS) -> list[tuple[int, str]]:
    return list(iter_pieces(text, limit))


def count_words(doc: Any) -> int:
    """Words of a parsed text: tokens that are neither punctuation nor whitespace. The
    throughput figures (words/s) of the stage and of the benchmarks' bare parse count these."""
    return sum(1 for t in doc if not (t.is_punct or t.is_space))


def _shift(triple: dict[str, Any], offset: int, sentence_offset: int) -> dict[str, Any]:
    """A triple from a piece, moved to document offsets."""
    if offset == 0 and sentence_offset == 0:
        return triple
    moved = dict(triple)
    moved["sentence"] += sentence_offset
    for arg in ("subj", "pred", "obj"):
        moved[arg] = {k: (v + offset if k in ("start", "end", "head_start", "head_end") else v)
                      for k, v in triple[arg].items()}
    moved["extra_args"] = [{**a, "start": a["start"] + offset, "end": a["end"] + offset}
                           for a in triple["extra_args"]]
    return moved


class MemoryZones:
    """spaCy memory zones (spaCy >= 3.8) spanning parts: the strings, lexemes and tokenizer cache
    entries that parts add to the vocabulary are freed once they number ``renew_after``, so a
    long run's memory stays flat. A zone per part re-created the common words' entries in every
    part, which cost ~1.2% of the parse on WikiText in parts of 128 documents."""

    def __init__(self, nlp: Any, renew_after: int = 100_000):
        self.nlp = nlp
        self.renew_after = renew_after
        self._zone: contextlib.ExitStack | None = None
        self._opened_with = 0

    def enter_part(self) -> None:
        """Before a part: keep the open zone, or open a fresh one if it has grown too big."""
        strings = len(self.nlp.vocab.strings)
        if self._zone is not None and strings - self._opened_with > self.renew_after:
            self.close()
        if self._zone is None and hasattr(self.nlp, "memory_zone"):
            self._zone = contextlib.ExitStack()
            self._zone.enter_context(self.nlp.memory_zone())
            self._opened_with = len(self.nlp.vocab.strings)

    def close(self) -> None:
        """Free what the zone holds; no Doc parsed in it may be used afterwards."""
        if self._zone is not None:
            self._zone.close()
            self._zone = None


def process_documents(
    nlp: Any, documents: list[Document], cfg: ExtractConfig,
    max_piece_chars: int = MAX_PIECE_CHARS, zones: MemoryZones | None = None,
) -> tuple[pa.Table, dict[str, int]]:
    """Parse and extract one part: the pure core of the stage, with no file I/O. Nothing it
    returns refers to a Doc, so ``zones`` may free the part's vocabulary entries at any later
    part; without ``zones``, they are freed when the part is done."""
    own_zone = zones is None
    zones = zones or MemoryZones(nlp, renew_after=0)
    zones.enter_part()
    try:
        result = _process(nlp, documents, cfg, max_piece_chars, zones)
    finally:
        if own_zone:
            zones.close()
    # Parsed Docs hold reference cycles that only Python's rare full collections free; left to
    # those, a worker's memory grows with the corpus (traced: +25% over 4 passes). Collecting
    # once a part keeps it flat for the cost of a few milliseconds per part.
    gc.collect()
    return result


def _parsed_pieces(nlp: Any, documents: list[Document], cfg: ExtractConfig,
                   max_piece_chars: int, counters: dict[str, int], zones: MemoryZones
                   ) -> Iterator[tuple[int, int, Any]]:
    """(document index, offset, Doc), in document order. Documents of one piece go through
    ``nlp.pipe`` in batches; a longer document is parsed one piece at a time, each Doc dropped
    before the next is parsed, so memory stays flat in the document's size (pieces sent to
    ``nlp.pipe`` together held a whole 5 MB document's parse at once: 14 GB). The caller must
    be done with each Doc when it asks for the next one."""
    short: list[int] = []

    def batch(indices: list[int]) -> Iterator[tuple[int, int, Any]]:
        texts = (documents[d].text for d in indices)
        for d, doc in zip(indices, nlp.pipe(texts, batch_size=cfg.batch_size), strict=True):
            yield d, 0, doc

    for d, document in enumerate(documents):
        if len(document.text) <= max_piece_chars:
            short.append(d)
            continue
        yield from batch(short)
        short = []
        split = False
        for offset, piece in iter_pieces(document.text, max_piece_chars):
            counters["long_documents_split"] += offset > 0 and not split  # documents, not cuts
            split = split or offset > 0
            yield d, offset, nlp(piece)
            # The piece's Doc is gone: free its reference cycles now (left to Python's rare
            # full collections, a long document's Docs piled up), and the strings its words
            # added to the vocabulary once they are many (a long document is a part's worth).
            gc.collect()
            zones.enter_part()
    yield from batch(short)


# A part's triples wait for its Parquet file as zstd-compressed Arrow IPC: ~80 bytes a triple.
# As Python dicts they took ~3 KB each until the row was written (1.4 GB for a 50 MB document).
_TRIPLES_BATCH = pa.schema([("triple", TRIPLE_TYPE)])
_COMPRESSED = pa.ipc.IpcWriteOptions(compression="zstd")
# Triples wait as dicts until this many, then go to Arrow together: one conversion and one
# compressed batch per document cost ~3% of the stage on WikiText; this many hold ~6 MB.
_TRIPLES_PER_BATCH = 2048


class PartRows:
    """A part's sentences and triples, added a piece at a time in document order, kept
    compact; ``columns`` turns them into the part's two list columns."""

    def __init__(self, documents: int) -> None:
        self.sentences = [0] * documents  # per document, so far
        self.triples = [0] * documents
        self._sentence_chunks: list[pa.Array] = []
        self._sink = pa.BufferOutputStream()
        self._writer = pa.ipc.new_stream(self._sink, _TRIPLES_BATCH, options=_COMPRESSED)
        self._pending: list[dict[str, Any]] = []
        self._document = 0

    def add(self, document: int, sentences: list[dict[str, int]],
            triples: list[dict[str, Any]]) -> None:
        if document < self._document:
            raise ValueError("pieces must come in document order")
        self._document = document
        self._sentence_chunks.append(pa.array(sentences, type=SPAN_TYPE))
        self._pending.extend(triples)
        if len(self._pending) >= _TRIPLES_PER_BATCH:
            self._flush()
        self.sentences[document] += len(sentences)
        self.triples[document] += len(triples)

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_batch(pa.RecordBatch.from_arrays(
                [pa.array(self._pending, type=TRIPLE_TYPE)], schema=_TRIPLES_BATCH))
            self._pending = []

    def columns(self) -> tuple[pa.Array, pa.Array]:
        """The sentences and triples columns (one list per document); call once."""
        self._flush()
        self._writer.close()
        compressed = self._sink.getvalue()
        self._sink = pa.BufferOutputStream()
        triples = pa.ipc.open_stream(compressed).read_all().column(0)
        del compressed
        values = triples.chunk(0) if triples.num_chunks == 1 else triples.combine_chunks()
        del triples  # the decompressed chunks: only the combined copy is kept
        sentences = _list_array(self.sentences, pa.concat_arrays(self._sentence_chunks)
                                if self._sentence_chunks else pa.array([], type=SPAN_TYPE))
        self._sentence_chunks = []
        return sentences, _list_array(self.triples, values)


def _list_array(lengths: list[int], values: pa.Array) -> pa.Array:
    """Lists of ``lengths`` over ``values``: the same values as ``pa.array(list_of_lists)``."""
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + length)
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values,
                                    type=pa.list_(values.type))


def text_array(texts: list[str]) -> pa.Array:
    """``pa.array(texts, pa.string())``, encoded here: pyarrow's own conversion leaves a UTF-8
    copy cached inside each non-ASCII str for as long as the str lives (50 MB more for a 50 MB
    document, held through the Parquet write), and one document's text is not copied again."""
    encoded = [text.encode("utf-8") for text in texts]
    offsets = [0]
    for chunk in encoded:
        offsets.append(offsets[-1] + len(chunk))
    if offsets[-1] >= 2**31:  # past 32-bit offsets: pyarrow's conversion splits the array
        return pa.array(texts, type=pa.string())
    data = encoded[0] if len(encoded) == 1 else b"".join(encoded)
    del encoded
    return pa.StringArray.from_buffers(len(texts), pa.array(offsets, type=pa.int32()).buffers()[1],
                                       pa.py_buffer(data))


def _process(nlp: Any, documents: list[Document], cfg: ExtractConfig, max_piece_chars: int,
             zones: MemoryZones) -> tuple[pa.Table, dict[str, int]]:
    # Imported here: it imports spaCy, which the CLI and the stage registry need not load.
    from kgprep.extract.triples import extract_triples

    counters = {"sentences": 0, "triples": 0, "pronouns_dropped": 0, "words": 0,
                "long_documents_split": 0}
    rows = PartRows(len(documents))
    for d, offset, doc in _parsed_pieces(nlp, documents, cfg, max_piece_chars, counters, zones):
        records, extra = extract_triples(doc)
        found = cast(list[dict[str, Any]], records)  # Arrow rows from here on
        triples = [_shift(t, offset, rows.sentences[d]) for t in found
                   if t["confidence"] >= cfg.min_confidence]
        sentences = [{"start": s.start_char + offset, "end": s.end_char + offset}
                     for s in doc.sents]
        counters["pronouns_dropped"] += extra["pronouns_dropped"]
        counters["words"] += count_words(doc)
        del doc, found, records  # the piece's parse is freed before the next piece is parsed
        rows.add(d, sentences, triples)
        counters["sentences"] += len(sentences)
        counters["triples"] += len(triples)
    sentences, triples = rows.columns()
    columns = {
        "doc_id": pa.array([doc.doc_id for doc in documents], type=pa.string()),
        "text": text_array([doc.text for doc in documents]),
        "source": pa.array([doc.source for doc in documents], type=pa.string()),
        "sentences": sentences,
        "triples": triples,
    }
    return pa.Table.from_pydict(columns, schema=DOC_SCHEMA), counters
