"""Stage 4, shards: tokenise, align triples to tokens, pack rows and write Arrow IPC streams.

One extract part gives one shard, so parts stay the unit of resumption. The manifest is written
last and is the commit point: readers trust only the shards it lists (DESIGN §4.2-4.3).

This module is the stage (its tokenizer, parts, workers and manifest); the work per part is in
``annotate`` (tokens and their annotations), ``rows`` (packing and writing the rows) and
``domains`` (domain-targeted selection).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from tokenizers import Tokenizer

from kgprep import FORMAT_VERSION, __version__
from kgprep.core.config import PipelineConfig
from kgprep.core.io import (
    read_json,
    read_json_or_none,
    read_parquet,
    remove_stale_temporaries,
    sha256_file,
    write_json,
)
from kgprep.core.schemas import shard_schema
from kgprep.core.stage import (
    LARGE_PARTS,
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
from kgprep.engines import spec_for_light_parts
from kgprep.shards.annotate import (
    ROLE_ENCODING,
    ROLES_MANIFEST,
    GraphLookup,
    Markup,
    annotate_part,
    load_lookup,
)
from kgprep.shards.domains import resolve_domains, select_domains
from kgprep.shards.rows import (
    cut_by_bytes,
    pack_rows,
    row_bytes,
    rows_to_table,
    shard_name,
    unpacked_rows,
    write_stream,
)
from kgprep.shards.tokenizer import (
    KG_TOKENS,
    TokenizerInfo,
    describe,
    train_byte_level_bpe,
    trained_special_tokens,
    with_special_tokens,
)
from kgprep.storage.workdir import WorkDir


def prepare_tokenizer(cfg: PipelineConfig, work: Path, manifest: dict[str, Any]
                      ) -> tuple[Tokenizer, TokenizerInfo]:
    """The configured tokenizer, or a byte-level BPE trained on the extracted corpus.

    With ``linearize = "append"`` the markup tokens are added as special tokens; a user's
    tokenizer is then copied into the work directory with them, and that copy is recorded.
    """
    extra = _markup_tokens(cfg)
    tok_dir = work / "tokenizer"
    if cfg.shards.tokenizer:
        path = Path(cfg.shards.tokenizer)
        if extra:
            path = with_special_tokens(path, tok_dir / "tokenizer.json", extra)
    else:
        path = tok_dir / "tokenizer.json"
        marker = path.with_name("tokenizer.done.json")
        expected = _trained_tokenizer_record(cfg, manifest)
        special = tuple(expected["special"])
        if done_record(marker, expected, path) is None:
            files = [work / "extract" / p["file"] for p in manifest["parts"]]

            def texts() -> Any:
                for f in files:
                    yield from read_parquet(f, columns=["text"])["text"].to_pylist()

            train_byte_level_bpe(texts(), cfg.shards.vocab_size, path, special)
            write_json(marker, {**expected, "bytes": path.stat().st_size})
    tokenizer = Tokenizer.from_file(str(path))
    info = describe(tokenizer, path, cfg.shards.eos_token, cfg.shards.pad_token,
                    os.path.relpath(path, work))
    return tokenizer, info



def markup_ids(cfg: PipelineConfig, tokenizer: Tokenizer) -> Markup | None:
    """The knowledge-markup token ids when triples are linearised into the text, else None."""
    if cfg.shards.linearize != "append":
        return None
    ids: list[int] = []
    for token in KG_TOKENS:
        token_id = tokenizer.token_to_id(token)
        if token_id is None:  # prepare_tokenizer adds them; only a tokenizer edited since lacks one
            raise ValueError(f"the tokenizer has no id for the markup token {token}")
        ids.append(token_id)
    return Markup(*ids)



def marker_name(part: dict[str, Any]) -> str:
    """The done-marker of the shards cut from an extract part."""
    return f"part-{part['part']:05d}.done.json"



@dataclass(frozen=True)
class PartContext:
    """What a shards worker loads once and every part uses."""

    tokenizer: Tokenizer
    tok_info: TokenizerInfo
    lookup: GraphLookup
    markup: Markup | None
    schema: pa.Schema
    domain_ids: set[int] | None



def _build_part(part: dict[str, Any], cfg: PipelineConfig, work: WorkDir, context: PartContext
                ) -> tuple[list[dict[str, Any]], int]:
    """Tokenise, align and pack one extract part, and write its shards."""
    markup, tok_info = context.markup, context.tok_info
    columns = ["doc_id", "text", "triples"] + (["sentences"] if markup else [])
    docs = read_parquet(work.fetch(f"extract/{part['file']}"), columns=columns)
    doc_tokens, unaligned = annotate_part(docs, context.tokenizer, context.lookup, markup,
                                          min_confidence=cfg.graph.min_confidence)
    if context.domain_ids is not None:
        doc_tokens = select_domains(doc_tokens, context.domain_ids,
                                    cfg.shards.min_domain_triples)
    seq_len, packing = cfg.shards.seq_len, cfg.shards.packing
    if packing == "packed":
        cols, stats = pack_rows(doc_tokens, seq_len, tok_info.eos_id, tok_info.pad_id)
    else:
        cols, stats = unpacked_rows(doc_tokens, tok_info.eos_id)
    table = rows_to_table(cols, context.schema, seq_len, packing)
    out_dir = work.root / "shards"
    entries = []
    ranges = cut_by_bytes(row_bytes(table), cfg.shards.shard_bytes)
    for piece, (a, b) in enumerate(ranges):
        rows = table.slice(a, b - a)
        name = shard_name(part["part"], piece)
        path = out_dir / name
        changed = write_stream(path, rows)
        owners = {d["doc_id"] for row in rows["docs"].to_pylist() for d in row}
        entries.append({
            "file": name, "bytes": path.stat().st_size, "rows": rows.num_rows,
            "tokens": int(pc.sum(rows["n_tokens"]).as_py() or 0),
            "triples": int(pc.sum(pc.list_value_length(rows["triples"])).as_py() or 0),
            "sha256": sha256_file(path), "parts": [part["file"]], "documents": len(owners),
            "triples_dropped_at_boundary": stats["dropped_at_boundary"] if piece == 0 else 0,
            "triples_unaligned": unaligned if piece == 0 else 0,
            "rewritten": changed,
        })
    return entries, stats["tokens"]



def _dated(previous: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with its creation time: the ``previous`` manifest's when nothing else
    changed, so a rerun that changes no shard leaves the manifest's bytes as they were."""
    if isinstance(previous, dict) and {**previous, "created_utc": ""} == manifest:
        return previous
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**manifest, "created_utc": now}



