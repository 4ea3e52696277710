"""What every stage shares: config hashes chained across stages, progress, and the end summary."""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kgprep import FORMAT_VERSION, __version__
from kgprep.config import PipelineConfig, section_dict, stable_hash
from kgprep.io import read_json, remove_stale_temporaries, sha256_file, work_dir_lock, write_json
from kgprep.remote import Mirror, SyncStats, WorkDirLease, is_url

T = TypeVar("T")


@dataclass(frozen=True)
class StageSpec:
    """What the pipeline knows about one stage: the single place that says which stage reads
    which, which config sections its output depends on and how it runs. The config-hash chain,
    ``--dry-run``'s upstream checks and the CLI's stage commands are derived from it."""

    name: str
    reads: tuple[str, ...]  # the upstream stages whose manifests it reads
    sections: tuple[str, ...]  # config sections of this stage's own settings
    hashed_files: tuple[str, ...]  # keys of those sections naming a file: hashed by content
    help: str
    runner: str  # "module:function" taking the PipelineConfig, imported when the stage runs

    def run(self, cfg: PipelineConfig) -> StageReport:
        # Imported per stage: the reduce stages never load spaCy (and torch through thinc).
        module, function = self.runner.split(":")
        return getattr(importlib.import_module(module), function)(cfg)


STAGE_SPECS: tuple[StageSpec, ...] = (
    StageSpec("extract", (), ("input", "extract"), (),
              "Split documents into sentences with spaCy and extract subject-predicate-object "
              "triples with character spans, provenance, negation, modality and confidence. "
              "Writes extract/part-*.parquet and extract/rejects.jsonl.",
              "kgprep.extract:run_extract"),
    StageSpec("graph", ("extract",), ("graph",), (),
              "Aggregate all triples into a weighted knowledge graph (nodes, relations, edges as "
              "Parquet) and write N-Quads with one named graph per document to rdf/.",
              "kgprep.graph:run_graph"),
    StageSpec("subnets", ("graph",), ("subnets",), ("domains_file",),
              "Prune the graph (self-loops, rare nodes, weak edges, hubs, low degree, k-core, "
              "largest component), then build seeded domain subnetworks (personalized PageRank "
              "from the domains file) and/or Louvain communities; write membership, "
              "subnetworks, each edge's subnetwork and one Turtle file per subnetwork.",
              "kgprep.subnets:run_subnets"),
    StageSpec("shards", ("subnets",), ("shards",), ("tokenizer",),
              "Tokenise the documents, align triples to token offsets and write packed Arrow IPC "
              "stream shards with per-token role, entity and subnetwork annotations, plus "
              "manifest.json.",
              "kgprep.shards:run_shards"),
)
STAGES = tuple(spec.name for spec in STAGE_SPECS)
SPEC = {spec.name: spec for spec in STAGE_SPECS}


def lineage(stage: str) -> list[StageSpec]:
    """``stage`` and every stage it reads from, directly or not, upstream first."""
    seen: list[StageSpec] = []

    def visit(name: str) -> None:
        for upstream in SPEC[name].reads:
            visit(upstream)
        if SPEC[name] not in seen:
            seen.append(SPEC[name])

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
    return stable_hash(*parts)


def progress(items: Iterable[T], total: int | None, desc: str) -> Iterator[T]:
    """A progress bar on a terminal; silent in batch jobs and tests."""
    if not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, unit="part", leave=False)


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


def stage_done(marker: Path, expected: dict[str, Any]) -> bool:
    """True when ``marker`` exists and records exactly ``expected`` (fingerprints, hashes)."""
    if not marker.is_file():
        return False
    try:
        recorded = read_json(marker)
    except (OSError, ValueError):
        return False
    return all(recorded.get(k) == v for k, v in expected.items())


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
    report.outputs = {name: str(work / name) for name in outputs}
    return report.finish()


@dataclass
class HeldWorkDir:
    """A work dir this run holds; for a URL, its mirror and lease."""

    mirror: Mirror | None
    lease: WorkDirLease | None
    pulled: SyncStats | None  # what the run's first pull brought

    def publish(self) -> SyncStats | None:
        """Publish a finished stage: fetch what workers elsewhere uploaded, push the rest."""
        if self.mirror is None:
            return None
        if self.lease is not None:
            self.lease.check()  # never push over another run that took an expired lease
        pulled = self.mirror.pull()
        pushed = self.mirror.push()
        pushed.downloaded = pulled.downloaded
        return pushed


@contextlib.contextmanager
def held_work_dir(cfg: PipelineConfig) -> Iterator[HeldWorkDir]:
    """Hold the work dir for a run that writes to it: a lease on a URL work dir, a flock on the
    local directory (the mirror, for a URL), stale temporaries removed, remote changes pulled."""
    mirror = cfg.mirror()
    lease = WorkDirLease(cfg.work_dir) if mirror else None
    with lease.held() if lease else contextlib.nullcontext(), work_dir_lock(cfg.work_path):
        # Temporaries anywhere in the work dir belong to a killed run: we hold the lock now.
        work = cfg.work_path
        for directory in [work, *(p for p in work.rglob("*") if p.is_dir())]:
            remove_stale_temporaries(directory)
        yield HeldWorkDir(mirror, lease, mirror.pull() if mirror else None)


def pulled_copy(cfg: PipelineConfig) -> Path:
    """The work dir to read from: for a URL, the mirror brought up to date first."""
    mirror = cfg.mirror()
    if mirror is not None:
        mirror.pull()
    return cfg.work_path
