"""Stage 4, shards: tokenise, align triples to tokens, pack rows and write Arrow IPC streams.

One extract part gives one shard, so parts stay the unit of resumption. The manifest is written
last and is the commit point: readers trust only the shards it lists (DESIGN §4.2-4.3).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tokenizers import Tokenizer

from kgprep import FORMAT_VERSION, __version__
from kgprep.core.config import PipelineConfig
from kgprep.core.facts import fact_mask
from kgprep.core.io import (
    atomic_open,
    read_json,
    read_parquet,
    remove_stale_temporaries,
    sha256_file,
    write_json,
)
from kgprep.core.schemas import ROW_DOC, ROW_TRIPLE, shard_schema
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
from kgprep.shards.align import (
    ROLE_FLAGS,
    ROLE_NONE,
    align_spans,
    paint_first,
    paint_or,
    token_bounds,
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

# The manifest's description of the ``role`` column: bit flags, OR-ed over covering triples.
ROLES_MANIFEST = {"none": ROLE_NONE, **ROLE_FLAGS}
ROLE_ENCODING = ("bit flags: a token's role is the bitwise OR of subject (1), predicate (2) and "
                 "object (4) over every triple in the row whose span covers it; knowledge "
                 "markup tokens carry the flag of the argument they spell")
_ROLE_OF = {"subj": ROLE_FLAGS["subject"], "pred": ROLE_FLAGS["predicate"],
            "obj": ROLE_FLAGS["object"]}

@dataclass
class DocTokens:
    """One document's tokens with per-token annotations and its aligned triples."""

    doc_id: str
    ids: np.ndarray
    role: np.ndarray
    entity: np.ndarray
    subnet: np.ndarray
    loss_mask: np.ndarray  # 1: text and EOS; 0: linearised knowledge markup
    # Per triple: token bounds (subj, pred, obj) and the graph ids; local to the document.
    spans: np.ndarray  # (n, 6) int64
    ids_info: np.ndarray  # (n, 4) int64: subj_node, relation_id, obj_node, subnet
    negated: np.ndarray
    confidence: np.ndarray
    triple_index: np.ndarray


@dataclass(frozen=True)
class GraphLookup:
    """Graph ids by key, built once per worker: looking keys up in per-part Arrow hash sets
    rebuilt the whole graph's index for every part (most of the stage on a large graph)."""

    node_ids: dict[str, int]
    relation_ids: dict[str, int]
    edge_subnet: dict[tuple[int, int, int], int]  # edges inside a subnetwork only


def load_lookup(work: WorkDir) -> GraphLookup:
    def ids_by_key(file: str) -> dict[str, int]:
        keys = read_parquet(work.fetch(f"graph/{file}"), columns=["key"])["key"].to_pylist()
        return {key: i for i, key in enumerate(keys)}

    edges = read_parquet(work.fetch("subnets/edges.parquet"))
    edges = edges.filter(pc.greater_equal(edges["subnet_id"], 0))
    edge_keys = zip(*(edges[c].to_pylist() for c in ("subj_node", "relation_id", "obj_node")),
                    strict=True)
    return GraphLookup(ids_by_key("nodes.parquet"), ids_by_key("relations.parquet"),
                       dict(zip(edge_keys, edges["subnet_id"].to_pylist(), strict=True)))


def triple_graph_ids(triples: pa.Array, lookup: GraphLookup) -> np.ndarray:
    """(n, 4): subject node, relation, object node and edge subnetwork per triple (-1: none)."""
    def ids(path: list[str], table: dict[str, int]) -> list[int]:
        return [table.get(key, -1) for key in pc.struct_field(triples, path).to_pylist()]

    subj = ids(["subj", "key"], lookup.node_ids)
    rel = ids(["pred", "key"], lookup.relation_ids)
    obj = ids(["obj", "key"], lookup.node_ids)
    subnet = [lookup.edge_subnet.get(edge, -1) for edge in zip(subj, rel, obj, strict=True)]
    out = np.array([subj, rel, obj, subnet], np.int64).T.reshape(len(triples), 4)
    negated = pc.struct_field(triples, "negated").to_numpy(zero_copy_only=False)
    out[negated, 3] = -1  # negated triples are not edges of any subnetwork
    return out


@dataclass(frozen=True)
class Markup:
    """Token ids of the linearisation markup: <kg> subject <rel> predicate <obj> object </kg>."""

    kg: int
    rel: int
    obj: int
    end: int


