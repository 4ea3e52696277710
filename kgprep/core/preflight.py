"""Checks before work: what the requested stages and every later stage need, found in seconds.

A run that would fail in its last stage (a corrupt tokenizer, a missing domains file, a malformed
base IRI) should fail before extract has parsed a corpus for hours. ``kgprep run``, each stage
command and ``--dry-run`` call :func:`preflight` first; every problem is one line naming the
config key or the file, and says which exit code it gives (``CONFIG``: 2, ``INPUT``: 3).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from kgprep.core.config import ConfigError, PipelineConfig
from kgprep.core.stage import stage_named, stage_names
from kgprep.storage.remote import is_url

CONFIG = "config"  # a config value that cannot be used: exit 2
INPUT = "input"  # an input or upstream artifact that is missing or unreadable: exit 3


@dataclass(frozen=True)
class Problem:
    kind: str  # CONFIG or INPUT
    message: str


@dataclass
class Outcome:
    """What one check found: problems, or a short note of what it verified (for --dry-run)."""

    note: str = ""
    problems: list[Problem] = field(default_factory=list)


class PreflightError(Exception):
    """One or more checks failed; the first problem decides the exit code."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message.rstrip(".") for p in self.problems))

    @property
    def kind(self) -> str:
        return self.problems[0].kind


