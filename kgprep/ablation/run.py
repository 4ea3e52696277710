"""The whole ablation: documents split, every variant trained per seed, ``results.json``, plots.

Variants (every one the same trunk, seeds, optimiser and positions budget):

- ``baseline``: the plain text (the shards' markup, if any, removed);
- ``role_loss``: the same text, plus the auxiliary per-token role loss (subject, predicate,
  object) from a second head;
- ``linearised``: the text with each fact as ``<kg> S <rel> P <obj> O </kg>`` markup after its
  sentence (the shards' own ``linearize = "append"`` rows when they have them), markup read but
  never scored;
- ``embeddings``: the plain text with entity and subnetwork embeddings added to the token
  embeddings (entity ids hashed into buckets), the annotations given at evaluation too;
- ``domain_prefix``: each document's subnetwork names before its text (never scored), then a
  final cooldown on the plain text; evaluated without prefixes.

The held-out loss is always on the held-out documents' plain text tokens (EOS included), so the
curves compare like with like; ``extra_loss`` is the held-out loss in the variant's own format.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kgprep.ablation import curves as cv
from kgprep.ablation.data import (
    Doc,
    Packed,
    Seq,
    generated_linearised,
    pack,
    plain,
    read_docs,
    sentence_end_table,
    split_docs,
    stored_linearised,
    top_subnets,
    with_prefix,
)
from kgprep.ablation.options import (
    DESCRIPTIONS,
    VARIANTS,
    AblationSize,
    add_arguments,
    size_from_args,
)

RESULTS_FORMAT = 1


def _log(message: str) -> None:
    print(message, flush=True)


def load_tokenizer(work: Path, manifest: dict[str, Any]) -> Any:
    from tokenizers import Tokenizer

    path = work / manifest["tokenizer"]["path"]
    if not path.is_file():
        raise FileNotFoundError(f"{path} (the shards' tokenizer) is missing")
    return Tokenizer.from_file(str(path))


def subnet_names(work: Path) -> dict[int, str]:
    """Subnetwork names from ``subnets/subnets.parquet`` when it is there; else "subnet N"."""
    path = work / "subnets" / "subnets.parquet"
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["subnet_id", "name"]).to_pydict()
    return dict(zip(table["subnet_id"], table["name"], strict=True))


@dataclass
class Streams:
    """Every variant's rows, built once and shared by all seeds."""

    vocab_size: int
    plain_train: Packed
    plain_heldout: Packed
    linear_train: Packed
    linear_heldout: Packed
    prefix_train: Packed
    prefix_heldout: Packed
    linearisation: str  # "stored" or "generated"
    split: dict[str, Any]


