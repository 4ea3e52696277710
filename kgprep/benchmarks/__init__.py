"""Benchmarks (`make bench*`), apart from the product code: each prints its figures as ratios
against a baseline measured in the same run. ``pipeline`` is the command line that runs them;
one module per benchmark: ``extract_speed``, ``scaling`` (workers and memory), ``shards_speed``,
``long_document``, ``graph_scale`` (the synthetic graph), ``subnets_webnlg``, ``carb_quality``,
``webnlg`` (WebNLG text-to-RDF with the challenge's scorer) and ``query`` (the SPARQL store)."""
