"""Engines run a stage's part function over parts: a local process pool, or Ray actors.

Stage code hands over two module-level functions, ``setup(*setup_args)`` (once per worker: load
the spaCy model) and ``process(item, *args)`` (once per part), and gets results back in input
order. It never knows which engine ran them, so both give the same bytes.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from kgprep.config import RunConfig

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class EngineSpec:
    name: str  # local | ray
    workers: int  # 0: one per CPU (this machine's for local, the cluster's for ray)
    ray_address: str = ""
    ray_object_store_mb: int = 0
    model: str = ""  # the spaCy pipeline the workers load; empty: they load none

    @classmethod
    def for_run(cls, run: RunConfig, model: str = "") -> EngineSpec:
        return cls(run.engine, run.workers, run.ray_address, run.ray_object_store_mb, model)


# Light per-part steps (graph's RDF and counts, shards) go to workers only past this much input:
# below it (about 10 s of work on one core) starting workers costs more than they save.
PARALLEL_MIN_BYTES = 8 << 20


def spec_for_light_parts(run: RunConfig, inputs: list[Path]) -> EngineSpec:
    """The configured engine when ``inputs`` (the parts to process) pay for starting workers,
    else the driver itself. Unlike extract, these workers load no model."""
    if len(inputs) > 1 and sum(p.stat().st_size for p in inputs) >= PARALLEL_MIN_BYTES:
        spec = EngineSpec.for_run(run)
        if spec.name == "local":
            spec = replace(spec, workers=min(spec.workers or (os.cpu_count() or 1), len(inputs)))
        return spec
    return EngineSpec("local", 1)


def no_setup() -> None:
    """Setup for workers that need nothing loaded."""


def die_with_parent() -> None:
    """Ask Linux to kill this worker when the process that started it dies (even by SIGKILL)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queue closes
        pass


def model_needs_torch(model: str) -> bool:
    """Whether an installed spaCy pipeline package depends on torch (transformer pipelines)."""
    from importlib import metadata

    try:
        requirements = metadata.requires(model.replace("_", "-")) or []
    except metadata.PackageNotFoundError:
        return True  # a path or an unknown package: do not guess
    names = [re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in requirements]
    return any(n in TORCH_PACKAGES for n in names)


TORCH_PACKAGES = frozenset({"torch", "spacy-transformers", "spacy-curated-transformers"})


