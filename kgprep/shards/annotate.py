"""Per-token annotation of a document: tokenise it, align its graph facts to token ranges and
paint each token's role, entity and subnetwork.

Also what the annotations are made of: the ``role`` column's bit flags as the manifest records
them, the graph ids of each triple (``GraphLookup``) and, with ``linearize = "append"``, the
knowledge markup inserted after each sentence (``Markup``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tokenizers import Tokenizer

from kgprep.core.facts import fact_mask
from kgprep.core.io import read_parquet
from kgprep.shards.align import (
    ROLE_FLAGS,
    ROLE_NONE,
    align_spans,
    paint_first,
    paint_or,
    token_bounds,
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
