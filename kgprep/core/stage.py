"""What every stage shares: config hashes chained across stages, progress, and the end summary."""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kgprep import FORMAT_VERSION, __version__
from kgprep.core.config import PipelineConfig, section_dict, stable_hash
from kgprep.core.io import (
    read_json,
    read_json_or_none,
    remove_stale_temporaries,
    sha256_file,
    work_dir_lock,
    write_json,
)
from kgprep.storage.remote import SyncStats, WorkDirLease, is_url
from kgprep.storage.workdir import WorkDir

if TYPE_CHECKING:
    from kgprep.engines import EngineSpec

T = TypeVar("T")


@dataclass(frozen=True)
class StageSpec:
    """What the pipeline knows about one stage, declared by the stage's own module: the stages
    it reads, the config sections its output depends on, its help. The config-hash chain,
    ``--dry-run`` and the CLI's stage commands are derived from these."""

    name: str
    reads: tuple[str, ...]  # the upstream stages whose manifests it reads
    sections: tuple[str, ...]  # config sections of this stage's own settings
    hashed_files: tuple[str, ...]  # keys of those sections naming a file: hashed by content
    help: str
    # The code and data files inside the kgprep package that decide its output (glob patterns
    # relative to the package): hashed by content, so a changed rule or model reruns the stage.
    code: tuple[str, ...] = ()
    # Which of its parts run on the engine (run.workers, run.engine), as --help says it;
    # "" for a stage that runs in the driver.
    parallel: str = ""


# StageSpec.parallel of a stage whose parts go to the engine only when there is enough work.
LARGE_PARTS = "parts, when they are large enough to pay for starting workers"


@dataclass(frozen=True)
class Plan:
    """What ``--dry-run`` says about one stage: its line, and whether it would write anything
    (then every stage downstream would run too)."""

    line: str
    runs: bool


class Stage:
    """The stage contract. A stage module defines one subclass and ``STAGE = ThatStage()``;
    its name in ``STAGE_MODULES`` registers it.

    A run is ``parts`` -> ``process`` on the engine (after ``setup`` once per worker, parts
    already done skipped) -> ``reduce`` in the driver. Freshness follows one rule: a part is
    done when its done-marker records the expected keys (config hash, input checksums) and its
    outputs exist; a stage is done when its manifest, written last, records its config hash and
    the checksum of the upstream manifest (``upstream_key``) and the files it lists hold.
    """

    spec: StageSpec
    # The key under which the manifest records the upstream manifest's sha256 ("" if none).
    upstream_key: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    # --- what runs where --------------------------------------------------------------------
    def parts(self, cfg: PipelineConfig) -> Iterable[Any]:
        """The parts a run maps over (done ones included); none for a reduce-only stage."""
        return ()

    def setup(self, *args: Any) -> None:
        """Once per worker, before its first part: load what every part uses."""

    def process(self, item: Any, *args: Any) -> Any:
        """One part, in a worker: write its outputs, then its done-marker; return its result."""
        raise NotImplementedError(f"the {self.name} stage has no per-part work")

    def reduce(self, cfg: PipelineConfig, results: list[Any]) -> StageReport:
        """In the driver, from every part's result: the stage's aggregate outputs and manifest."""
        raise NotImplementedError

    def run(self, cfg: PipelineConfig) -> StageReport:
        raise NotImplementedError

    def map(self, engine: EngineSpec, setup_args: tuple[Any, ...], items: Iterable[T],
            args: tuple[Any, ...], skip: Callable[[T], Any] = lambda item: None,
            ) -> Iterator[tuple[Any, bool]]:
        """``process`` over ``items`` on ``engine``: a worker imports this stage's module and
        calls its ``STAGE`` (so a stage registered only in the driver runs there too)."""
        from kgprep.engines import map_parts

        module = type(self).__module__
        return map_parts(engine, setup_worker, (module, *setup_args), process_part, items,
                         (module, *args), skip)

    # --- freshness and --dry-run ------------------------------------------------------------
    def manifest_path(self, cfg: PipelineConfig) -> Path:
        return cfg.work_path / self.name / "manifest.json"

    def expected_manifest(self, cfg: PipelineConfig) -> dict[str, Any] | None:
        """What a current manifest records; None when an upstream manifest is missing."""
        expected: dict[str, Any] = {"config_hash": stage_config_hash(self.name, cfg)}
        for upstream in self.spec.reads:
            path = stage_named(upstream).manifest_path(cfg)
            if not path.is_file():
                return None
            expected[self.upstream_key] = sha256_file(path)
        return expected

    def is_current(self, cfg: PipelineConfig) -> bool:
        """A run would change nothing: the manifest records ``expected_manifest`` and the files
        it lists hold those bytes."""
        expected = self.expected_manifest(cfg)
        return expected is not None and manifest_current(self.manifest_path(cfg), expected)

    def records_current(self, cfg: PipelineConfig) -> bool:
        """The cheap half of ``is_current``, for checks before a run or a read: the manifest
        records ``expected_manifest`` (the files it lists are not re-hashed; that is the
        stage's own check when it runs)."""
        expected = self.expected_manifest(cfg)
        return expected is not None and stage_done(self.manifest_path(cfg), expected)

    def plan(self, cfg: PipelineConfig, upstream_runs: bool) -> Plan:
        """The ``--dry-run`` line, given whether an upstream stage would write."""
        current = self.is_current(cfg)
        runs = upstream_runs or not current
        if not runs:
            return Plan(f"{self.name}: up to date", False)
        reason = "its inputs change" if current else "its config, code or inputs differ"
        return Plan(f"{self.name}: would run ({reason})", True)


