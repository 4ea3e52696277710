"""Input reading: documents in a stable order, bad records as rejects, grouped into parts.

Every input is read as a stream: JSONL and plain text line by line (so one malformed line becomes
a reject with its line number instead of failing the whole file), Parquet in row batches through
pyarrow, and datasets saved with ``save_to_disk`` through HF ``datasets``. Compressed files
(``.gz``, ``.zst``, ``.bz2``, ``.xz``) are decompressed on the fly by fsspec or pyarrow. A file
that cannot be read at all is one reject; a document that is a duplicate or in another language
is a skip with its reason, so every record read is accounted for.
"""

from __future__ import annotations

import collections
import contextlib
import fnmatch
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any, NamedTuple

from kgprep.core.config import ConfigError, InputConfig
from kgprep.extract.scripts import all_latin, mostly_other_script
from kgprep.storage.remote import is_url

# C0/C1 control characters other than tab, newline and carriage return.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Surrogates cannot be encoded as UTF-8: JSON "\ud800" decodes to one.
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s")
# Windows tools start UTF-8 files with a byte order mark; JSON (RFC 8259) lets readers ignore it.
_BOM = b"\xef\xbb\xbf"
# Byte order marks of the encodings a text or JSON Lines file must not be read in as UTF-8
# (read byte-wise, UTF-16's "\n\0" splits lines mid-character and every NUL lands in the
# text). UTF-32 first: its LE mark starts with UTF-16 LE's.
_FOREIGN_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "UTF-32 BE"),
                 (b"\xff\xfe", "UTF-16 LE"), (b"\xfe\xff", "UTF-16 BE"))
# Bytes read to tell UTF-16 without a byte order mark from UTF-8.
_ENCODING_SAMPLE = 4096

# Compression suffixes and the codec that reads them.
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}
# Files whose presence makes a directory a dataset saved with ``save_to_disk``.
_DATASET_MARKERS = ("dataset_dict.json", "dataset_info.json", "state.json")
# Language identification reads this many leading characters: enough for a confident call,
# and constant in the document's size.
LANGUAGE_SAMPLE_CHARS = 2000
PARQUET_BATCH_ROWS = 64


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

_TEXT_FIELDS = InputConfig(paths=[], text_field="text", id_field="id")


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


def _hash_text(digest: Any, text: str, length_prefixed: bool = False) -> None:
    """Feed ``text`` as UTF-8 to ``digest``, optionally preceded by its byte length."""
    if length_prefixed:
        size = sum(len(window) for window in _text_windows(text))
        digest.update(size.to_bytes(8, "little"))
    for window in _text_windows(text):
        digest.update(window)


def content_id(text: str) -> str:
    digest = hashlib.sha256()
    _hash_text(digest, text)
    return "sha256-" + digest.hexdigest()[:20]


def positional_id(text: str, source: str, position: str) -> str:
    """The id of a record without one: its content hash plus a hash of where it was read, so
    two equal paragraphs (or id-less records) never share an id."""
    where = hashlib.sha256(f"{source}\0{position}".encode()).hexdigest()[:8]
    return f"{content_id(text)}-{where}"


def _excerpt(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else repr(value)
    return _SURROGATE.sub("\ufffd", text[:limit])


def split_compression(name: str) -> tuple[str, str | None]:
    """(name without its compression suffix, codec or None): "a.jsonl.zst" gives
    ("a.jsonl", "zstd")."""
    for suffix, codec in COMPRESSIONS.items():
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], codec
    return name, None


def detect_format(name: str) -> str | None:
    """The format a file name says, its compression suffix ignored; None when it says none."""
    bare = split_compression(name)[0].lower()
    if bare.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    if bare.endswith(".parquet"):
        return "parquet"
    if bare.endswith(".txt"):
        return "text"
    return None


def _selected(relative: str, cfg: InputConfig) -> bool:
    """input.include / input.exclude: a pattern without "/" matches the file name, one with
    "/" the path below the directory."""

    def matches(pattern: str) -> bool:
        target = relative if "/" in pattern else PurePosixPath(relative).name
        return fnmatch.fnmatchcase(target, pattern)

    if cfg.include and not any(matches(p) for p in cfg.include):
        return False
    return not any(matches(p) for p in cfg.exclude)


