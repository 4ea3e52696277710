"""``kgprep ablate``: does the knowledge in the shards make a language model learn faster?

Matched small causal transformers (same size, token budget, optimiser and seeds) train on one
pipeline's shards: a plain-text baseline and knowledge variants. The package reads only the shards
directory, its manifest, the tokenizer file and (optionally) ``subnets/subnets.parquet``, and
imports only numpy, pyarrow, tokenizers and torch, so that it runs on a GPU machine without spaCy
or the rest of kgprep's stage dependencies:
``PYTHONPATH=. python3 -m kgprep.ablation WORK_DIR --device cuda``.

- ``data``: shard rows back into documents, the hash split, each variant's token sequences.
- ``curves``: the efficiency factor from loss curves (pure functions, no torch).
- ``model``, ``train``, ``probe``: the transformer, the matched training runs, the fact probe.
- ``run``: the whole ablation, ``results.json`` and the plots.
"""