def one_line(exc: BaseException | str) -> str:
    """An exception's message on one line (parsers' messages often span several)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# --- the checks, one per thing a stage needs ------------------------------------------------


def check_work_dir(cfg: PipelineConfig) -> Outcome:
    """The work dir (a URL's local mirror) exists or can be created, and takes a new file."""
    work = cfg.work_path
    key = ("run.mirror_dir (the local mirror of work_dir)" if cfg.workdir.is_remote
           else "work_dir")
    # The nearest existing directory is where the stage would create its directories.
    target = work
    while not target.exists() and target != target.parent:
        target = target.parent
    if not target.is_dir():
        where = "is a file" if target == work else f"cannot be created: {target} is a file"
        return Outcome(problems=[Problem(CONFIG, f"config key '{key}': {work} {where}")])
    try:  # a probe file, created and removed: permission bits alone miss read-only mounts
        fd, probe = tempfile.mkstemp(prefix=".kgprep-probe-", dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or one_line(exc)
        where = ("is not writable" if target == work
                 else f"cannot be created: no new file can be made in {target}")
        return Outcome(problems=[Problem(CONFIG, f"config key '{key}': {work} {where} "
                                                 f"({reason})")])
    return Outcome(f"{key} writable")


def _unreadable(path: str) -> str | None:
    """Why a local input file cannot be read, or None. Opened without blocking, and only a
    regular file is read (one byte): a FIFO must not lose data to a check."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return exc.strerror or one_line(exc)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.read(fd, 1)
    except OSError as exc:
        return exc.strerror or one_line(exc)
    finally:
        os.close(fd)
    return None


def _unreadable_dirs(root: str) -> list[str]:
    """Directories under a local input directory that cannot be listed: fsspec's listing skips
    them without a word, so their files would be missed. Hidden ones are not inputs."""
    failed: list[str] = []

    def collect(exc: OSError) -> None:
        failed.append(f"{exc.filename}: {exc.strerror or one_line(exc)}")

    for _, dirnames, _ in os.walk(root, onerror=collect):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return failed


def check_inputs(cfg: PipelineConfig) -> Outcome:
    """Every input file the extract stage would read can be opened and read.

    Existence is checked when the config loads (config.MissingInputError, exit 3 as here: the
    data is missing, not a config value wrong); this finds what loading cannot: permission
    denied, a directory that cannot be listed, a socket or device where a file should be.
    Remote (URL) inputs are only listed here; their objects are read by the stage.
    """
    from kgprep.extract.inputs import expand_inputs

    problems: list[Problem] = []
    for index, raw in enumerate(cfg.input.paths):
        if not is_url(raw) and Path(raw).is_dir():
            problems += [Problem(INPUT, f"input.paths[{index}]: cannot read directory {bad}")
                         for bad in _unreadable_dirs(raw)]
    try:
        files = expand_inputs(cfg.input, leave_out=(cfg.work_dir,))
    except ConfigError as exc:  # e.g. a format that cannot be told from the file name
        return Outcome(problems=[*problems, Problem(CONFIG, one_line(exc))])
    except OSError as exc:
        return Outcome(problems=[*problems, Problem(INPUT, f"input.paths: {one_line(exc)}")])
    local = [name for name, _ in files if not is_url(name)]
    for name in local:
        paths = [name]
        if Path(name).is_dir():  # a save_to_disk dataset: its files are the input
            paths = [os.path.join(d, f) for d, _, fs in os.walk(name) for f in fs]
        for path in paths:
            reason = _unreadable(path)
            if reason is not None:
                problems.append(Problem(INPUT, f"input file {path} cannot be read: {reason}"))
    return Outcome(f"{len(files)} input files readable", problems)


# Models that loaded in this process: a rerun in the same process (tests, notebooks) skips it.
_LOADED_MODELS: set[str] = set()


def check_spacy_model(cfg: PipelineConfig) -> Outcome:
    """The spaCy pipeline is installed and loads. Loaded once here; an in-process extract
    (the local engine with one worker) keeps it, other workers load their own."""
    from kgprep.engines import torch_hidden
    from kgprep.extract import load_in_process
    from kgprep.extract.parse import load_nlp

    model = cfg.extract.spacy_model
    note = f"spaCy pipeline {model!r} loads"
    if model in _LOADED_MODELS:
        return Outcome(note)
    in_process = cfg.run.engine == "local" and cfg.effective_workers() <= 1
    try:
        with torch_hidden(model):  # as the workers load it: torch only if the model needs it
            if in_process:
                load_in_process(model)  # the extract stage's own setup: loaded once per run
            else:
                load_nlp(model)
    except RuntimeError as exc:  # load_nlp's "is not installed", which names the key already
        return Outcome(problems=[Problem(CONFIG, one_line(exc))])
    except Exception as exc:  # spaCy raises many kinds: a model for another version, bad files
        return Outcome(problems=[Problem(CONFIG, f"config key 'extract.spacy_model': spaCy "
                                                 f"pipeline {model!r} does not load: "
                                                 f"{type(exc).__name__}: {one_line(exc)}")])
    _LOADED_MODELS.add(model)
    return Outcome(note)


# Characters an IRI may not contain (RFC 3987), whitespace included.
_NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`]')


def iri_problem(base: str) -> str | None:
    """Why ``base`` is not an absolute IRI that entity, relation and document IRIs can extend."""
    if match := _NOT_IN_IRI.search(base):
        return f"contains {match.group()!r}, which an IRI may not contain"
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return one_line(exc)
    if not parts.scheme or not parts.netloc:
        return "must be an absolute IRI with a scheme and a host, e.g. https://example.org/kg"
    return None


def check_base_iri(cfg: PipelineConfig) -> Outcome:
    base = cfg.graph.base_iri
    problem = iri_problem(base)
    if problem is not None:
        return Outcome(problems=[Problem(CONFIG, f"config key 'graph.base_iri': {base!r} "
                                                 f"{problem}")])
    return Outcome("graph.base_iri valid")


def subnets_mode(cfg: PipelineConfig) -> str:
    """The mode the subnets stage runs in ("auto" resolved as kgprep.subnets resolves it)."""
    sub = cfg.subnets
    if sub.mode != "auto":
        return sub.mode
    return "seeded" if sub.domains_file else "communities"


def check_domains(cfg: PipelineConfig) -> Outcome:
    """A seeded mode has a domains file, and it parses into at least one domain."""
    mode = subnets_mode(cfg)
    if mode == "communities":
        return Outcome("subnets: communities (no domains file needed)")
    path = cfg.subnets.domains_file
    if not path:
        return Outcome(problems=[Problem(CONFIG, f"config key 'subnets.mode' = {mode!r} needs "
                                                 "subnets.domains_file (TOML seed terms or "
                                                 "SKOS Turtle)")])
    from kgprep.subnets import load_domains

    try:
        domains = load_domains(Path(path))
    except ConfigError as exc:  # DomainsError: the message names the file
        return Outcome(problems=[Problem(CONFIG, f"config key 'subnets.domains_file': "
                                                 f"{one_line(exc)}")])
    except (OSError, UnicodeDecodeError) as exc:
        return Outcome(problems=[Problem(CONFIG, f"config key 'subnets.domains_file': cannot "
                                                 f"read {path}: {one_line(exc)}")])
    if not domains:
        return Outcome(problems=[Problem(CONFIG, f"config key 'subnets.domains_file': {path} "
                                                 f"defines no domains (subnets.mode = "
                                                 f"{mode!r})")])
    return Outcome(f"subnets.domains_file: {len(domains)} domains ({mode})")


def check_tokenizer(cfg: PipelineConfig) -> Outcome:
    """A configured tokenizer.json parses and has the special tokens the shards need."""
    shards = cfg.shards
    if not shards.tokenizer:
        return Outcome("shards.tokenizer: a BPE is trained on the corpus")
    from tokenizers import Tokenizer

    from kgprep.shards.tokenizer import describe

    path = shards.tokenizer
    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as exc:  # tokenizers raises plain Exception for every parse error
        return Outcome(problems=[Problem(CONFIG, f"config key 'shards.tokenizer': {path} is "
                                                 f"not a valid tokenizer.json: "
                                                 f"{one_line(exc)}")])
    try:
        describe(tokenizer, Path(path), shards.eos_token, shards.pad_token, path)
    except ConfigError as exc:
        return Outcome(problems=[Problem(CONFIG, one_line(exc))])
    return Outcome("shards.tokenizer parses")


def check_upstream(cfg: PipelineConfig, first_stage: str) -> Outcome:
    """A stage run on its own needs the manifests of the stages before it."""
    stages = stage_names()
    before = stages[: stages.index(first_stage)]
    missing = [s for s in before if not _work_file_exists(cfg.work_dir, f"{s}/manifest.json")]
    if missing:
        return Outcome(problems=[Problem(INPUT, f"{cfg.work_dir}/{missing[0]}/manifest.json is "
                                                f"missing: run the earlier stages first "
                                                f"(kgprep {missing[0]})")])
    stale = [] if is_url(cfg.work_dir) else [
        name for name in _read_chain(first_stage) if not stage_named(name).records_current(cfg)]
    if stale:
        return Outcome(problems=[Problem(INPUT, f"{cfg.work_dir}/{stale[0]} is out of date: its "
                                                "config, kgprep's code or the stage before it "
                                                "changed since it was written; run kgprep "
                                                f"{stale[0]} first, or kgprep run")])
    return Outcome(f"upstream manifests present ({', '.join(before)})")


def stale_stages(cfg: PipelineConfig, read: Sequence[str]) -> list[str]:
    """Of the stages in ``read`` and those they read, in pipeline order, the ones whose
    outputs a run with ``cfg`` would not keep: the last run stopped part way (extract removes
    its manifest when it starts) or the config, code or an upstream stage changed. A URL work
    dir is not checked (its manifests are read when a stage runs)."""
    if is_url(cfg.work_dir):
        return []
    wanted = {upstream for name in read for upstream in (name, *_read_chain(name))}
    return [name for name in stage_names()
            if name in wanted and not stage_named(name).records_current(cfg)]


def _read_chain(name: str) -> list[str]:
    """The stages whose output ``name`` depends on (what it reads, what those read, ...), in
    pipeline order."""
    found: set[str] = set()
    todo = list(stage_named(name).spec.reads)
    while todo:
        upstream = todo.pop()
        if upstream not in found:
            found.add(upstream)
            todo.extend(stage_named(upstream).spec.reads)
    return [stage for stage in stage_names() if stage in found]


def _work_file_exists(work_dir: str, relative: str) -> bool:
    if not is_url(work_dir):
        return (Path(work_dir) / relative).is_file()
    import fsspec

    fs, root = fsspec.core.url_to_fs(work_dir)
    return bool(fs.exists(f"{root.rstrip('/')}/{relative}"))


# --- which checks a command runs -------------------------------------------------------------

Check = Callable[[PipelineConfig], Outcome]
# What each stage needs. A command checks its stages' needs and every later stage's, so
# `kgprep extract` already finds a tokenizer that the shards stage could not read.
STAGE_CHECKS: dict[str, tuple[Check, ...]] = {
    "extract": (check_inputs, check_spacy_model),
    "graph": (check_base_iri,),
    "subnets": (check_domains,),
    "shards": (check_tokenizer,),
}


def checks_for(stages: Sequence[str]) -> list[Check]:
    """The checks for a command running ``stages``, in pipeline order."""
    order = stage_names()  # the registry's
    first = min(order.index(s) for s in stages)
    checks: list[Check] = [check_work_dir]
    if first > 0:
        checks.append(lambda cfg: check_upstream(cfg, order[first]))
    for stage in order[first:]:
        checks.extend(STAGE_CHECKS.get(stage, ()))  # a stage may need no check of its own
    return checks


def preflight(cfg: PipelineConfig, stages: Sequence[str]) -> list[str]:
    """Run every check for ``stages``; raise PreflightError listing all problems found, or
    return what was verified. Writes nothing but a removed probe file."""
    outcomes = [check(cfg) for check in checks_for(stages)]
    problems = [p for o in outcomes for p in o.problems]
    if problems:
        raise PreflightError(problems)
    return [o.note for o in outcomes]
