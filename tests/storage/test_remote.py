"""Work directories at filesystem URLs: a local mirror synced with the URL, and a lease."""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from kgprep.cli import main
from kgprep.core.io import LockedError
from kgprep.storage.remote import Mirror, WorkDirLease
from tests.conftest import sample_pipeline
from tests.storage.shard_rows import assert_trainer_reads_only_the_shards
from tests.test_batch import artifacts, kgprep


def url_pipeline(tmp: Path, url: str, workers: int = 2, extra: str = "") -> Path:
    pipeline = sample_pipeline(tmp, workers=workers,
                               extra=f'mirror_dir = "{tmp / "mirror"}"\n{extra}')
    pipeline.write_text(pipeline.read_text().replace(f'work_dir = "{tmp / "work"}"',
                                                     f'work_dir = "{url}"'))
    return pipeline


def stage_events(output: str) -> dict[str, dict]:
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return {e["stage"]: e for e in events if e["event"] == "stage_done"}


def test_url_work_dir_gives_the_local_bytes_and_a_new_machine_resumes(sample_run, tmp_path,
                                                                      capsys, monkeypatch):
    # Graph and shards parts go to the worker pool too, which push their files themselves.
    monkeypatch.setattr("kgprep.engines.PARALLEL_MIN_BYTES", 0)
    remote = tmp_path / "bucket" / "work"
    pipeline = url_pipeline(tmp_path, f"file://{remote}")
    assert main(["run", str(pipeline)]) == 0
    assert artifacts(remote) == artifacts(sample_run)
    assert not [p for p in remote.rglob("*") if p.name.startswith(".")]  # no lock, no temps
    manifest = json.loads((remote / "shards" / "manifest.json").read_text())
    assert all((remote / "shards" / e["file"]).is_file() for e in manifest["shards"])

    # Another machine (an empty mirror) resumes from the URL alone: nothing is parsed again.
    shutil.rmtree(tmp_path / "mirror")
    capsys.readouterr()
    assert main(["--log-format", "json", "run", str(pipeline)]) == 0
    done = stage_events(capsys.readouterr().out)
    assert done["extract"]["counts"]["parts_skipped"] == done["extract"]["counts"]["parts"] == 2
    assert done["graph"]["counts"]["up_to_date"] == 1
    assert done["shards"]["outputs"]["shards"] == f"file://{remote}/shards"
    assert artifacts(remote) == artifacts(sample_run)

    # Readers take the URL too: validate pulls what it needs into a mirror of its own.
    shutil.rmtree(tmp_path / "mirror")
    assert main(["validate", f"file://{remote}/shards"]) == 0
    assert "OK: file://" in capsys.readouterr().out


def test_a_run_killed_mid_extract_resumes_from_the_parts_it_published(tmp_path):
    (tmp_path / "clean").mkdir()
    clean = sample_pipeline(tmp_path / "clean")
    clean.write_text(clean.read_text().replace("part_size = 64", "part_size = 16"))
    assert main(["run", str(clean)]) == 0

    remote = tmp_path / "bucket" / "work"
    (tmp_path / "url").mkdir()  # pipeline files at the same depth: sources are relative
    pipeline = url_pipeline(tmp_path / "url", f"file://{remote}", workers=1)
    pipeline.write_text(pipeline.read_text().replace("part_size = 64", "part_size = 16"))
    run = kgprep("run", str(pipeline))
    deadline = time.monotonic() + 120
    while not list((remote / "extract").glob("part-*.done.json")):
        assert run.poll() is None and time.monotonic() < deadline, run.stderr.read().decode()
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.wait()
    published = len(list((remote / "extract").glob("part-*.done.json")))
    assert 1 <= published < 8

    shutil.rmtree(tmp_path / "url" / "mirror")  # the rerun happens on another machine
    rerun = kgprep("run", str(pipeline))
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read().decode()
    assert artifacts(remote) == artifacts(tmp_path / "clean" / "work")


