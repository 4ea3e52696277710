"""Benchmarks (`make bench*`), apart from the product code: each prints its figures as ratios
against a baseline measured in the same run. ``pipeline``: per-stage throughput, memory and the
synthetic graph; ``webnlg``: WebNLG text-to-RDF with the challenge's scorer; ``query``: the
SPARQL store."""