def _find_local(fs: Any, root: str, seen: set[str]) -> list[str]:
    """Files below the local directory ``root``, following symbolic links to directories (a
    corpus tree is often built of links), each directory once (a link back to one already
    searched is not followed again)."""
    found: list[str] = []
    for path in fs.find(root):
        if not os.path.isdir(path):
            found.append(path)
            continue
        real = os.path.realpath(path)  # a link to a directory: fs.find lists it as a file
        if real not in seen:
            seen.add(real)
            found += _find_local(fs, path, seen)
    return found


def _walk(fs: Any, root: str) -> list[tuple[str, bool]]:
    """(path, is_dataset_dir) under ``root``, sorted: files, and save_to_disk directories
    standing for everything below them."""
    local = _is_local(fs)
    files = sorted(_find_local(fs, root, {os.path.realpath(root)}) if local else fs.find(root))
    datasets_dirs = sorted({str(PurePosixPath(f).parent) for f in files
                            if PurePosixPath(f).name in _DATASET_MARKERS})
    # The outermost dataset directory wins: a DatasetDict's splits are directories too.
    outer = [d for d in datasets_dirs
             if not any(d != o and d.startswith(o + "/") for o in datasets_dirs)]
    entries = [(d, True) for d in outer]
    entries += [(f, False) for f in files
                if not any(f.startswith(d + "/") for d in outer)]
    return sorted(entries)


def _is_local(fs: Any) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocols


def _inside(path: str, directories: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + os.sep) for d in directories)