def build_streams(work: Path, size: AblationSize, log: Callable[[str], None] = _log
                  ) -> tuple[Streams, list[Doc], list[Doc], Any, int]:
    docs, manifest = read_docs(work / "shards")
    tokenizer = load_tokenizer(work, manifest)
    eos, pad = int(manifest["tokenizer"]["eos_id"]), int(manifest["tokenizer"]["pad_id"])
    train, heldout = split_docs(docs, size.heldout_fraction)
    if not train or not heldout:
        raise ValueError(f"{len(docs)} documents give {len(train)} training and {len(heldout)} "
                         "held-out documents: the ablation needs both (more documents, or "
                         "another --heldout-fraction)")
    base_vocab = max(int(manifest["tokenizer"]["vocab_size"]),
                     tokenizer.get_vocab_size(with_added_tokens=True),
                     1 + max(int(d.ids.max()) for d in docs if len(d.ids)))
    stored = manifest.get("linearize") == "append"
    markup_ids = (base_vocab, base_vocab + 1, base_vocab + 2, base_vocab + 3)
    vocab = base_vocab + len(markup_ids)  # every variant: the same embedding table
    ends = None if stored else sentence_end_table(tokenizer, base_vocab)
    names = subnet_names(work)
    prefix_cache: dict[tuple[int, ...], list[int]] = {}

    def prefixed(seq: Seq) -> Seq:
        key = tuple(top_subnets(seq, size.prefix_subnets))
        if not key:
            return seq
        if key not in prefix_cache:
            text = ", ".join(names.get(i, f"subnet {i}") for i in key)
            prefix_cache[key] = tokenizer.encode(f"{text}:\n", add_special_tokens=False).ids
        return with_prefix(seq, prefix_cache[key])

    def linear(doc: Doc) -> Seq:
        if stored:
            return stored_linearised(doc)
        assert ends is not None
        return generated_linearised(doc, markup_ids, ends)

    def rows(seqs: list[Seq], limit: bool) -> Packed:
        cap = -(-size.eval_tokens // size.seq_len) if limit and size.eval_tokens else None
        return pack(seqs, size.seq_len, eos, pad, cap)

    plain_train = [plain(d)[0] for d in train]
    plain_held = [plain(d)[0] for d in heldout]
    streams = Streams(
        vocab_size=vocab,
        plain_train=rows(plain_train, False), plain_heldout=rows(plain_held, True),
        linear_train=rows([linear(d) for d in train], False),
        linear_heldout=rows([linear(d) for d in heldout], True),
        prefix_train=rows([prefixed(s) for s in plain_train], False),
        prefix_heldout=rows([prefixed(s) for s in plain_held], True),
        linearisation="stored" if stored else "generated",
        split={"heldout_fraction": size.heldout_fraction, "documents": len(docs),
               "train_documents": len(train), "heldout_documents": len(heldout),
               "train_text_tokens": int(sum(len(s.ids) for s in plain_train)),
               "heldout_text_tokens": int(sum(len(s.ids) for s in plain_held)),
               "train_ids": sorted(d.doc_id for d in train),
               "heldout_ids": sorted(d.doc_id for d in heldout)},
    )
    streams.split["evaluated_heldout_text_tokens"] = streams.plain_heldout.meta["text_tokens"]
    log(f"ablation: {len(train):,} training / {len(heldout):,} held-out documents "
        f"({streams.split['train_text_tokens']:,} / {streams.split['heldout_text_tokens']:,} "
        f"text tokens); linearisation {streams.linearisation}; vocabulary {vocab:,}")
    return streams, train, heldout, tokenizer, eos


def variant_setup(name: str, streams: Streams, size: AblationSize
                  ) -> tuple[list[tuple[int, Packed]], Packed | None, dict[str, Any]]:
    """(phases of training rows, the held-out rows in the variant's own format, model extras)."""
    extras = {"role_head": False, "entity_buckets": 0, "subnet_buckets": 0}
    if name == "role_loss":
        extras["role_head"] = True
    if name == "embeddings":
        extras.update(entity_buckets=size.entity_buckets, subnet_buckets=size.subnet_buckets)
    if name == "linearised":
        return [(size.steps, streams.linear_train)], streams.linear_heldout, extras
    if name == "domain_prefix":
        switch = round(size.steps * (1.0 - size.cooldown))
        return ([(switch, streams.prefix_train), (size.steps, streams.plain_train)],
                streams.prefix_heldout, extras)
    return [(size.steps, streams.plain_train)], None, extras


def run_ablation(work: Path, size: AblationSize, device_name: str = "cpu",
                 variants: tuple[str, ...] = VARIANTS, log: Callable[[str], None] = _log,
                 threads: int = 1, out_dir: Path | None = None) -> dict[str, Any]:
    """Train every variant on every seed; write ``results.json`` and plots to ``out_dir``
    (default ``<work>/ablation``)."""
    import torch

    from kgprep.ablation import probe
    from kgprep.ablation.model import ModelSize, parameter_count
    from kgprep.ablation.train import TrainSpec, build_model, train_run

    if "baseline" not in variants:
        raise ValueError("the variants must include the baseline: factors are relative to it")
    device = torch.device(device_name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda, but torch sees no CUDA device")
    torch.use_deterministic_algorithms(device.type == "cpu", warn_only=True)
    if device.type == "cpu":
        # One thread by default: on a small shared machine, a second thread that waits for a
        # busy core costs more than it brings (the smoke run took 3.6x as long with two).
        torch.set_num_threads(threads)
    started = time.perf_counter()
    streams, train_docs, held_docs, tokenizer, eos = build_streams(work, size, log)
    model_size = ModelSize(size.width, size.layers, size.heads, size.seq_len)
    spec = TrainSpec(size.steps, size.batch_size, size.lr, size.warmup, size.evals,
                     size.role_weight)
    probe_sets = {side: probe.probes(docs, tokenizer, eos, size.probe_facts, size.seq_len)
                  for side, docs in (("train", train_docs), ("heldout", held_docs))}
    results: dict[str, Any] = {
        "format": RESULTS_FORMAT, "work_dir": str(work), "device": str(device),
        "torch": torch.__version__, "threads": threads if device.type == "cpu" else None,
        "size": asdict(size), "budget_tokens": size.budget_tokens,
        "split": streams.split, "linearisation": streams.linearisation,
        "variant_order": list(variants), "variants": {},
    }
    for name in variants:
        phases, extra_rows, extras = variant_setup(name, streams, size)
        runs = []
        for seed in range(size.seeds):
            t0 = time.perf_counter()
            model = build_model(streams.vocab_size, model_size, seed, extras["role_head"],
                                extras["entity_buckets"], extras["subnet_buckets"], device)
            annotations = name == "embeddings"
            curve = train_run(model, phases, streams.plain_heldout, extra_rows, spec, seed,
                              device, annotations)
            probe_figures = {side: probe.summary(probe.ranks(model, items, device, annotations))
                             for side, (items, _) in probe_sets.items()}
            seconds = time.perf_counter() - t0
            runs.append({"seed": seed, "seconds": round(seconds, 2),
                         "parameters": parameter_count(model), **asdict(curve),
                         "probe": probe_figures})
            log(f"  {name:<14} seed {seed}: held-out loss {curve.heldout_loss[0]:.3f} -> "
                f"{curve.heldout_loss[-1]:.3f}; probe MRR train "
                f"{_fmt(probe_figures['train']['mrr'])} held-out "
                f"{_fmt(probe_figures['heldout']['mrr'])} ({seconds:.1f} s)")
        results["variants"][name] = {"description": DESCRIPTIONS[name], "runs": runs}
    summarise_results(results, {side: skipped for side, (_, skipped) in probe_sets.items()})
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    write_outputs(out_dir or work / "ablation", results)
    return results


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def summarise_results(results: dict[str, Any], probe_skipped: dict[str, int]) -> None:
    """Per variant: the factor against the baseline of the same seed, its spread, final losses,
    and the probe figures averaged over seeds."""
    base_runs = results["variants"]["baseline"]["runs"]
    base_final = [r["heldout_loss"][-1] for r in base_runs]
    # Noise floor: one baseline seed against another's final loss, every ordered pair.
    noise = [cv.efficiency_factor(a["tokens"], a["heldout_loss"], b["tokens"], b["heldout_loss"])
             for a in base_runs for b in base_runs if a is not b]
    noise_reached = [f for f in noise if f is not None]
    noise_std = cv.mean_std(noise_reached)[1] if len(noise_reached) > 1 else None
    results["baseline_seed_noise"] = {
        "pairwise_factors": noise,
        "std": noise_std,
        "final_loss_std": cv.mean_std(base_final)[1],
    }
    results["probe_skipped_facts"] = probe_skipped
    for entry in results["variants"].values():
        runs = entry["runs"]
        factors = [cv.efficiency_factor(r["tokens"], r["heldout_loss"], b["tokens"],
                                        b["heldout_loss"])
                   for r, b in zip(runs, base_runs, strict=True)]
        spread = cv.summarise(factors)
        finals = [r["heldout_loss"][-1] for r in runs]
        mean_final, std_final = cv.mean_std(finals)
        diff = [f - b for f, b in zip(finals, base_final, strict=True)]
        entry.update({
            "budget_tokens": runs[0]["tokens"][-1],
            "parameters": runs[0]["parameters"],
            "efficiency_factor": spread.mean,
            # The seed-to-seed spread: the larger of the paired std and the baseline's own.
            "efficiency_spread": spread.spread(noise_std),
            "efficiency_paired_std": spread.std,
            "efficiency_per_seed": list(spread.per_seed),
            "efficiency_range": [spread.low, spread.high],
            "seeds_reaching_baseline": spread.reached,
            "seeds": len(runs),
            "within_seed_spread": spread.within_spread(noise_std),
            "final_heldout_loss": mean_final,
            "final_heldout_loss_std": std_final,
            "final_loss_minus_baseline": cv.mean_std(diff)[0],
            # Is the final-loss difference larger than the baseline's own seed-to-seed std?
            "loss_within_seed_spread": (abs(cv.mean_std(diff)[0]) <= cv.mean_std(base_final)[1]
                                        if len(runs) > 1 else None),
            "probe": {side: _mean_probe([r["probe"][side] for r in runs])
                      for side in ("train", "heldout")},
        })


def _mean_probe(figures: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": figures[0]["n"]}
    for key in ("mrr", "median_rank", "top10"):
        values = [f[key] for f in figures if f[key] is not None]
        out[key] = float(np.mean(values)) if values else None
        out[f"{key}_std"] = cv.mean_std(values)[1] if values else None
    return out


def verdict(name: str, entry: dict[str, Any]) -> str:
    """One plain sentence on what the measured factor says."""
    factor, spread = entry["efficiency_factor"], entry["efficiency_spread"]
    reached, seeds = entry["seeds_reaching_baseline"], entry["seeds"]
    if name == "baseline":
        return "the reference (factor 1 by definition)"
    within = {True: "within the baseline's seed-to-seed spread",
              False: "beyond the baseline's seed-to-seed spread",
              None: "one seed, so no spread"}[entry["loss_within_seed_spread"]]
    loss = f"; final loss {entry['final_loss_minus_baseline']:+.3f} vs the baseline, {within}"
    if reached == 0:
        return (f"never reached the baseline's final held-out loss on any of {seeds} seeds "
                f"within the budget: factor > 1, no saving measured{loss}")
    if factor is None:
        return (f"reached the baseline's final held-out loss on {reached} of {seeds} seeds "
                f"only: no factor; not distinguishable from the baseline{loss}")
    spread_text = f" ± {spread:.3f}" if spread is not None else ""
    if entry["within_seed_spread"]:
        return (f"factor {factor:.3f}{spread_text}: the difference to the baseline is within "
                "the seed-to-seed spread, so it is not a measured saving")
    better = "fewer" if factor < 1 else "more"
    return (f"factor {factor:.3f}{spread_text}: {abs(1 - factor):.0%} {better} tokens than the "
            "baseline to its final held-out loss, beyond the seed-to-seed spread")


def write_outputs(out_dir: Path, results: dict[str, Any]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / ".results.json.tmp"
    tmp.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "results.json")
    try:
        from kgprep.ablation.plots import write_plots
    except ImportError:  # matplotlib absent: results.json is the measurement; plots are extra
        _log("ablation: matplotlib is not installed; no plots written")
        return
    write_plots(out_dir, results)


def print_summary(results: dict[str, Any]) -> None:
    size = results["size"]
    _log(f"ablation: {size['seeds']} seeds x {len(results['variants'])} variants, "
         f"{results['budget_tokens']:,} tokens each, {results['wall_seconds']:.0f} s on "
         f"{results['device']}")
    for name in results["variant_order"]:
        entry = results["variants"][name]
        p = entry["probe"]
        _log(f"  {name:<14} held-out loss {entry['final_heldout_loss']:.3f} "
             f"(± {entry['final_heldout_loss_std']:.3f}); probe MRR train "
             f"{_fmt(p['train']['mrr'])} held-out {_fmt(p['heldout']['mrr'])}; "
             f"{verdict(name, entry)}")


def main(argv: list[str] | None = None) -> int:
    """``python -m kgprep.ablation WORK_DIR``: needs only numpy, pyarrow, tokenizers, torch."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kgprep.ablation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work_dir", type=Path, help="a pipeline's work dir (holds shards/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where results.json and the plots go (default WORK_DIR/ablation)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        size, variants = size_from_args(args)
        results = run_ablation(args.work_dir, size, args.device, variants,
                               threads=args.threads, out_dir=args.out)
    except FileNotFoundError as exc:
        print(f"kgprep: error: {exc}", file=sys.stderr)
        return 3
    except ValueError as exc:
        print(f"kgprep: error: {exc}", file=sys.stderr)
        return 2
    print_summary(results)
    _log(f"wrote {(args.out or args.work_dir / 'ablation') / 'results.json'}")
    return 0