def setup_worker(module: str, *args: Any) -> None:
    """Engine entry point: ``setup`` of the stage ``module`` defines, in a worker."""
    stage_of(module).setup(*args)


def process_part(item: Any, module: str, *args: Any) -> Any:
    """Engine entry point: ``process`` of the stage ``module`` defines, in a worker."""
    return stage_of(module).process(item, *args)


# The registry: stage modules in pipeline order, each defining ``STAGE``. An explicit list
# rather than discovery: the order is the pipeline's, and a module is imported only when a
# command needs the stages (so a stage's own imports stay out of tools that need none).
STAGE_MODULES: tuple[str, ...] = ("kgprep.extract", "kgprep.graph", "kgprep.subnets",
                                  "kgprep.shards")


def stage_of(module: str) -> Stage:
    """The ``STAGE`` that ``module`` defines."""
    stage = getattr(importlib.import_module(module), "STAGE", None)
    if not isinstance(stage, Stage):
        raise TypeError(f"{module} defines no STAGE (a kgprep.core.stage.Stage)")
    return stage


def registered() -> tuple[Stage, ...]:
    """Every stage, in pipeline order."""
    return tuple(stage_of(module) for module in STAGE_MODULES)


def stage_names() -> tuple[str, ...]:
    return tuple(stage.name for stage in registered())


def stage_named(name: str) -> Stage:
    for stage in registered():
        if stage.name == name:
            return stage
    raise KeyError(f"no stage called {name!r}")


# Derived from the registry on each use (module __getattr__), so importing this core module
# imports no stage.
STAGE_SPECS: tuple[StageSpec, ...]
STAGES: tuple[str, ...]
SPEC: dict[str, StageSpec]


