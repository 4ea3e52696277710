"""Which extracted triples are graph facts: the one rule the graph, RDF and shards stages share.

A triple is a fact when both arguments identify something (the extractor leaves
``no_edge_reason`` null) and its confidence reaches ``graph.min_confidence``. A fact whose object
is a literal (a date, number or measure) becomes a typed RDF literal on its subject, never a node.
Triples that are not facts stay in the extract records with their reason.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _flat(triples: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(triples, pa.ChunkedArray):
        return triples.combine_chunks() if triples.num_chunks else pa.array([], triples.type)
    return triples


def fact_mask(triples: pa.Array | pa.ChunkedArray, min_confidence: float) -> np.ndarray:
    """Per triple (a struct array of extract triples): whether it is a graph fact."""
    triples = _flat(triples)
    if len(triples) == 0:
        return np.zeros(0, bool)
    identified = pc.is_null(pc.struct_field(triples, "no_edge_reason")).to_numpy(
        zero_copy_only=False)
    confident = pc.greater_equal(pc.struct_field(triples, "confidence"),
                                 pa.scalar(min_confidence, pa.float32()))
    return identified & pc.fill_null(confident, False).to_numpy(zero_copy_only=False)


def literal_mask(triples: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per triple: whether its object is a literal (typed value, not a node)."""
    triples = _flat(triples)
    if len(triples) == 0:
        return np.zeros(0, bool)
    kind = pc.struct_field(triples, ["obj", "kind"])
    return pc.fill_null(pc.equal(kind, "literal"), False).to_numpy(zero_copy_only=False)


def is_fact(triple: dict, min_confidence: float) -> bool:
    """``fact_mask`` for one triple record (a dict as the extractor writes it)."""
    return triple.get("no_edge_reason") is None and triple["confidence"] >= min_confidence