SPEC = StageSpec(
    "shards", ("subnets",), ("shards",), ("tokenizer",),
    "Tokenise the documents, align triples to token offsets and write packed Arrow IPC "
    "stream shards with per-token role, entity and subnetwork annotations, plus "
    "manifest.json.",
    code=("shards/*.py", "core/facts.py"), parallel=LARGE_PARTS)
UPSTREAM_MANIFESTS = ("extract/manifest.json", "graph/manifest.json", "subnets/manifest.json")
# The stages whose manifest checksum each part's done-marker records under the stage's name
# (`kgprep validate` compares them with the manifests beside the shards).
BUILT_FROM = ("graph", "subnets")



def _markup_tokens(cfg: PipelineConfig) -> tuple[str, ...]:
    """The knowledge markup tokens a tokenizer must hold as special tokens (none unless
    ``linearize = "append"``)."""
    return KG_TOKENS if cfg.shards.linearize == "append" else ()



def _trained_tokenizer_record(cfg: PipelineConfig, manifest: dict[str, Any]) -> dict[str, Any]:
    """What a trained BPE was trained from and with: its done record."""
    special = (*trained_special_tokens(cfg.shards.eos_token, cfg.shards.pad_token),
               *_markup_tokens(cfg))
    return {"extract_totals": manifest["totals"],
            "parts": [p["sha256"] for p in manifest["parts"]],
            "vocab_size": cfg.shards.vocab_size, "special": list(special)}



def tokenizer_sha256(cfg: PipelineConfig, work: Path, manifest: dict[str, Any]) -> str | None:
    """The sha256 of the tokenizer a run would use, when it is known without writing: None
    when the run would train one (or copy a user's with the markup tokens added)."""
    if cfg.shards.tokenizer and cfg.shards.linearize != "append":
        return sha256_file(Path(cfg.shards.tokenizer))
    path = work / "tokenizer" / "tokenizer.json"
    if cfg.shards.tokenizer:  # a copy with the markup tokens, rewritten from the user's
        return None
    expected = _trained_tokenizer_record(cfg, manifest)
    if done_record(path.with_name("tokenizer.done.json"), expected, path) is None:
        return None
    return sha256_file(path)



