"""``--dry-run``: what a run would do, asked of each stage (``Stage.plan``), in pipeline order.

The checks a run makes before work (kgprep/core/preflight.py) run first, so a dry run fails as the
run would; this module only reads.
"""

from __future__ import annotations

from kgprep.core.config import PipelineConfig
from kgprep.core.stage import registered


def plan_run(cfg: PipelineConfig, stages: list[str]) -> list[str]:
    """One line per stage saying what would run and what would be skipped; a stage that would
    write makes every later stage run."""
    lines: list[str] = []
    upstream_runs = False
    for stage in registered():
        if stage.name not in stages:
            continue
        plan = stage.plan(cfg, upstream_runs)
        upstream_runs = upstream_runs or plan.runs
        lines.append(plan.line)
    return lines
