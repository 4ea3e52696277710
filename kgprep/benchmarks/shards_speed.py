"""The shards stage's tokens/s and its time as a fraction of extract's, all stages on WikiText-2."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kgprep.benchmarks.common import config_with_limit

SHARDS_TARGET = 0.10  # shards-stage time over extract-stage time


def bench_shards(shared: Path, model: str, limit: int, workers: int) -> bool:
    """Run all stages on WikiText-2 valid; report the shards stage against extract."""
    from kgprep.extract import run_extract
    from kgprep.graph import run_graph
    from kgprep.shards import run_shards
    from kgprep.subnets import run_subnets

    corpus = shared / "data" / "corpus" / "wikitext-2" / "valid.txt"
    with tempfile.TemporaryDirectory() as tmp:
        raw = {
            "name": "bench", "work_dir": str(Path(tmp) / "work"),
            "input": {"paths": [str(corpus)], "format": "text", "part_size": 200},
            "extract": {"spacy_model": model},
            "shards": {"vocab_size": 16000, "seq_len": 1024},
            "run": {"workers": workers},
        }
        cfg = config_with_limit(raw, Path(tmp), limit)
        extract = run_extract(cfg)
        graph = run_graph(cfg)
        subnets = run_subnets(cfg)
        shards = run_shards(cfg)
    tokens = int(shards.counts["tokens"])
    fraction = shards.seconds / extract.seconds
    print(f"Shards on {corpus.name}: {extract.counts['documents']:,} documents, "
          f"{cfg.effective_workers()} extract workers, BPE trained on the corpus (16k vocab)")
    print(f"  {'stage':<10}{'seconds':>9}{'throughput':>24}")
    print(f"  {'extract':<10}{extract.seconds:9.1f}"
          f"{int(extract.counts['words']) / extract.seconds:>15,.0f} words/s")
    print(f"  {'graph':<10}{graph.seconds:9.1f}")
    print(f"  {'subnets':<10}{subnets.seconds:9.1f}")
    print(f"  {'shards':<10}{shards.seconds:9.1f}{tokens / shards.seconds:>15,.0f} tokens/s"
          f"  ({tokens:,} tokens, {shards.counts['triples']:,} triples)")
    ok = fraction <= SHARDS_TARGET
    print(f"  shards time / extract time: {fraction:.3f} (target <= {SHARDS_TARGET}: "
          f"{'met' if ok else 'MISSED'})")
    return ok
