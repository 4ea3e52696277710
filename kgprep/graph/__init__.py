"""Stage 2, graph: aggregate triples into nodes, relations and weighted edges, and write RDF.

Aggregation runs in Arrow (group_by), so it never builds Python dicts per triple. Ids are dense
int32 in sorted key order, which makes them deterministic (DESIGN §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kgprep.core.config import PipelineConfig
from kgprep.core.facts import fact_mask, literal_mask
from kgprep.core.io import (
    read_json,
    read_parquet,
    remove_stale_temporaries,
    sha256_file,
    write_json,
    write_parquet,
)
from kgprep.core.schemas import DOC_SCHEMA, EDGE_SCHEMA, NODE_SCHEMA, RELATION_SCHEMA
from kgprep.core.stage import (
    LARGE_PARTS,
    Stage,
    StageReport,
    StageSpec,
    amount,
    done_record,
    progress,
    stage_config_hash,
    up_to_date,
)
from kgprep.engines import spec_for_light_parts
from kgprep.graph.rdf import write_part_nquads

if TYPE_CHECKING:  # networkx is imported where a graph is built (~0.1 s at start-up)
    import networkx as nx



def flatten_triples(docs: pa.Table, min_confidence: float = 0.0) -> pa.Table:
    """One row per triple: doc id, keys, names, entity types, confidence, negation, and whether
    it is a graph fact (``kgprep.core.facts``) with a literal object."""
    doc_index = pc.list_parent_indices(docs["triples"])
    triples = pc.list_flatten(docs["triples"])
    if isinstance(triples, pa.ChunkedArray):
        triples = triples.combine_chunks() if triples.num_chunks else pa.array([], triples.type)
    parents = np.asarray(doc_index, dtype=np.int64)
    reason = pc.struct_field(triples, "no_edge_reason")
    fact = fact_mask(triples, min_confidence)
    reason = pc.if_else(pa.array(fact), pa.nulls(len(triples), pa.string()), pc.if_else(
        pc.is_null(reason), pa.scalar("below graph.min_confidence"), reason))
    return pa.table(
        {
            "doc_id": pc.take(docs["doc_id"], pa.array(parents)),
            "subj_key": pc.struct_field(triples, ["subj", "key"]),
            "subj_label": pc.struct_field(triples, ["subj", "name"]),
            "subj_type": pc.struct_field(triples, ["subj", "type"]),
            "pred_key": pc.struct_field(triples, ["pred", "key"]),
            "pred_label": pc.struct_field(triples, ["pred", "label"]),
            "obj_key": pc.struct_field(triples, ["obj", "key"]),
            "obj_label": pc.struct_field(triples, ["obj", "name"]),
            "obj_type": pc.struct_field(triples, ["obj", "type"]),
            "confidence": pc.cast(pc.struct_field(triples, "confidence"), pa.float64()),
            "negated": pc.struct_field(triples, "negated"),
            "fact": pa.array(fact),
            "literal": pa.array(literal_mask(triples)),
            "no_edge_reason": reason,
        }
    )


def _first_per_key(counts: pa.Table, key: str, value: str) -> pa.Table:
    """From (key, value, count) rows: the most frequent value per key (ties: smallest value),
    sorted by key."""
    counts = counts.group_by([key, value]).aggregate([("count", "sum")])
    counts = counts.sort_by([(key, "ascending"), ("count_sum", "descending"), (value, "ascending")])
    keys = counts[key].to_numpy(zero_copy_only=False)
    if len(keys) == 0:
        return counts.select([key, value])
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return counts.filter(pa.array(first)).select([key, value])


@dataclass
class PartAggregates:
    """One part's triples reduced to counts. A document lives in exactly one part, so per-part
    distinct-document counts add up exactly across parts; memory follows the number of distinct
    keys and edges, not the number of triples."""

    mentions: pa.Table  # key, freq, doc_freq
    labels: pa.Table  # key, label, count
    types: pa.Table  # key, type, count
    relations: pa.Table  # key, freq
    relation_labels: pa.Table  # key, label, count
    edges: pa.Table  # subj_key, pred_key, obj_key, weight, doc_freq


def aggregate_part(flat: pa.Table) -> PartAggregates:
    """Counts over the part's graph facts: a literal object is a value on its subject, not a
    node, so it adds no mention and no edge."""
    flat = flat.filter(flat["fact"])
    entity_objects = flat.filter(pc.invert(flat["literal"]))
    mentions = pa.concat_tables([
        table.select(["doc_id", f"{side}_key", f"{side}_label", f"{side}_type"]).rename_columns(
            ["doc_id", "key", "label", "type"])
        for side, table in (("subj", flat), ("obj", entity_objects))
    ])
    per_key = mentions.group_by("key").aggregate(
        [("doc_id", "count"), ("doc_id", "count_distinct")])
    asserted = entity_objects.filter(pc.invert(entity_objects["negated"]))
    edges = asserted.group_by(["subj_key", "pred_key", "obj_key"]).aggregate(
        [("confidence", "sum"), ("doc_id", "count_distinct")])

    def counted(table: pa.Table, columns: list[str], names: list[str]) -> pa.Table:
        out = table.group_by(columns).aggregate([([], "count_all")])
        return out.rename_columns([*names, "count"]) if out.num_rows else pa.table(
            {**{n: pa.array([], pa.string()) for n in names}, "count": pa.array([], pa.int64())})

    return PartAggregates(
        mentions=pa.table({"key": per_key["key"], "freq": per_key["doc_id_count"],
                           "doc_freq": per_key["doc_id_count_distinct"]}),
        labels=counted(mentions, ["key", "label"], ["key", "label"]),
        types=counted(mentions, ["key", "type"], ["key", "type"]),
        relations=counted(flat, ["pred_key"], ["key"]).rename_columns(["key", "freq"]),
        relation_labels=counted(flat, ["pred_key", "pred_label"], ["key", "label"]),
        edges=pa.table({"subj_key": edges["subj_key"], "pred_key": edges["pred_key"],
                        "obj_key": edges["obj_key"], "weight": edges["confidence_sum"],
                        "doc_freq": edges["doc_id_count_distinct"]}),
    )


def combine_parts(parts: list[PartAggregates], iri_for: Any
                  ) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Nodes, relations and edges from every part's aggregates; ids in sorted key order."""

    def cat(name: str) -> pa.Table:
        return pa.concat_tables([getattr(p, name) for p in parts])

    node_stats = cat("mentions").group_by("key").aggregate(
        [("freq", "sum"), ("doc_freq", "sum")]).sort_by("key")
    node_labels = _first_per_key(cat("labels"), "key", "label")
    node_types = _first_per_key(cat("types"), "key", "type")
    node_keys = node_stats["key"].to_pylist()
    nodes = pa.table({
        "node_id": pa.array(np.arange(len(node_keys), dtype=np.int32)),
        "key": node_stats["key"],
        "label": node_labels["label"],
        "iri": pa.array([iri_for("entity", k) for k in node_keys], pa.string()),
        "freq": node_stats["freq_sum"],
        "doc_freq": node_stats["doc_freq_sum"],
        "type": node_types["type"],
    }, schema=NODE_SCHEMA)
    rel_stats = cat("relations").group_by("key").aggregate([("freq", "sum")]).sort_by("key")
    rel_labels = _first_per_key(cat("relation_labels"), "key", "label")
    rel_keys = rel_stats["key"].to_pylist()
    relations = pa.table({
        "relation_id": pa.array(np.arange(len(rel_keys), dtype=np.int32)),
        "key": rel_stats["key"],
        "label": rel_labels["label"],
        "iri": pa.array([iri_for("relation", k) for k in rel_keys], pa.string()),
        "freq": rel_stats["freq_sum"],
    }, schema=RELATION_SCHEMA)
    edge_keys = cat("edges").group_by(["subj_key", "pred_key", "obj_key"]).aggregate(
        [("weight", "sum"), ("doc_freq", "sum")])
    edges = pa.table({
        "subj_node": pc.cast(pc.index_in(edge_keys["subj_key"], value_set=nodes["key"]),
                             pa.int32()),
        "relation_id": pc.cast(pc.index_in(edge_keys["pred_key"], value_set=relations["key"]),
                               pa.int32()),
        "obj_node": pc.cast(pc.index_in(edge_keys["obj_key"], value_set=nodes["key"]),
                            pa.int32()),
        "weight": pc.round(edge_keys["weight_sum"], 6),
        "doc_freq": edge_keys["doc_freq_sum"],
    }, schema=EDGE_SCHEMA).sort_by(
        [("subj_node", "ascending"), ("relation_id", "ascending"), ("obj_node", "ascending")])
    return nodes, relations, edges