class _HiddenModule:
    """A meta-path finder that refuses one module (a sys.modules entry of None would not do:
    Cython-compiled imports, like pyarrow's, read sys.modules directly and get None back)."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname == self.name or fullname.startswith(self.name + "."):
            raise ImportError(f"{fullname} is hidden while kgprep starts up")


@contextlib.contextmanager
def module_hidden(name: str, hide: bool = True) -> Iterator[None]:
    """While active, ``import name`` raises ImportError unless the module is loaded already;
    afterwards it imports normally for the rest of the process."""
    finder = _HiddenModule(name) if hide and name not in sys.modules else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)


def torch_hidden(model: str) -> contextlib.AbstractContextManager[None]:
    """thinc imports torch whenever it is installed (about 1.7 s); while a pipeline that does not
    need torch is imported and loaded, torch reads as absent, so parsing starts that much sooner."""
    return module_hidden("torch", not model or not model_needs_torch(model))


def prime_pyarrow() -> None:
    """pyarrow imports pandas (about 0.35 s) the first time it builds an array, only to tell
    pandas inputs apart, and kgprep never passes any; so every stage process and worker primes it
    with pandas hidden. pyarrow still imports pandas when asked for pandas objects later."""
    with module_hidden("pandas"):
        import pyarrow as pa

        pa.array([0])


def _local_setup(model: str, setup_module: str, setup_name: str, args: tuple[Any, ...]) -> None:
    die_with_parent()
    prime_pyarrow()
    with torch_hidden(model):
        setup = getattr(importlib.import_module(setup_module), setup_name)
        setup(*args)


def map_parts(
    spec: EngineSpec,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    process: Callable[..., R],
    items: Iterable[T],
    args: tuple[Any, ...] = (),
    skip: Callable[[T], R | None] = lambda item: None,
) -> Iterator[tuple[R, bool]]:
    """Results of ``process(item, *args)`` in input order, with whether the item was skipped.

    ``skip(item)`` returns a result for items already done; they never reach a worker. At most
    2 x workers items are in flight, so memory stays flat however many parts there are.
    """
    if spec.name == "ray":
        yield from _map_ray(spec, setup, setup_args, process, items, args, skip)
        return
    workers = spec.workers or (os.cpu_count() or 1)
    if workers <= 1:
        ready = False
        for item in items:
            done = skip(item)
            if done is not None:
                yield done, True
                continue
            if not ready:
                with torch_hidden(spec.model):
                    setup(*setup_args)
                ready = True
            yield process(item, *args), False
        return
    window: list[tuple[Future[R] | R, bool]] = []
    # Spawned (not forked) workers inherit no open files, so they never hold the run's lock.
    # The setup function travels by name, so the worker can keep torch out before importing it.
    with ProcessPoolExecutor(max_workers=workers, initializer=_local_setup,
                             initargs=(spec.model, setup.__module__, setup.__qualname__,
                                       setup_args),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for item in items:
            done = skip(item)
            window.append((done, True) if done is not None
                          else (pool.submit(process, item, *args), False))
            while len(window) > 2 * workers:
                result, skipped = window.pop(0)
                yield (result.result() if isinstance(result, Future) else result), skipped
        for result, skipped in window:
            yield (result.result() if isinstance(result, Future) else result), skipped


def _map_ray(spec: EngineSpec, setup: Callable[..., None], setup_args: tuple[Any, ...],
             process: Callable[..., R], items: Iterable[T], args: tuple[Any, ...],
             skip: Callable[[T], R | None]) -> Iterator[tuple[R, bool]]:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("run.engine = 'ray' needs Ray: pip install 'kgprep[ray]'") from exc

    if not ray.is_initialized():
        # Started once for the run and kept for its later stages; ``shutdown`` stops it.
        _STARTED_RAY.append(True)
        atexit.register(shutdown)
        if spec.ray_address:
            ray.init(address=spec.ray_address, log_to_driver=False)
        else:
            options: dict[str, Any] = {"num_cpus": spec.workers or None,
                                       "include_dashboard": False,
                                       "log_to_driver": False}
            if spec.ray_object_store_mb:
                options["object_store_memory"] = spec.ray_object_store_mb * 1024 * 1024
            ray.init(**options)

    model = spec.model

    class PartWorker:
        """One model per actor: the local workers' start-up once, then parts."""

        def __init__(self) -> None:
            prime_pyarrow()
            with torch_hidden(model):
                setup(*setup_args)

        def run(self, item: T) -> R:
            return process(item, *args)

    # With no worker count set, one actor per CPU of the cluster joined (or started).
    workers = spec.workers or int(ray.cluster_resources().get("CPU", 1))
    # An actor that dies (its node lost, killed, out of memory) is restarted, which runs its
    # start-up again, and its part is retried; parts are pure functions of their input, so a
    # retry writes the same bytes. Ray's types give an actor handle's methods no ``.remote``,
    # so the handles are held untyped.
    actor_class = ray.remote(num_cpus=1, max_restarts=-1,
                             max_task_retries=RAY_PART_RETRIES)(PartWorker)
    actors: list[Any] = [actor_class.remote() for _ in range(max(1, workers))]
    yield from dispatch_in_order(actors, items, skip, ray.wait, ray.get)


# A part is retried this many times on a restarted actor before the run fails.
RAY_PART_RETRIES = 3
# Results wait in input order: at most this many parts per actor are dispatched or held.
WINDOW_PER_ACTOR = 3


def dispatch_in_order(actors: list[Any], items: Iterable[T], skip: Callable[[T], Any],
                       wait: Callable[..., Any], get: Callable[[Any], Any]
                       ) -> Iterator[tuple[Any, bool]]:
    """Each part goes to an actor that is free (a slow part holds up only its own actor),
    results come back in input order; at most ``WINDOW_PER_ACTOR`` parts per actor are
    dispatched or waiting to be yielded, so memory stays flat."""
    idle = list(reversed(actors))
    pending: dict[Any, tuple[int, Any]] = {}  # object ref -> (index, actor)
    ready: dict[int, tuple[Any, bool]] = {}
    taken = yielded = 0
    window = WINDOW_PER_ACTOR * len(actors)
    source = iter(items)
    held: T | None = None  # the next part, waiting for a free actor
    exhausted = False
    while True:
        while not exhausted and taken - yielded < window:
            if held is None:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                done = skip(item)
                if done is not None:
                    ready[taken] = (done, True)
                    taken += 1
                    continue
                held = item
            if not idle:
                break
            actor = idle.pop()
            pending[actor.run.remote(held)] = (taken, actor)
            held = None
            taken += 1
        while yielded in ready:
            yield ready.pop(yielded)
            yielded += 1
        if not pending:
            if exhausted and held is None:
                return
            continue
        finished, _ = wait(list(pending), num_returns=1)
        for ref in finished:
            index, actor = pending.pop(ref)
            ready[index] = (get(ref), False)
            idle.append(actor)


_STARTED_RAY: list[bool] = []


def shutdown() -> None:
    """Stop the Ray this process started (joined clusters are only disconnected from)."""
    if _STARTED_RAY:
        import ray

        ray.shutdown()
        _STARTED_RAY.clear()
