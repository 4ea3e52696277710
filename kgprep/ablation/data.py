"""Shard rows back into documents, the train/held-out split, and each variant's sequences.

Packed shard rows hold several documents (the ``docs`` column says which tokens are whose) and
cut documents at row boundaries; the ablation needs whole documents, to split them by id before
any training and to build each variant's own token stream. Only numpy and pyarrow here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

# The markup ids used when the shards carry no linearisation: appended after the vocabulary.
GENERATED_MARKUP = ("<kg>", "<rel>", "<obj>", "</kg>")
SENTENCE_END = (".", "!", "?")


@dataclass
class Doc:
    """One document's tokens as stored, with its graph facts' token spans."""

    doc_id: str
    ids: np.ndarray  # int64
    role: np.ndarray  # uint8 bit flags
    entity: np.ndarray  # int64, -1 none
    subnet: np.ndarray  # int64, -1 none
    markup: np.ndarray  # bool: knowledge markup the shards stage linearised into the text
    spans: np.ndarray  # (k, 6) int64: subject, predicate, object token ranges, half-open
    nodes: np.ndarray  # (k, 3) int64: subject node, object node, subnetwork


@dataclass
class Seq:
    """A variant's version of one document: what the model reads and what is scored."""

    ids: np.ndarray
    text: np.ndarray  # bool: a text token (its prediction counts in the evaluated loss)
    role: np.ndarray
    entity: np.ndarray
    subnet: np.ndarray


@dataclass
class Packed:
    """Rows of ``seq_len`` tokens: documents concatenated with EOS between them."""

    ids: np.ndarray  # (rows, seq_len) int64
    text: np.ndarray  # (rows, seq_len) bool
    role: np.ndarray
    entity: np.ndarray
    subnet: np.ndarray
    meta: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def _token_rows(column: pa.Array, packed: bool) -> list[np.ndarray]:
    if packed:
        size = column.type.list_size
        values = column.flatten().to_numpy(zero_copy_only=False)
        return list(values.reshape(-1, size))
    offsets = column.offsets.to_numpy()
    values = column.flatten().to_numpy(zero_copy_only=False)
    return [values[offsets[i]:offsets[i + 1]] for i in range(len(column))]


def read_manifest(shards_dir: Path) -> dict[str, Any]:
    path = shards_dir / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the pipeline (kgprep run) first")
    return json.loads(path.read_text(encoding="utf-8"))


def read_docs(shards_dir: Path) -> tuple[list[Doc], dict[str, Any]]:
    """Every document of the shards, in shard order, rebuilt from its pieces across rows."""
    manifest = read_manifest(shards_dir)
    packed = manifest["packing"] == "packed"
    linearised = manifest.get("linearize") == "append"
    pieces: dict[str, dict[str, list[Any]]] = {}
    for entry in manifest["shards"]:
        with pa.memory_map(str(shards_dir / entry["file"])) as source:
            table = pa.ipc.open_stream(source).read_all()
        for batch in table.to_batches():
            cols = {name: _token_rows(batch.column(name), packed)
                    for name in ("input_ids", "role", "entity", "subnet", "loss_mask")}
            docs_col = batch.column("docs").to_pylist()
            triples_col = batch.column("triples").to_pylist()
            for r in range(batch.num_rows):
                bases: list[tuple[str, int, int, int]] = []
                for d in docs_col[r]:
                    acc = pieces.setdefault(d["doc_id"], {k: [] for k in (*cols, "tri", "n")})
                    a, b = int(d["start"]), int(d["end"])
                    base = sum(acc["n"])
                    for name, rows in cols.items():
                        acc[name].append(rows[r][a:b])
                    acc["n"].append(b - a)
                    bases.append((d["doc_id"], a, b, base))
                for t in triples_col[r]:
                    s = int(t["subj_start"])
                    for doc_id, a, b, base in bases:
                        if a <= s < b:
                            shift = base - a
                            pieces[doc_id]["tri"].append((
                                [t[k] + shift for k in ("subj_start", "subj_end", "pred_start",
                                                        "pred_end", "obj_start", "obj_end")],
                                [t["subj_node"], t["obj_node"], t["subnet"]]))
                            break
    docs = []
    for doc_id, acc in pieces.items():
        def cat(name: str, dtype: Any, acc: dict[str, list[Any]] = acc) -> np.ndarray:
            return np.concatenate(acc[name]).astype(dtype) if acc[name] else np.zeros(0, dtype)

        loss = cat("loss_mask", np.uint8)
        spans = np.array([s for s, _ in acc["tri"]], np.int64).reshape(-1, 6)
        nodes = np.array([n for _, n in acc["tri"]], np.int64).reshape(-1, 3)
        docs.append(Doc(doc_id, cat("input_ids", np.int64), cat("role", np.uint8),
                        cat("entity", np.int64), cat("subnet", np.int64),
                        (loss == 0) if linearised else np.zeros(len(loss), bool), spans, nodes))
    return docs, manifest


def is_heldout(doc_id: str, fraction: float) -> bool:
    """A deterministic split by id alone: the same document lands on the same side in every run,
    whatever the order or number of documents."""
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < fraction


def split_docs(docs: list[Doc], fraction: float) -> tuple[list[Doc], list[Doc]]:
    train = [d for d in docs if not is_heldout(d.doc_id, fraction)]
    heldout = [d for d in docs if is_heldout(d.doc_id, fraction)]
    return train, heldout