def __getattr__(name: str) -> Any:
    if name == "STAGE_SPECS":
        return tuple(stage.spec for stage in registered())
    if name == "STAGES":
        return stage_names()
    if name == "SPEC":
        return {stage.name: stage.spec for stage in registered()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def lineage(stage: str) -> list[StageSpec]:
    """``stage`` and every stage it reads from, directly or not, upstream first."""
    seen: list[StageSpec] = []

    def visit(name: str) -> None:
        spec = stage_named(name).spec
        for upstream in spec.reads:
            visit(upstream)
        if spec not in seen:
            seen.append(spec)

    visit(stage)
    return seen


def _section_settings(cfg: PipelineConfig, spec: StageSpec) -> list[dict[str, Any]]:
    out = []
    for section in spec.sections:
        settings = section_dict(getattr(cfg, section))
        for key in spec.hashed_files:
            if settings.get(key):  # a file by its bytes, not its path
                settings[key] = sha256_file(Path(settings[key]))
        if section == "input":  # absolute after loading: hashed relative to the pipeline file
            settings["paths"] = [
                str(Path(p).relative_to(cfg.base_dir))
                if not is_url(p) and Path(p).is_relative_to(cfg.base_dir) else p
                for p in cfg.input.paths]
        out.append(settings)
    return out


def stage_config_hash(stage: str, cfg: PipelineConfig) -> str:
    """Hash of every setting that can change ``stage``'s output, its upstream stages' included
    (the chain follows ``StageSpec.reads``)."""
    parts: list[Any] = [FORMAT_VERSION]
    for spec in lineage(stage):
        parts.extend(_section_settings(cfg, spec))
        parts.append(code_digest(spec.code))
    return stable_hash(*parts)


@functools.cache
def code_digest(patterns: tuple[str, ...]) -> str:
    """sha256 over the package files matching ``patterns``, by path and content. Without it a
    work dir built by an older kgprep looked current after an upgrade that changed the rules or
    the confidence model, and kept its old triples."""
    package = Path(__file__).resolve().parents[1]
    files = sorted({path for pattern in patterns for path in package.glob(pattern)
                    if path.is_file()})
    if patterns and not files:
        raise RuntimeError(f"no kgprep file matches {patterns}: an incomplete installation")
    return stable_hash(*((path.relative_to(package).as_posix(), sha256_file(path))
                         for path in files))


def progress(items: Iterable[T], total: int | None, desc: str) -> Iterator[T]:
    """A progress bar on a terminal; silent in batch jobs and tests."""
    if not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, unit="part", leave=False)


def amount(n: int, noun: str) -> str:
    """"1 row", "2 rows": a count and its noun for the messages users read."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@dataclass
class StageReport:
    stage: str
    config_hash: str
    counts: dict[str, int | float | str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0
    rate_unit: str = ""
    rate_count: int = 0
    details: dict[str, Any] = field(default_factory=dict)  # nested figures for stats/<stage>.json
    # The summary's last line: records read = processed + rejected + skipped (extract).
    conservation: str = ""
    # An empty result is never a silent success: each line names what came out empty and why.
    # The CLI prints them on stderr; --strict turns them into exit code 6.
    warnings: list[str] = field(default_factory=list)

    def finish(self) -> StageReport:
        self.seconds = time.perf_counter() - self.started
        return self

    def to_json(self) -> dict[str, Any]:
        rate = self.rate_count / self.seconds if self.seconds > 0 else 0.0
        return {
            "stage": self.stage,
            "kgprep_version": __version__,
            "config_hash": self.config_hash,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "throughput": {f"{self.rate_unit}_per_s": round(rate, 1)} if self.rate_unit else {},
            "outputs": self.outputs,
            **({"details": self.details} if self.details else {}),
            **({"conservation": self.conservation} if self.conservation else {}),
            **({"warnings": self.warnings} if self.warnings else {}),
        }

    def write(self, work_dir: Path) -> None:
        write_json(work_dir / "stats" / f"{self.stage}.json", self.to_json())

    def render(self) -> str:
        lines = [f"== {self.stage} done in {self.seconds:.2f} s"]
        width = max((len(k) for k in self.counts), default=0)
        for key, value in self.counts.items():
            if isinstance(value, float):
                shown = f"{value:,.3f}"
            elif isinstance(value, int):
                shown = f"{value:,}"
            else:
                shown = str(value)
            lines.append(f"   {key:<{width}}  {shown}")
        if self.rate_unit and self.seconds > 0:
            rate = self.rate_count / self.seconds
            lines.append(f"   throughput  {rate:,.0f} {self.rate_unit}/s")
        for name, path in self.outputs.items():
            lines.append(f"   -> {name}: {path}")
        if self.conservation:
            lines.append(f"   {self.conservation}")
        return "\n".join(lines)


def part_ids(indices: list[int]) -> str:
    """`` (0, 1, ...)``: the first part indices, for a --dry-run line."""
    if not indices:
        return ""
    shown = ", ".join(str(i) for i in indices[:8])
    return f" ({shown}{', ...' if len(indices) > 8 else ''})"


def stage_done(marker: Path, expected: dict[str, Any]) -> bool:
    """True when ``marker`` exists and records exactly ``expected`` (fingerprints, hashes)."""
    recorded = read_json_or_none(marker)
    if not isinstance(recorded, dict):
        return False
    return all(recorded.get(k) == v for k, v in expected.items())


def done_record(marker: Path, expected: dict[str, Any], output: Path | None = None
                ) -> dict[str, Any] | None:
    """A part's done-marker record when it records ``expected`` and ``output`` is ``intact``
    (there, with the size the marker records); else None (the part runs)."""
    if not stage_done(marker, expected):
        return None
    record = read_json(marker)
    if output is not None and not intact(output, record.get("bytes")):
        return None
    return record


def intact(path: Path, recorded_bytes: int | None) -> bool:
    """``path`` exists with the size its done-marker recorded (a marker written before sizes
    were recorded: exists). A cut-short file is redone instead of trusted; a same-size
    corruption is ``kgprep validate``'s to find."""
    return path.is_file() and (recorded_bytes is None or path.stat().st_size == recorded_bytes)


