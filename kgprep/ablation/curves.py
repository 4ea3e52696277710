"""The efficiency factor from held-out loss curves: pure functions, no torch.

A curve is the held-out loss measured at increasing token counts (the first point at 0 tokens,
before any training). The factor of a variant is the tokens it needs to reach the baseline's final
held-out loss, divided by the baseline's tokens; between two measured points the curve is taken
as a straight line. A variant that never reaches that loss has no factor (``None``): it is worse
than the baseline by an unknown amount, and nothing is extrapolated.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass


def tokens_to_reach(tokens: Sequence[float], losses: Sequence[float], target: float
                    ) -> float | None:
    """The first token count at which the curve is at or below ``target``, interpolated
    linearly between the measured points on either side; None if it never gets there."""
    if len(tokens) != len(losses) or not tokens:
        raise ValueError("a curve needs as many token counts as losses, at least one")
    if any(b < a for a, b in itertools.pairwise(tokens)):
        raise ValueError("a curve's token counts must not decrease")
    for i, loss in enumerate(losses):
        if loss <= target:
            if i == 0:
                return float(tokens[0])
            t0, t1, l0, l1 = tokens[i - 1], tokens[i], losses[i - 1], loss
            return float(t0 + (t1 - t0) * (l0 - target) / (l0 - l1))
    return None


def efficiency_factor(variant_tokens: Sequence[float], variant_losses: Sequence[float],
                      baseline_tokens: Sequence[float], baseline_losses: Sequence[float]
                      ) -> float | None:
    """Tokens the variant needs to reach the baseline's final loss ÷ the baseline's tokens."""
    needed = tokens_to_reach(variant_tokens, variant_losses, baseline_losses[-1])
    return None if needed is None else needed / float(baseline_tokens[-1])


@dataclass(frozen=True)
class Spread:
    """Per-seed factors summarised: the mean only when every seed reached the baseline's loss."""

    per_seed: tuple[float | None, ...]
    mean: float | None
    std: float | None  # sample standard deviation over seeds (None below two reached seeds)
    low: float | None
    high: float | None
    reached: int

    def spread(self, noise: float | None = None) -> float | None:
        """The seed-to-seed spread: the larger of this variant's std over seeds and ``noise``
        (the baseline's own: its seeds' factors against each other). Paired seeds share their
        initialisation and data order, so the paired std alone can be tiny."""
        known = [x for x in (self.std, noise) if x is not None]
        return max(known) if known else None

    def within_spread(self, noise: float | None = None) -> bool:
        """Whether the measured difference to the baseline (1 - factor) is no larger than the
        seed-to-seed spread: then the measurement does not tell the variant from the baseline.
        A variant that missed the baseline's loss on some seeds only is not shown to differ."""
        if self.mean is None:
            return self.reached > 0
        spread = self.spread(noise)
        return spread is None or abs(1.0 - self.mean) <= spread


def summarise(factors: Sequence[float | None]) -> Spread:
    reached = [f for f in factors if f is not None]
    n = len(reached)
    std = (math.sqrt(sum((f - sum(reached) / n) ** 2 for f in reached) / (n - 1))
           if n >= 2 else None)
    return Spread(
        per_seed=tuple(factors),
        mean=sum(reached) / n if n == len(factors) and n else None,
        std=std, low=min(reached) if reached else None, high=max(reached) if reached else None,
        reached=n,
    )


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std
