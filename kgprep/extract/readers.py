"""Reading each input format into Documents and Rejects, encoding checks included.

Every input is read as a stream: JSONL and plain text line by line (so one malformed line becomes
a reject with its line number instead of failing the whole file), Parquet in row batches through
pyarrow, and datasets saved with ``save_to_disk`` through HF ``datasets``. Compressed files
(``.gz``, ``.zst``, ``.bz2``, ``.xz``) are decompressed on the fly by fsspec or pyarrow. A file
that cannot be read at all is one reject.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from typing import IO, Any

from kgprep.core.config import ConfigError, InputConfig, line_codec
from kgprep.extract.inputs import split_compression
from kgprep.extract.records import (
    LONE_SURROGATE,
    Document,
    Location,
    Reject,
    normalise_text,
    positional_id,
    short_excerpt,
)

# Windows tools start UTF-8 files with a byte order mark; JSON (RFC 8259) lets readers ignore it.
_BOM = b"\xef\xbb\xbf"
# Byte order marks of the encodings a text or JSON Lines file must not be read in as UTF-8
# (read byte-wise, UTF-16's "\n\0" splits lines mid-character and every NUL lands in the
# text). UTF-32 first: its LE mark starts with UTF-16 LE's.
_FOREIGN_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "UTF-32 BE"),
                 (b"\xff\xfe", "UTF-16 LE"), (b"\xfe\xff", "UTF-16 BE"))
# Bytes read to tell UTF-16 without a byte order mark from UTF-8.
_ENCODING_SAMPLE = 4096

PARQUET_BATCH_ROWS = 64


def byte_order_mark(codec: str) -> bytes:
    """U+FEFF as ``codec`` writes it where a file starts (UTF-8's EF BB BF, GB18030's
    84 31 95 33); empty where the codec has none."""
    try:
        return "\ufeff".encode(codec)
    except UnicodeEncodeError:
        return b""


def undecodable(exc: UnicodeDecodeError, codec: str) -> str:
    """The reason a line or a binary text value ``codec`` cannot decode is rejected with."""
    if codec == "utf-8":
        return (f"invalid UTF-8: {exc.reason} (for text in another encoding set "
                "input.encoding, e.g. \"cp1252\")")
    return f"invalid {codec}: {exc.reason}"


_TEXT_FIELDS = InputConfig(paths=[], text_field="text", id_field="id")


def _make_document(
    record: Any, cfg: InputConfig, source: str, position: str, location: Location | None = None
) -> Document | Reject:
    if not isinstance(record, dict):
        return Reject(source, position, "record is not a JSON object", short_excerpt(record))
    if cfg.text_field not in record:
        return Reject(source, position, f"missing text field '{cfg.text_field}'",
                      short_excerpt(record))
    text = record[cfg.text_field]
    if isinstance(text, bytes):  # a binary column (Parquet, save_to_disk) of encoded text
        codec = line_codec(cfg.encoding)
        try:
            text = text.decode(codec)
        except UnicodeDecodeError as exc:
            return Reject(source, position, undecodable(exc, codec), short_excerpt(record))
    if not isinstance(text, str):
        reason = f"text field '{cfg.text_field}' is {type(text).__name__}, not a string"
        return Reject(source, position, reason, short_excerpt(record))
    raw_id = record.get(cfg.id_field)
    for name, value in (("text", text), ("id", raw_id)):
        if isinstance(value, str) and (bad := LONE_SURROGATE.search(value)):
            reason = (f"unencodable text: {name} field holds a lone surrogate "
                      f"U+{ord(bad.group()):04X}, which UTF-8 cannot encode")
            return Reject(source, position, reason, short_excerpt(value))
    text = normalise_text(text)
    if not text.strip():
        return Reject(source, position, "empty or whitespace-only text", short_excerpt(record))
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        doc_id = positional_id(text, source, position)
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        reason = f"id field '{cfg.id_field}' is {type(raw_id).__name__}, not a string or integer"
        return Reject(source, position, reason, short_excerpt(record))
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


def foreign_encoding(head: bytes, codec: str = "utf-8") -> str | None:
    """Why a text or JSON Lines file that starts with ``head`` cannot be read in ``codec``
    (``input.encoding``), or None."""
    wanted = "UTF-8" if codec == "utf-8" else codec
    marks = _FOREIGN_BOMS if codec == "utf-8" else ((_BOM, "UTF-8"), *_FOREIGN_BOMS)
    for mark, name in marks:
        if head.startswith(mark):
            return (f"not {wanted}: {name} text (byte order mark {mark.hex(' ').upper()}); "
                    f"convert it first, e.g. iconv -f {name.replace(' ', '')} -t {wanted}")
    # Without a mark: UTF-32 has NULs in the two high bytes of every four (any character
    # below U+10000), and the low byte set; a run of NULs (a crash's unwritten tail) has every
    # byte NUL and is read line by line as usual.
    quads = len(head) // 4
    if quads >= 16:
        nuls = [head[k:4 * quads:4].count(0) for k in range(4)]
        for name, high, low in (("UTF-32LE", (2, 3), 0), ("UTF-32BE", (0, 1), 3)):
            if all(nuls[k] * 10 >= quads * 9 for k in high) and nuls[low] * 10 <= quads:
                return (f"not {wanted}: three NULs in every four bytes ({name} without a "
                        f"byte order mark); convert it first, e.g. iconv -f {name} -t {wanted}")
    # Without a mark: NULs in every other byte, the high bytes of ASCII.
    pairs = len(head) // 2
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if pairs >= 16 and max(even, odd) * 2 >= pairs and min(even, odd) * 10 <= max(even, odd):
        name = "UTF-16LE" if odd > even else "UTF-16BE"
        return (f"not {wanted}: every other byte is NUL ({name} without a byte order mark); "
                f"convert it first, e.g. iconv -f {name} -t {wanted}")
    return None


def _check_encoding(path: str, compression: str | None, codec: str) -> str | None:
    """``foreign_encoding`` of the file's first bytes. A file that cannot be read that far
    (a small truncated .gz) is left to its reader, which keeps the lines before the damage and
    says where reading stopped."""
    try:
        with open_stream(path, compression) as fh:
            return foreign_encoding(fh.read(_ENCODING_SAMPLE), codec)
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
    codec = line_codec(cfg.encoding)
    with open_stream(path, compression) as fh:
        _skip_to(fh, offset)
        for line_no, raw_line in enumerate(fh, start=first_line):
            at = offset
            offset += len(raw_line)
            if at == 0:
                raw_line = raw_line.removeprefix(byte_order_mark(codec))
                if _json_array_start(raw_line):
                    yield Reject(source, "file", "a JSON array, not JSON Lines (one object a "
                                 "line): convert it first, e.g. jq -c '.[]' IN.json > "
                                 "OUT.jsonl", raw_line[:200].decode(codec, "replace"))
                    return
            if not raw_line.strip():
                continue
            record = _jsonl_record(raw_line, cfg, codec, source, f"line {line_no}",
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


def _jsonl_record(raw_line: bytes, cfg: InputConfig, codec: str, source: str, position: str,
                  location: Location | None = None) -> Document | Reject:
    try:
        line = raw_line.decode(codec)
    except UnicodeDecodeError as exc:
        return Reject(source, position, undecodable(exc, codec), repr(raw_line[:200]))
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


def _read_text(path: str, compression: str | None, source: str, encoding: str,
               start: tuple[int, int] = (0, 1)) -> Iterator[Document | Reject]:
    """Plain text: one document per paragraph, paragraphs separated by whitespace-only lines.

    Read here rather than through ``datasets``: its paragraph mode splits only on empty lines (a
    corpus whose blank lines hold a space, like WikiText, would come back as one document), its
    loader takes seconds to start, and a line that is not UTF-8 must become a reject, not stop
    the run. Lines split as ``str.splitlines`` does, as ``datasets``' line mode does.

    ``start`` = (byte offset, its line number) where a paragraph starts (a paragraph's offset may
    fall inside a line that ``splitlines`` splits further); (0, 1) reads the whole file.
    ``encoding`` is ``input.encoding``, an ASCII-compatible codec (the config checks it).
    """
    codec = line_codec(encoding)

    def lines() -> Iterator[tuple[int, int, str | Reject]]:
        """(line number, byte offset, the piece of the line or a reject)."""
        offset, first = start
        with open_stream(path, compression) as fh:
            _skip_to(fh, offset)
            for line_no, raw_line in enumerate(text_lines(fh), start=first):
                at = offset
                offset += len(raw_line)
                try:
                    decoded = raw_line.decode(codec)
                except UnicodeDecodeError as exc:
                    yield line_no, at, Reject(source, f"line {line_no}", undecodable(exc, codec),
                                              repr(raw_line[:200]))
                    continue
                if at == 0 and decoded.startswith("\ufeff"):  # the byte order mark, any codec
                    decoded, at = decoded[1:], len("\ufeff".encode(codec))
                pieces = decoded.splitlines() or [""]
                if len(pieces) == 1:
                    yield line_no, at, pieces[0]
                    continue
                # Several pieces in one line: each starts where the one before it ended.
                for piece, with_end in zip(pieces, decoded.splitlines(keepends=True), strict=True):
                    yield line_no, at, piece
                    at += len(with_end.encode(codec))

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


def read_file(path: str, fmt: str, cfg: InputConfig, source: str,
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
        "text": lambda: _read_text(path, compression, source, cfg.encoding, start),
        "parquet": lambda: _read_parquet(path, compression, cfg, source, start[0]),
        "disk": lambda: _read_disk(path, cfg, source, start[0]),
    }
    last = ""
    try:
        if fmt in ("jsonl", "text") and start[0] == 0 \
                and (reason := _check_encoding(path, compression, line_codec(cfg.encoding))):
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
