"""The ablation's figures (matplotlib, headless): held-out loss against tokens for every variant,
and each variant's efficiency factor beside the assumed 0.6-0.8."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

ASSUMED = (0.6, 0.8)  # the cost model's assumed efficiency factor range


def curves_figure(results: dict[str, Any]) -> Any:
    """Mean held-out loss over seeds per variant, the band from the lowest to the highest seed."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for name in results["variant_order"]:
        runs = results["variants"][name]["runs"]
        tokens = np.asarray(runs[0]["tokens"], float)
        losses = np.asarray([r["heldout_loss"] for r in runs])
        keep = tokens > 0  # the point before training sits far above the rest
        base = name == "baseline"  # drawn in black, on top: the reference the rest are read by
        line, = ax.plot(tokens[keep], losses.mean(0)[keep], label=name, lw=2.0 if base else 1.4,
                        color="black" if base else None, zorder=5 if base else 2)
        ax.fill_between(tokens[keep], losses.min(0)[keep], losses.max(0)[keep],
                        color=line.get_color(), alpha=0.15)
    base = results["variants"]["baseline"]
    ax.axhline(base["final_heldout_loss"], color="grey", ls=":", lw=1,
               label="baseline's final loss")
    ax.set_xlabel("training tokens (positions, the same budget for every variant)")
    ax.set_ylabel("held-out loss on text tokens (nats)")
    ax.set_title(f"Held-out loss, mean of {results['size']['seeds']} seeds (band: min-max)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def factor_figure(results: dict[str, Any]) -> Any:
    """Each variant's factor with its seed spread, beside the assumed range; a variant that did
    not reach the baseline's loss is drawn as an empty bar labelled 'not reached'."""
    names = [n for n in results["variant_order"] if n != "baseline"]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.axhspan(*ASSUMED, color="tab:orange", alpha=0.18, label="assumed 0.6-0.8 (cost model)")
    ax.axhline(1.0, color="grey", lw=1, label="baseline (1.0)")
    for i, name in enumerate(names):
        entry = results["variants"][name]
        factor, spread = entry["efficiency_factor"], entry["efficiency_spread"]
        per_seed = [f for f in entry["efficiency_per_seed"] if f is not None]
        if factor is None:
            ax.bar(i, 1.0, color="none", edgecolor="tab:red", hatch="//")
            reached = entry["seeds_reaching_baseline"]
            label = "not reached" if not reached else \
                f"no factor: reached on\n{reached} of {entry['seeds']} seeds"
            ax.text(i, 1.02, label, ha="center", va="bottom", fontsize=8)
        else:
            ax.bar(i, factor, yerr=spread or 0.0, capsize=4, color="tab:blue", alpha=0.75)
            ax.text(i, factor + (spread or 0.0) + 0.02, f"{factor:.2f}", ha="center",
                    va="bottom", fontsize=8)
        ax.plot([i] * len(per_seed), per_seed, "k.", ms=4)
    ax.set_xticks(range(len(names)), names, fontsize=9)
    ax.set_ylabel("tokens to the baseline's final loss\n÷ baseline tokens")
    ax.set_ylim(0, 1.45)
    ax.set_title("Measured efficiency factor (bar: mean, whisker: seed std, dots: seeds)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def write_plots(out_dir: Path, results: dict[str, Any]) -> list[Path]:
    written = []
    for name, make in (("curves", curves_figure), ("efficiency", factor_figure)):
        fig = make(results)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=110, metadata={"Software": None})
        plt.close(fig)
        written.append(path)
    return written
