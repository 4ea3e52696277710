"""Finding and naming input files: the files and dataset directories that ``input.paths``
stand for, in a stable order, and the format and compression each one's name says."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from kgprep.core.config import ConfigError, InputConfig
from kgprep.storage.remote import is_url

# Compression suffixes and the codec that reads them.
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}
# Files whose presence makes a directory a dataset saved with ``save_to_disk``.
_DATASET_MARKERS = ("dataset_dict.json", "dataset_info.json", "state.json")


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
