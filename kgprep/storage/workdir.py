"""The work directory as stage code sees it: one object over a local path or any fsspec URL.

Stage code writes under ``root``, a local POSIX directory (atomic renames, done-markers,
memory-mapped Arrow), reads a file through ``fetch`` and hands files it finished through
``publish``. It never names a backend, and never lists what another machine will need: a
worker on another node fetches each file at the moment it reads it.

- A local path: ``root`` is the directory itself; ``fetch`` and ``publish`` do nothing.
- A URL (``s3://``, ``gs://``, ``file://`` ...): ``root`` is this machine's mirror of it
  (``remote.Mirror``). ``fetch`` brings one file or folder into the mirror when the URL's copy
  changed since; ``publish`` uploads finished files, data first, done-markers next, manifests
  last. Why a mirror and not direct writes to the URL: the README's design notes.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from kgprep.storage.remote import Mirror, SyncStats, WorkDirLease, is_url


@dataclass(frozen=True)
class WorkDir:
    """A work dir: ``location`` as configured, ``mirror_dir`` where this machine mirrors a URL
    (empty: $KGPREP_MIRROR_DIR or ~/.cache/kgprep/mirror/...). Picklable: workers get a copy
    and resolve ``root`` on their own machine."""

    location: str
    mirror_dir: str = ""

    @property
    def is_remote(self) -> bool:
        return is_url(self.location)

    def _mirror(self) -> Mirror | None:
        return Mirror.for_url(self.location, self.mirror_dir) if self.is_remote else None

    @property
    def root(self) -> Path:
        """The local directory stage code reads and writes on this machine."""
        mirror = self._mirror()
        return Path(mirror.local if mirror else self.location)

    def fetch(self, relative: str) -> Path:
        """The local path of ``relative`` (a file, or a folder with everything in it), brought
        up to date from the URL first for a remote work dir."""
        mirror = self._mirror()
        if mirror is not None:
            mirror.pull((relative.rstrip("/"),))
        return self.root / relative

    def publish(self, *paths: Path) -> None:
        """Files this machine finished writing under ``root``, made visible to every other
        machine (in commit order: data, done-markers, manifests)."""
        mirror = self._mirror()
        if mirror is not None and paths:
            mirror.push_files(paths)

    def retract(self, *paths: Path) -> None:
        """Files under ``root`` deleted here and, for a URL, on the URL at once: a manifest
        withdrawn when its stage starts to replace what it lists, so that no machine reads the
        old run's commit point over the new run's parts (deletions otherwise wait for the
        stage's end)."""
        mirror = self._mirror()
        if mirror is not None:
            mirror.retract(paths)
            return
        for path in paths:
            path.unlink(missing_ok=True)

    def pull_all(self) -> SyncStats | None:
        """Bring everything that changed on the URL into this machine's mirror (a run's start);
        None for a local work dir."""
        mirror = self._mirror()
        return mirror.pull() if mirror is not None else None

    def publish_all(self) -> SyncStats | None:
        """Publish every change made here (a finished stage): first fetch what workers on other
        machines uploaded, then upload the rest and delete what this machine deleted; None for a
        local work dir."""
        mirror = self._mirror()
        if mirror is None:
            return None
        pulled = mirror.pull()
        pushed = mirror.push()
        pushed.downloaded = pulled.downloaded
        return pushed

    def lease(self) -> contextlib.AbstractContextManager[WorkDirLease | None]:
        """An exclusive lease on a URL work dir for the life of a run (nothing for a local
        path: the run's flock on ``root`` covers it)."""
        if not self.is_remote:
            return contextlib.nullcontext()
        return WorkDirLease(self.location).held()

    def shown(self, path: str) -> str:
        """``path`` as a user should see it: on the URL, not in this machine's mirror."""
        mirror = self._mirror()
        return path.replace(mirror.local, mirror.url) if mirror is not None else path


def local_copy(path: str | Path, also: tuple[str, ...] = (), mirror_dir: str = "") -> Path:
    """A local path to read the folder ``path`` from: itself, or for a URL (a folder inside a
    work dir, ``s3://b/work/shards``) that folder fetched into the work dir's mirror on this
    machine, with the sibling folders in ``also`` (``"extract"``) that the reader needs."""
    if not is_url(str(path)):
        return Path(path)
    parent, name = str(path).rstrip("/").rsplit("/", 1)
    workdir = WorkDir(parent, mirror_dir)
    for folder in (name, *also):
        workdir.fetch(folder)
    return workdir.root / name

