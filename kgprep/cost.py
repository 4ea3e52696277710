"""Training-cost estimate from the emitted token count (``kgprep cost``).

Compute-optimal model size follows the Chinchilla rule (about 20 tokens per parameter), training
FLOPs are 6·N·D, and GPU-hours follow from a peak FLOP/s and a utilisation. Beside it sits the
knowledge-subnetwork cost model: Cost = Baseline × efficiency_factor + integration + maintenance.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgprep.config import CostConfig

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


def render(est: CostEstimate, cfg: CostConfig) -> list[tuple[str, str]]:
    """(label, value) rows, shared by the CLI and the report."""
    return [
        ("tokens emitted (D)", f"{est.tokens:,}"),
        ("compute-optimal parameters (N ≈ D / "
         f"{cfg.tokens_per_parameter:g}, Chinchilla)", _si(est.parameters)),
        ("training FLOPs (6·N·D)", f"{est.flops:.3e}"),
        (f"GPU-hours at {cfg.peak_flops:.3g} FLOP/s peak, {cfg.utilization:.0%} utilisation",
         f"{est.gpu_hours:,.4g}"),
        (f"baseline cost at ${cfg.price_per_gpu_hour:,.2f}/GPU-hour",
         f"${est.baseline_dollars:,.2f}"),
        ("efficiency factor (an assumption, see below)", f"{est.efficiency_factor:g}"),
        ("integration cost", f"${est.integration_dollars:,.2f}"),
        ("maintenance cost", f"${est.maintenance_dollars:,.2f}"),
        ("knowledge-subnetwork cost (baseline × factor + integration + maintenance)",
         f"${est.knowledge_dollars:,.2f}"),
        ("difference to baseline", f"${est.savings_dollars:,.2f}"),
    ]
