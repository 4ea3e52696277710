"""The work dir as one storage object: what stage code relies on, over a path and over a URL."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from kgprep.storage.workdir import WorkDir

KGPREP = Path(__file__).resolve().parents[2] / "kgprep"


def test_a_local_work_dir_is_its_own_root(tmp_path):
    workdir = WorkDir(str(tmp_path / "work"))
    assert not workdir.is_remote
    assert workdir.root == tmp_path / "work"
    assert workdir.fetch("graph/nodes.parquet") == tmp_path / "work" / "graph" / "nodes.parquet"
    assert workdir.pull_all() is None and workdir.publish_all() is None
    assert workdir.shown(str(tmp_path / "work" / "x")) == str(tmp_path / "work" / "x")


def test_machines_hand_files_over_through_the_url(tmp_path):
    url = (tmp_path / "bucket" / "work").as_uri()  # file://: a URL, mirrored like s3://
    driver = WorkDir(url, str(tmp_path / "driver-cache"))
    worker = pickle.loads(pickle.dumps(WorkDir(url, str(tmp_path / "worker-cache"))))
    assert driver.is_remote and driver.root != worker.root

    # A worker publishes what it wrote; the driver fetches exactly that file when it reads it.
    out = worker.root / "extract" / "part-00000.parquet"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"part zero")
    (worker.root / "extract" / "part-00001.parquet").write_bytes(b"not published")
    worker.publish(out)
    assert (tmp_path / "bucket" / "work" / "extract" / "part-00000.parquet").is_file()
    assert not (tmp_path / "bucket" / "work" / "extract" / "part-00001.parquet").exists()
    assert driver.fetch("extract/part-00000.parquet").read_bytes() == b"part zero"

    # A folder comes whole; a file rewritten on the URL comes again, an unchanged one does not.
    for name, data in (("a.txt", b"a"), ("b.txt", b"b")):
        (driver.root / "subnets").mkdir(exist_ok=True)
        (driver.root / "subnets" / name).write_bytes(data)
    assert driver.publish_all() is not None
    assert sorted(p.name for p in worker.fetch("subnets").iterdir()) == ["a.txt", "b.txt"]
    (driver.root / "subnets" / "a.txt").write_bytes(b"a, rewritten")
    driver.publish_all()
    assert worker.fetch("subnets/a.txt").read_bytes() == b"a, rewritten"

    assert driver.shown(str(driver.root / "graph")) == f"{url}/graph"


def test_a_retracted_file_is_gone_from_the_url_at_once(tmp_path):
    """A stage withdraws its old manifest when it starts to replace the parts it lists: gone
    from the URL now, not when the stage ends, and another machine's mirror drops it too."""
    url = (tmp_path / "bucket" / "work").as_uri()
    driver = WorkDir(url, str(tmp_path / "driver-cache"))
    other = WorkDir(url, str(tmp_path / "other-cache"))
    manifest = driver.root / "extract" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    driver.publish(manifest)
    assert other.fetch("extract/manifest.json").is_file()
    driver.retract(manifest)
    assert not (tmp_path / "bucket" / "work" / "extract" / "manifest.json").exists()
    assert not manifest.exists()
    assert not other.fetch("extract/manifest.json").exists()
    driver.retract(manifest)  # already gone: nothing to do

    local = WorkDir(str(tmp_path / "local"))
    (local.root / "m.json").parent.mkdir(parents=True)
    (local.root / "m.json").write_text("{}")
    local.retract(local.root / "m.json")
    assert not (local.root / "m.json").exists()


def test_stage_code_names_no_storage_backend():
    """Stages reach the work dir only through WorkDir: none names the mirror, pulls or pushes
    it, or lists what a remote worker will need."""
    offenders = []
    for package in ("extract", "graph", "subnets", "shards"):
        for module in sorted((KGPREP / package).glob("*.py")):
            source = module.read_text(encoding="utf-8")
            if re.search(r"\bMirror\b|\bmirror\b|\.pull\(|\.push\(|push_files", source):
                offenders.append(module.relative_to(KGPREP.parent).as_posix())
    assert offenders == []
