"""Input reading's entry points: every record in input order, documents grouped into parts,
and a part read again by the worker that parses it.

``iter_records`` yields a Document, a Reject or a Skip for every record of every input: a file
that cannot be read at all is one reject; a document that is a duplicate or in another language
is a skip with its reason, so every record read is accounted for. ``iter_parts`` groups the
documents into parts, and ``read_part`` is a worker's read of its own part.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence

from kgprep.core.config import InputConfig
from kgprep.extract.inputs import expand_inputs
from kgprep.extract.readers import read_file
from kgprep.extract.records import (
    Document,
    InputChangedError,
    Location,
    Part,
    PartDescriptor,
    Record,
    Reject,
    Skip,
    hash_text,
)
from kgprep.extract.screen import Screen
from kgprep.storage.remote import is_url


def iter_records(cfg: InputConfig, base_dir: str, leave_out: Sequence[str] = ()
                 ) -> Iterator[Record]:
    """Every input record in input order: a Document, a Reject, or a Skip; nothing from the
    directories ``leave_out`` (see ``expand_inputs``)."""
    screen = Screen(cfg)
    for path, fmt in expand_inputs(cfg, leave_out):
        source = path if is_url(path) else os.path.relpath(path, base_dir)
        for record in read_file(path, fmt, cfg, source):
            yield screen.check(record) if isinstance(record, Document) else record


def _fingerprint(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        for value in (doc.doc_id, doc.source, doc.text):
            hash_text(digest, value, length_prefixed=True)
    return digest.hexdigest()


def iter_parts(
    records: Iterable[Record], part_size: int, rejects: list[Reject],
    skipped: list[Skip] | None = None,
) -> Iterator[Part]:
    """Group documents into parts of ``part_size``; rejects go to ``rejects``, skips to
    ``skipped`` (dropped when it is None).

    Each file's documents fill whole parts of their own; what is left of a file (its tail,
    fewer than ``part_size``) is pooled with the next files' tails, in input order, so a
    directory of many small files gives full parts (and full shard rows), not one short part a
    file. Parts depend only on the input, so a rerun after files were added equals a clean run:
    full parts of unchanged files keep their fingerprints and are reused, and only pooled parts
    from the first changed file on are parsed again.
    """
    index = 0
    current: list[Document] = []  # the file being read, not yet a full part
    pool: list[Document] = []  # tails of finished files

    def part(documents: list[Document]) -> Part:
        nonlocal index
        index += 1
        return Part(index - 1, documents, _fingerprint(documents))

    for record in records:
        if isinstance(record, Reject):
            rejects.append(record)
            continue
        if isinstance(record, Skip):
            if skipped is not None:
                skipped.append(record)
            continue
        if current and record.source != current[-1].source:
            pool.extend(current)
            current = []
            while len(pool) >= part_size:
                yield part(pool[:part_size])
                pool = pool[part_size:]
        current.append(record)
        if len(current) == part_size:
            yield part(current)
            current = []
    pool.extend(current)
    for start in range(0, len(pool), part_size):
        yield part(pool[start:start + part_size])


def read_part(part: PartDescriptor, cfg: InputConfig) -> list[Document]:
    """A worker's read of its own part: each document again from where the driver found it,
    checked against the part's fingerprint. Raises InputChangedError when the input no longer
    holds what the driver read (a file rewritten or removed mid-run)."""
    documents: list[Document] = []
    # Documents of one file are consecutive in a part (a pooled part holds several files).
    for (source, _), refs in itertools.groupby(part.refs,
                                               key=lambda r: (r.source, r.location.path)):
        documents += _read_documents_at(source, [r.location for r in refs], cfg)
    if _fingerprint(documents) != part.fingerprint:
        sources = ", ".join(sorted({ref.source for ref in part.refs}))
        raise InputChangedError(f"input changed while the run read it: part {part.index} "
                                f"({sources}) no longer holds the documents it held; rerun")
    return documents


def _read_documents_at(source: str, locations: list[Location], cfg: InputConfig
                       ) -> list[Document]:
    """The documents that start at ``locations`` (in file order) in one input file."""
    first = locations[0]
    pending = collections.deque(locations)
    found: list[Document] = []
    records = read_file(first.path, first.fmt, cfg, source, (first.offset, first.line))
    with contextlib.closing(records):
        for record in records:
            if isinstance(record, Reject) and record.reason.startswith("unreadable file"):
                raise InputChangedError(
                    f"a worker cannot read {source} ({record.reason}): every worker reads its "
                    "own documents, so inputs must be where each worker can read them (a URL "
                    "or a shared mount; a memory:// input needs run.workers = 1)")
            if not isinstance(record, Document) or record.location is None:
                continue
            if record.location.offset > pending[0].offset:
                break  # offsets only grow: the wanted document is not there any more
            if record.location.offset == pending[0].offset:
                found.append(record)
                pending.popleft()
                if not pending:
                    break  # not one record more: the next one may be a long document
    if pending:
        unit = "row" if first.fmt in ("parquet", "disk") else "line"
        raise InputChangedError(f"input changed while the run read it: {source} has no "
                                f"document at {unit} {pending[0].line} any more; rerun")
    return found
