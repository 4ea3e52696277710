"""Shared by the benchmark modules: the repository root, a config cut to its first documents,
and a command's wall time and peak RSS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the repository: kgprep/benchmarks/ is two down


def config_with_limit(raw: dict[str, Any], tmp: Path, limit: int) -> Any:
    """The benchmark's config; with ``limit``, its input cut to the first ``limit`` documents
    (written to a JSONL file in ``tmp``, same part size)."""
    import json

    from kgprep.core.config import parse_config
    from kgprep.extract.corpus import iter_records
    from kgprep.extract.records import Document

    cfg = parse_config(raw, tmp)
    if not limit:
        return cfg
    docs = [r for r in iter_records(cfg.input, cfg.base_dir) if isinstance(r, Document)][:limit]
    subset = tmp / "subset.jsonl"
    subset.write_text("".join(json.dumps({"id": d.doc_id, "text": d.text}) + "\n"
                              for d in docs), encoding="utf-8")
    limited = {**raw, "input": {"paths": [str(subset)], "format": "jsonl",
                                "part_size": raw["input"]["part_size"]}}
    return parse_config(limited, tmp)


def measured(command: list[str], cpus: int = 0) -> tuple[float, int]:
    """Run ``command``; return its wall time and the peak RSS (KiB) of its largest process.
    ``cpus`` > 0 pins it (and its children) to that many CPUs, the last ones."""
    import subprocess

    wrapper = ("import os, resource, subprocess, sys, time; n = int(sys.argv[1]); "
               "n and os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[-n:]); "
               "t = time.perf_counter(); "
               "rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL).returncode; "
               "print(time.perf_counter() - t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)")
    out = subprocess.run([sys.executable, "-c", wrapper, str(cpus), *command],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[2] != "0":
        raise RuntimeError(f"{' '.join(command)} failed with exit code {out[2]}")
    return float(out[0]), int(out[1])