def _linearize(doc: DocTokens, starts: np.ndarray, sentence_starts: np.ndarray,
               triple_sentence: np.ndarray, pieces: list[list[np.ndarray]],
               markup: Markup) -> DocTokens:
    """Insert each sentence's triples as markup right after the sentence's tokens."""
    n = len(doc.ids)
    cut = np.searchsorted(starts, sentence_starts, side="left")
    cut = np.maximum.accumulate(np.concatenate([[0], cut[1:], [n]])) if len(cut) else \
        np.array([0, n])
    n_sent = len(cut) - 1
    ids, role, entity, subnet, loss = [], [], [], [], []
    inserted_before = np.zeros(n_sent + 1, np.int64)
    by_sentence: dict[int, list[int]] = {}
    for t, j in enumerate(triple_sentence.tolist()):
        by_sentence.setdefault(min(int(j), n_sent - 1), []).append(t)
    added = 0
    for j in range(n_sent):
        a, b = int(cut[j]), int(cut[j + 1])
        inserted_before[j] = added
        ids.append(doc.ids[a:b])
        role.append(doc.role[a:b])
        entity.append(doc.entity[a:b])
        subnet.append(doc.subnet[a:b])
        loss.append(doc.loss_mask[a:b])
        for t in by_sentence.get(j, []):
            subj_ids, pred_ids, obj_ids = pieces[t]
            node_s, _, node_o, sub = (int(x) for x in doc.ids_info[t])
            seq = [np.array([markup.kg]), subj_ids, np.array([markup.rel]), pred_ids,
                   np.array([markup.obj]), obj_ids, np.array([markup.end])]
            roles = [ROLE_NONE, _ROLE_OF["subj"], ROLE_NONE, _ROLE_OF["pred"], ROLE_NONE,
                     _ROLE_OF["obj"], ROLE_NONE]
            ents = [-1, node_s, -1, -1, -1, node_o, -1]
            subs = [-1, sub, -1, sub, -1, sub, -1]
            for part, r, e, sn in zip(seq, roles, ents, subs, strict=True):
                m = len(part)
                ids.append(part.astype(np.uint32))
                role.append(np.full(m, r, np.uint8))
                entity.append(np.full(m, e, np.int32))
                subnet.append(np.full(m, sn, np.int16))
                loss.append(np.zeros(m, np.uint8))
                added += m
    inserted_before[n_sent] = added
    spans = doc.spans.copy()
    if len(spans):
        sentence_of = np.searchsorted(cut, spans, side="right") - 1
        spans = spans + inserted_before[np.clip(sentence_of, 0, n_sent - 1)]
        # An end offset sits one past the last token: shift it with its start's sentence.
        spans[:, 1::2] = doc.spans[:, 1::2] + (spans[:, 0::2] - doc.spans[:, 0::2])
    return DocTokens(
        doc_id=doc.doc_id, ids=np.concatenate(ids), role=np.concatenate(role),
        entity=np.concatenate(entity), subnet=np.concatenate(subnet),
        loss_mask=np.concatenate(loss), spans=spans, ids_info=doc.ids_info,
        negated=doc.negated, confidence=doc.confidence, triple_index=doc.triple_index,
    )


