"""Stage 1, extract: documents -> sentences and triples, one Parquet file per part (DESIGN §4.1)."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyarrow as pa

from kgprep.core.config import ExtractConfig, PipelineConfig
from kgprep.core.io import (
    atomic_open,
    atomic_path,
    read_json,
    remove_stale_temporaries,
    sha256_file,
    write_json,
    write_parquet,
)
from kgprep.core.schemas import DOC_SCHEMA, SPAN_TYPE, TRIPLE_TYPE
from kgprep.core.stage import (
    Plan,
    Stage,
    StageReport,
    StageSpec,
    amount,
    done_record,
    intact,
    part_ids,
    progress,
    stage_config_hash,
)
from kgprep.engines import EngineSpec
from kgprep.extract.corpus import iter_parts, iter_records, read_part
from kgprep.extract.records import (
    Document,
    NoDocumentsError,
    Part,
    PartDescriptor,
    Record,
    Reject,
    Skip,
)

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


def part_path(out_dir: Path, index: int) -> Path:
    return out_dir / f"part-{index:05d}.parquet"


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


def _leaf_columns(schema: pa.Schema) -> list[str]:
    """Parquet's names of the leaf columns: ``triples.list.element.subj.key``, ..."""

    def walk(name: str, kind: pa.DataType) -> Iterator[str]:
        if pa.types.is_list(kind):
            yield from walk(f"{name}.list.element", kind.value_type)
        elif pa.types.is_struct(kind):
            for child in kind:
                yield from walk(f"{name}.{child.name}", child.type)
        else:
            yield name

    return [leaf for field in schema for leaf in walk(field.name, field.type)]


# Every column's statistics but the text's, for parts with a document longer than a piece.
_STATISTICS_BUT_TEXT = [leaf for leaf in _leaf_columns(DOC_SCHEMA) if leaf != "text"]


def write_part(path: Path, table: pa.Table, config_hash: str, long_document: bool) -> None:
    """Write a part's Parquet file. With a document longer than a piece in it, the text
    column gets no statistics: Parquet copies the smallest and the largest text to compute
    them (190 MB at once for a 50 MB document), then leaves values over 4 KB out of the file."""
    if not long_document:
        write_parquet(path, table, {"kgprep.config_hash": config_hash})
        return
    import pyarrow.parquet as pq

    metadata = {**(table.schema.metadata or {}), b"kgprep.config_hash": config_hash.encode()}
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(metadata), tmp, compression="zstd",
                       write_statistics=_STATISTICS_BUT_TEXT)


def load_in_process(model: str) -> None:
    """Load the model into this process's worker state now (the pre-flight check does, so a
    one-worker extract in the same process does not load it a second time)."""
    STAGE.setup(model)


REUSE_DIR = ".reuse"


def part_done(out_dir: Path, part: Part | PartDescriptor, config_hash: str
              ) -> dict[str, Any] | None:
    """The part's done-marker record when its output exists and matches input and config."""
    out = part_path(out_dir, part.index)
    marker = out.with_suffix(".done.json")
    return done_record(marker, {"fingerprint": part.fingerprint, "config_hash": config_hash},
                       out)


def done_records(out_dir: Path, config_hash: str) -> list[dict[str, Any]]:
    """Records of every done part with this config whose output exists, in part order."""
    found = []
    for marker in sorted(out_dir.glob("part-*.done.json")):
        try:
            record = json.loads(marker.read_text())
        except ValueError:
            continue
        if record.get("config_hash") == config_hash and intact(
                out_dir / record.get("file", ""), record.get("bytes")):
            found.append(record)
    return found


