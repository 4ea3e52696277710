"""``--dry-run``: what a run would do, from the input fingerprints and the done-markers.

The checks a run makes before work (kgprep/preflight.py) run first, so a dry run fails as the
run would; this module only reads.
"""

from __future__ import annotations

from kgprep.config import PipelineConfig
from kgprep.corpus import Reject, iter_parts, iter_records
from kgprep.extract import done_records, part_done
from kgprep.graph import graph_is_current
from kgprep.io import sha256_file
from kgprep.stage import SPEC, stage_config_hash, stage_done
from kgprep.subnets import subnets_are_current


def plan_run(cfg: PipelineConfig, stages: list[str]) -> list[str]:
    """One line per stage saying what would run and what would be skipped."""
    work = cfg.work_path
    lines: list[str] = []
    upstream_changes = False
    if "extract" in stages:
        config_hash = stage_config_hash("extract", cfg)
        out_dir = work / "extract"
        reusable = {r["fingerprint"] for r in done_records(out_dir, config_hash)}
        rejects: list[Reject] = []
        run, reuse, skip = [], [], []
        for part in iter_parts(iter_records(cfg.input, cfg.base_dir), cfg.input.part_size,
                               rejects):
            if part_done(out_dir, part, config_hash) is not None:
                skip.append(part.index)
            elif part.fingerprint in reusable:
                reuse.append(part.index)
            else:
                run.append(part.index)
        n_parts = len(run) + len(reuse) + len(skip)
        stale = [p.name for p in sorted(out_dir.glob("part-*.parquet"))
                 if int(p.stem.split("-")[1]) >= n_parts]
        upstream_changes = bool(run or reuse or stale) or not (out_dir / "manifest.json").is_file()
        lines.append(f"extract: {len(run)} parts to parse{_ids(run)}, {len(reuse)} to reuse "
                     f"from renumbered parts, {len(skip)} done; {len(stale)} stale outputs to "
                     f"remove; {len(rejects)} input records would be rejected")
    # The same up-to-date checks the stages make before they skip.
    checks = (("graph", lambda h, up: graph_is_current(work, h, up)),
              ("subnets", lambda h, up: subnets_are_current(work / "subnets", h, up)))
    for stage, is_current in checks:
        if stage not in stages:
            continue
        (upstream_stage,) = SPEC[stage].reads
        upstream = work / upstream_stage / "manifest.json"
        current = upstream.is_file() and is_current(stage_config_hash(stage, cfg),
                                                    sha256_file(upstream))
        would_run = upstream_changes or not current
        upstream_changes = upstream_changes or would_run
        reason = ("its inputs change" if upstream_changes and current
                  else "its config or inputs differ" if would_run else "")
        lines.append(f"{stage}: {'would run (' + reason + ')' if would_run else 'up to date'}")
    if "shards" in stages:
        config_hash = stage_config_hash("shards", cfg)
        # stage_done, as the stage reads markers: a corrupt one (a killed write) is not done.
        markers = list((work / "shards").glob("part-*.done.json"))
        matching = sum(1 for m in markers if stage_done(m, {"config_hash": config_hash}))
        if upstream_changes or not matching:
            lines.append("shards: would rebuild every part (upstream or config changed); shards "
                         "whose bytes come out the same are not rewritten")
        else:
            lines.append(f"shards: {matching} parts done with this config; others would run")
    return lines


def _ids(indices: list[int]) -> str:
    if not indices:
        return ""
    shown = ", ".join(str(i) for i in indices[:8])
    return f" ({shown}{', ...' if len(indices) > 8 else ''})"
