"""Domain-targeted selection (``shards.domains``): subnetwork ids by name, and the documents
with enough triples inside those subnetworks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kgprep.core.io import read_parquet
from kgprep.shards.annotate import DocTokens


def select_domains(docs: list[DocTokens], subnet_ids: set[int], min_triples: int
                   ) -> list[DocTokens]:
    """Domain-targeted selection: documents with enough triples in the chosen subnetworks."""
    wanted = np.array(sorted(subnet_ids), dtype=np.int64)
    return [d for d in docs if int(np.isin(d.ids_info[:, 3], wanted).sum()) >= min_triples]



def resolve_domains(work: Path, names: list[str]) -> set[int]:
    """Subnetwork ids for ``shards.domains``; an unknown name is a config error."""
    table = read_parquet(work / "subnets" / "subnets.parquet", columns=["subnet_id", "name"])
    known = dict(zip(table["name"].to_pylist(), table["subnet_id"].to_pylist(), strict=True))
    unknown = [n for n in names if n not in known]
    if unknown:
        from kgprep.core.config import ConfigError

        raise ConfigError(f"config key 'shards.domains': no subnetwork named "
                          f"{', '.join(map(repr, unknown))} (known: {', '.join(sorted(known))})")
    return {known[n] for n in names}
