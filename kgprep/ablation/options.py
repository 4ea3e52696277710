"""The ablation's sizes and command-line options, without numpy or torch: the ``kgprep`` CLI
imports this module to build its parser, and every kgprep command pays that import."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

VARIANTS = ("baseline", "role_loss", "linearised", "embeddings", "domain_prefix")
DESCRIPTIONS = {
    "baseline": "plain text, LM loss only",
    "role_loss": "plain text, LM loss + auxiliary per-token role loss (subject/predicate/object)",
    "linearised": "facts linearised as <kg> S <rel> P <obj> O </kg> after their sentence; "
                  "markup not scored",
    "embeddings": "entity and subnetwork embeddings added to the token embeddings",
    "domain_prefix": "the document's subnetwork names before its text, then a plain-text "
                     "cooldown",
}


@dataclass(frozen=True)
class AblationSize:
    width: int
    layers: int
    heads: int
    seq_len: int
    batch_size: int
    steps: int
    evals: int
    seeds: int
    lr: float
    eval_tokens: int  # held-out tokens evaluated per point (0: all held-out documents)
    probe_facts: int  # facts probed per side (training / held-out documents)
    heldout_fraction: float = 0.1
    warmup: float = 0.05
    role_weight: float = 0.5
    entity_buckets: int = 4096
    subnet_buckets: int = 1024
    prefix_subnets: int = 3  # subnetwork names in a domain prefix
    cooldown: float = 0.2  # final fraction of the steps trained without prefixes

    @property
    def budget_tokens(self) -> int:
        return self.steps * self.batch_size * self.seq_len


# smoke: seconds on the sample pipeline (the test suite, make ablate-smoke); default: minutes on
# two CPU cores over WikiText-2; gpu: the same code, a bigger model, more seeds (--device cuda).
SIZES = {
    "smoke": AblationSize(width=32, layers=1, heads=2, seq_len=64, batch_size=8, steps=24,
                          evals=4, seeds=3, lr=3e-3, eval_tokens=4096, probe_facts=24,
                          heldout_fraction=0.25),
    "default": AblationSize(width=64, layers=2, heads=4, seq_len=64, batch_size=16,
                            steps=300, evals=8, seeds=3, lr=3e-3, eval_tokens=16384,
                            probe_facts=200),
    "gpu": AblationSize(width=384, layers=4, heads=6, seq_len=256, batch_size=32, steps=400,
                        evals=10, seeds=5, lr=1e-3, eval_tokens=0, probe_facts=400),
}


def resolve_size(name: str, overrides: dict[str, Any]) -> AblationSize:
    if name not in SIZES:
        raise ValueError(f"--size must be one of {', '.join(SIZES)}, not {name!r}")
    size = replace(SIZES[name], **{k: v for k, v in overrides.items() if v is not None})
    if size.width % size.heads:
        raise ValueError(f"width {size.width} is not a multiple of heads {size.heads}")
    if min(size.steps, size.evals, size.seeds, size.batch_size, size.seq_len) < 1:
        raise ValueError("steps, evals, seeds, batch size and seq_len must be at least 1")
    if not 0.0 < size.heldout_fraction < 1.0:
        raise ValueError("the held-out fraction must be between 0 and 1")
    return size


def add_arguments(parser: Any) -> None:
    """The options shared by ``kgprep ablate`` and ``python -m kgprep.ablation``."""
    parser.add_argument("--size", default="default", choices=list(SIZES),
                        help="smoke: seconds on the sample; default: minutes on 2 CPU cores over "
                        "WikiText-2; gpu: a bigger model and more seeds (with --device cuda)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for torch (default 1; more help on an idle machine)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, baseline first (default: {','.join(VARIANTS)})")
    for flag, kind in (("steps", int), ("seeds", int), ("batch-size", int), ("seq-len", int),
                       ("width", int), ("layers", int), ("heads", int), ("evals", int),
                       ("lr", float), ("heldout-fraction", float), ("probe-facts", int),
                       ("eval-tokens", int)):
        parser.add_argument(f"--{flag}", type=kind, default=None,
                            help=f"override the size's {flag.replace('-', ' ')}")


def size_from_args(args: Any) -> tuple[AblationSize, tuple[str, ...]]:
    keys = ("steps", "seeds", "batch_size", "seq_len", "width", "layers", "heads", "evals", "lr",
            "heldout_fraction", "probe_facts", "eval_tokens")
    size = resolve_size(args.size, {k: getattr(args, k) for k in keys})
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    return size, variants


