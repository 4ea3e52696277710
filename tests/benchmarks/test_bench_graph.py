"""``make bench-graph``: its synthetic parts must look like what the graph stage reads."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kgprep.benchmarks.graph_scale import bench_graph, synthetic_part
from kgprep.graph import flatten_triples


def test_synthetic_parts_have_every_column_the_graph_stage_flattens():
    from kgprep.core.schemas import DOC_SCHEMA

    real = flatten_triples(DOC_SCHEMA.empty_table())
    synthetic = synthetic_part(np.random.default_rng(0), 50, 100, 10, 0,
                               pa.array([f"e{i}" for i in range(100)]),
                               pa.array([f"r{i}" for i in range(10)]))
    assert synthetic.column_names == real.column_names
    assert [f.type for f in synthetic.schema] == [f.type for f in real.schema]


def test_a_small_synthetic_graph_runs_through_graph_and_subnets(capsys):
    bench_graph(20_000, 2)  # its verdict reads this test process's peak RSS: not asserted
    out = capsys.readouterr().out
    assert "20,000 triples (2 parts)" in out and "after pruning" in out
