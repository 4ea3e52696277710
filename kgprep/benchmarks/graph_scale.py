"""Synthetic power-law triples through the graph and subnets stages: time and peak RSS."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

GRAPH_RSS_LIMIT_GB = 8.0


def synthetic_part(rng: Any, n: int, n_entities: int, n_relations: int, first_doc: int,
                   vocab: Any, rel_vocab: Any) -> Any:
    """A flattened triple table like the graph stage builds from a part: power-law entities."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def zipf(size: int, top: int, exponent: float) -> Any:
        # Inverse-CDF sampling of a bounded power law over ranks 1..top.
        u = rng.random(size)
        ranks = np.floor((1 + u * (top ** (1 - exponent) - 1)) ** (1 / (1 - exponent)))
        return np.clip(ranks.astype(np.int64) - 1, 0, top - 1)

    subj = pa.array(zipf(n, n_entities, 1.15))
    obj = pa.array(zipf(n, n_entities, 1.15))
    rel = pa.array(zipf(n, n_relations, 1.3))
    docs = pa.array((first_doc + np.arange(n) // 10).astype(np.int64)).cast(pa.string())
    subj_keys, obj_keys = pc.take(vocab, subj), pc.take(vocab, obj)
    rel_keys = pc.take(rel_vocab, rel)
    concept = pa.array(["CONCEPT"] * n)
    return pa.table({
        "doc_id": docs, "subj_key": subj_keys, "subj_label": subj_keys, "subj_type": concept,
        "pred_key": rel_keys, "pred_label": rel_keys, "obj_key": obj_keys,
        "obj_label": obj_keys, "obj_type": concept,
        "confidence": pa.array(rng.uniform(0.4, 0.95, n)), "negated": pa.array(np.zeros(n, bool)),
        # Every synthetic triple is a graph fact between two nodes, as in ``flatten_triples``.
        "fact": pa.array(np.ones(n, bool)), "literal": pa.array(np.zeros(n, bool)),
        "no_edge_reason": pa.nulls(n, pa.string()),
    })


def bench_graph(n_triples: int, parts: int) -> bool:
    """Aggregate synthetic triples into the graph and run subnets; report time and peak RSS."""
    import resource

    import numpy as np
    import pyarrow as pa

    from kgprep.core.config import parse_config
    from kgprep.core.io import sha256_file, write_json, write_parquet
    from kgprep.graph import aggregate_part, combine_parts
    from kgprep.graph.rdf import iri
    from kgprep.subnets import run_subnets

    n_entities, n_relations = max(1000, n_triples // 5), 2000
    rng = np.random.default_rng(0)
    vocab = pa.array([f"entity {i}" for i in range(n_entities)])
    rel_vocab = pa.array([f"relation {i}" for i in range(n_relations)])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        domains = Path(tmp) / "domains.toml"
        # Eight domains, each seeded with ten entities of middling frequency.
        seeds = rng.choice(np.arange(100, 5000), size=(8, 10), replace=False)
        domains.write_text("".join(f'd{i} = {[f"entity {e}" for e in row]}\n'
                                   for i, row in enumerate(seeds)).replace("'", '"'))
        started = time.perf_counter()
        per_part = n_triples // parts
        aggregates = []
        for p in range(parts):
            flat = synthetic_part(rng, per_part, n_entities, n_relations, p * per_part // 10,
                                  vocab, rel_vocab)
            aggregates.append(aggregate_part(flat))
            del flat
        nodes, relations, edges = combine_parts(
            aggregates, lambda kind, key: iri("https://kgprep.example.org", kind, key))
        del aggregates
        graph_seconds = time.perf_counter() - started
        for name, table in (("nodes", nodes), ("relations", relations), ("edges", edges)):
            write_parquet(work / "graph" / f"{name}.parquet", table)
        write_json(work / "graph" / "manifest.json", {"files": {
            n: sha256_file(work / "graph" / f"{n}.parquet")
            for n in ("nodes", "relations", "edges")}})
        n_nodes, n_edges = nodes.num_rows, edges.num_rows
        del nodes, relations, edges
        cfg = parse_config({
            "name": "bench-graph", "work_dir": str(work), "input": {"paths": [tmp]},
            "subnets": {"domains_file": str(domains), "mode": "seeded", "min_node_freq": 20,
                        "min_edge_weight": 1.0, "hub_std": 20.0, "min_degree": 2,
                        "max_nodes": 20000},
        }, Path(tmp))
        subnets = run_subnets(cfg)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"Synthetic graph: {n_triples:,} triples ({parts} parts), power-law entities "
          f"({n_entities:,} possible), {n_relations:,} relations")
    print(f"  graph aggregation (Arrow)  {graph_seconds:7.1f} s  -> {n_nodes:,} nodes, "
          f"{n_edges:,} edges ({n_triples / graph_seconds:,.0f} triples/s)")
    print(f"  subnets (prune + PPR)      {subnets.seconds:7.1f} s  -> "
          f"{subnets.counts['nodes_after_pruning']:,} nodes and "
          f"{subnets.counts['edges_after_pruning']:,} edges after pruning, "
          f"{subnets.counts['edges_in_subnets']:,} edges in 8 subnetworks")
    ok = peak_gb < GRAPH_RSS_LIMIT_GB
    print(f"  peak RSS {peak_gb:.2f} GB (limit {GRAPH_RSS_LIMIT_GB:.0f} GB: "
          f"{'met' if ok else 'MISSED'}); total {graph_seconds + subnets.seconds:.1f} s")
    return ok
