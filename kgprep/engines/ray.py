"""The Ray engine: one actor per worker (same start-up as a local worker), each part to the
actor that is free, results in input order; a dead actor is restarted and its part retried."""

from __future__ import annotations

import atexit
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from kgprep.core.signals import sigterm_handler_kept
from kgprep.engines.startup import prime_pyarrow, torch_hidden

if TYPE_CHECKING:
    from kgprep.engines import EngineSpec

T = TypeVar("T")
R = TypeVar("R")


def map_ray(spec: EngineSpec, setup: Callable[..., None], setup_args: tuple[Any, ...],
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
        options: dict[str, Any] = {"log_to_driver": False}
        if spec.ray_address:
            options["address"] = spec.ray_address
        else:
            options.update(num_cpus=spec.workers or None, include_dashboard=False)
            if spec.ray_object_store_mb:
                options["object_store_memory"] = spec.ray_object_store_mb * 1024 * 1024
        # The run's SIGTERM handler (exit 143 with kgprep's line) outlives ray.init's own.
        with sigterm_handler_kept():
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
