"""Work directories on shared storage (s3://, gs://, hdfs://, file://...): a synced local mirror.

Stage code reads and writes a local POSIX directory (atomic renames, done-markers, memory-mapped
Arrow), so it stays the same whatever the storage. When ``work_dir`` is a URL, that directory is a
mirror of the URL, kept in step by a three-way sync: each mirrored file has a small state record of
the remote version it was last synced with and of the local file's size and mtime at that moment.

- ``pull`` downloads a file only when the remote copy changed since the last sync (or was never
  synced), and deletes a local file only when the remote copy was deleted since. Local work that
  is not pushed yet is left alone.
- ``push`` uploads files that changed locally, data first, done-markers next and manifests last
  (a manifest is a commit point, so it must never land before the files it lists), then deletes
  remote files this mirror synced before and has since deleted.
- Workers push each part as soon as it is written, so a crash loses at most the parts in flight,
  and a Ray worker on another machine (with its own mirror) hands its part over through the URL.

Paths with a component that starts with '.' (temporaries, the lock, scratch dirs) are never synced.
A run holds ``WorkDirLease``, a lease object at ``<url>/.lock`` renewed while the run lives.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgprep.core.io import LockedError, atomic_path, sha256_file, write_json

# Remote metadata fields that change whenever an object is rewritten, in order of preference.
VERSION_FIELDS = ("ETag", "etag", "md5Hash", "generation", "mtime", "LastModified",
                  "last_modified", "updated", "created")
LEASE_NAME = ".lock"


def is_url(path: str) -> bool:
    """A pyarrow/fsspec filesystem URL (s3://, gs://, hdfs://, memory://, file://, ...)."""
    return "://" in path


def default_mirror_dir(url: str) -> str:
    """Where a URL work dir is mirrored when ``run.mirror_dir`` is not set."""
    root = os.environ.get("KGPREP_MIRROR_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kgprep", "mirror")
    digest = hashlib.sha256(url.rstrip("/").encode("utf-8")).hexdigest()[:16]
    name = url.rstrip("/").rsplit("/", 1)[-1] or "work"
    return os.path.join(root, f"{name}-{digest}")


def remote_version(info: dict[str, Any]) -> str:
    """A string that changes whenever the remote object is rewritten."""
    for name in VERSION_FIELDS:
        if info.get(name) is not None:
            return f"{info.get('size')}:{name}={info[name]}"
    return f"{info.get('size')}"


def _synced(rel: str) -> bool:
    return not any(part.startswith(".") for part in rel.split("/"))


def _push_order(rel: str) -> tuple[int, str]:
    name = rel.rsplit("/", 1)[-1]
    if name == "manifest.json":
        return (2, rel)
    if name.endswith(".done.json"):
        return (1, rel)
    return (0, rel)


@dataclass
class SyncStats:
    downloaded: int = 0
    uploaded: int = 0
    deleted_local: int = 0
    deleted_remote: int = 0
    bytes_moved: int = 0


@dataclass(frozen=True)
class Mirror:
    """A local directory kept in step with a filesystem URL. Picklable: workers get a copy."""

    url: str
    local: str  # the mirror; stage code works here
    state: str  # one JSON record per synced file

    @classmethod
    def for_url(cls, url: str, mirror_dir: str = "") -> Mirror:
        root = mirror_dir or default_mirror_dir(url)
        return cls(url.rstrip("/"), os.path.join(root, "work"), os.path.join(root, "sync-state"))

    def filesystem(self) -> tuple[Any, str]:
        import fsspec

        fs, root = fsspec.core.url_to_fs(self.url)
        return fs, root.rstrip("/")

    # -- state records ------------------------------------------------------------------------
    def _state_path(self, rel: str) -> Path:
        return Path(self.state) / f"{rel}.json"

    def _read_state(self, rel: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._state_path(rel).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_state(self, rel: str, version: str) -> None:
        path = Path(self.local) / rel
        stat = path.stat()
        write_json(self._state_path(rel), {"remote": version, "size": stat.st_size,
                                           "mtime_ns": stat.st_mtime_ns,
                                           "sha256": sha256_file(path)})

    def _drop_state(self, rel: str) -> None:
        self._state_path(rel).unlink(missing_ok=True)

    def _local_unchanged(self, rel: str, state: dict[str, Any]) -> bool:
        try:
            stat = (Path(self.local) / rel).stat()
        except OSError:
            return False
        return stat.st_size == state.get("size") and stat.st_mtime_ns == state.get("mtime_ns")

    # -- listings -----------------------------------------------------------------------------
    def _remote_files(self, fs: Any, root: str, only: tuple[str, ...] = ()
                      ) -> dict[str, dict[str, Any]]:
        """Remote files by path relative to ``root``; with ``only``, just those prefixes (a
        worker fetching one part lists that part, not the whole bucket)."""
        if not only:
            return _listing(fs, root, root)
        files: dict[str, dict[str, Any]] = {}
        for prefix in only:
            path = f"{root}/{prefix.rstrip('/')}"
            if not prefix.endswith("/"):
                _forget_listing(fs, path)
                try:
                    info = fs.info(path)
                except FileNotFoundError:
                    continue
                if info.get("type", "file") == "file":
                    files[prefix] = info
                    continue
            files.update(_listing(fs, path, root))
        return files

    def _local_files(self) -> list[str]:
        local = Path(self.local)
        if not local.is_dir():
            return []
        rels = (p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
        return sorted(rel for rel in rels if _synced(rel))

    def _tracked(self) -> list[str]:
        state = Path(self.state)
        if not state.is_dir():
            return []
        return sorted(p.relative_to(state).as_posix()[: -len(".json")]
                      for p in state.rglob("*.json") if _synced(p.relative_to(state).as_posix()))

    # -- transfers ----------------------------------------------------------------------------
    def _download(self, fs: Any, root: str, rel: str, info: dict[str, Any]) -> None:
        target = Path(self.local) / rel
        with atomic_path(target) as tmp:
            fs.get_file(f"{root}/{rel}", str(tmp))
        self._write_state(rel, remote_version(info))

    def _upload(self, fs: Any, root: str, rel: str) -> int:
        source = Path(self.local) / rel
        remote = f"{root}/{rel}"
        parent = remote.rsplit("/", 1)[0]
        fs.makedirs(parent, exist_ok=True)
        if "file" in _protocols(fs):
            # On a POSIX target, upload under a temporary name and rename, as everywhere else.
            tmp = f"{parent}/.{rel.rsplit('/', 1)[-1]}.{uuid.uuid4().hex}.tmp"
            fs.put_file(str(source), tmp)
            fs.mv(tmp, remote)
        else:  # an object store's put is atomic: readers see the old object or the new one
            fs.put_file(str(source), remote)
        _forget_listing(fs, remote)
        self._write_state(rel, remote_version(fs.info(remote)))
        return source.stat().st_size

    def pull(self, only: tuple[str, ...] = ()) -> SyncStats:
        """Bring remote changes into the mirror (see the module docstring for the rules).

        ``only``: path prefixes (``"shards/"``) to pull; empty pulls everything.
        """
        fs, root = self.filesystem()
        stats = SyncStats()
        remote = self._remote_files(fs, root, only)
        for rel, info in sorted(remote.items()):
            state = self._read_state(rel)
            if state is not None and state.get("remote") == remote_version(info):
                continue  # in step, or changed / deleted locally and not pushed yet
            self._download(fs, root, rel, info)
            stats.downloaded += 1
            stats.bytes_moved += int(info.get("size") or 0)
        folders = tuple(prefix.rstrip("/") + "/" for prefix in only)
        for rel in self._tracked():
            # Deleted remotely; with ``only``, just under those paths ("shards" is not
            # "shards_v1/").
            if rel not in remote and (not only or rel in only or rel.startswith(folders)):
                (Path(self.local) / rel).unlink(missing_ok=True)
                self._drop_state(rel)
                stats.deleted_local += 1
        return stats

    def push_files(self, paths: Iterable[Path]) -> int:
        """Upload these mirror files now, in commit order; returns bytes uploaded."""
        fs, root = self.filesystem()
        local = Path(self.local)
        rels = sorted((Path(p).resolve().relative_to(local.resolve()).as_posix() for p in paths),
                      key=_push_order)
        return sum(self._upload(fs, root, rel) for rel in rels)

    def retract(self, paths: Iterable[Path]) -> None:
        """Delete these mirror files here and on the URL now, not at the next push: a commit
        point withdrawn before the files it lists are replaced."""
        fs, root = self.filesystem()
        local = Path(self.local).resolve()
        for path in paths:
            rel = Path(path).resolve().relative_to(local).as_posix()
            with contextlib.suppress(FileNotFoundError):
                fs.rm_file(f"{root}/{rel}")
            _forget_listing(fs, f"{root}/{rel}")
            (local / rel).unlink(missing_ok=True)
            self._drop_state(rel)

    def push(self) -> SyncStats:
        """Upload local changes (manifests last), then delete what the mirror deleted."""
        fs, root = self.filesystem()
        stats = SyncStats()
        present = set(self._local_files())
        changed = []
        for rel in present:
            state = self._read_state(rel)
            if state is not None and self._local_unchanged(rel, state):
                continue
            if state is not None and state.get("sha256") == sha256_file(Path(self.local) / rel):
                # Rewritten with the same bytes (a manifest restated): nothing to upload.
                self._write_state(rel, state["remote"])
                continue
            changed.append(rel)
        for rel in sorted(changed, key=_push_order):
            stats.bytes_moved += self._upload(fs, root, rel)
            stats.uploaded += 1
        # Deletions go last: the manifests that stopped listing these files are already up.
        for rel in self._tracked():
            if rel not in present:
                with contextlib.suppress(FileNotFoundError):
                    fs.rm_file(f"{root}/{rel}")
                self._drop_state(rel)
                stats.deleted_remote += 1
        return stats


def _forget_listing(fs: Any, path: str) -> None:
    """Drop fsspec's cached listing of ``path``: another process may have written there."""
    with contextlib.suppress(AttributeError):
        fs.invalidate_cache(path)


def _listing(fs: Any, directory: str, root: str) -> dict[str, dict[str, Any]]:
    """Synced files under ``directory``, keyed by their path relative to ``root``."""
    if not fs.exists(directory):
        return {}
    _forget_listing(fs, directory)
    prefix = root + "/"
    files = {}
    for name, info in fs.find(directory, detail=True).items():
        name = name.rstrip("/")
        if info.get("type", "file") != "file" or not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        if _synced(rel):
            files[rel] = info
    return files


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


class WorkDirLease:
    """An exclusive, expiring lease on a URL work dir, held for the life of a run.

    Object stores have no flock, so the lease is an object naming its holder and an expiry,
    renewed by a background thread. A run killed without cleanup blocks runs on other machines
    until the lease expires (``ttl_s``); on its own host, a dead holder's lease is taken over.
    Two runs racing for a free lease both write, then read back: the one whose record is not
    there stands down. Stores with conditional writes could close that window entirely; this
    check narrows it to the store's read-after-write delay.
    """

    def __init__(self, url: str, ttl_s: float = 120.0, settle_s: float = 0.2):
        self.url = url.rstrip("/")
        self.ttl_s = ttl_s
        self.settle_s = settle_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost_to: dict[str, Any] | None = None  # set when another run took the lease

    def _lease_path(self) -> tuple[Any, str]:
        import fsspec

        fs, root = fsspec.core.url_to_fs(self.url)
        return fs, f"{root.rstrip('/')}/{LEASE_NAME}"

    def _read(self, fs: Any, path: str) -> dict[str, Any] | None:
        _forget_listing(fs, path)
        try:
            return json.loads(fs.cat_file(path))
        except (FileNotFoundError, ValueError):
            return None

    def _write(self, fs: Any, path: str) -> None:
        record = {"owner": self.owner, "expires": time.time() + self.ttl_s}
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        fs.pipe_file(path, json.dumps(record).encode("utf-8"))

    def acquire(self) -> None:
        fs, path = self._lease_path()
        held = self._read(fs, path)
        if held and held.get("owner") != self.owner and held.get("expires", 0) > time.time() \
                and not _holder_died_here(str(held.get("owner", ""))):
            raise LockedError(_held_message(self.url, held))
        self._write(fs, path)
        time.sleep(self.settle_s)
        held = self._read(fs, path)
        if not held or held.get("owner") != self.owner:
            raise LockedError(_held_message(self.url, held or {}))
        self._thread = threading.Thread(target=self._renew, args=(fs, path), daemon=True)
        self._thread.start()

    def _renew(self, fs: Any, path: str) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            with contextlib.suppress(OSError):
                held = self._read(fs, path)
                if held and held.get("owner") != self.owner:
                    self.lost_to = held  # this run stalled past its expiry; stop publishing
                    return
                self._write(fs, path)

    def check(self) -> None:
        """Raise LockedError when another run has taken the lease from this one."""
        if self.lost_to is not None:
            raise LockedError("lost the lease: " + _held_message(self.url, self.lost_to))

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        fs, path = self._lease_path()
        held = self._read(fs, path)
        if held and held.get("owner") == self.owner:
            with contextlib.suppress(FileNotFoundError):
                fs.rm_file(path)

    @contextlib.contextmanager
    def held(self) -> Iterator[WorkDirLease]:
        self.acquire()
        try:
            yield self
        finally:
            self.release()


def _holder_died_here(owner: str) -> bool:
    """A lease taken on this host by a process that no longer exists is stale at once."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _held_message(url: str, held: dict[str, Any]) -> str:
    expires = held.get("expires")
    until = (time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(expires))
             if isinstance(expires, (int, float)) else "unknown")
    return (f"work directory {url} is in use by another kgprep run "
            f"({held.get('owner', 'unknown')}, lease until {until}); wait for it to finish "
            "or point this run at another work_dir")