def expand_inputs(cfg: InputConfig, leave_out: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Input files and dataset directories (local paths or filesystem URLs) with their formats,
    in a stable order. A file found in a directory whose format its name does not tell gets
    format "unknown" (read as a reject); a named file of unknown format is a config error.
    Local directories in ``leave_out`` (the run's work dir) are not searched: a work dir kept
    beside the data would otherwise be read back as input, more of it on every rerun."""
    import fsspec

    left_out = [os.path.realpath(d) for d in leave_out if not is_url(d)]
    out: list[tuple[str, str]] = []
    for i, raw in enumerate(cfg.paths):
        fs, root = fsspec.core.url_to_fs(raw)
        if not fs.isdir(root):
            fmt = cfg.format if cfg.format != "auto" else detect_format(raw)
            if fmt is None or fmt == "disk":
                raise ConfigError(f"config key 'input.format': cannot tell the format of "
                                  f"input.paths[{i}] {raw} from its name; set input.format")
            out.append((raw, fmt))
            continue
        if any(fs.exists(f"{root}/{marker}") for marker in _DATASET_MARKERS):
            out.append((raw, "disk"))
            continue
        for child, is_dataset in _walk(fs, root):
            relative = str(PurePosixPath(child).relative_to(PurePosixPath(root)))
            if any(part.startswith(".") for part in PurePosixPath(relative).parts):
                continue
            if not _selected(relative, cfg) or (
                    left_out and not is_url(raw) and _inside(child, left_out)):
                continue
            name = fs.unstrip_protocol(child) if is_url(raw) else child
            if is_dataset:
                out.append((name, "disk"))
            elif cfg.format in ("auto", "disk"):
                out.append((name, detect_format(child) or "unknown"))
            else:
                out.append((name, cfg.format))
    return out


def _make_document(
    record: Any, cfg: InputConfig, source: str, position: str, location: Location | None = None
) -> Document | Reject:
    if not isinstance(record, dict):
        return Reject(source, position, "record is not a JSON object", _excerpt(record))
    if cfg.text_field not in record:
        return Reject(source, position, f"missing text field '{cfg.text_field}'", _excerpt(record))
    text = record[cfg.text_field]
    if not isinstance(text, str):
        reason = f"text field '{cfg.text_field}' is {type(text).__name__}, not a string"
        return Reject(source, position, reason, _excerpt(record))
    raw_id = record.get(cfg.id_field)
    for name, value in (("text", text), ("id", raw_id)):
        if isinstance(value, str) and (bad := _SURROGATE.search(value)):
            reason = (f"unencodable text: {name} field holds a lone surrogate "
                      f"U+{ord(bad.group()):04X}, which UTF-8 cannot encode")
            return Reject(source, position, reason, _excerpt(value))
    text = normalise_text(text)
    if not text.strip():
        return Reject(source, position, "empty or whitespace-only text", _excerpt(record))
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        doc_id = positional_id(text, source, position)
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        reason = f"id field '{cfg.id_field}' is {type(raw_id).__name__}, not a string or integer"
        return Reject(source, position, reason, _excerpt(record))
    return Document(doc_id=doc_id, text=text, source=source, position=position,
                    location=location)


@contextlib.contextmanager
def open_stream(path: str, compression: str | None) -> Iterator[IO[bytes]]:
    """A buffered binary stream of the file's (decompressed) bytes. zstd goes through pyarrow:
    fsspec's reader (the ``zstandard`` package) ends a truncated file silently and needs a
    package more; pyarrow's raises "Truncated compressed stream"."""
    import fsspec

    if compression == "zstd":
        import pyarrow as pa

        with fsspec.open(path, "rb") as raw, \
                pa.CompressedInputStream(raw, "zstd") as stream:
            yield io.BufferedReader(stream)
        return
    with fsspec.open(path, "rb", compression=compression) as fh:
        yield fh


def foreign_encoding(head: bytes) -> str | None:
    """Why a text or JSON Lines file that starts with ``head`` cannot be read as UTF-8, or
    None."""
    for mark, name in _FOREIGN_BOMS:
        if head.startswith(mark):
            return (f"not UTF-8: {name} text (byte order mark {mark.hex(' ').upper()}); "
                    f"convert it first, e.g. iconv -f {name.replace(' ', '')} -t UTF-8")
    # Without a mark: UTF-32 has NULs in the two high bytes of every four (any character
    # below U+10000), and the low byte set; a run of NULs (a crash's unwritten tail) has every
    # byte NUL and is read line by line as usual.
    quads = len(head) // 4
    if quads >= 16:
        nuls = [head[k:4 * quads:4].count(0) for k in range(4)]
        for name, high, low in (("UTF-32LE", (2, 3), 0), ("UTF-32BE", (0, 1), 3)):
            if all(nuls[k] * 10 >= quads * 9 for k in high) and nuls[low] * 10 <= quads:
                return (f"not UTF-8: three NULs in every four bytes ({name} without a byte "
                        f"order mark); convert it first, e.g. iconv -f {name} -t UTF-8")
    # Without a mark: NULs in every other byte, the high bytes of ASCII.
    pairs = len(head) // 2
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if pairs >= 16 and max(even, odd) * 2 >= pairs and min(even, odd) * 10 <= max(even, odd):
        name = "UTF-16LE" if odd > even else "UTF-16BE"
        return (f"not UTF-8: every other byte is NUL ({name} without a byte order mark); "
                f"convert it first, e.g. iconv -f {name} -t UTF-8")
    return None


def _check_encoding(path: str, compression: str | None) -> str | None:
    """``foreign_encoding`` of the file's first bytes. A file that cannot be read that far
    (a small truncated .gz) is left to its reader, which keeps the lines before the damage and
    says where reading stopped."""
    try:
        with open_stream(path, compression) as fh:
            return foreign_encoding(fh.read(_ENCODING_SAMPLE))
    except _unreadable_errors():
        return None


def _skip_to(fh: IO[bytes], offset: int) -> None:
    """Move a fresh stream to ``offset``: a seek where the stream has one, else read forward
    (a compressed stream is decompressed up to there)."""
    if offset == 0:
        return
    if fh.seekable():
        fh.seek(offset)
        return
    left = offset
    while left > 0:
        chunk = fh.read(min(left, 1 << 20))
        if not chunk:
            raise EOFError(f"the stream ends before byte {offset:,}")
        left -= len(chunk)


def _read_jsonl(path: str, compression: str | None, cfg: InputConfig, source: str,
                start: tuple[int, int] = (0, 1)) -> Iterator[Document | Reject]:
    """From ``start`` = (byte offset, its line number) on; (0, 1) reads the whole file."""
    offset, first_line = start
    with open_stream(path, compression) as fh:
        _skip_to(fh, offset)
        for line_no, raw_line in enumerate(fh, start=first_line):
            at = offset
            offset += len(raw_line)
            if at == 0:
                raw_line = raw_line.removeprefix(_BOM)
                if _json_array_start(raw_line):
                    yield Reject(source, "file", "a JSON array, not JSON Lines (one object a "
                                 "line): convert it first, e.g. jq -c '.[]' IN.json > "
                                 "OUT.jsonl", raw_line[:200].decode("utf-8", "replace"))
                    return
            if not raw_line.strip():
                continue
            record = _jsonl_record(raw_line, cfg, source, f"line {line_no}",
                                   Location(path, "jsonl", at, line_no))
            # The line's bytes are not kept while the document is processed (50 MB for a
            # 50 MB document, held until the next line is read).
            del raw_line
            yield record


def _json_array_start(first_line: bytes) -> bool:
    """Whether a JSON Lines file's first line opens a JSON array of records: "[" alone or
    starting a pretty-printed array, or a whole array of objects on one line."""
    if not first_line.lstrip().startswith(b"["):
        return False
    try:
        value = json.loads(first_line)
    except ValueError:  # an array that goes on over the next lines
        return True
    except RecursionError:  # "[[[[…": one record nested too deeply, rejected as such
        return False
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


def _jsonl_record(raw_line: bytes, cfg: InputConfig, source: str, position: str,
                  location: Location | None = None) -> Document | Reject:
    try:
        line = raw_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Reject(source, position, f"invalid UTF-8: {exc.reason}", repr(raw_line[:200]))
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Reject(source, position, f"invalid JSON: {exc.msg}", line[:200])
    except RecursionError:  # "[[[[…" deeper than the parser's stack: one bad line
        return Reject(source, position, "invalid JSON: nested too deeply", line[:200])
    del line
    return _make_document(record, cfg, source, position, location)


@contextlib.contextmanager
def _seekable(path: str, compression: str | None) -> Iterator[IO[bytes]]:
    """Parquet needs random access (its footer is at the end): a compressed Parquet file is
    decompressed, streaming, into a temporary file first."""
    import fsspec

    if compression is None:
        with fsspec.open(path, "rb") as fh:
            yield fh
        return
    with tempfile.TemporaryFile() as tmp, open_stream(path, compression) as fh:
        shutil.copyfileobj(fh, tmp, 1 << 20)
        tmp.seek(0)
        yield tmp


def _read_parquet(path: str, compression: str | None, cfg: InputConfig, source: str,
                  start_row: int = 0) -> Iterator[Document | Reject]:
    """Row batches of the text and id columns only: memory stays within a batch. From the row
    group that holds ``start_row`` on."""
    import pyarrow.parquet as pq

    with _seekable(path, compression) as fh, pq.ParquetFile(fh) as parquet:
        names = parquet.schema_arrow.names
        if cfg.text_field not in names:
            yield Reject(source, "file", f"missing text field '{cfg.text_field}' (columns: "
                         f"{', '.join(names)})", "")
            return
        columns = [c for c in (cfg.text_field, cfg.id_field) if c in names]
        row_no, group = 0, 0
        while group < parquet.num_row_groups and \
                row_no + parquet.metadata.row_group(group).num_rows <= start_row:
            row_no += parquet.metadata.row_group(group).num_rows
            group += 1
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns,
                                          row_groups=range(group, parquet.num_row_groups)):
            if row_no + batch.num_rows <= start_row:  # before the part: never converted
                row_no += batch.num_rows
                continue
            if row_no < start_row:
                batch = batch.slice(start_row - row_no)
                row_no = start_row
            for record in batch.to_pylist():
                yield _make_document(record, cfg, source, f"row {row_no}",
                                     Location(path, "parquet", row_no, row_no))
                row_no += 1


def _read_disk(path: str, cfg: InputConfig, source: str, start_row: int = 0
               ) -> Iterator[Document | Reject]:
    """A Dataset or DatasetDict saved with ``save_to_disk``; of a DatasetDict, ``input.split``."""
    import datasets

    datasets.disable_progress_bars()
    loaded = datasets.load_from_disk(str(path))
    if isinstance(loaded, datasets.DatasetDict):
        if cfg.split not in loaded:
            raise ConfigError(f"config key 'input.split': {path} has no split {cfg.split!r} "
                              f"(its splits: {', '.join(loaded) or 'none'})")
        loaded = loaded[cfg.split]
    if cfg.text_field not in loaded.column_names:
        yield Reject(source, "file", f"missing text field '{cfg.text_field}' (columns: "
                     f"{', '.join(loaded.column_names)})", "")
        return
    loaded = loaded.select_columns([c for c in (cfg.text_field, cfg.id_field)
                                    if c in loaded.column_names])
    if start_row:
        loaded = loaded.select(range(start_row, len(loaded)))
    for row_no, record in enumerate(loaded, start=start_row):
        yield _make_document(record, cfg, source, f"row {row_no}",
                             Location(path, "disk", row_no, row_no))


_LINE_END = re.compile(rb"\r\n?|\n")


def text_lines(fh: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The lines of a binary stream, each with its ending: "\\n", "\\r\\n" or a lone "\\r"
    (old Mac files). Iterating the stream itself splits on "\\n" only, which reads a CR-only
    file as one line: every paragraph would be "line 1", and a worker re-reading its part
    would read the rest of the file from there."""
    buffer = bytearray()
    searched = 0  # the buffer holds no line end before this
    while chunk := fh.read(chunk_size):
        buffer += chunk
        start = 0
        for match in _LINE_END.finditer(buffer, searched):
            if match.group() == b"\r" and match.end() == len(buffer):
                break  # a "\r" that ends the chunk may be the first half of "\r\n"
            yield bytes(buffer[start:match.end()])
            start = match.end()
        del buffer[:start]
        searched = max(len(buffer) - 1, 0) if buffer.endswith(b"\r") else len(buffer)
    if buffer:
        yield bytes(buffer)


def _read_text(path: str, compression: str | None, source: str,
               start: tuple[int, int] = (0, 1)) -> Iterator[Document | Reject]:
    """Plain text: one document per paragraph, paragraphs separated by whitespace-only lines.

    Read here rather than through ``datasets``: its paragraph mode splits only on empty lines (a
    corpus whose blank lines hold a space, like WikiText, would come back as one document), its
    loader takes seconds to start, and a line that is not UTF-8 must become a reject, not stop
    the run. Lines split as ``str.splitlines`` does, as ``datasets``' line mode does.

    ``start`` = (byte offset, its line number) where a paragraph starts (a paragraph's offset may
    fall inside a line that ``splitlines`` splits further); (0, 1) reads the whole file.
    """

    def lines() -> Iterator[tuple[int, int, str | Reject]]:
        """(line number, byte offset, the piece of the line or a reject)."""
        offset, first = start
        with open_stream(path, compression) as fh:
            _skip_to(fh, offset)
            for line_no, raw_line in enumerate(text_lines(fh), start=first):
                at = offset
                offset += len(raw_line)
                if at == 0 and raw_line.startswith(_BOM):
                    raw_line, at = raw_line[len(_BOM):], len(_BOM)
                try:
                    decoded = raw_line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield line_no, at, Reject(source, f"line {line_no}",
                                              f"invalid UTF-8: {exc.reason}",
                                              repr(raw_line[:200]))
                    continue
                pieces = decoded.splitlines() or [""]
                if len(pieces) == 1:
                    yield line_no, at, pieces[0]
                    continue
                # Several pieces in one line: each starts where the one before it ended.
                for piece, with_end in zip(pieces, decoded.splitlines(keepends=True), strict=True):
                    yield line_no, at, piece
                    at += len(with_end.encode("utf-8"))

    buffer: list[str] = []
    first_line, first_offset = 0, 0

    def paragraph() -> Document | Reject:
        return _make_document({"text": "\n".join(buffer)}, _TEXT_FIELDS, source,
                              f"line {first_line}",
                              Location(path, "text", first_offset, first_line))

    for line_no, at, text in lines():
        if isinstance(text, Reject):
            yield text
            continue
        if text.strip():
            if not buffer:
                first_line, first_offset = line_no, at
            buffer.append(text)
            continue
        if buffer:
            yield paragraph()
            buffer = []
    if buffer:
        yield paragraph()


def _unreadable_errors() -> tuple[type[BaseException], ...]:
    """What reading a corrupt, truncated or mislabelled file raises (never a ConfigError)."""
    import lzma
    import zlib

    import pyarrow as pa

    return (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error, pa.ArrowException)


def _read_file(path: str, fmt: str, cfg: InputConfig, source: str,
               start: tuple[int, int] = (0, 1)) -> Generator[Document | Reject, None, None]:
    """One input's records, from ``start`` (a Location's offset and line) on. A file that
    cannot be read (corrupt, truncated, not the format its name says) ends in one reject naming
    where reading stopped; a file with no records is a reject too, so nothing is lost without a
    trace."""
    compression = None if fmt == "disk" else split_compression(path)[1]
    if fmt == "unknown":
        yield Reject(source, "file", "unknown format: the file name has no .jsonl, .json, "
                     ".ndjson, .parquet or .txt suffix (set input.format or input.exclude)", "")
        return
    readers = {
        "jsonl": lambda: _read_jsonl(path, compression, cfg, source, start),
        "text": lambda: _read_text(path, compression, source, start),
        "parquet": lambda: _read_parquet(path, compression, cfg, source, start[0]),
        "disk": lambda: _read_disk(path, cfg, source, start[0]),
    }
    last = ""
    try:
        if fmt in ("jsonl", "text") and start[0] == 0 \
                and (reason := _check_encoding(path, compression)):
            yield Reject(source, "file", reason, "")
            return
        for record in readers[fmt]():
            last = record.position
            yield record
    except ConfigError:
        raise
    except _unreadable_errors() as exc:
        where = f"after {last}" if last else "file"
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        yield Reject(source, where, f"unreadable file: {type(exc).__name__}"
                     + (f": {detail}" if detail else ""), "")
        return
    if not last:
        yield Reject(source, "file", "no records in file", "")


class Screen:
    """Decided in the driver, in input order, so every worker count agrees: skips of exact
    duplicates (the same text once whitespace runs are collapsed) and other languages, and
    rejects of documents whose id an earlier document has (ids name documents in the graph,
    RDF and shards; two documents under one id mixed their annotations)."""

    def __init__(self, cfg: InputConfig):
        self.deduplicate = cfg.deduplicate
        self.languages = frozenset(cfg.languages)
        self.min_confidence = cfg.language_min_confidence
        # Then a text mostly in another script is skipped however unsure the identifier is.
        self.latin_only = all_latin(self.languages)
        self.seen: dict[bytes, str] = {}  # 16-byte text hash -> first document's id
        self.ids: set[bytes] = set()  # 16-byte hashes of the ids of documents let through
        self._identifier: Any = None

    def check(self, doc: Document) -> Document | Skip | Reject:
        """``doc`` itself, or why it is skipped or rejected."""
        key = text_key(doc.text) if self.deduplicate else b""
        if self.deduplicate and key in self.seen:
            return Skip(doc.doc_id, doc.source, doc.position, f"duplicate-of:{self.seen[key]}")
        id_key = hashlib.blake2b(doc.doc_id.encode("utf-8"), digest_size=16).digest()
        if id_key in self.ids:
            return Reject(doc.source, doc.position, f"duplicate id '{doc.doc_id}': an earlier "
                          "document has it (set input.id_field to a unique field)",
                          _excerpt(doc.text))
        if self.deduplicate:
            self.seen[key] = doc.doc_id
        if self.languages:
            sample = doc.text[:LANGUAGE_SAMPLE_CHARS]
            language, confidence = self._classify(sample)
            if language not in self.languages and (
                    confidence >= self.min_confidence
                    or (self.latin_only and mostly_other_script(sample))):
                return Skip(doc.doc_id, doc.source, doc.position, f"language:{language}")
        self.ids.add(id_key)
        return doc

    def _classify(self, sample: str) -> tuple[str, float]:
        if self._identifier is None:
            self._identifier = load_language_identifier(self.languages)
        language, confidence = self._identifier.classify(sample)
        return str(language), float(confidence)


def load_language_identifier(languages: Iterable[str]) -> Any:
    """py3langid's model, which ships inside the package (nothing is downloaded), with
    probabilities normalised so ``input.language_min_confidence`` is a probability."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    unknown = sorted(set(languages) - set(identifier.labels))
    if unknown:
        known = ", ".join(sorted(identifier.labels))
        raise ConfigError(f"config key 'input.languages': {unknown[0]!r} is not a language "
                          f"py3langid identifies (it knows: {known})")
    return identifier


def text_key(text: str, window: int = 1 << 20) -> bytes:
    """sha256 of the text with whitespace runs collapsed and the ends stripped, i.e. of
    ``" ".join(text.split())``, computed a window at a time so memory stays flat in the
    document's size."""
    digest = hashlib.sha256()
    pos, wrote = 0, False
    while pos < len(text):
        end = min(pos + window, len(text))
        if end < len(text):  # move the cut to a whitespace character: no word straddles it
            found = _WHITESPACE.search(text, end)
            end = found.start() if found else len(text)
        words = text[pos:end].split()
        if words:
            digest.update(b" " if wrote else b"")
            digest.update(" ".join(words).encode("utf-8"))
            wrote = True
        pos = end
    return digest.digest()[:16]


def iter_records(cfg: InputConfig, base_dir: str, leave_out: Sequence[str] = ()
                 ) -> Iterator[Record]:
    """Every input record in input order: a Document, a Reject, or a Skip; nothing from the
    directories ``leave_out`` (see ``expand_inputs``)."""
    screen = Screen(cfg)
    for path, fmt in expand_inputs(cfg, leave_out):
        source = path if is_url(path) else os.path.relpath(path, base_dir)
        for record in _read_file(path, fmt, cfg, source):
            yield screen.check(record) if isinstance(record, Document) else record


def _fingerprint(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        for value in (doc.doc_id, doc.source, doc.text):
            _hash_text(digest, value, length_prefixed=True)
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
    records = _read_file(first.path, first.fmt, cfg, source, (first.offset, first.line))
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