def test_an_interrupted_extract_leaves_no_manifest_of_the_run_before_on_the_url(
        tmp_path, monkeypatch, capsys):
    """The manifest vouches for the parts it lists; a rerun that starts replacing them (here
    stopped by Ctrl-C) must take it off the URL at once, or another machine would read the old
    run's commit point over the new run's parts."""
    remote = tmp_path / "bucket" / "work"
    pipeline = url_pipeline(tmp_path, f"file://{remote}", workers=1)
    assert main(["extract", str(pipeline)]) == 0
    assert (remote / "extract" / "manifest.json").is_file()

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("kgprep.extract.ExtractStage._schedule", interrupted)
    pipeline.write_text(pipeline.read_text().replace("part_size = 64", "part_size = 16"))
    assert main(["extract", str(pipeline)]) == 130
    capsys.readouterr()
    assert not (remote / "extract" / "manifest.json").exists()


def test_in_process_memory_filesystem_and_the_loader_reads_urls(sample_run, tmp_path,
                                                                 monkeypatch):
    pytest.importorskip("torch")
    url = f"memory://kgprep-remote-test/{tmp_path.name}/work"
    pipeline = url_pipeline(tmp_path, url, workers=1)
    assert main(["run", str(pipeline)]) == 0
    # A trainer's machine: the loader pulls only the shards into its own mirror.
    assert_trainer_reads_only_the_shards(f"{url}/shards", sample_run / "shards",
                                         tmp_path / "trainer", monkeypatch)


def test_a_memory_work_dir_needs_one_in_process_worker(tmp_path, capsys):
    pipeline = url_pipeline(tmp_path, "memory://x/work", workers=2)
    assert main(["run", str(pipeline)]) == 2
    assert "work_dir" in capsys.readouterr().err


def test_a_live_lease_blocks_a_second_run_and_an_expired_one_does_not(tmp_path, capsys):
    import fsspec

    url = f"memory://kgprep-lease-test/{tmp_path.name}"
    holder = WorkDirLease(url, ttl_s=60)
    holder.acquire()
    try:
        with pytest.raises(LockedError, match="in use by another kgprep run"):
            WorkDirLease(url).acquire()
        pipeline = url_pipeline(tmp_path, url, workers=1)
        assert main(["run", str(pipeline)]) == 4
        assert "lease until" in capsys.readouterr().err
    finally:
        holder.release()
    assert not fsspec.filesystem("memory").exists(f"/kgprep-lease-test/{tmp_path.name}/.lock")
    # A holder that died leaves a lease that expires; the next run takes it over.
    fsspec.filesystem("memory").pipe_file(
        f"/kgprep-lease-test/{tmp_path.name}/.lock",
        json.dumps({"owner": "dead:1:x", "expires": time.time() - 1}).encode())
    with WorkDirLease(url).held():
        pass


@pytest.fixture
def mirror(tmp_path):
    import fsspec

    url = f"memory://kgprep-mirror-test/{tmp_path.name}"
    return Mirror.for_url(url, str(tmp_path / "m")), fsspec.filesystem("memory"), \
        f"/kgprep-mirror-test/{tmp_path.name}"


