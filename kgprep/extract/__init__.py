"""Stage 1, extract: documents -> sentences and triples, one Parquet file per part (DESIGN §4.1).

The stage: parts written with their done-markers, done parts reused, rejects and skips, the
manifest. Parsing and extracting one part, with no file I/O, is ``kgprep.extract.parse``.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from kgprep.core.config import PipelineConfig
from kgprep.core.io import (
    atomic_open,
    atomic_path,
    read_json_or_none,
    remove_stale_temporaries,
    sha256_file,
    write_json,
    write_parquet,
)
from kgprep.core.schemas import DOC_SCHEMA
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
from kgprep.extract.parse import MemoryZones, load_nlp, process_documents
from kgprep.extract.records import (
    Document,
    NoDocumentsError,
    Part,
    PartDescriptor,
    Record,
    Reject,
    Skip,
)


def part_path(out_dir: Path, index: int) -> Path:
    return out_dir / f"part-{index:05d}.parquet"


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
        cfg.workdir.retract(out_dir / "manifest.json")
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
        manifest = read_json_or_none(self.manifest_path(cfg))
        if not isinstance(manifest, dict):
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
