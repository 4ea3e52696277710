"""The records that reading an input yields, and their ids.

A Document, a Reject or a Skip for every record read; where a record starts (Location), so a
worker can read it again; parts and the descriptors that carry them to workers; the input
errors; and the text normalisation and hashing behind document ids and part fingerprints.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# C0/C1 control characters other than tab, newline and carriage return.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Surrogates cannot be encoded as UTF-8: JSON "\ud800" decodes to one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Location:
    """Where a record starts in its input, so that a worker can read it again by itself."""

    path: str  # the file or dataset directory as read: a local path or a URL
    fmt: str  # jsonl | text | parquet | disk
    offset: int  # byte offset in the decompressed stream (jsonl, text), or the row number
    line: int  # the line number at ``offset`` (jsonl, text), or the row number


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str
    source: str
    position: str = field(default="", compare=False)  # "line 12" or "row 7"
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Reject:
    source: str
    position: str  # "line 12", "row 7", "file" or "after line 12"
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


@dataclass(frozen=True)
class Skip:
    """A valid document left out on purpose: ``duplicate-of:<id>`` or ``language:<code>``."""

    doc_id: str
    source: str
    position: str
    reason: str

    @property
    def kind(self) -> str:
        """For summaries: every duplicate is one kind, each language its own."""
        return "duplicate" if self.reason.startswith("duplicate-of:") else self.reason

    def to_json(self) -> dict[str, str]:
        return {"doc_id": self.doc_id, "source": self.source, "position": self.position,
                "reason": self.reason}


Record = Document | Reject | Skip


@dataclass(frozen=True)
class Part:
    index: int
    documents: list[Document]
    fingerprint: str  # sha256 over the part's ids, texts and sources

    def descriptor(self) -> PartDescriptor:
        """What a worker needs to read this part by itself: no text crosses the wire."""
        refs = []
        for doc in self.documents:
            if doc.location is None:
                raise ValueError(f"document {doc.doc_id!r} was not read from an input")
            refs.append(DocumentRef(doc.source, doc.location))
        return PartDescriptor(self.index, self.fingerprint, tuple(refs))


class DocumentRef(NamedTuple):
    source: str  # as the Document names it (relative to the pipeline file for local paths)
    location: Location


@dataclass(frozen=True)
class PartDescriptor:
    """A part as it travels to a worker: its number, its fingerprint and where each document
    starts in the input. The worker reads the documents itself (``read_part``) and checks the
    fingerprint, so the driver's memory and network do not bound the workers."""

    index: int
    fingerprint: str
    refs: tuple[DocumentRef, ...]


class NoDocumentsError(FileNotFoundError):
    """Zero documents were read and ``input.allow_empty`` is not set (the CLI's exit 3)."""


class InputChangedError(FileNotFoundError):
    """A worker read a part's documents again and they differ from what the driver read: the
    input changed while the run used it (the CLI's exit 3)."""


def normalise_text(text: str) -> str:
    """NFC, control characters removed: the exact string every character offset indexes."""
    return _CONTROL_CHARS.sub("", unicodedata.normalize("NFC", text))


# Text is hashed this many characters at a time, so a huge document is never copied whole.
HASH_WINDOW = 1 << 20


def _text_windows(text: str) -> Iterator[bytes]:
    """``text.encode("utf-8")`` a window at a time. Lone surrogates are rejected when a record
    is read, so no window boundary splits a character."""
    for start in range(0, len(text), HASH_WINDOW):
        yield text[start:start + HASH_WINDOW].encode("utf-8")


def hash_text(digest: Any, text: str, length_prefixed: bool = False) -> None:
    """Feed ``text`` as UTF-8 to ``digest``, optionally preceded by its byte length."""
    if length_prefixed:
        size = sum(len(window) for window in _text_windows(text))
        digest.update(size.to_bytes(8, "little"))
    for window in _text_windows(text):
        digest.update(window)


def content_id(text: str) -> str:
    digest = hashlib.sha256()
    hash_text(digest, text)
    return "sha256-" + digest.hexdigest()[:20]


def positional_id(text: str, source: str, position: str) -> str:
    """The id of a record without one: its content hash plus a hash of where it was read, so
    two equal paragraphs (or id-less records) never share an id."""
    where = hashlib.sha256(f"{source}\0{position}".encode()).hexdigest()[:8]
    return f"{content_id(text)}-{where}"


def short_excerpt(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return LONE_SURROGATE.sub("\ufffd", text[:limit])