def plain(doc: Doc) -> tuple[Seq, np.ndarray]:
    """The document's text tokens only (stored markup removed) and its facts' spans in them."""
    keep = ~doc.markup
    before = np.concatenate([[0], np.cumsum(keep)])  # kept tokens before each position
    spans = before[doc.spans] if len(doc.spans) else doc.spans
    return Seq(doc.ids[keep], np.ones(int(keep.sum()), bool), doc.role[keep],
               doc.entity[keep], doc.subnet[keep]), spans


def stored_linearised(doc: Doc) -> Seq:
    """The shards' own ``linearize = "append"`` stream: markup is read, never scored."""
    return Seq(doc.ids, ~doc.markup, doc.role, doc.entity, doc.subnet)


def generated_linearised(doc: Doc, markup_ids: tuple[int, int, int, int],
                         sentence_end: np.ndarray) -> Seq:
    """The same markup as ``linearize = "append"`` built from the facts' token spans, for shards
    written without it: each fact's <kg> S <rel> P <obj> O </kg> follows the first
    sentence-ending token at or after the fact's last token (the shards stage puts it after the
    sentence, whose bounds the shards do not keep)."""
    text, spans = plain(doc)
    n = len(text.ids)
    ends = np.flatnonzero(sentence_end[text.ids]) if n else np.zeros(0, np.int64)
    after: dict[int, list[int]] = {}
    for t in range(len(spans)):
        last = int(spans[t, 1::2].max()) - 1
        k = int(np.searchsorted(ends, last, side="left"))
        at = int(ends[k]) if k < len(ends) else n - 1
        after.setdefault(at, []).append(t)
    kg, rel, obj, end = markup_ids
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("ids", "text", "role", "entity", "subnet")}
    start = 0
    for at in sorted(after):
        for name in out:
            out[name].append(getattr(text, name)[start:at + 1])
        start = at + 1
        for t in after[at]:
            s = spans[t]
            subj, node_o, sub = int(doc.nodes[t, 0]), int(doc.nodes[t, 1]), int(doc.nodes[t, 2])
            # (token ids, role, entity) of each markup token and argument, in order.
            parts: list[tuple[list[int] | np.ndarray, int, int]] = [
                ([kg], 0, -1), (text.ids[s[0]:s[1]], 1, subj), ([rel], 0, -1),
                (text.ids[s[2]:s[3]], 2, -1), ([obj], 0, -1),
                (text.ids[s[4]:s[5]], 4, node_o), ([end], 0, -1)]
            for ids, role, entity in parts:
                m = len(ids)
                out["ids"].append(np.asarray(ids, np.int64))
                out["text"].append(np.zeros(m, bool))
                out["role"].append(np.full(m, role, np.uint8))
                out["entity"].append(np.full(m, entity, np.int64))
                out["subnet"].append(np.full(m, sub if role else -1, np.int64))
    for name in out:
        out[name].append(getattr(text, name)[start:])
    return Seq(**{name: np.concatenate(parts) for name, parts in out.items()})


def top_subnets(seq: Seq, limit: int) -> list[int]:
    """The document's subnetworks, most tokens first (ties: lower id), at most ``limit``."""
    ids, counts = np.unique(seq.subnet[seq.subnet >= 0], return_counts=True)
    order = sorted(zip(ids.tolist(), counts.tolist(), strict=False), key=lambda x: (-x[1], x[0]))
    return [i for i, _ in order[:limit]]


def with_prefix(seq: Seq, prefix_ids: list[int]) -> Seq:
    """The text after a domain prefix that is read but never scored."""
    m = len(prefix_ids)
    return Seq(np.concatenate([np.asarray(prefix_ids, np.int64), seq.ids]),
               np.concatenate([np.zeros(m, bool), seq.text]),
               np.concatenate([np.zeros(m, np.uint8), seq.role]),
               np.concatenate([np.full(m, -1, np.int64), seq.entity]),
               np.concatenate([np.full(m, -1, np.int64), seq.subnet]))


def pack(seqs: list[Seq], seq_len: int, eos_id: int, pad_id: int,
         max_rows: int | None = None) -> Packed:
    """Concatenate with EOS after each document (scored, as in the shards) and cut rows; the last
    row is padded (padding is never scored)."""
    eos = Seq(np.array([eos_id], np.int64), np.ones(1, bool), np.zeros(1, np.uint8),
              np.full(1, -1, np.int64), np.full(1, -1, np.int64))
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("ids", "text", "role", "entity",
                                                          "subnet")}
    for seq in seqs:
        for part in (seq, eos):
            for name in cols:
                cols[name].append(getattr(part, name))
    fill = {"ids": pad_id, "text": False, "role": 0, "entity": -1, "subnet": -1}
    total = sum(len(s.ids) + 1 for s in seqs)
    rows = -(-total // seq_len) if total else 0
    if max_rows is not None:
        rows = min(rows, max_rows)
    out = {}
    for name, parts in cols.items():
        flat = np.concatenate(parts) if parts else np.zeros(0)
        arr = np.full(rows * seq_len, fill[name], dtype=flat.dtype if parts else np.int64)
        m = min(len(flat), rows * seq_len)
        arr[:m] = flat[:m]
        out[name] = arr.reshape(rows, seq_len)
    return Packed(**out, meta={"rows": rows, "positions": rows * seq_len,
                               "text_tokens": int(out["text"].sum())})


def sentence_end_table(tokenizer: Any, vocab_size: int) -> np.ndarray:
    """Per token id, whether it ends a sentence (its text ends with . ! or ?)."""
    table = np.zeros(vocab_size, bool)
    for i in range(vocab_size):
        piece = tokenizer.decode([i], skip_special_tokens=False).rstrip()
        table[i] = piece.endswith(SENTENCE_END)
    return table