def manifest_current(manifest: Path, expected: dict[str, Any]) -> bool:
    """A stage's manifest records ``expected`` and every file it lists (``files``: name ->
    sha256 of ``<name>.parquet`` beside it) holds those bytes."""
    if not stage_done(manifest, expected):
        return False
    files = read_json(manifest).get("files", {})
    return bool(files) and all(
        (manifest.parent / f"{n}.parquet").is_file()
        and sha256_file(manifest.parent / f"{n}.parquet") == h for n, h in files.items())


def up_to_date(report: StageReport, work: Path, outputs: tuple[str, ...]) -> StageReport:
    """A stage whose inputs and config are unchanged: nothing is rewritten."""
    previous = work / "stats" / f"{report.stage}.json"
    recorded: dict[str, Any] = {}
    if previous.is_file():
        try:
            recorded = read_json(previous)
        except ValueError:
            recorded = {}
    counts = recorded.get("counts", {})
    report.counts = {"up_to_date": 1, **{k: v for k, v in counts.items() if k != "up_to_date"}}
    report.details = recorded.get("details", {})
    report.warnings = list(recorded.get("warnings", []))  # still empty, so still said
    report.outputs = {name: str(work / name) for name in outputs}
    return report.finish()


@dataclass
class HeldWorkDir:
    """A work dir this run holds; for a URL, under its lease."""

    workdir: WorkDir
    lease: WorkDirLease | None
    pulled: SyncStats | None  # what the run's first pull brought (None: a local work dir)

    def publish(self) -> SyncStats | None:
        """Publish a finished stage: fetch what workers elsewhere uploaded, push the rest."""
        if self.lease is not None:
            self.lease.check()  # never push over another run that took an expired lease
        return self.workdir.publish_all()


@contextlib.contextmanager
def held_work_dir(cfg: PipelineConfig) -> Iterator[HeldWorkDir]:
    """Hold the work dir for a run that writes to it: a lease on a URL work dir, a flock on the
    local directory (the mirror, for a URL), stale temporaries removed, remote changes pulled."""
    workdir = cfg.workdir
    with workdir.lease() as lease, work_dir_lock(workdir.root):
        # Temporaries anywhere in the work dir belong to a killed run: we hold the lock now.
        work = workdir.root
        for directory in [work, *(p for p in work.rglob("*") if p.is_dir())]:
            remove_stale_temporaries(directory)
        yield HeldWorkDir(workdir, lease, workdir.pull_all())


def pulled_copy(cfg: PipelineConfig) -> Path:
    """The work dir to read from: for a URL, the mirror brought up to date first."""
    cfg.workdir.pull_all()
    return cfg.work_path
