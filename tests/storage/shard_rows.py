"""What a trainer's machine sees of shards in a store: the same rows, and nothing else pulled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def assert_trainer_reads_only_the_shards(url: str, local: Path, mirror: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> int:
    """``ShardRows`` over ``url`` (with ``mirror`` as the machine's empty cache) reads exactly the
    rows of the local shards ``local``, and pulls only ``shards/`` into the mirror. Returns the
    number of rows."""
    from kgprep.loader import ShardRows

    monkeypatch.setenv("KGPREP_MIRROR_DIR", str(mirror))
    remote, here = ShardRows(url), ShardRows(local)
    assert len(remote) == len(here) > 0
    for index in range(len(here)):
        ours, theirs = remote.row(index), here.row(index)
        assert ours.keys() == theirs.keys()
        assert all(np.array_equal(ours[k], theirs[k]) for k in theirs)
    (pulled,) = mirror.iterdir()
    assert sorted(p.name for p in (pulled / "work").iterdir()) == ["shards"]
    return len(here)
