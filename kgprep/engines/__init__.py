"""Engines run a stage's part function over parts: a local process pool (``local``) or Ray
actors (``ray``). Stage code hands over ``setup(*setup_args)`` (once per worker: load the spaCy
model) and ``process(item, *args)`` (once per part), and gets results back in input order. It
never knows which engine ran them, so both give the same bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kgprep.engines.startup import module_hidden, prime_pyarrow, torch_hidden

if TYPE_CHECKING:
    from kgprep.core.config import RunConfig

__all__ = ["PARALLEL_MIN_BYTES", "EngineSpec", "map_parts", "module_hidden", "no_setup",
           "prime_pyarrow", "shutdown", "spec_for_light_parts", "torch_hidden"]

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
    ``skip(item)`` returns a result for items already done; they never reach a worker."""
    if spec.name == "ray":
        from kgprep.engines.ray import map_ray

        yield from map_ray(spec, setup, setup_args, process, items, args, skip)
        return
    from kgprep.engines.local import map_local

    yield from map_local(spec, setup, setup_args, process, items, args, skip)


def shutdown() -> None:
    """Stop the Ray this process started, if any (joined clusters are only disconnected from)."""
    import sys

    ray_engine = sys.modules.get("kgprep.engines.ray")
    if ray_engine is not None:
        ray_engine.shutdown()
