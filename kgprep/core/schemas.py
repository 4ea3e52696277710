"""Every Arrow schema kgprep writes, in one place: the extract parts, the graph tables, the
subnetwork tables and the shards (README, "Output artifacts"). Changing one changes the bytes
of every artifact of that stage and needs a FORMAT_VERSION bump."""

from __future__ import annotations

import pyarrow as pa

# -- extract/part-*.parquet ----------------------------------------------------------------

SPAN_TYPE = pa.struct([("start", pa.int32()), ("end", pa.int32())])
ARGUMENT_TYPE = pa.struct(
    [
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("head_start", pa.int32()),
        ("head_end", pa.int32()),
        ("key", pa.string()),
        ("type", pa.string()),
        # What the argument is for the graph: "entity" (a named entity), "concept" (a specific
        # noun phrase), "literal" (a date, number or measure: ``value``/``datatype``/``unit``),
        # or why it identifies nothing: "generic", "unresolved", "pronoun".
        ("kind", pa.string()),
        ("mention", pa.string()),  # the argument's name as written ("he", "the company")
        ("name", pa.string()),  # the name it identifies ("Du Fu", "Giant Bicycle Inc.")
        ("resolution", pa.string()),  # how the key was found: pronoun, short_name, ... or null
        ("value", pa.string()),
        ("datatype", pa.string()),
        ("unit", pa.string()),
    ]
)
TRIPLE_TYPE = pa.struct(
    [
        ("sentence", pa.int32()),
        ("subj", ARGUMENT_TYPE),
        # An implicit relation (apposition, "capital of") has an empty span (start == end).
        ("pred", pa.struct([("start", pa.int32()), ("end", pa.int32()), ("lemma", pa.string()),
                            ("key", pa.string()), ("label", pa.string())])),
        ("obj", ARGUMENT_TYPE),
        ("extra_args", pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32()),
                                           ("prep", pa.string())]))),
        ("negated", pa.bool_()),
        ("modality", pa.string()),
        ("attributed_to", pa.string()),
        ("confidence", pa.float32()),
        ("rule", pa.string()),
        # Whether both arguments identify something (see kgprep.core.facts); else why not.
        ("no_edge_reason", pa.string()),
    ]
)
DOC_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("sentences", pa.list_(SPAN_TYPE)),
        ("triples", pa.list_(TRIPLE_TYPE)),
    ]
)


# -- graph/*.parquet -----------------------------------------------------------------------

NODE_SCHEMA = pa.schema(
    [("node_id", pa.int32()), ("key", pa.string()), ("label", pa.string()), ("iri", pa.string()),
     ("freq", pa.int64()), ("doc_freq", pa.int64()), ("type", pa.string())]
)
RELATION_SCHEMA = pa.schema(
    [("relation_id", pa.int32()), ("key", pa.string()), ("label", pa.string()),
     ("iri", pa.string()), ("freq", pa.int64())]
)
EDGE_SCHEMA = pa.schema(
    [("subj_node", pa.int32()), ("relation_id", pa.int32()), ("obj_node", pa.int32()),
     ("weight", pa.float64()), ("doc_freq", pa.int64())]
)


# -- subnets/*.parquet ---------------------------------------------------------------------

MEMBERSHIP_SCHEMA = pa.schema(
    [("node_id", pa.int32()), ("subnet_id", pa.int16()), ("score", pa.float32())]
)
SUBNET_SCHEMA = pa.schema(
    [("subnet_id", pa.int16()), ("name", pa.string()), ("seeds", pa.list_(pa.string())),
     ("n_nodes", pa.int64()), ("n_edges", pa.int64()), ("kind", pa.string())]
)
EDGE_SUBNET_SCHEMA = pa.schema(
    [("subj_node", pa.int32()), ("relation_id", pa.int32()), ("obj_node", pa.int32()),
     ("subnet_id", pa.int16())]
)


# -- shards/shard-*.arrow ------------------------------------------------------------------

ROW_TRIPLE = pa.struct(
    [("subj_start", pa.int32()), ("subj_end", pa.int32()),
     ("pred_start", pa.int32()), ("pred_end", pa.int32()),
     ("obj_start", pa.int32()), ("obj_end", pa.int32()),
     ("subj_node", pa.int32()), ("relation_id", pa.int32()), ("obj_node", pa.int32()),
     ("subnet", pa.int16()), ("negated", pa.bool_()), ("confidence", pa.float32()),
     ("triple_index", pa.int32())]
)
ROW_DOC = pa.struct([("doc_id", pa.string()), ("start", pa.int32()), ("end", pa.int32())])


def shard_schema(seq_len: int, packing: str) -> pa.Schema:
    def col(dtype: pa.DataType) -> pa.DataType:
        return pa.list_(dtype, seq_len) if packing == "packed" else pa.list_(dtype)

    return pa.schema(
        [("input_ids", col(pa.uint32())), ("role", col(pa.uint8())), ("entity", col(pa.int32())),
         ("subnet", col(pa.int16())), ("loss_mask", col(pa.uint8())),
         ("triples", pa.list_(ROW_TRIPLE)), ("docs", pa.list_(ROW_DOC)), ("n_tokens", pa.int32())]
    )