def annotate_part(
    docs: pa.Table, tokenizer: Tokenizer, lookup: GraphLookup, markup: Markup | None = None,
    *, min_confidence: float,
) -> tuple[list[DocTokens], int]:
    """Tokenise a part's documents and align their graph facts; returns docs and the facts that
    could not be aligned to tokens.

    Only graph facts (``kgprep.core.facts.fact_mask`` at ``min_confidence``) are annotated; negated
    facts are, with subnet -1. A predicate whose character span is empty (an implicit relation:
    an apposition, "X, capital of Y") gets an empty token range inside its triple and tags
    nothing; its subject and object must still align. ``docs`` needs doc_id, text and triples
    (and sentences when ``markup`` is given).
    """
    texts = docs["text"].to_pylist()
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    triples_col = docs["triples"].combine_chunks()
    flat = triples_col.flatten()
    facts = fact_mask(flat, min_confidence)
    graph_ids = triple_graph_ids(flat, lookup) if len(flat) else np.zeros((0, 4), np.int64)
    offsets = triples_col.offsets.to_numpy()
    cols = {}
    for arg, names in (("subj", ("start", "end", "head_start", "head_end")),
                       ("pred", ("start", "end")),
                       ("obj", ("start", "end", "head_start", "head_end"))):
        field = pc.struct_field(flat, arg)
        for name in names:
            cols[f"{arg}.{name}"] = pc.struct_field(field, name).to_numpy(zero_copy_only=False)
    negated_all = pc.struct_field(flat, "negated").to_numpy(zero_copy_only=False)
    confidence_all = pc.struct_field(flat, "confidence").to_numpy(zero_copy_only=False)
    sentence_all = pc.struct_field(flat, "sentence").to_numpy(zero_copy_only=False)
    pred_empty_all = (cols["pred.start"] == cols["pred.end"]) if len(flat) else np.zeros(0, bool)
    pieces: dict[int, list[np.ndarray]] = {}
    if markup is not None and len(flat):
        # Every markup phrase of the part's facts in one batch: head phrases of the arguments
        # and the predicate as written, each with a leading space as it would follow a word. An
        # implicit predicate (empty span) has no words, so no tokens between <rel> and <obj>.
        owners = pc.list_parent_indices(triples_col).to_numpy()
        phrases, slots = [], []
        for i in np.flatnonzero(facts).tolist():
            text = texts[owners[i]]
            for j, (arg, (a, b)) in enumerate((("subj", ("head_start", "head_end")),
                                               ("pred", ("start", "end")),
                                               ("obj", ("head_start", "head_end")))):
                if arg == "pred" and pred_empty_all[i]:
                    continue
                phrases.append(" " + text[cols[f"{arg}.{a}"][i]:cols[f"{arg}.{b}"][i]])
                slots.append((i, j))
        encoded = tokenizer.encode_batch(phrases, add_special_tokens=False)
        for (i, j), enc in zip(slots, encoded, strict=True):
            piece = pieces.setdefault(i, [np.zeros(0, np.uint32)] * 3)
            piece[j] = np.asarray(enc.ids, np.uint32)
    sentence_starts_col = docs["sentences"].to_pylist() if markup is not None else None
    out: list[DocTokens] = []
    unaligned = 0
    for d, (doc_id, enc) in enumerate(zip(docs["doc_id"].to_pylist(), encodings, strict=True)):
        ids = np.asarray(enc.ids, dtype=np.uint32)
        n = len(ids)
        lo, hi = int(offsets[d]), int(offsets[d + 1])
        starts, ends = token_bounds(enc.offsets)
        bounds = {}
        for key in ("subj", "pred", "obj", "subj_head", "obj_head"):
            arg, _, head = key.partition("_")
            s_name, e_name = ("head_start", "head_end") if head else ("start", "end")
            bounds[key] = align_spans(starts, ends, cols[f"{arg}.{s_name}"][lo:hi],
                                      cols[f"{arg}.{e_name}"][lo:hi])
        pred_empty = pred_empty_all[lo:hi]
        # Only facts are annotated; a fact is unaligned when an argument (or a predicate that
        # has words) covers no token.
        valid = facts[lo:hi].copy()
        for key, (first, last) in bounds.items():
            valid &= (first < last) | (pred_empty if key == "pred" else False)
        unaligned += int((facts[lo:hi] & ~valid).sum())
        if pred_empty.any():
            # An empty predicate sits where its character offset falls, kept inside the
            # triple's tokens so that it never moves the triple across a row boundary.
            first_tok = np.minimum(bounds["subj"][0], bounds["obj"][0])
            last_tok = np.maximum(bounds["subj"][1], bounds["obj"][1]) - 1
            at = np.minimum(np.maximum(bounds["pred"][0], first_tok), last_tok)
            bounds["pred"] = (np.where(pred_empty, at, bounds["pred"][0]),
                              np.where(pred_empty, at, bounds["pred"][1]))
        info = graph_ids[lo:hi]
        role, subnet, entity = _paint_annotations(n, bounds, info, np.flatnonzero(valid))
        spans = np.stack([bounds[k][i] for k in ("subj", "pred", "obj") for i in (0, 1)],
                         axis=1)[valid] if hi > lo else np.zeros((0, 6), np.int64)
        doc = DocTokens(
            doc_id=doc_id, ids=ids, role=role, entity=entity, subnet=subnet,
            loss_mask=np.ones(n, np.uint8), spans=spans, ids_info=info[valid],
            negated=negated_all[lo:hi][valid], confidence=confidence_all[lo:hi][valid],
            triple_index=np.flatnonzero(valid),
        )
        if markup is not None and sentence_starts_col is not None:
            sentence_starts = np.array([s["start"] for s in sentence_starts_col[d]], np.int64)
            valid_idx = np.flatnonzero(valid) + lo
            doc = _linearize(doc, starts, sentence_starts, sentence_all[valid_idx],
                             [pieces[i] for i in valid_idx.tolist()], markup)
        out.append(doc)
    return out, unaligned