def build_nx(subj: np.ndarray, obj: np.ndarray, weight: np.ndarray,
             keep: np.ndarray | None = None, n_nodes: int = 0) -> nx.Graph:
    """An undirected networkx graph on integer ids from edge arrays (the ``keep`` ones);
    parallel relations add their weights. ``n_nodes`` also adds nodes without edges."""
    if keep is not None:
        subj, obj, weight = subj[keep], obj[keep], weight[keep]
    lo, hi = np.minimum(subj, obj), np.maximum(subj, obj)
    order = np.lexsort((hi, lo))
    lo, hi, w = lo[order], hi[order], weight[order]
    new = np.ones(len(lo), bool)
    new[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    starts = np.flatnonzero(new)
    summed = np.add.reduceat(w, starts) if len(starts) else w
    import networkx as nx

    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(n_nodes))
    graph.add_weighted_edges_from(zip(lo[starts].tolist(), hi[starts].tolist(),
                                      summed.tolist(), strict=True))
    return graph


def read_extract_manifest(work: Path) -> dict[str, Any]:
    path = work / "extract" / "manifest.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the extract stage first")
    return read_json(path)


def triple_outcomes(flat: pa.Table) -> dict[str, int]:
    """How many triples became facts (entity edges, literal values, negated) and, for the rest,
    why they gave none."""
    facts = flat.filter(flat["fact"])
    counts = {"triples": flat.num_rows, "facts": facts.num_rows,
              "literal_facts": int(pc.sum(facts["literal"]).as_py() or 0),
              "negated_facts": int(pc.sum(facts["negated"]).as_py() or 0)}
    reasons = flat.filter(pc.invert(flat["fact"])).group_by("no_edge_reason").aggregate(
        [([], "count_all")])
    for reason, count in zip(reasons["no_edge_reason"].to_pylist(),
                             reasons["count_all"].to_pylist(), strict=True):
        counts[f"no fact: {reason}"] = count
    return counts


