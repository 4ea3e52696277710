"""``kgprep validate``: re-check a shards directory against its manifest and its sources.

Checks checksums and sizes, the schema, the manifest totals, and alignment: each triple's
subject, predicate and object tokens decode back to the text of its character span in the
extracted document (modulo tokenizer whitespace). Also ``kgprep inspect``'s row rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from tokenizers import Tokenizer

from kgprep.io import read_json, read_parquet, sha256_file
from kgprep.shards import shard_schema

_WS = re.compile(r"\s+")
MAX_ERRORS_SHOWN = 20


@dataclass
class ValidationResult:
    errors: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_shard(path: Path) -> pa.Table:
    """Memory-map an Arrow IPC stream shard."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).read_all()


def _norm(text: str) -> str:
    return _WS.sub("", text)


def _normalizer(tokenizer: Tokenizer) -> Any:
    """The tokenizer's own text normaliser (lower-casing, accent stripping), if it has one."""
    normalizer = tokenizer.normalizer
    return normalizer.normalize_str if normalizer is not None else (lambda text: text)


def span_matches(tokenizer: Tokenizer, ids: list[int], start: int, end: int, text: str) -> bool:
    """True when tokens [start, end) decode to ``text``, or are its minimal cover.

    Both sides are compared after the tokenizer's normaliser and without whitespace, since
    decoders differ in how they space tokens (WordPiece puts spaces around punctuation).
    """
    if start >= end:
        return False
    normalise = _normalizer(tokenizer)

    def decode(a: int, b: int) -> str:
        return _norm(tokenizer.decode(ids[a:b], skip_special_tokens=False)).lower()

    decoded = decode(start, end)
    wanted = _norm(normalise(text)).lower()
    if decoded == wanted:
        return True
    unk = getattr(tokenizer.model, "unk_token", None)
    if unk and unk.lower() in decoded:
        return True  # an unknown token stands for characters it cannot show
    if wanted not in decoded:
        return False
    # Token edges may not fall on span edges: then the cover must be minimal on both sides.
    return all(wanted not in decode(a, b) for a, b in ((start + 1, end), (start, end - 1))
               if a < b)


def _load_docs(work: Path, parts: list[str]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    docs: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for part in parts:
        table = read_parquet(work / "extract" / part, columns=["doc_id", "text", "triples"])
        for doc_id, text, triples in zip(table["doc_id"].to_pylist(), table["text"].to_pylist(),
                                         table["triples"].to_pylist(), strict=True):
            docs[doc_id] = (text, triples)
    return docs


def validate_shards(shards_dir: Path, check_alignment: bool = True) -> ValidationResult:
    result = ValidationResult()
    manifest_path = shards_dir / "manifest.json"
    if not manifest_path.is_file():
        result.errors.append(f"{manifest_path} is missing")
        return result
    manifest = read_json(manifest_path)
    work = shards_dir.parent
    schema = shard_schema(manifest["seq_len"], manifest["packing"])
    tokenizer = None
    tok_path = work / manifest["tokenizer"]["path"]
    if check_alignment:
        if not tok_path.is_file():
            result.errors.append(f"tokenizer {tok_path} is missing")
        elif sha256_file(tok_path) != manifest["tokenizer"]["sha256"]:
            result.errors.append(f"tokenizer {tok_path} does not match the manifest's sha256")
        else:
            tokenizer = Tokenizer.from_file(str(tok_path))
    sums = {"rows": 0, "tokens": 0, "triples": 0}
    aligned = 0
    docs: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    loaded_parts: list[str] = []
    for entry in manifest["shards"]:
        path = shards_dir / entry["file"]
        if not path.is_file():
            result.errors.append(f"{entry['file']}: listed in the manifest but missing")
            continue
        if path.stat().st_size != entry["bytes"]:
            result.errors.append(f"{entry['file']}: size differs from the manifest")
        if sha256_file(path) != entry["sha256"]:
            result.errors.append(f"{entry['file']}: sha256 differs from the manifest")
            continue
        table = read_shard(path)
        if not table.schema.equals(schema):
            result.errors.append(f"{entry['file']}: schema differs from the expected schema")
            continue
        n_tokens = table["n_tokens"].to_pylist()
        triples = table["triples"].to_pylist()
        counts = {"rows": table.num_rows, "tokens": sum(n_tokens),
                  "triples": sum(len(t) for t in triples)}
        for key, value in counts.items():
            sums[key] += value
            if entry[key] != value:
                result.errors.append(f"{entry['file']}: {key} is {value}, manifest says "
                                     f"{entry[key]}")
        if tokenizer is None or not (work / "extract").is_dir():
            continue
        # Consecutive shards cut from one part share its documents: read each part once.
        if entry["parts"] != loaded_parts:
            docs, loaded_parts = _load_docs(work, entry["parts"]), entry["parts"]
        ids_col = table["input_ids"].to_pylist()
        for row, (ids, row_triples, row_docs) in enumerate(
            zip(ids_col, triples, table["docs"].to_pylist(), strict=True)
        ):
            for t in row_triples:
                owner = next((d for d in row_docs if d["start"] <= t["subj_start"] < d["end"]),
                             None)
                if owner is None or owner["doc_id"] not in docs:
                    result.errors.append(f"{entry['file']} row {row}: triple has no document")
                    continue
                text, doc_triples = docs[owner["doc_id"]]
                source = doc_triples[t["triple_index"]]
                for arg in ("subj", "pred", "obj"):
                    span = text[source[arg]["start"]:source[arg]["end"]]
                    if not span_matches(tokenizer, ids, t[f"{arg}_start"], t[f"{arg}_end"],
                                        span):
                        decoded = tokenizer.decode(ids[t[f"{arg}_start"]:t[f"{arg}_end"]])
                        result.errors.append(
                            f"{entry['file']} row {row}: {arg} tokens decode to {decoded!r}, "
                            f"span text is {span!r}"
                        )
                aligned += 1
    for key in sums:
        if manifest["totals"][key] != sums[key]:
            result.errors.append(
                f"manifest total {key} is {manifest['totals'][key]}, shards sum to {sums[key]}"
            )
    result.checked = {"shards": len(manifest["shards"]), **sums, "triples_aligned": aligned}
    return result


def render_row(tokenizer: Tokenizer, row: dict[str, Any], labels: dict[str, list[str]]) -> str:
    """A row's text with subject, predicate and object token runs bracketed."""
    ids, roles = row["input_ids"][: row["n_tokens"]], row["role"][: row["n_tokens"]]
    marks = {1: ("[S ", "]"), 2: ("[P ", "]"), 3: ("[O ", "]")}
    pieces: list[str] = []
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or roles[i] != roles[start]:
            text = tokenizer.decode(ids[start:i], skip_special_tokens=False)
            if roles[start] in marks:
                lead = text[: len(text) - len(text.lstrip())]
                open_, close = marks[roles[start]]
                text = f"{lead}{open_}{text.strip()}{close}"
            pieces.append(text)
            start = i
    lines = ["".join(pieces)]
    nodes, relations = labels.get("nodes", []), labels.get("relations", [])
    for t in row["triples"]:
        def name(table: list[str], i: int) -> str:
            return table[i] if 0 <= i < len(table) else "?"

        lines.append(
            f"  ({name(nodes, t['subj_node'])} | {name(relations, t['relation_id'])} | "
            f"{name(nodes, t['obj_node'])})  subnet={t['subnet']} "
            f"conf={t['confidence']:.2f}{' NEG' if t['negated'] else ''}"
        )
    return "\n".join(lines)
