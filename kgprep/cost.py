"""Training-cost estimate from the emitted token count (``kgprep cost``).

Compute-optimal model size follows the Chinchilla rule (about 20 tokens per parameter), training
FLOPs are 6·N·D, and GPU-hours follow from a peak FLOP/s and a utilisation. Beside it sits the
knowledge-subnetwork cost model: Cost = Baseline × efficiency_factor + integration + maintenance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kgprep.core.config import ConfigError, CostConfig

# Published knowledge-enhanced pretraining results report 20-40% less training time for the same
# quality, i.e. an efficiency factor of 0.6-0.8. kgprep has not measured this itself.
EFFICIENCY_ASSUMPTION = ("assumption: knowledge-enhanced pretraining is reported to need 20-40% "
                         "less training time (factor 0.6-0.8); not measured by kgprep")


@dataclass(frozen=True)
class CostEstimate:
    tokens: int
    parameters: float
    flops: float
    gpu_hours: float
    baseline_dollars: float
    efficiency_factor: float
    integration_dollars: float
    maintenance_dollars: float
    knowledge_dollars: float

    @property
    def savings_dollars(self) -> float:
        return self.baseline_dollars - self.knowledge_dollars


@dataclass(frozen=True)
class MeasuredEfficiency:
    """The efficiency factor ``kgprep ablate`` measured for one knowledge variant."""

    variant: str
    factor: float | None  # None: the variant never reached the baseline's final loss
    spread: float | None  # the seed-to-seed spread (std)
    seeds: int
    reached: int  # seeds on which the variant reached the baseline's final loss
    within_spread: bool  # the difference to 1.0 is no larger than the spread
    candidates: int  # knowledge variants measured (the lowest factor is chosen by default)
    source: str

    @property
    def factor_used(self) -> float:
        """What the cost model multiplies by: the factor, or 1.0 (no saving) when the variant
        never reached the baseline's loss; the true factor is then above 1."""
        return self.factor if self.factor is not None else 1.0

    def note(self) -> str:
        """One plain sentence for the CLI and the report."""
        head = (f"efficiency factor measured by kgprep ablate ({self.source}): variant "
                f"'{self.variant}'")
        if self.candidates > 1:
            head += f", the lowest of {self.candidates} knowledge variants"
        if self.factor is None:
            return (f"{head} reached the baseline's final held-out loss on {self.reached} of "
                    f"{self.seeds} seeds only, so no saving is measured: the cost uses 1.0 "
                    "(the true factor is above 1)")
        spread = f" ± {self.spread:.3f}" if self.spread is not None else ""
        text = f"{head}: {self.factor:.3f}{spread} over {self.seeds} seeds"
        if self.within_spread:
            return (f"{text}; the difference to the baseline (1.0) is within the seed-to-seed "
                    "spread, so this is not a measured saving")
        return f"{text}; the difference to the baseline is beyond the seed-to-seed spread"


def read_ablation(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `kgprep ablate PIPELINE` first")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        if "baseline" not in results["variants"]:
            raise KeyError("no baseline variant")
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a kgprep ablate results.json ({exc})") from exc
    return results


def measured_efficiency(results: dict[str, Any], source: str, variant: str | None = None
                        ) -> MeasuredEfficiency:
    """The named variant's measured factor, or by default the knowledge variant with the lowest
    factor (a variant that reached the baseline's loss on every seed beats one that did not)."""
    knowledge = {n: v for n, v in results["variants"].items() if n != "baseline"}
    if not knowledge:
        raise ConfigError(f"{source} holds no knowledge variant, only the baseline")
    if variant is None:
        variant = min(knowledge, key=lambda n: (knowledge[n]["efficiency_factor"] is None,
                                                knowledge[n]["efficiency_factor"] or 0.0,
                                                -knowledge[n]["seeds_reaching_baseline"]))
    elif variant not in knowledge:
        raise ConfigError(f"--variant {variant!r} is not in {source}; it has "
                          f"{', '.join(sorted(knowledge))}")
    entry = knowledge[variant]
    return MeasuredEfficiency(
        variant=variant, factor=entry["efficiency_factor"], spread=entry["efficiency_spread"],
        seeds=int(entry["seeds"]), reached=int(entry["seeds_reaching_baseline"]),
        within_spread=bool(entry["within_seed_spread"]), candidates=len(knowledge),
        source=source)


def with_measured(cfg: CostConfig, measured: MeasuredEfficiency | None) -> CostConfig:
    """The cost settings with the measured factor in place of the assumed one."""
    return cfg if measured is None else replace(cfg, efficiency_factor=measured.factor_used)


def estimate(tokens: int, cfg: CostConfig) -> CostEstimate:
    """Every figure from the token count D and the cost settings; pure arithmetic."""
    parameters = tokens / cfg.tokens_per_parameter
    flops = 6.0 * parameters * tokens
    gpu_hours = flops / (cfg.peak_flops * cfg.utilization) / 3600.0
    baseline = gpu_hours * cfg.price_per_gpu_hour
    knowledge = baseline * cfg.efficiency_factor + cfg.integration_cost + cfg.maintenance_cost
    return CostEstimate(
        tokens=tokens, parameters=parameters, flops=flops, gpu_hours=gpu_hours,
        baseline_dollars=baseline, efficiency_factor=cfg.efficiency_factor,
        integration_dollars=cfg.integration_cost, maintenance_dollars=cfg.maintenance_cost,
        knowledge_dollars=knowledge,
    )


def _si(value: float) -> str:
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.2f}{suffix}"
    return f"{value:,.2f}"


def render(est: CostEstimate, cfg: CostConfig, measured: MeasuredEfficiency | None = None
           ) -> list[tuple[str, str]]:
    """(label, value) rows, shared by the CLI and the report."""
    factor_label = "efficiency factor (an assumption, see below)" if measured is None else \
        f"efficiency factor (measured, variant '{measured.variant}', see below)"
    rows = [
        ("tokens emitted (D)", f"{est.tokens:,}"),
        ("compute-optimal parameters (N ≈ D / "
         f"{cfg.tokens_per_parameter:g}, Chinchilla)", _si(est.parameters)),
        ("training FLOPs (6·N·D)", f"{est.flops:.3e}"),
        (f"GPU-hours at {cfg.peak_flops:.3g} FLOP/s peak, {cfg.utilization:.0%} utilisation",
         f"{est.gpu_hours:,.4g}"),
        (f"baseline cost at ${cfg.price_per_gpu_hour:,.2f}/GPU-hour",
         f"${est.baseline_dollars:,.2f}"),
        (factor_label, f"{est.efficiency_factor:g}"),
        ("integration cost", f"${est.integration_dollars:,.2f}"),
        ("maintenance cost", f"${est.maintenance_dollars:,.2f}"),
        ("knowledge-subnetwork cost (baseline × factor + integration + maintenance)",
         f"${est.knowledge_dollars:,.2f}"),
        ("difference to baseline", f"${est.savings_dollars:,.2f}"),
    ]
    if measured is not None and measured.factor is not None and measured.spread:
        low, high = (replace(cfg, efficiency_factor=max(0.0, measured.factor + sign *
                                                        measured.spread)) for sign in (-1, 1))
        rows.append(("knowledge-subnetwork cost at factor ± spread",
                     f"${estimate(est.tokens, low).knowledge_dollars:,.2f} to "
                     f"${estimate(est.tokens, high).knowledge_dollars:,.2f}"))
    return rows