def graph_warnings(outcomes: dict[str, int], edges: int, min_confidence: float) -> list[str]:
    """An empty graph, with why: no triples, or every triple refused (the main reasons)."""
    if edges:
        return []
    if outcomes["triples"] == 0:
        return ["the graph has no edges: extract found no triples"]
    reasons = sorted(((n, k.removeprefix("no fact: ")) for k, n in outcomes.items()
                      if k.startswith("no fact: ")), key=lambda nk: (-nk[0], nk[1]))
    shown = ", ".join(f"{reason} {n:,}" for n, reason in reasons[:3])
    return [f"the graph has no edges: {amount(outcomes['triples'], 'triple')}, "
            f"{amount(outcomes['facts'], 'fact')} (graph.min_confidence {min_confidence}); "
            f"no fact: {shown or 'none'}"]


SPEC = StageSpec(
    "graph", ("extract",), ("graph",), (),
    "Aggregate all triples into a weighted knowledge graph (nodes, relations, edges as "
    "Parquet) and write N-Quads with one named graph per document to rdf/.",
    code=("graph/*.py", "core/facts.py"), parallel=LARGE_PARTS)


class GraphStage(Stage):
    """Per extract part (``process``): its N-Quads and its aggregated counts; ``reduce``
    combines the counts into the graph tables."""

    spec = SPEC
    upstream_key = "extract_manifest_sha256"

    def parts(self, cfg: PipelineConfig) -> list[tuple[str, dict[str, Any], int | None]]:
        """(extract part file, what its done-marker records, its quads if done) per part."""
        work = cfg.work_path
        config_hash = stage_config_hash("graph", cfg)
        items = []
        for part in read_extract_manifest(work)["parts"]:
            out = work / "rdf" / part["file"].replace(".parquet", ".nq")
            expected = {"part_sha256": part["sha256"], "config_hash": config_hash}
            done = done_record(out.with_suffix(".done.json"), expected, out)
            items.append((part["file"], expected, None if done is None else done["quads"]))
        return items

    def is_current(self, cfg: PipelineConfig) -> bool:
        """The graph tables are current (``Stage.is_current``) and so is every part's N-Quads
        file: one cut short or removed since is written again, not left for a store to fail
        on."""
        return super().is_current(cfg) and all(
            quads is not None for _, _, quads in self.parts(cfg))

    def process(self, item: tuple[str, dict[str, Any], int | None], *args: Any
                ) -> tuple[int, dict[str, int], PartAggregates]:
        """One extract part: its N-Quads unless done (``quads`` known), then its aggregated
        counts. Returns (quads, triple counts by outcome, aggregates); memory follows the
        part's keys."""
        (cfg,) = args
        file, expected, quads = item
        workdir = cfg.workdir  # this machine's view of it: a worker elsewhere has its own
        # N-Quads and counts both read only these: the sentences column stays on disk.
        docs = read_parquet(workdir.fetch(f"extract/{file}"),
                            columns=["doc_id", "text", "triples"])
        if quads is None:
            out = workdir.root / "rdf" / file.replace(".parquet", ".nq")
            quads = write_part_nquads(out, docs, cfg.graph.base_iri, cfg.graph.min_confidence)
            write_json(out.with_suffix(".done.json"),
                       {**expected, "quads": quads, "bytes": out.stat().st_size})
            workdir.publish(out, out.with_suffix(".done.json"))
        flat = flatten_triples(docs, cfg.graph.min_confidence)
        return quads, triple_outcomes(flat), aggregate_part(flat)

    def run(self, cfg: PipelineConfig) -> StageReport:
        work = cfg.work_path
        report = StageReport("graph", stage_config_hash("graph", cfg), rate_unit="triples")
        manifest = read_extract_manifest(work)
        for d in (work / "graph", work / "rdf"):
            d.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(d)
        if self.is_current(cfg):
            return up_to_date(report, work, ("graph", "rdf"))
        # The manifest is the commit point (the query store's too): from here until reduce
        # writes this run's, the old run's must not vouch for N-Quads being replaced.
        cfg.workdir.retract(work / "graph" / "manifest.json")
        # Per part, on the engine: its N-Quads (kept when the part is unchanged), its counts.
        items = self.parts(cfg)
        engine = spec_for_light_parts(cfg.run, [work / "extract" / p["file"]
                                                for p in manifest["parts"]])
        results = [result for result, _ in progress(
            self.map(engine, (), items, (cfg,)), len(items), "graph")]
        return self.reduce(cfg, results, report)

    def reduce(self, cfg: PipelineConfig, results: list[Any],
               report: StageReport | None = None) -> StageReport:
        """The parts' counts combined into nodes, relations and edges; the manifest last."""
        work = cfg.work_path
        config_hash = stage_config_hash("graph", cfg)
        report = report or StageReport("graph", config_hash, rate_unit="triples")
        manifest = read_extract_manifest(work)
        out_dir, rdf_dir = work / "graph", work / "rdf"
        upstream = sha256_file(work / "extract" / "manifest.json")
        aggregates = []
        quads = 0
        outcomes: dict[str, int] = {"triples": 0, "facts": 0, "literal_facts": 0,
                                    "negated_facts": 0}
        for part_quads, part_outcomes, aggregate in results:
            quads += part_quads
            for name, count in part_outcomes.items():
                outcomes[name] = outcomes.get(name, 0) + count
            aggregates.append(aggregate)
        if not aggregates:  # no parts: empty tables with the right columns
            aggregates.append(aggregate_part(flatten_triples(
                DOC_SCHEMA.empty_table().select(["doc_id", "text", "triples"]))))
        keep = {p["file"].replace(".parquet", ".nq") for p in manifest["parts"]}
        for stale in rdf_dir.glob("part-*.nq"):
            if stale.name not in keep:
                stale.unlink()
                stale.with_suffix(".done.json").unlink(missing_ok=True)

        def iri_for(kind: str, key: str) -> str:
            from kgprep.graph.rdf import iri

            return iri(cfg.graph.base_iri, kind, key)

        nodes, relations, edges = combine_parts(aggregates, iri_for)
        meta = {"kgprep.config_hash": config_hash}
        write_parquet(out_dir / "nodes.parquet", nodes, meta)
        write_parquet(out_dir / "relations.parquet", relations, meta)
        write_parquet(out_dir / "edges.parquet", edges, meta)
        graph = build_nx(edges["subj_node"].to_numpy(), edges["obj_node"].to_numpy(),
                         edges["weight"].to_numpy(), n_nodes=nodes.num_rows)
        import networkx as nx

        components = nx.number_connected_components(graph) if nodes.num_rows else 0
        largest = max((len(c) for c in nx.connected_components(graph)), default=0)
        write_json(
            out_dir / "manifest.json",
            {"stage": "graph", "config_hash": config_hash, "extract_manifest_sha256": upstream,
             "nodes": nodes.num_rows, "relations": relations.num_rows, "edges": edges.num_rows,
             "min_confidence": cfg.graph.min_confidence, "triple_outcomes": outcomes,
             "files": {name: sha256_file(out_dir / f"{name}.parquet")
                       for name in ("nodes", "relations", "edges")}},
        )
        reasons = sorted(((k, v) for k, v in outcomes.items() if k.startswith("no fact: ")),
                         key=lambda kv: (-kv[1], kv[0]))
        report.counts = {
            **{k: outcomes[k] for k in ("triples", "facts", "literal_facts", "negated_facts")},
            **{f"  {k}": v for k, v in reasons},
            "nodes": nodes.num_rows,
            "relations": relations.num_rows,
            "edges": edges.num_rows,
            "components": components,
            "largest_component": largest,
            "quads": quads,
        }
        report.details = {"min_confidence": cfg.graph.min_confidence, "triple_outcomes": outcomes}
        report.warnings = graph_warnings(outcomes, edges.num_rows, cfg.graph.min_confidence)
        report.rate_count = outcomes["triples"]
        report.outputs = {"graph": str(out_dir), "rdf": str(rdf_dir)}
        return report.finish()


STAGE = GraphStage()


def run_graph(cfg: PipelineConfig) -> StageReport:
    return STAGE.run(cfg)