def _paint_annotations(n: int, bounds: dict[str, tuple[np.ndarray, np.ndarray]],
                       info: np.ndarray, valid: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-token role, subnet and entity of one document from its aligned triples ``valid``
    (in text order). A token's role is the OR of the flags of every subject, predicate and
    object range covering it. Subnet and entity keep "first triple wins": each triple's ranges
    in turn claim the tokens no earlier range holds; entities come from the argument heads, and
    unknown ids (-1) claim nothing. Empty ranges (implicit predicates) paint nothing."""
    def ranges(args: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        # Interleaved per triple: (t0 first arg, t0 second arg, ..., t1 first arg, ...).
        return (np.stack([bounds[a][0][valid] for a in args], axis=1).ravel(),
                np.stack([bounds[a][1][valid] for a in args], axis=1).ravel())

    starts, ends = ranges(("subj", "pred", "obj"))
    roles = np.tile(np.array([_ROLE_OF[a] for a in ("subj", "pred", "obj")]), len(valid))
    role = paint_or(n, starts, ends, roles, np.uint8)
    subnets = np.repeat(info[valid, 3], 3)
    known = subnets >= 0
    subnet = paint_first(n, starts[known], ends[known], subnets[known], -1, np.int16)
    starts, ends = ranges(("subj_head", "obj_head"))
    nodes = info[valid][:, [0, 2]].ravel()
    known = nodes >= 0
    entity = paint_first(n, starts[known], ends[known], nodes[known], -1, np.int32)
    return role, subnet, entity


def row_roles(n: int, spans: np.ndarray) -> np.ndarray:
    """Per token of ``n``, the OR of the role flags of triples ``spans`` ((k, 6) token bounds of
    subject, predicate and object) that cover it."""
    spans = np.asarray(spans, np.int64).reshape(-1, 6)
    flags = np.tile(np.array([_ROLE_OF[a] for a in ("subj", "pred", "obj")]), len(spans))
    return paint_or(n, spans[:, 0::2].ravel(), spans[:, 1::2].ravel(), flags, np.uint8)


def _triple_structs(doc: DocTokens, keep: np.ndarray, shift: int) -> list[dict[str, Any]]:
    rows = []
    for t in np.flatnonzero(keep):
        s = doc.spans[t] - shift
        rows.append({
            "subj_start": int(s[0]), "subj_end": int(s[1]), "pred_start": int(s[2]),
            "pred_end": int(s[3]), "obj_start": int(s[4]), "obj_end": int(s[5]),
            "subj_node": int(doc.ids_info[t, 0]), "relation_id": int(doc.ids_info[t, 1]),
            "obj_node": int(doc.ids_info[t, 2]), "subnet": int(doc.ids_info[t, 3]),
            "negated": bool(doc.negated[t]), "confidence": float(doc.confidence[t]),
            "triple_index": int(doc.triple_index[t]),
        })
    return rows


def pack_rows(docs: list[DocTokens], seq_len: int, eos_id: int, pad_id: int
              ) -> tuple[dict[str, Any], dict[str, int]]:
    """Concatenate documents with EOS between them and cut fixed rows of ``seq_len`` tokens.

    A triple that crosses a row boundary is dropped from the row, and so are its annotations:
    text tokens' roles are painted again from the triples each row keeps, and a text token that
    no kept triple covers has no entity or subnet either.
    """
    parts_ids, parts_role, parts_entity, parts_subnet, parts_loss = [], [], [], [], []
    doc_ranges: list[tuple[str, int, int]] = []
    pos = 0
    for doc in docs:
        n = len(doc.ids)
        doc_ranges.append((doc.doc_id, pos, pos + n))
        parts_ids += [doc.ids, np.array([eos_id], np.uint32)]
        parts_role += [doc.role, np.zeros(1, np.uint8)]
        parts_entity += [doc.entity, np.full(1, -1, np.int32)]
        parts_subnet += [doc.subnet, np.full(1, -1, np.int16)]
        parts_loss += [doc.loss_mask, np.ones(1, np.uint8)]
        pos += n + 1
    total = pos
    n_rows = -(-total // seq_len) if total else 0
    padded = n_rows * seq_len
    ids = np.full(padded, pad_id, np.uint32)
    role = np.zeros(padded, np.uint8)
    entity = np.full(padded, -1, np.int32)
    subnet = np.full(padded, -1, np.int16)
    loss_mask = np.zeros(padded, np.uint8)
    if total:
        loss_mask[:total] = np.concatenate(parts_loss)
        ids[:total] = np.concatenate(parts_ids)
        role[:total] = np.concatenate(parts_role)
        entity[:total] = np.concatenate(parts_entity)
        subnet[:total] = np.concatenate(parts_subnet)
    row_triples: list[list[dict[str, Any]]] = [[] for _ in range(n_rows)]
    row_docs: list[list[dict[str, Any]]] = [[] for _ in range(n_rows)]
    dropped = 0
    kept_spans: list[np.ndarray] = []
    for doc, (doc_id, start, end) in zip(docs, doc_ranges, strict=True):
        for r in range(start // seq_len, (max(end, start + 1) - 1) // seq_len + 1):
            a, b = max(start, r * seq_len), min(end, (r + 1) * seq_len)
            if a < b:
                row_docs[r].append({"doc_id": doc_id, "start": a - r * seq_len,
                                    "end": b - r * seq_len})
        if len(doc.spans) == 0:
            continue
        glob = doc.spans + start
        first_row = glob[:, [0, 2, 4]].min(axis=1) // seq_len
        last_row = (glob[:, [1, 3, 5]].max(axis=1) - 1) // seq_len
        inside = first_row == last_row
        dropped += int((~inside).sum())
        kept_spans.append(glob[inside])
        for r in np.unique(first_row[inside]):
            keep = inside & (first_row == r)
            row_triples[int(r)].extend(_triple_structs(doc, keep, int(r) * seq_len - start))
    # Kept triples lie inside one row each, so painting the whole stream paints each row.
    text = loss_mask == 1
    spans = np.concatenate(kept_spans) if kept_spans else np.zeros((0, 6), np.int64)
    role = np.where(text, row_roles(padded, spans), role).astype(np.uint8)
    bare = text & (role == ROLE_NONE)
    entity[bare] = -1
    subnet[bare] = -1
    # The token columns are 2-D arrays (one row a row), the nested ones lists.
    columns: dict[str, Any] = {
        "input_ids": ids, "role": role, "entity": entity, "subnet": subnet,
        "loss_mask": loss_mask, "triples": row_triples, "docs": row_docs,
        "n_tokens": [min(seq_len, total - r * seq_len) for r in range(n_rows)],
    }
    return columns, {"rows": n_rows, "tokens": total, "dropped_at_boundary": dropped,
                     "triples": sum(len(t) for t in row_triples)}


def unpacked_rows(docs: list[DocTokens], eos_id: int) -> tuple[dict[str, list[Any]],
                                                               dict[str, int]]:
    """One document a row, EOS appended, with variable-length list columns."""
    cols: dict[str, list[Any]] = {k: [] for k in ("input_ids", "role", "entity", "subnet",
                                                  "loss_mask", "triples", "docs", "n_tokens")}
    for doc in docs:
        n = len(doc.ids)
        cols["input_ids"].append(np.append(doc.ids, np.uint32(eos_id)))
        cols["role"].append(np.append(doc.role, np.uint8(0)))
        cols["entity"].append(np.append(doc.entity, np.int32(-1)))
        cols["subnet"].append(np.append(doc.subnet, np.int16(-1)))
        cols["loss_mask"].append(np.append(doc.loss_mask, np.uint8(1)))
        cols["triples"].append(_triple_structs(doc, np.ones(len(doc.spans), bool), 0))
        cols["docs"].append([{"doc_id": doc.doc_id, "start": 0, "end": n}])
        cols["n_tokens"].append(n + 1)
    stats = {"rows": len(docs), "tokens": sum(cols["n_tokens"]), "dropped_at_boundary": 0,
             "triples": sum(len(t) for t in cols["triples"])}
    return cols, stats


def rows_to_table(cols: dict[str, Any], schema: pa.Schema, seq_len: int, packing: str
                  ) -> pa.Table:
    arrays = []
    for name in ("input_ids", "role", "entity", "subnet", "loss_mask"):
        dtype = schema.field(name).type.value_type
        if packing == "packed":
            arrays.append(pa.FixedSizeListArray.from_arrays(pa.array(cols[name], dtype), seq_len))
        else:
            arrays.append(pa.array([a.tolist() for a in cols[name]], pa.list_(dtype)))
    arrays.append(pa.array(cols["triples"], pa.list_(ROW_TRIPLE)))
    arrays.append(pa.array(cols["docs"], pa.list_(ROW_DOC)))
    arrays.append(pa.array(cols["n_tokens"], pa.int32()))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_stream(path: Path, table: pa.Table, batch_rows: int = 1024) -> bool:
    """Arrow IPC *stream* format, uncompressed, so datasets.Dataset.from_file can memory-map it.

    An existing file with the same bytes is left alone (returns False), so an incremental rerun
    touches only the shards whose content changed.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=batch_rows):
            writer.write_batch(batch)
    data = sink.getvalue().to_pybytes()
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    with atomic_open(path) as fh:
        fh.write(data)
    return True


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


