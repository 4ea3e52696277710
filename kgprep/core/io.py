"""Filesystem edges: atomic writes, done-markers, checksums and the work-directory lock."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import pyarrow as pa

TMP_SUFFIX = ".tmp"
# kgprep writes every file atomically, so one that does not parse was damaged afterwards; its
# stage's checksums then no longer match and a rerun rewrites it.
REWRITE_HINT = ": cut short or overwritten since it was written; rerun the stage that wrote it"


class LockedError(RuntimeError):
    """Another kgprep run holds the work directory."""


class DamagedFileError(ValueError):
    """A file kgprep wrote earlier that does not parse: cut short or overwritten. Its message
    names the file. A ValueError, so the checks that read a broken done-marker as "not done"
    still do."""

    def __init__(self, path: Path, problem: str, hint: str = REWRITE_HINT) -> None:
        super().__init__(f"{path} {problem}{hint}")
        self.path = path
        self.problem = problem


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success it replaces ``path`` in one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: Path) -> Iterator[BinaryIO]:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        yield fh


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_open(path) as fh:
        fh.write(data)


def write_json(path: Path, obj: Any) -> None:
    write_bytes(path, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise DamagedFileError(path, f"is not valid JSON ({' '.join(str(exc).split())})"
                               ) from exc


def read_json_or_none(path: Path) -> Any:
    """``read_json``, or None for a file that is missing, unreadable or does not parse: a
    marker or manifest that is absent or damaged vouches for nothing."""
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def write_parquet(path: Path, table: pa.Table, metadata: dict[str, str] | None = None) -> None:
    """Write a Parquet file atomically, with no wall-clock or writer-specific bytes in it."""
    if metadata:
        merged = dict(table.schema.metadata or {})
        merged.update({k.encode(): v.encode() for k, v in metadata.items()})
        table = table.replace_schema_metadata(merged)
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=True)


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read one Parquet file. Unlike ``pq.read_table`` this skips the dataset layer, whose
    first use imports pyarrow.dataset (about 0.3 s of every reduce stage's start)."""
    import pyarrow.parquet as pq

    with _damage_named(path, "Parquet file"), pq.ParquetFile(path) as parquet:
        return parquet.read(columns=columns)


def read_arrow_stream(path: Path) -> pa.Table:
    """Memory-map one Arrow IPC stream file (a shard) and read it whole, zero-copy."""
    import pyarrow as pa

    with _damage_named(path, "Arrow stream"), pa.memory_map(str(path)) as source:
        return pa.ipc.open_stream(source).read_all()


@contextlib.contextmanager
def _damage_named(path: Path, kind: str) -> Iterator[None]:
    """pyarrow's errors on a file cut short or overwritten (ArrowInvalid, or an OSError for a
    cut-short stream) as a DamagedFileError naming ``path``; a missing or unreadable file
    keeps its own error."""
    import pyarrow as pa

    try:
        yield
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except (pa.ArrowInvalid, OSError) as exc:
        raise DamagedFileError(path, f"is not a readable {kind} ({exc})") from exc


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def remove_stale_temporaries(directory: Path) -> int:
    """Delete temporaries left by a killed run; returns how many were removed."""
    if not directory.is_dir():
        return 0
    removed = 0
    for tmp in directory.glob(f".*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


@contextlib.contextmanager
def work_dir_lock(work_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the work directory for the life of a run.

    flock is released by the kernel when a process dies, so a stale lock from a killed run never
    blocks the next one.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    lock_path = work_dir / ".lock"
    fh = open(lock_path, "a+")  # noqa: SIM115 - held open for the whole run
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise LockedError(
                f"work directory {work_dir} is in use by another kgprep run (pid {holder}); "
                "wait for it to finish or point this run at another work_dir"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()