def _link_done_parts(out_dir: Path, config_hash: str) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Hard-link every done part under its fingerprint before any part is rewritten."""
    cache = out_dir / REUSE_DIR
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    for record in done_records(out_dir, config_hash):
        linked = cache / f"{record['fingerprint']}.parquet"
        if not linked.exists():
            try:
                os.link(out_dir / record["file"], linked)
            except OSError:
                shutil.copyfile(out_dir / record["file"], linked)
        found[record["fingerprint"]] = (linked, record)
    return found


class _Tally:
    """Counts every record read, by type, as the driver streams them to the parts."""

    def __init__(self) -> None:
        self.read = 0
        self.documents = 0

    def count(self, records: Iterator[Record]) -> Iterator[Record]:
        for record in records:
            self.read += 1
            self.documents += isinstance(record, Document)
            yield record


def _by_kind(records: list[Reject] | list[Skip]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind] = counts.get(record.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def conservation_line(read: int, processed: int, rejected: dict[str, int],
                      skipped: dict[str, int]) -> str:
    """records read = processed + rejected + skipped, each with its reasons."""

    def term(name: str, by_kind: dict[str, int]) -> str:
        total = sum(by_kind.values())
        reasons = ", ".join(f"{kind} {n:,}" for kind, n in by_kind.items())
        return f"{name} {total:,}" + (f" ({reasons})" if reasons else "")

    balance = processed + sum(rejected.values()) + sum(skipped.values())
    return (f"records read {read:,} {'=' if balance == read else '!='} processed {processed:,}"
            f" + {term('rejected', rejected)} + {term('skipped', skipped)}")


def extract_warnings(totals: dict[str, int]) -> list[str]:
    """What came out empty: no documents (input.allow_empty), or documents with no triple."""
    if totals["documents"] == 0:
        return ["no documents were processed (input.allow_empty): every later stage is empty"]
    if totals["triples"] == 0:
        return [f"no triples in {amount(totals['documents'], 'document')} "
                f"({amount(totals['sentences'], 'sentence')}): the graph and the shards' "
                f"annotations will be empty"]
    return []


def _write_jsonl(path: Path, records: list[Reject] | list[Skip]) -> None:
    with atomic_open(path) as fh:
        for record in records:
            fh.write((json.dumps(record.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))


def _no_documents(cfg: PipelineConfig, tally: _Tally, rejects: list[Reject],
                  skipped: list[Skip], out_dir: Path) -> NoDocumentsError:
    shown = ", ".join(cfg.input.paths[:3]) + (", ..." if len(cfg.input.paths) > 3 else "")
    return NoDocumentsError(
        f"no documents read from input.paths ({shown}): {amount(tally.read, 'record')} read, "
        f"{len(rejects):,} rejected (see {out_dir / 'rejects.jsonl'}), {len(skipped):,} "
        "skipped; set input.allow_empty = true to accept an empty input")


SPEC = StageSpec(
    "extract", (), ("input", "extract"), (),
    "Split documents into sentences with spaCy and extract subject-predicate-object "
    "triples with character spans, provenance, negation, modality and confidence. "
    "Writes extract/part-*.parquet and extract/rejects.jsonl.",
    code=("extract/*.py", "models/*.json", "models/*.txt.gz", "core/schemas.py"),
    parallel="every part")


@dataclass
class _Inputs:
    """What the driver learns while it streams the input into parts."""

    tally: _Tally = field(default_factory=lambda: _Tally())
    rejects: list[Reject] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


class ExtractStage(Stage):
    """Per input part (``process``): parse with spaCy (loaded once per worker by ``setup``),
    extract triples, write the part; ``reduce`` writes rejects, skips and the manifest."""

    spec = SPEC

    def __init__(self) -> None:
        # A worker's state: one spaCy model per process, loaded once (setup), then parts.
        self._worker: dict[str, Any] = {}

    def input_parts(self, cfg: PipelineConfig, inputs: _Inputs) -> Iterator[Part]:
        records = iter_records(cfg.input, cfg.base_dir, leave_out=(cfg.work_dir,))
        return iter_parts(inputs.tally.count(records),
                          cfg.input.part_size, inputs.rejects, inputs.skipped)

    def parts(self, cfg: PipelineConfig) -> Iterator[Part]:
        return self.input_parts(cfg, _Inputs())

    def setup(self, *args: Any) -> None:
        (model,) = args
        # One model per process; a run in the same process with another model (tests,
        # notebooks) replaces it rather than parsing with the wrong one.
        worker = self._worker
        if worker.get("model") != model:
            if "zones" in worker:
                worker["zones"].close()
            worker["nlp"] = load_nlp(model)
            worker["model"] = model
            worker["zones"] = MemoryZones(worker["nlp"])
            # The model and the imports are permanent: keep them out of the per-part
            # collections, which then only walk what the part created (about 0.3 s a part less).
            gc.collect()
            gc.freeze()

    def process(self, item: PartDescriptor, *args: Any) -> dict[str, Any]:
        """Read one part from the input (only its descriptor came over the wire), parse it,
        write it under this machine's view of the work dir and publish it."""
        part = item
        cfg, input_cfg, workdir, config_hash = args
        out_dir = workdir.root / "extract"
        documents = read_part(part, input_cfg)
        table, counters = process_documents(self._worker["nlp"], documents, cfg,
                                            zones=self._worker["zones"])
        del documents
        out = part_path(out_dir, part.index)
        write_part(out, table, config_hash, counters["long_documents_split"] > 0)
        record = {
            "part": part.index,
            "file": out.name,
            "fingerprint": part.fingerprint,
            "config_hash": config_hash,
            "documents": table.num_rows,
            "bytes": out.stat().st_size,
            "sha256": sha256_file(out),
            **counters,
        }
        write_json(out.with_suffix(".done.json"), record)
        # Published at once: a crash loses only parts in flight, and a worker on another
        # machine hands its part to the driver through a URL work dir.
        workdir.publish(out, out.with_suffix(".done.json"))
        return record

    def _schedule(self, parts: Iterator[Part], cfg: PipelineConfig, out_dir: Path,
                  config_hash: str) -> Iterator[tuple[dict[str, Any], bool]]:
        """Run parts not done yet on the configured engine; yields (record, was_skipped).
        Workers get each part's descriptor, not its text: the driver keeps no part's text past
        the moment it has fingerprinted it."""
        reusable = _link_done_parts(out_dir, config_hash)

        def done(part: PartDescriptor) -> dict[str, Any] | None:
            out = part_path(out_dir, part.index)
            record = part_done(out_dir, part, config_hash)
            if record is not None:
                return record
            if part.fingerprint in reusable:
                # The same documents were done under another part number (input files were
                # added or reordered): reuse that output instead of parsing again.
                source, record = reusable[part.fingerprint]
                with atomic_path(out) as tmp:
                    shutil.copyfile(source, tmp)
                record = {**record, "part": part.index, "file": out.name}
                write_json(out.with_suffix(".done.json"), record)
                return record
            return None

        engine = EngineSpec.for_run(cfg.run, cfg.extract.spacy_model)
        descriptors = (part.descriptor() for part in parts)
        yield from self.map(engine, (cfg.extract.spacy_model,), descriptors,
                            (cfg.extract, cfg.input, cfg.workdir, config_hash),
                            skip=done)

    def run(self, cfg: PipelineConfig) -> StageReport:
        report = StageReport("extract", stage_config_hash("extract", cfg), rate_unit="words")
        out_dir = cfg.work_path / "extract"
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir)
        # The manifest is the commit point: from here until reduce writes this run's, an older
        # run's must not vouch for parts being replaced, nor for this run's rejects.
        (out_dir / "manifest.json").unlink(missing_ok=True)
        inputs = _Inputs()
        results = list(progress(self._schedule(self.input_parts(cfg, inputs), cfg, out_dir,
                                               report.config_hash), None, "extract"))
        return self.reduce(cfg, results, report, inputs)

    def reduce(self, cfg: PipelineConfig, results: list[Any], report: StageReport | None = None,
               inputs: _Inputs | None = None) -> StageReport:
        """From every part's (record, was_skipped): rejects, skips, stale parts removed, the
        manifest last."""
        config_hash = stage_config_hash("extract", cfg)
        report = report or StageReport("extract", config_hash, rate_unit="words")
        inputs = inputs or _Inputs()
        tally, rejects, skipped_records = inputs.tally, inputs.rejects, inputs.skipped
        out_dir = cfg.work_path / "extract"
        records: list[dict[str, Any]] = [record for record, _ in results]
        skipped = sum(was_skipped for _, was_skipped in results)
        words_parsed = sum(record["words"] for record, was_skipped in results
                           if not was_skipped)
        _write_jsonl(out_dir / "rejects.jsonl", rejects)
        _write_jsonl(out_dir / "skipped.jsonl", skipped_records)
        if tally.documents == 0 and not cfg.input.allow_empty:
            raise _no_documents(cfg, tally, rejects, skipped_records, out_dir)
        # Parts past the end of the current input belong to an older, longer input.
        keep = {r["file"] for r in records}
        for stale in out_dir.glob("part-*.parquet"):
            if stale.name not in keep:
                stale.unlink()
                stale.with_suffix(".done.json").unlink(missing_ok=True)
        shutil.rmtree(out_dir / REUSE_DIR, ignore_errors=True)
        totals = {
            key: sum(r[key] for r in records)
            for key in ("documents", "sentences", "triples", "words", "pronouns_dropped",
                        "long_documents_split")
        }
        write_json(
            out_dir / "manifest.json",
            {"stage": "extract", "config_hash": config_hash, "parts": records,
             "rejects": len(rejects), "skipped": len(skipped_records), "totals": totals},
        )
        report.counts = {
            "parts": len(records),
            "parts_skipped": skipped,
            "records_read": tally.read,
            **totals,
            "rejects": len(rejects),
            "skipped": len(skipped_records),
        }
        rejected_by_kind, skipped_by_kind = _by_kind(rejects), _by_kind(skipped_records)
        for kind, count in rejected_by_kind.items():
            report.counts[f"  rejected: {kind}"] = count
        for kind, count in skipped_by_kind.items():
            report.counts[f"  skipped: {kind}"] = count
        report.details = {"rejects_by_reason": rejected_by_kind,
                          "skipped_by_reason": skipped_by_kind}
        report.conservation = conservation_line(tally.read, totals["documents"], rejected_by_kind,
                                                skipped_by_kind)
        report.warnings = extract_warnings(totals)
        report.rate_count = words_parsed
        report.outputs = {"parts": str(out_dir), "rejects": str(out_dir / "rejects.jsonl"),
                          "skipped": str(out_dir / "skipped.jsonl")}
        return report.finish()

    def _status(self, cfg: PipelineConfig) -> tuple[list[int], list[int], list[int], list[str],
                                                      int, list[dict[str, Any]]]:
        """(parts to parse, to reuse, done; stale outputs; rejects; done records)."""
        config_hash = stage_config_hash("extract", cfg)
        out_dir = cfg.work_path / "extract"
        reusable = {r["fingerprint"] for r in done_records(out_dir, config_hash)}
        inputs = _Inputs()
        run: list[int] = []
        reuse: list[int] = []
        skip: list[int] = []
        records: list[dict[str, Any]] = []
        for part in self.input_parts(cfg, inputs):
            record = part_done(out_dir, part, config_hash)
            if record is not None:
                skip.append(part.index)
                records.append(record)
            elif part.fingerprint in reusable:
                reuse.append(part.index)
            else:
                run.append(part.index)
        n_parts = len(run) + len(reuse) + len(skip)
        stale = [p.name for p in sorted(out_dir.glob("part-*.parquet"))
                 if int(p.stem.split("-")[1]) >= n_parts]
        return run, reuse, skip, stale, len(inputs.rejects), records

    def is_current(self, cfg: PipelineConfig) -> bool:
        """Every input part done with this config, nothing stale, and the manifest lists them."""
        run, reuse, _, stale, _, records = self._status(cfg)
        if run or reuse or stale:
            return False
        try:
            manifest = read_json(self.manifest_path(cfg))
        except (OSError, ValueError):
            return False
        return bool(manifest.get("config_hash") == stage_config_hash("extract", cfg)
                    and manifest.get("parts") == records)

    def plan(self, cfg: PipelineConfig, upstream_runs: bool) -> Plan:
        run, reuse, skip, stale, rejects, _ = self._status(cfg)
        return Plan(f"extract: {len(run)} parts to parse{part_ids(run)}, {len(reuse)} to reuse "
                    f"from renumbered parts, {len(skip)} done; {len(stale)} stale outputs to "
                    f"remove; {rejects} input records would be rejected",
                    upstream_runs or not self.is_current(cfg))


STAGE = ExtractStage()


def run_extract(cfg: PipelineConfig) -> StageReport:
    return STAGE.run(cfg)