def _row_bytes(table: pa.Table) -> np.ndarray:
    """Approximate bytes of each row in the IPC stream, for cutting shards by size."""
    fixed = np.zeros(table.num_rows, np.int64)
    for name in ("input_ids", "role", "entity", "subnet", "loss_mask"):
        column = table[name].combine_chunks()
        width = column.type.value_type.bit_width // 8
        lengths = (pc.list_value_length(column).to_numpy(zero_copy_only=False)
                   if not pa.types.is_fixed_size_list(column.type)
                   else np.full(table.num_rows, column.type.list_size))
        fixed += lengths * width
    triples = pc.list_value_length(table["triples"]).to_numpy(zero_copy_only=False)
    docs = pc.list_value_length(table["docs"]).to_numpy(zero_copy_only=False)
    return fixed + triples * ROW_TRIPLE_BYTES + docs * 48 + 4


ROW_TRIPLE_BYTES = 4 * 10 + 2 + 1 + 4


def cut_by_bytes(row_bytes: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """Contiguous row ranges of at most ``limit`` bytes each (at least one row per range)."""
    ranges: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, b in enumerate(row_bytes.tolist()):
        if i > start and size + b > limit:
            ranges.append((start, i))
            start, size = i, 0
        size += b
    if start < len(row_bytes) or not ranges:
        ranges.append((start, len(row_bytes)))
    return ranges


def shard_name(part: int, piece: int) -> str:
    return f"shard-{part:05d}-{piece:03d}.arrow"


def select_domains(docs: list[DocTokens], subnet_ids: set[int], min_triples: int
                   ) -> list[DocTokens]:
    """Domain-targeted selection: documents with enough triples in the chosen subnetworks."""
    wanted = np.array(sorted(subnet_ids), dtype=np.int64)
    return [d for d in docs if int(np.isin(d.ids_info[:, 3], wanted).sum()) >= min_triples]


def resolve_domains(work: Path, names: list[str]) -> set[int]:
    """Subnetwork ids for ``shards.domains``; an unknown name is a config error."""
    table = read_parquet(work / "subnets" / "subnets.parquet", columns=["subnet_id", "name"])
    known = dict(zip(table["name"].to_pylist(), table["subnet_id"].to_pylist(), strict=True))
    unknown = [n for n in names if n not in known]
    if unknown:
        from kgprep.core.config import ConfigError

        raise ConfigError(f"config key 'shards.domains': no subnetwork named "
                          f"{', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})")
    return {known[n] for n in names}


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
    ranges = cut_by_bytes(_row_bytes(table), cfg.shards.shard_bytes)
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


def _dated(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` with its creation time: the existing manifest's when nothing else changed,
    so a rerun that changes no shard leaves the manifest's bytes as they were."""
    try:
        previous = read_json(path)
    except (OSError, ValueError):
        previous = None
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
        if todo:
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
        return self.reduce(cfg, results, report, (tok_info, markup))

    def reduce(self, cfg: PipelineConfig, results: list[Any], report: StageReport | None = None,
               tokenizer: tuple[TokenizerInfo, Markup | None] | None = None) -> StageReport:
        """Every part's shard entries into manifest.json (written last); stale shards removed."""
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
        write_json(out_dir / "manifest.json", _dated(out_dir / "manifest.json", manifest_out))
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
        try:
            written = read_json(cfg.work_path / "shards" / "manifest.json")
        except (OSError, ValueError):
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