class ShardsStage(Stage):
    """Per extract part (``process``): tokenise, align, pack and write its shards, in workers
    that load the tokenizer and the graph lookup once (``setup``); ``reduce`` writes the
    manifest listing every shard."""

    spec = SPEC

    def __init__(self) -> None:
        self._context: PartContext | None = None  # a worker's, loaded by setup

    def parts(self, cfg: PipelineConfig, tokenizer_sha: str | None = None
              ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(extract part, what its done-marker records) per part; with the tokenizer's sha256
        (the one in the work dir when not given)."""
        work = cfg.work_path
        manifest = read_json(work / "extract" / "manifest.json")
        if tokenizer_sha is None:
            tokenizer_sha = tokenizer_sha256(cfg, work, manifest) or ""
        upstream = {
            "config_hash": stage_config_hash("shards", cfg),
            "tokenizer_sha256": tokenizer_sha,
            **{name: sha256_file(work / name / "manifest.json") for name in BUILT_FROM},
        }
        return [(p, {**upstream, "part_sha256": p["sha256"]}) for p in manifest["parts"]]

    @staticmethod
    def done_entries(cfg: PipelineConfig, item: tuple[dict[str, Any], dict[str, Any]]
                     ) -> list[dict[str, Any]] | None:
        """A part's shard entries when its done-marker records ``expected`` and its shards
        exist."""
        part, expected = item
        out_dir = cfg.work_path / "shards"
        marker = out_dir / marker_name(part)
        record = done_record(marker, expected)
        if record is None:
            return None
        entries: list[dict[str, Any]] = record["entries"]
        return entries if all(intact(out_dir / e["file"], e.get("bytes")) for e in entries) \
            else None

    def setup(self, *args: Any) -> None:
        cfg, tok_info, domain_ids = args
        work = cfg.workdir  # this machine's view of it: a worker elsewhere has its own
        tokenizer = Tokenizer.from_file(str(work.fetch(tok_info.path)))
        markup = markup_ids(cfg, tokenizer)
        self._context = PartContext(tokenizer, tok_info, load_lookup(work), markup,
                                    shard_schema(cfg.shards.seq_len, cfg.shards.packing),
                                    domain_ids)

    def process(self, item: tuple[dict[str, Any], dict[str, Any]], *args: Any
                ) -> tuple[list[dict[str, Any]], int, int]:
        """One part in a worker: its shards, then its done-marker; (entries, tokens,
        rewritten)."""
        (cfg,) = args
        part, expected = item
        work = cfg.workdir
        assert self._context is not None, "setup runs before the first part"
        entries, tokens = _build_part(part, cfg, work, self._context)
        rewritten = sum(1 for e in entries if e.pop("rewritten"))
        marker = work.root / "shards" / marker_name(part)
        write_json(marker, {**expected, "entries": entries})
        work.publish(*(work.root / "shards" / e["file"] for e in entries), marker)
        return entries, tokens, rewritten

    def run(self, cfg: PipelineConfig) -> StageReport:
        config_hash = stage_config_hash("shards", cfg)
        report = StageReport("shards", config_hash, rate_unit="tokens")
        work = cfg.work_path
        for needed in UPSTREAM_MANIFESTS:
            if not (work / needed).is_file():
                raise FileNotFoundError(f"{work / needed} is missing: run the earlier stages "
                                        "first")
        manifest = read_json(work / "extract" / "manifest.json")
        out_dir = work / "shards"
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir)
        tokenizer, tok_info = prepare_tokenizer(cfg, work, manifest)
        markup = markup_ids(cfg, tokenizer)
        domain_ids = resolve_domains(work, cfg.shards.domains) if cfg.shards.domains else None
        items = self.parts(cfg, tok_info.sha256)
        done = {item[0]["part"]: self.done_entries(cfg, item) for item in items}
        todo = [p for p, _ in items if done[p["part"]] is None]
        previous = read_json_or_none(out_dir / "manifest.json")
        if todo:
            # The manifest is the commit point (the loader's): from here until reduce writes
            # this run's, the old run's must not vouch for shards being replaced.
            cfg.workdir.retract(out_dir / "manifest.json")
            cfg.workdir.publish_all()  # the tokenizer, for workers on other machines
        # Parts are independent: they run on the engine like extract's, in workers that load
        # the tokenizer and graph lookup once, when there is enough work to pay for starting
        # them.
        engine = spec_for_light_parts(cfg.run, [work / "extract" / p["file"] for p in todo])

        def skip(item: tuple[dict[str, Any], dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], int, int] | None:
            part_entries = done[item[0]["part"]]
            return None if part_entries is None else (part_entries, 0, 0)

        results = [result for result, _ in progress(
            self.map(engine, (cfg, tok_info, domain_ids), items, (cfg,), skip),
            len(items), "shards")]
        return self.reduce(cfg, results, report, (tok_info, markup), previous)

    def reduce(self, cfg: PipelineConfig, results: list[Any], report: StageReport | None = None,
               tokenizer: tuple[TokenizerInfo, Markup | None] | None = None,
               previous: Any = None) -> StageReport:
        """Every part's shard entries into manifest.json (written last); stale shards removed.
        ``previous``: the manifest before this run, read before it was withdrawn."""
        config_hash = stage_config_hash("shards", cfg)
        report = report or StageReport("shards", config_hash, rate_unit="tokens")
        if tokenizer is None:
            raise ValueError("the shards reduce needs the run's tokenizer")
        tok_info, markup = tokenizer
        work = cfg.work_path
        out_dir = work / "shards"
        manifest = read_json(work / "extract" / "manifest.json")
        entries: list[dict[str, Any]] = []
        totals = {"documents": 0, "rows": 0, "tokens": 0, "triples": 0,
                  "triples_dropped_at_boundary": 0, "triples_unaligned": 0}
        tokens_written = 0
        rewritten = 0
        for part_entries, tokens, written in results:
            entries.extend(part_entries)
            tokens_written += tokens
            rewritten += written
        for entry in entries:
            for key in totals:
                totals[key] += entry[key]
        keep = {e["file"] for e in entries}
        kept_markers = {marker_name(p) for p in manifest["parts"]}
        for stale in out_dir.glob("shard-*.arrow"):
            if stale.name not in keep:
                stale.unlink()
        for stale in out_dir.glob("part-*.done.json"):
            if stale.name not in kept_markers:
                stale.unlink()
        manifest_out = {
            "format_version": FORMAT_VERSION,
            "kgprep_version": __version__,
            "config_hash": config_hash,
            "created_utc": "",
            "tokenizer": dict(asdict(tok_info)),
            "seq_len": cfg.shards.seq_len,
            "packing": cfg.shards.packing,
            "linearize": cfg.shards.linearize,
            "domains": cfg.shards.domains,
            "markup_tokens": dict(zip(KG_TOKENS, asdict(markup).values(), strict=True))
            if markup else {},
            "roles": ROLES_MANIFEST,
            "role_encoding": ROLE_ENCODING,
            "loss_mask": {"1": "text and EOS tokens", "0": "padding and knowledge markup"},
            "totals": totals,
            "shards": entries,
        }
        write_json(out_dir / "manifest.json", _dated(previous, manifest_out))
        report.counts = {"shards": len(entries), "shards_written": rewritten, **totals}
        if totals["rows"] and not totals["triples"]:
            report.warnings = [f"no triple annotated in {amount(totals['rows'], 'row')}: "
                               f"every token's role is 0 "
                               f"({totals['triples_unaligned']:,} unaligned, "
                               f"{totals['triples_dropped_at_boundary']:,} dropped at a "
                               f"boundary)"]
        report.rate_count = tokens_written
        report.outputs = {"shards": str(out_dir), "manifest": str(out_dir / "manifest.json")}
        return report.finish()

    def is_current(self, cfg: PipelineConfig) -> bool:
        """Every part's done-marker matches (config, tokenizer, graph and subnets manifests,
        the part's bytes) and manifest.json lists exactly their shards."""
        todo, entries = self._progress(cfg)
        if todo is None or todo:
            return False
        written = read_json_or_none(cfg.work_path / "shards" / "manifest.json")
        if not isinstance(written, dict):
            return False
        return (written.get("config_hash") == stage_config_hash("shards", cfg)
                and written.get("shards") == entries)

    def records_current(self, cfg: PipelineConfig) -> bool:
        """``is_current``: its done-markers record every input, and checking them reads sizes,
        not shard bytes."""
        return self.is_current(cfg)

    def _progress(self, cfg: PipelineConfig) -> tuple[list[int] | None, list[dict[str, Any]]]:
        """(the parts a run would build, the done parts' entries); None when the tokenizer
        would be (re)built first, so which parts change is not known."""
        work = cfg.work_path
        if not all((work / needed).is_file() for needed in UPSTREAM_MANIFESTS):
            return None, []
        tokenizer_sha = tokenizer_sha256(cfg, work, read_json(work / "extract" /
                                                              "manifest.json"))
        if tokenizer_sha is None:
            return None, []
        todo: list[int] = []
        entries: list[dict[str, Any]] = []
        for item in self.parts(cfg, tokenizer_sha):
            done = self.done_entries(cfg, item)
            if done is None:
                todo.append(item[0]["part"])
            else:
                entries.extend(done)
        return todo, entries

    def plan(self, cfg: PipelineConfig, upstream_runs: bool) -> Plan:
        every = ("shards: would rebuild every part ({}); shards whose bytes come out the same "
                 "are not rewritten")
        if upstream_runs:
            return Plan(every.format("upstream or config changed"), True)
        todo, _ = self._progress(cfg)
        if todo is None:
            return Plan(every.format("the tokenizer is built first"), True)
        if self.is_current(cfg):
            return Plan("shards: up to date", False)
        done = len(self.parts(cfg)) - len(todo)
        if not done:
            return Plan(every.format("upstream or config changed"), True)
        if not todo:
            return Plan(f"shards: {done} parts done with this config; the manifest would be "
                        "rewritten", True)
        return Plan(f"shards: {done} parts done with this config; others would run "
                    f"({len(todo)} to build{part_ids(todo)})", True)



STAGE = ShardsStage()



def run_shards(cfg: PipelineConfig) -> StageReport:
    return STAGE.run(cfg)
