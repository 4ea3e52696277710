"""The query store: every quad of ``rdf/`` in one on-disk Oxigraph store, built once per graph.

``<work_dir>/.store/`` holds the store (``db/``) and ``built.json``, written last, which records
the graph version the store was built from: the graph manifest's checksum and each
``rdf/part-*.nq`` file's name, size and modification time. A query whose graph version matches
opens the store read-only (many queries may share it); any other builds it again first, under
the work-directory lock. The marker is removed before a build starts, so a build that dies half
way leaves no marker and the next query builds again.

The directory's name starts with a dot, as ``.lock`` does: it is a cache of this machine, made
from ``rdf/``, and a URL work dir's sync leaves dot-paths alone (``kgprep.storage.remote``).
"""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from kgprep.core.io import read_json_or_none, sha256_file, work_dir_lock, write_json

STORE_DIR = ".store"
MARKER = "built.json"
# Bump when what the store holds or how it is laid out changes: older stores are then rebuilt.
LAYOUT = 1


@dataclass(frozen=True)
class OpenedStore:
    store: Store
    path: Path
    quads: int
    built_seconds: float | None  # None: an existing store was opened


def rdf_files(work: Path) -> list[Path]:
    return sorted((work / "rdf").glob("part-*.nq"))


def graph_version(work: Path) -> dict[str, Any]:
    """What the store is keyed by. Sizes and modification times, not checksums, of the N-Quads
    files: reading every byte of a large graph on each query would cost more than the query."""
    manifest = work / "graph" / "manifest.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} is missing: run the graph stage first")
    files = []
    for path in rdf_files(work):
        stat = path.stat()
        files.append([path.name, stat.st_size, stat.st_mtime_ns])
    return {"layout": LAYOUT, "pyoxigraph": pyoxigraph.__version__,
            "graph_manifest_sha256": sha256_file(manifest), "rdf": files}


def built_version(work: Path) -> dict[str, Any] | None:
    """The marker of the store as built, or None when there is none (or it does not parse)."""
    marker = work / STORE_DIR / MARKER
    recorded = read_json_or_none(marker)
    return recorded if isinstance(recorded, dict) else None


def _is_current(work: Path, version: dict[str, Any]) -> int | None:
    """The store's quad count when it was built from ``version``, else None."""
    recorded = built_version(work)
    if recorded is None or not (work / STORE_DIR / "db").is_dir():
        return None
    if any(recorded.get(key) != value for key, value in version.items()):
        return None
    quads = recorded.get("quads")
    return quads if isinstance(quads, int) else None


class _Concatenated(io.RawIOBase):
    """The files one after another as one binary stream, a line end between them, read in
    blocks: one bulk load for all of them (one per file cost ~0.15 s each in index files)."""

    def __init__(self, paths: list[Path], block: int = 1 << 20):
        self._blocks = self._read(paths, block)
        self._pending = memoryview(b"")  # a view: handing out a block copies no rest of it

    @staticmethod
    def _read(paths: list[Path], block: int) -> Iterator[bytes]:
        for path in paths:
            with open(path, "rb") as fh:
                while data := fh.read(block):
                    yield data
            yield b"\n"  # a blank line is valid N-Quads; a last line without its end is not

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            self._pending = memoryview(next(self._blocks, b""))
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def build_store(work: Path, version: dict[str, Any]) -> OpenedStore:
    """Load every ``rdf/part-*.nq`` into a new store (one bulk load), then write the marker."""
    start = time.perf_counter()
    directory = work / STORE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).unlink(missing_ok=True)  # first: a build that dies leaves no marker
    shutil.rmtree(directory / "db", ignore_errors=True)
    store = Store(str(directory / "db"))
    with io.BufferedReader(_Concatenated(rdf_files(work))) as stream:
        store.bulk_load(stream, format=RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    quads = len(store)
    write_json(directory / MARKER, {**version, "quads": quads})
    return OpenedStore(store, directory, quads, time.perf_counter() - start)


def open_store(work: Path) -> OpenedStore:
    """The store for the graph as it is now: opened read-only when it was built from this graph
    version, else built (under the work-directory lock, so never beside a running stage)."""
    directory = work / STORE_DIR
    quads = _is_current(work, graph_version(work))
    if quads is not None:
        try:
            return OpenedStore(Store.read_only(str(directory / "db")), directory, quads, None)
        except OSError:  # files of db/ removed or damaged by hand: build it again
            (directory / MARKER).unlink(missing_ok=True)
    with work_dir_lock(work):
        version = graph_version(work)  # again, now that no stage can be writing it
        quads = _is_current(work, version)
        if quads is None:
            return build_store(work, version)
    return OpenedStore(Store.read_only(str(directory / "db")), directory, quads, None)