def test_pull_and_push_follow_three_way_rules(mirror):
    m, fs, root = mirror
    fs.pipe_file(f"{root}/a/data.bin", b"remote-1")
    fs.pipe_file(f"{root}/a/gone.bin", b"x")
    assert m.pull().downloaded == 2
    local = Path(m.local)
    assert (local / "a" / "data.bin").read_bytes() == b"remote-1"

    # A local edit not pushed yet survives a pull when the remote did not change.
    time.sleep(0.01)
    (local / "a" / "data.bin").write_bytes(b"local-2")
    assert m.pull().downloaded == 0
    assert (local / "a" / "data.bin").read_bytes() == b"local-2"

    # A remote deletion reaches the mirror; a local deletion reaches the remote.
    fs.rm_file(f"{root}/a/gone.bin")
    assert m.pull().deleted_local == 1 and not (local / "a" / "gone.bin").exists()
    fs.pipe_file(f"{root}/a/drop.bin", b"y")
    m.pull()
    (local / "a" / "drop.bin").unlink()
    pushed = m.push()
    assert (pushed.uploaded, pushed.deleted_remote) == (1, 1)
    assert fs.cat_file(f"{root}/a/data.bin") == b"local-2"
    assert not fs.exists(f"{root}/a/drop.bin")

    # Bytes rewritten unchanged are not uploaded again; hidden files never leave the mirror.
    (local / "a" / "data.bin").write_bytes(b"local-2")
    (local / ".lock").write_text("1")
    assert m.push().uploaded == 0
    assert not fs.exists(f"{root}/.lock")


def test_push_sends_manifests_after_the_files_they_list(mirror, monkeypatch):
    m, _, _ = mirror
    local = Path(m.local)
    for rel in ("x/manifest.json", "x/part-00000.done.json", "x/part-00000.parquet",
                "y/shard-00000-000.arrow", "y/manifest.json"):
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_bytes(rel.encode())
    order: list[str] = []
    upload = Mirror._upload

    def recorded(self: Mirror, fs: object, root: str, rel: str) -> int:
        order.append(rel)
        return upload(self, fs, root, rel)

    monkeypatch.setattr(Mirror, "_upload", recorded)
    m.push()
    assert order == ["x/part-00000.parquet", "y/shard-00000-000.arrow",
                     "x/part-00000.done.json", "x/manifest.json", "y/manifest.json"]


def test_a_run_that_lost_its_lease_stops_publishing(tmp_path):
    import fsspec

    url = f"memory://kgprep-lease-lost/{tmp_path.name}"
    lease_path = f"/kgprep-lease-lost/{tmp_path.name}/.lock"
    holder = WorkDirLease(url, ttl_s=0.3, settle_s=0.0)
    holder.acquire()
    # This run stalled past its expiry and another run took the lease over.
    fs = fsspec.filesystem("memory")
    fs.pipe_file(lease_path, json.dumps({"owner": "other:2:y", "expires": time.time() + 60})
                 .encode())
    time.sleep(0.5)
    with pytest.raises(LockedError, match="lost the lease"):
        holder.check()
    holder.release()
    assert json.loads(fs.cat_file(lease_path))["owner"] == "other:2:y"  # theirs stays


def test_pulling_one_folder_leaves_its_namesakes_alone(mirror):
    """``fetch("shards")`` pulls the folder shards/, and a folder that only starts the same
    way (shards_v1/) is neither pulled nor taken for deleted."""
    m, fs, root = mirror
    for rel in ("shards/a.arrow", "shards_v1/a.arrow"):
        fs.pipe_file(f"{root}/{rel}", b"x")
    m.pull()
    fs.rm_file(f"{root}/shards_v1/a.arrow")  # gone remotely, but not what is pulled now
    m.pull(("shards",))
    assert (Path(m.local) / "shards_v1" / "a.arrow").is_file()
    fs.rm_file(f"{root}/shards/a.arrow")
    assert m.pull(("shards",)).deleted_local == 1
    assert not (Path(m.local) / "shards" / "a.arrow").exists()


def test_a_memory_input_needs_one_in_process_worker(tmp_path, capsys):
    import fsspec

    corpus = Path(__file__).resolve().parents[2] / "data" / "sample" / "corpus.jsonl"
    url = f"memory://kgprep-input-test/{tmp_path.name}/corpus.jsonl"
    fsspec.filesystem("memory").pipe_file(url, corpus.read_bytes())
    pipeline = sample_pipeline(tmp_path, workers=2)
    pipeline.write_text(pipeline.read_text().replace(str(corpus), url))
    assert main(["run", str(pipeline)]) == 2
    assert "input.paths[0]" in capsys.readouterr().err
