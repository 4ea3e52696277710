"""The local engine: a process pool of spawned workers on this machine (or the driver itself
for one worker), results in input order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from kgprep.engines.startup import torch_hidden, worker_startup

if TYPE_CHECKING:
    from kgprep.engines import EngineSpec

T = TypeVar("T")
R = TypeVar("R")


def map_local(
    spec: EngineSpec,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    process: Callable[..., R],
    items: Iterable[T],
    args: tuple[Any, ...],
    skip: Callable[[T], R | None],
) -> Iterator[tuple[R, bool]]:
    """``map_parts`` on this machine. At most 2 x workers items are in flight, so memory stays
    flat however many parts there are."""
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
    with ProcessPoolExecutor(max_workers=workers, initializer=worker_startup,
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
