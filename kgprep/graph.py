"""Stage 2, graph: aggregate triples into nodes, relations and weighted edges, and write RDF.

Aggregation runs in Arrow (group_by), so it never builds Python dicts per triple. Ids are dense
int32 in sorted key order, which makes them deterministic (DESIGN §5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kgprep.config import PipelineConfig
from kgprep.extract import DOC_SCHEMA
from kgprep.io import read_json, remove_stale_temporaries, sha256_file, write_json, write_parquet
from kgprep.rdf import write_part_nquads
from kgprep.stage import StageReport, progress, stage_config_hash, stage_done

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


def flatten_triples(docs: pa.Table) -> pa.Table:
    """One row per triple: doc id, keys, surface labels, entity types, confidence, negation."""
    doc_index = pc.list_parent_indices(docs["triples"])
    triples = pc.list_flatten(docs["triples"])
    if isinstance(triples, pa.ChunkedArray):
        triples = triples.combine_chunks() if triples.num_chunks else pa.array([], triples.type)
    texts = docs["text"].to_pylist()
    parents = np.asarray(doc_index, dtype=np.int64)

    def surface(arg: str, start: str, end: str) -> list[str]:
        field = pc.struct_field(triples, arg)
        starts = pc.struct_field(field, start).to_numpy(zero_copy_only=False)
        ends = pc.struct_field(field, end).to_numpy(zero_copy_only=False)
        return [texts[d][s:e] for d, s, e in zip(parents, starts, ends, strict=True)]

    return pa.table(
        {
            "doc_id": pc.take(docs["doc_id"], pa.array(parents)),
            "subj_key": pc.struct_field(triples, ["subj", "key"]),
            "subj_label": surface("subj", "head_start", "head_end"),
            "subj_type": pc.struct_field(triples, ["subj", "type"]),
            "pred_key": pc.struct_field(triples, ["pred", "key"]),
            "pred_label": surface("pred", "start", "end"),
            "obj_key": pc.struct_field(triples, ["obj", "key"]),
            "obj_label": surface("obj", "head_start", "head_end"),
            "obj_type": pc.struct_field(triples, ["obj", "type"]),
            "confidence": pc.cast(pc.struct_field(triples, "confidence"), pa.float64()),
            "negated": pc.struct_field(triples, "negated"),
        }
    )


def _first_per_key(table: pa.Table, key: str, value: str) -> pa.Table:
    """The most frequent ``value`` per ``key`` (ties: smallest value), sorted by key."""
    counts = table.group_by([key, value]).aggregate([([], "count_all")])
    counts = counts.sort_by([(key, "ascending"), ("count_all", "descending"), (value, "ascending")])
    keys = counts[key].to_numpy(zero_copy_only=False)
    if len(keys) == 0:
        return counts.select([key, value])
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return counts.filter(pa.array(first)).select([key, value])


def build_nodes(flat: pa.Table, iri_for: Any) -> pa.Table:
    mentions = pa.concat_tables(
        [
            flat.select(["doc_id", f"{side}_key", f"{side}_label", f"{side}_type"]).rename_columns(
                ["doc_id", "key", "label", "type"]
            )
            for side in ("subj", "obj")
        ]
    )
    stats = mentions.group_by("key").aggregate(
        [("doc_id", "count"), ("doc_id", "count_distinct")]
    ).sort_by("key")
    labels = _first_per_key(mentions, "key", "label")
    types = _first_per_key(mentions, "key", "type")
    keys = stats["key"].to_pylist()
    return pa.table(
        {
            "node_id": pa.array(np.arange(len(keys), dtype=np.int32)),
            "key": stats["key"],
            "label": labels["label"],
            "iri": pa.array([iri_for("entity", k) for k in keys], pa.string()),
            "freq": stats["doc_id_count"],
            "doc_freq": stats["doc_id_count_distinct"],
            "type": types["type"],
        },
        schema=NODE_SCHEMA,
    )


def build_relations(flat: pa.Table, iri_for: Any) -> pa.Table:
    stats = flat.group_by("pred_key").aggregate([([], "count_all")]).sort_by("pred_key")
    labels = _first_per_key(flat, "pred_key", "pred_label")
    keys = stats["pred_key"].to_pylist()
    return pa.table(
        {
            "relation_id": pa.array(np.arange(len(keys), dtype=np.int32)),
            "key": stats["pred_key"],
            "label": labels["pred_label"],
            "iri": pa.array([iri_for("relation", k) for k in keys], pa.string()),
            "freq": stats["count_all"],
        },
        schema=RELATION_SCHEMA,
    )


def build_edges(flat: pa.Table, nodes: pa.Table, relations: pa.Table) -> pa.Table:
    """Edges from asserted (non-negated) triples; weight is the summed confidence."""
    asserted = flat.filter(pc.invert(flat["negated"]))
    table = pa.table(
        {
            "subj_node": pc.cast(pc.index_in(asserted["subj_key"], value_set=nodes["key"]),
                                 pa.int32()),
            "relation_id": pc.cast(
                pc.index_in(asserted["pred_key"], value_set=relations["key"]), pa.int32()
            ),
            "obj_node": pc.cast(pc.index_in(asserted["obj_key"], value_set=nodes["key"]),
                                pa.int32()),
            "confidence": asserted["confidence"],
            "doc_id": asserted["doc_id"],
        }
    )
    grouped = table.group_by(["subj_node", "relation_id", "obj_node"]).aggregate(
        [("confidence", "sum"), ("doc_id", "count_distinct")]
    )
    grouped = grouped.sort_by(
        [("subj_node", "ascending"), ("relation_id", "ascending"), ("obj_node", "ascending")]
    )
    return pa.table(
        {
            "subj_node": grouped["subj_node"],
            "relation_id": grouped["relation_id"],
            "obj_node": grouped["obj_node"],
            "weight": pc.round(grouped["confidence_sum"], 6),
            "doc_freq": grouped["doc_id_count_distinct"],
        },
        schema=EDGE_SCHEMA,
    )


def to_networkx(edges: pa.Table, n_nodes: int) -> nx.Graph:
    """An undirected graph on integer node ids; parallel relations add up their weights."""
    graph = nx.Graph()
    graph.add_nodes_from(range(n_nodes))
    subj = edges["subj_node"].to_numpy()
    obj = edges["obj_node"].to_numpy()
    weight = edges["weight"].to_numpy()
    for s, o, w in zip(subj.tolist(), obj.tolist(), weight.tolist(), strict=True):
        if s == o:
            continue
        if graph.has_edge(s, o):
            graph[s][o]["weight"] += w
        else:
            graph.add_edge(s, o, weight=w)
    return graph


def read_extract_manifest(work: Path) -> dict[str, Any]:
    path = work / "extract" / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the extract stage first")
    return read_json(path)


def run_graph(cfg: PipelineConfig) -> StageReport:
    config_hash = stage_config_hash("graph", cfg)
    report = StageReport("graph", config_hash, rate_unit="triples")
    work = cfg.work_path
    manifest = read_extract_manifest(work)
    out_dir = work / "graph"
    rdf_dir = work / "rdf"
    for d in (out_dir, rdf_dir):
        d.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(d)
    part_files = [work / "extract" / p["file"] for p in manifest["parts"]]
    upstream = sha256_file(work / "extract" / "manifest.json")

    def iri_for(kind: str, key: str) -> str:
        from kgprep.rdf import iri

        return iri(cfg.graph.base_iri, kind, key)

    # RDF: one N-Quads file per extract part, skipped when that part is unchanged.
    quads = 0
    for part in progress(manifest["parts"], len(manifest["parts"]), "rdf"):
        out = rdf_dir / part["file"].replace(".parquet", ".nq")
        marker = out.with_suffix(".done.json")
        expected = {"part_sha256": part["sha256"], "config_hash": config_hash}
        if stage_done(marker, expected) and out.is_file():
            quads += read_json(marker)["quads"]
            continue
        docs = pq.read_table(work / "extract" / part["file"])
        n = write_part_nquads(out, docs, cfg.graph.base_iri)
        write_json(marker, {**expected, "quads": n})
        quads += n
    keep = {p["file"].replace(".parquet", ".nq") for p in manifest["parts"]}
    for stale in rdf_dir.glob("part-*.nq"):
        if stale.name not in keep:
            stale.unlink()
            stale.with_suffix(".done.json").unlink(missing_ok=True)

    tables = [pq.read_table(f, columns=["doc_id", "text", "triples"]) for f in part_files]
    flat = flatten_triples(
        pa.concat_tables(tables) if tables else DOC_SCHEMA.empty_table().select(
            ["doc_id", "text", "triples"])
    )
    nodes = build_nodes(flat, iri_for)
    relations = build_relations(flat, iri_for)
    edges = build_edges(flat, nodes, relations)
    meta = {"kgprep.config_hash": config_hash}
    write_parquet(out_dir / "nodes.parquet", nodes, meta)
    write_parquet(out_dir / "relations.parquet", relations, meta)
    write_parquet(out_dir / "edges.parquet", edges, meta)
    graph = to_networkx(edges, nodes.num_rows)
    components = nx.number_connected_components(graph) if nodes.num_rows else 0
    largest = max((len(c) for c in nx.connected_components(graph)), default=0)
    write_json(
        out_dir / "manifest.json",
        {"stage": "graph", "config_hash": config_hash, "extract_manifest_sha256": upstream,
         "nodes": nodes.num_rows, "relations": relations.num_rows, "edges": edges.num_rows,
         "files": {name: sha256_file(out_dir / f"{name}.parquet")
                   for name in ("nodes", "relations", "edges")}},
    )
    report.counts = {
        "triples": flat.num_rows,
        "negated_triples": int(pc.sum(flat["negated"]).as_py() or 0),
        "nodes": nodes.num_rows,
        "relations": relations.num_rows,
        "edges": edges.num_rows,
        "components": components,
        "largest_component": largest,
        "quads": quads,
    }
    report.rate_count = flat.num_rows
    report.outputs = {"graph": str(out_dir), "rdf": str(rdf_dir)}
    return report.finish()

