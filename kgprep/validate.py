"""``kgprep validate``: re-check a shards directory against its manifest and its sources.

Checks checksums and sizes, the schema, the manifest totals, the per-token roles, and alignment:
each triple's subject, predicate and object tokens decode back to the text of its character span
in the extracted document, both sides compared as the tokenizer normalises text and without its
spaces (``SpanComparer``), and an implicit predicate (an empty character span) has an empty token
span. Roles are bit flags (subject 1, predicate 2, object 4):
every text token's role must be the OR over the row's triples whose token spans cover it, and a
knowledge-markup token's role the flag of the part of ``<kg> s <rel> p <obj> o </kg>`` it is in.
Also ``kgprep inspect``'s row rendering.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tokenizers import Tokenizer

from kgprep.core.io import (
    DamagedFileError,
    read_arrow_stream,
    read_json,
    read_parquet,
    sha256_file,
)
from kgprep.core.schemas import shard_schema
from kgprep.shards import BUILT_FROM
from kgprep.shards.align import ROLE_FLAGS, ROLE_NONE
from kgprep.shards.annotate import ROLES_MANIFEST

MAX_ERRORS_SHOWN = 20


@dataclass
class ValidationResult:
    errors: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _space_marks(tokenizer: Tokenizer, normalise: Callable[[str], str]) -> str:
    """The characters this tokenizer writes for a space: Metaspace's "▁" (from the normaliser,
    as in Llama-2 and Mistral, or from the pre-tokenizer), byte-level's "Ġ", or none.

    Found by running the tokenizer's own normaliser and pre-tokenizer on "x y" and on "xy": a
    character that occurs more often with the space stands for it. Nothing is assumed about any
    vocabulary's marker.
    """
    def form(probe: str) -> Counter[str]:
        text = normalise(probe)
        if tokenizer.pre_tokenizer is not None:
            text = "".join(piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text))
        return Counter(text)

    return "".join(sorted(c for c in form("x y") - form("xy") if not c.isspace()))


class SpanComparer:
    """Compares a token span's decoded text with a character span's text as the tokenizer sees
    them: both go through the tokenizer's normaliser (lower-casing, accent stripping, "▁" for
    spaces), then lose whitespace and the tokenizer's space marks, since decoders differ in how
    they space tokens (WordPiece puts spaces around punctuation, Llama-2's strips the first)."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        normalizer = tokenizer.normalizer
        self._normalise: Callable[[str], str] = (
            normalizer.normalize_str if normalizer is not None else (lambda text: text))
        marks = _space_marks(tokenizer, self._normalise)
        self._drop = re.compile(f"[\\s{re.escape(marks)}]+" if marks else r"\s+")
        unk = getattr(tokenizer.model, "unk_token", None)
        self._unk = self.form(unk) if unk else ""

    def form(self, text: str) -> str:
        """``text`` in the form both sides are compared in."""
        return self._drop.sub("", self._normalise(text)).lower()

    def decoded(self, ids: list[int], start: int, end: int) -> str:
        return self.tokenizer.decode(ids[start:end], skip_special_tokens=False)

    def matches(self, ids: list[int], start: int, end: int, text: str) -> bool:
        """True when tokens [start, end) decode to ``text``, or are its minimal cover."""
        if start >= end:
            return False

        def decode(a: int, b: int) -> str:
            return self.form(self.decoded(ids, a, b))

        decoded = decode(start, end)
        wanted = self.form(text)
        if decoded == wanted:
            return True
        if self._unk and self._unk in decoded:
            return True  # an unknown token stands for characters it cannot show
        if wanted not in decoded:
            return False
        # Token edges may not fall on span edges: then the cover must be minimal on both sides.
        return all(wanted not in decode(a, b) for a, b in ((start + 1, end), (start, end - 1))
                   if a < b)


_ARG_FLAGS = (("subj", ROLE_FLAGS["subject"]), ("pred", ROLE_FLAGS["predicate"]),
              ("obj", ROLE_FLAGS["object"]))
_SINGLE_FLAGS = np.array(sorted(ROLE_FLAGS.values()))


def _token_rows(column: pa.ChunkedArray | pa.Array) -> list[np.ndarray]:
    """A list column (fixed-size or not) as one numpy array per row."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    values = column.flatten().to_numpy(zero_copy_only=False)
    if pa.types.is_fixed_size_list(column.type):
        size = column.type.list_size
        return [values[i * size:(i + 1) * size] for i in range(len(column))]
    bounds = np.concatenate([[0], np.cumsum(pc.list_value_length(column).to_numpy(
        zero_copy_only=False))]).astype(np.int64)
    return [values[bounds[i]:bounds[i + 1]] for i in range(len(column))]


def _markup_roles(ids: np.ndarray, markup: dict[str, int]) -> np.ndarray:
    """Per token, the role that ``<kg> s <rel> p <obj> o </kg>`` markup gives it: 0 on the markup
    tokens themselves, else the flag of the phrase it is in, read from the nearest markup token
    before it (or, at a row's start, after it); -1 where the row shows none."""
    after = {markup["<kg>"]: ROLE_FLAGS["subject"], markup["<rel>"]: ROLE_FLAGS["predicate"],
             markup["<obj>"]: ROLE_FLAGS["object"], markup["</kg>"]: ROLE_NONE}
    before = {markup["<rel>"]: ROLE_FLAGS["subject"], markup["<obj>"]: ROLE_FLAGS["predicate"],
              markup["</kg>"]: ROLE_FLAGS["object"], markup["<kg>"]: ROLE_NONE}
    n = len(ids)
    special = np.isin(ids, list(after))
    positions = np.arange(n)
    prev = np.maximum.accumulate(np.where(special, positions, -1)) if n else positions
    nxt = np.minimum.accumulate(np.where(special, positions, n)[::-1])[::-1] if n else positions
    lookup_after = np.vectorize(after.get, otypes=[np.int64])
    lookup_before = np.vectorize(before.get, otypes=[np.int64])
    out = np.full(n, -1, np.int64)
    has_prev, has_next = prev >= 0, nxt < n
    if has_prev.any():
        out[has_prev] = lookup_after(ids[prev[has_prev]])
    only_next = ~has_prev & has_next
    if only_next.any():
        out[only_next] = lookup_before(ids[nxt[only_next]])
    out[special] = ROLE_NONE
    return out


def check_row_roles(role: np.ndarray, loss_mask: np.ndarray, ids: np.ndarray, n_tokens: int,
                    triples: list[dict[str, Any]], markup: dict[str, int] | None) -> str | None:
    """Why a row's ``role`` column is wrong, or None.

    Text tokens (and EOS and padding): the OR of the flags of the row's triples covering them,
    computed here with a plain loop over the triples' token spans. Knowledge-markup tokens
    (``loss_mask`` 0 before ``n_tokens``, when the shards are linearised): the markup's flag.
    """
    role = np.asarray(role).astype(np.int64)
    expected = np.zeros(len(role), np.int64)
    for t in triples:
        for arg, flag in _ARG_FLAGS:
            a, b = max(t[f"{arg}_start"], 0), max(t[f"{arg}_end"], 0)
            expected[a:b] |= flag
    in_markup = np.zeros(len(role), bool)
    if markup:
        in_markup = (np.asarray(loss_mask) == 0) & (np.arange(len(role)) < n_tokens)
    if markup and in_markup.any():
        spelled = _markup_roles(np.asarray(ids), markup)
        unknown = in_markup & (spelled < 0)
        expected[in_markup] = spelled[in_markup]
        # A row cut inside one markup phrase shows no markup token: any single flag fits.
        fits_unknown = np.isin(role, _SINGLE_FLAGS)
        expected[unknown & fits_unknown] = role[unknown & fits_unknown]
        expected[unknown & ~fits_unknown] = -1
    wrong = np.flatnonzero(role != expected)
    if not len(wrong):
        return None
    i = int(wrong[0])
    where = "markup token" if in_markup[i] else "token"
    cause = "the markup gives" if in_markup[i] else "the row's triples covering it give"
    want = "a single flag" if expected[i] < 0 else int(expected[i])
    return (f"{where} {i} has role {int(role[i])}, {cause} {want} "
            f"({len(wrong)} token{'s' if len(wrong) != 1 else ''} differ)")


def _load_docs(work: Path, parts: list[str]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    docs: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for part in parts:
        table = read_parquet(work / "extract" / part, columns=["doc_id", "text", "triples"])
        for doc_id, text, triples in zip(table["doc_id"].to_pylist(), table["text"].to_pylist(),
                                         table["triples"].to_pylist(), strict=True):
            docs[doc_id] = (text, triples)
    return docs


def read_shards_manifest(shards_dir: Path) -> dict[str, Any]:
    """The manifest of the shards directory ``shards_dir``. A path that is no shards directory
    (missing, a file, another stage's directory) is a wrong argument: FileNotFoundError, the
    CLI's exit 3. A manifest that is not valid JSON is damage: RuntimeError naming it."""
    manifest_path = shards_dir / "manifest.json"
    hint = "name one such as work/default/shards, or run the shards stage first"
    if not shards_dir.is_dir():
        what = "is a file, not a shards directory" if shards_dir.exists() else "does not exist"
        raise FileNotFoundError(f"shards directory {shards_dir} {what} ({hint})")
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} is missing: {shards_dir} is not a shards "
                                f"directory ({hint})")
    try:
        manifest = read_json(manifest_path)
    except DamagedFileError as exc:  # validate's finding (exit 1), not a missing input
        raise RuntimeError(f"{manifest_path} {exc.problem}: rerun the shards stage") from exc
    except OSError as exc:  # unreadable: permissions, a directory named manifest.json
        raise RuntimeError(f"{manifest_path} cannot be read ({exc})") from exc
    if not isinstance(manifest, dict) or not {"seq_len", "tokenizer", "shards"} <= manifest.keys():
        stage = manifest.get("stage") if isinstance(manifest, dict) else None
        whose = f" (its manifest is the {stage} stage's)" if stage else ""
        raise FileNotFoundError(f"{shards_dir} is not a shards directory{whose}: {hint}")
    return manifest


def earlier_run(shards_dir: Path) -> str | None:
    """Why the shards in ``shards_dir`` are an earlier run's than the stages beside them, or
    None: extract's manifest is gone (its last run stopped part way: it removes the manifest
    when it starts), or a graph or subnets manifest is not the one the shards were built from
    (each part's done-marker records their checksums)."""
    work = shards_dir.parent
    if not (work / "extract" / "manifest.json").is_file():
        return f"{work}/extract has no manifest (its last run did not finish)"
    current = {name: sha256_file(work / name / "manifest.json") for name in BUILT_FROM
               if (work / name / "manifest.json").is_file()}
    for marker in sorted(shards_dir.glob("part-*.done.json")):
        try:
            built_from = read_json(marker)
        except DamagedFileError:
            continue  # validate's checksums judge the shards themselves
        for name, sha in current.items():
            if built_from.get(name) not in (None, sha):
                return f"{work}/{name} changed after these shards were built"
    return None


def validate_shards(shards_dir: Path, check_alignment: bool = True) -> ValidationResult:
    """Every problem found in the shards directory ``shards_dir``. A directory that is missing,
    or holds no shards manifest, is not a set of shards with problems but a wrong argument:
    FileNotFoundError (the CLI's exit 3, one line)."""
    result = ValidationResult()
    manifest = read_shards_manifest(shards_dir)
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
    comparer = SpanComparer(tokenizer) if tokenizer is not None else None
    if manifest.get("roles") != ROLES_MANIFEST:
        result.errors.append(f"manifest roles are {manifest.get('roles')}, expected the flags "
                             f"{ROLES_MANIFEST}: the shards were written by an older kgprep")
    markup = manifest.get("markup_tokens") or None
    sums = {"rows": 0, "tokens": 0, "triples": 0}
    aligned = 0
    roles_checked = 0
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
        table = read_arrow_stream(path)
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
        for row, (role, loss, ids, n, row_triples) in enumerate(zip(
                _token_rows(table["role"]), _token_rows(table["loss_mask"]),
                _token_rows(table["input_ids"]), n_tokens, triples, strict=True)):
            problem = check_row_roles(role, loss, ids, n, row_triples, markup)
            if problem:
                result.errors.append(f"{entry['file']} row {row}: {problem}")
            roles_checked += 1
        if comparer is None or not (work / "extract").is_dir():
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
                    if source[arg]["start"] == source[arg]["end"]:
                        # An implicit predicate has no words: its token span must be empty.
                        if t[f"{arg}_start"] != t[f"{arg}_end"]:
                            result.errors.append(
                                f"{entry['file']} row {row}: {arg} has an empty span in the "
                                f"text but covers tokens {t[f'{arg}_start']}..{t[f'{arg}_end']}")
                        continue
                    first, last = t[f"{arg}_start"], t[f"{arg}_end"]
                    if not comparer.matches(ids, first, last, span):
                        decoded = comparer.decoded(ids, first, last)
                        result.errors.append(
                            f"{entry['file']} row {row}: {arg} tokens {first}..{last} decode to "
                            f"{decoded!r}, span text is {span!r} (compared as "
                            f"{comparer.form(decoded)!r} and {comparer.form(span)!r})")
                aligned += 1
    for key in sums:
        if manifest["totals"][key] != sums[key]:
            result.errors.append(
                f"manifest total {key} is {manifest['totals'][key]}, shards sum to {sums[key]}"
            )
    result.checked = {"shards": len(manifest["shards"]), **sums, "triples_aligned": aligned,
                      "rows_role_checked": roles_checked}
    return result


def render_row(tokenizer: Tokenizer, row: dict[str, Any], labels: dict[str, list[str]]) -> str:
    """A row's text with subject, predicate and object token runs bracketed: ``[S ...]``, and
    ``[S+O ...]`` for tokens with several roles."""
    ids, roles = row["input_ids"][: row["n_tokens"]], row["role"][: row["n_tokens"]]
    letters = (("S", ROLE_FLAGS["subject"]), ("P", ROLE_FLAGS["predicate"]),
               ("O", ROLE_FLAGS["object"]))
    marks = {flags: (f"[{'+'.join(c for c, bit in letters if flags & bit)} ", "]")
             for flags in range(1, 8)}
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
