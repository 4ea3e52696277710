"""Input reading: documents in a stable order, bad records as rejects, grouped into parts.

JSONL is read line by line here rather than through ``datasets`` so that one malformed line becomes
a reject with its line number instead of failing the whole file. Parquet, plain text and datasets
saved with ``save_to_disk`` are streamed through HF ``datasets``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgprep.config import InputConfig
from kgprep.remote import is_url

# C0/C1 control characters other than tab, newline and carriage return.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str
    source: str


@dataclass(frozen=True)
class Reject:
    source: str
    position: str  # "line 12" or "row 7"
    reason: str
    excerpt: str

    @property
    def kind(self) -> str:
        """The reason without its details, for summaries ("invalid JSON")."""
        return self.reason.split(":", 1)[0].split(" '", 1)[0]

    def to_json(self) -> dict[str, str]:
        return {
            "source": self.source,
            "position": self.position,
            "reason": self.reason,
            "excerpt": self.excerpt,
        }


_TEXT_FIELDS = InputConfig(paths=[], text_field="text", id_field="id")


@dataclass(frozen=True)
class Part:
    index: int
    documents: list[Document]
    fingerprint: str  # sha256 over the part's ids, texts and sources


def normalise_text(text: str) -> str:
    """NFC, control characters removed: the exact string every character offset indexes."""
    return _CONTROL_CHARS.sub("", unicodedata.normalize("NFC", text))


def content_id(text: str) -> str:
    return "sha256-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _excerpt(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text[:limit]


def _detect_format(name: str, is_dir: bool, has_dataset_info: bool = False) -> str:
    if is_dir:
        return "disk" if has_dataset_info else "dir"
    suffixes = "".join(Path(name).suffixes[-2:]).lower()
    if suffixes.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    if suffixes.endswith(".parquet"):
        return "parquet"
    if suffixes.endswith(".txt"):
        return "text"
    raise ValueError(f"cannot tell the input format of {name}; set input.format")


def expand_inputs(cfg: InputConfig) -> list[tuple[str, str]]:
    """Input files (local paths or filesystem URLs) with their formats, in a stable order."""
    import fsspec

    out: list[tuple[str, str]] = []
    for raw in cfg.paths:
        fs, root = fsspec.core.url_to_fs(raw)
        is_dir = fs.isdir(root)
        info = is_dir and (fs.exists(f"{root}/dataset_info.json")
                           or fs.exists(f"{root}/state.json"))
        fmt = cfg.format if cfg.format != "auto" else _detect_format(raw, is_dir, info)
        if fmt == "disk":
            out.append((raw, fmt))
        elif fmt == "dir" or is_dir:
            for child in sorted(fs.find(root)):
                if Path(child).name.startswith("."):
                    continue
                name = fs.unstrip_protocol(child) if is_url(raw) else child
                child_fmt = cfg.format if cfg.format not in ("auto", "dir") else \
                    _detect_format(child, False)
                out.append((name, child_fmt))
        else:
            out.append((raw, fmt))
    return out


def _make_document(
    record: Any, cfg: InputConfig, source: str, position: str
) -> Document | Reject:
    if not isinstance(record, dict):
        return Reject(source, position, "record is not a JSON object", _excerpt(record))
    if cfg.text_field not in record:
        return Reject(source, position, f"missing text field '{cfg.text_field}'", _excerpt(record))
    text = record[cfg.text_field]
    if not isinstance(text, str):
        reason = f"text field '{cfg.text_field}' is {type(text).__name__}, not a string"
        return Reject(source, position, reason, _excerpt(record))
    text = normalise_text(text)
    if not text.strip():
        return Reject(source, position, "empty or whitespace-only text", _excerpt(record))
    raw_id = record.get(cfg.id_field)
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        doc_id = content_id(text)
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        reason = f"id field '{cfg.id_field}' is {type(raw_id).__name__}, not a string or integer"
        return Reject(source, position, reason, _excerpt(record))
    return Document(doc_id=doc_id, text=text, source=source)


def _read_jsonl(path: str, cfg: InputConfig, source: str) -> Iterator[Document | Reject]:
    import fsspec

    with fsspec.open(path, "rb") as fh:
        for line_no, raw_line in enumerate(fh, start=1):
            position = f"line {line_no}"
            if not raw_line.strip():
                continue
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Reject(source, position, f"invalid UTF-8: {exc.reason}", repr(raw_line[:200]))
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Reject(source, position, f"invalid JSON: {exc.msg}", line[:200])
                continue
            yield _make_document(record, cfg, source, position)


def _read_with_datasets(
    path: str, fmt: str, cfg: InputConfig, source: str
) -> Iterator[Document | Reject]:
    import datasets

    datasets.disable_progress_bars()
    if fmt == "disk":
        dataset: Iterable[dict[str, Any]] = datasets.load_from_disk(str(path))
    elif fmt == "parquet":
        dataset = datasets.load_dataset(
            "parquet", data_files=str(path), split="train", streaming=True
        )
    for row_no, record in enumerate(dataset):
        yield _make_document(record, cfg, source, f"row {row_no}")


def _read_text(path: str, source: str) -> Iterator[Document | Reject]:
    """Plain text: one document per paragraph, paragraphs separated by whitespace-only lines.

    Read here rather than through ``datasets``: its paragraph mode splits only on empty lines (a
    corpus whose blank lines hold a space, like WikiText, would come back as one document), its
    loader takes seconds to start, and a line that is not UTF-8 must become a reject, not stop
    the run. Lines split as ``str.splitlines`` does, as ``datasets``' line mode does.
    """
    import fsspec

    def lines() -> Iterator[tuple[int, str | Reject]]:
        with fsspec.open(path, "rb") as fh:
            for line_no, raw_line in enumerate(fh, start=1):
                try:
                    decoded = raw_line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield line_no, Reject(source, f"line {line_no}",
                                          f"invalid UTF-8: {exc.reason}", repr(raw_line[:200]))
                    continue
                for piece in decoded.splitlines() or [""]:
                    yield line_no, piece

    buffer: list[str] = []
    first_line = 0
    for line_no, text in lines():
        if isinstance(text, Reject):
            yield text
            continue
        if text.strip():
            if not buffer:
                first_line = line_no
            buffer.append(text)
            continue
        if buffer:
            yield _make_document({"text": "\n".join(buffer)}, _TEXT_FIELDS, source,
                                 f"line {first_line}")
            buffer = []
    if buffer:
        yield _make_document({"text": "\n".join(buffer)}, _TEXT_FIELDS, source,
                             f"line {first_line}")


def iter_records(cfg: InputConfig, base_dir: str) -> Iterator[Document | Reject]:
    """Every input record in input order, as a Document or a Reject."""
    for path, fmt in expand_inputs(cfg):
        source = path if is_url(path) else os.path.relpath(path, base_dir)
        if fmt == "jsonl":
            yield from _read_jsonl(path, cfg, source)
        elif fmt == "text":
            yield from _read_text(path, source)
        elif fmt in ("parquet", "disk"):
            yield from _read_with_datasets(path, fmt, cfg, source)
        else:
            raise ValueError(f"unsupported input format {fmt!r} for {path}")


def _fingerprint(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        for value in (doc.doc_id, doc.source, doc.text):
            encoded = value.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
    return digest.hexdigest()


def iter_parts(
    records: Iterable[Document | Reject], part_size: int, rejects: list[Reject]
) -> Iterator[Part]:
    """Group documents into contiguous parts of ``part_size``; rejects go to ``rejects``.

    A part never spans two input files, so adding a file adds parts and changes none.
    """
    batch: list[Document] = []
    index = 0
    for record in records:
        if isinstance(record, Reject):
            rejects.append(record)
            continue
        if batch and record.source != batch[-1].source:
            yield Part(index, batch, _fingerprint(batch))
            index += 1
            batch = []
        batch.append(record)
        if len(batch) == part_size:
            yield Part(index, batch, _fingerprint(batch))
            index += 1
            batch = []
    if batch:
        yield Part(index, batch, _fingerprint(batch))
