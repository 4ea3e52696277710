"""Stage 3, subnets: seeded domain subnetworks via personalized PageRank, with pruning.

Pure core: ``assign_domains`` takes a networkx graph on integer ids and seed ids and returns the
membership; the stage function around it reads the graph tables and writes the artifacts.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from kgprep.config import PipelineConfig, SubnetsConfig
from kgprep.graph import to_networkx
from kgprep.io import read_json, remove_stale_temporaries, write_bytes, write_json, write_parquet
from kgprep.stage import StageReport, stage_config_hash

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class DomainsError(ValueError):
    pass


@dataclass(frozen=True)
class Domain:
    name: str
    seeds: tuple[str, ...]


def load_domains(path: Path) -> list[Domain]:
    """A TOML file mapping each domain name to a list of seed terms, sorted by name."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DomainsError(f"{path}: invalid TOML: {exc}") from exc
    table = raw.get("domains", raw)
    domains = []
    for name, seeds in sorted(table.items()):
        if not _NAME.match(name):
            raise DomainsError(f"{path}: domain name {name!r} must be letters, digits, _ . -")
        if not isinstance(seeds, list) or not all(isinstance(s, str) for s in seeds) or not seeds:
            raise DomainsError(f"{path}: domain '{name}' must be a non-empty list of strings")
        domains.append(Domain(name, tuple(s.strip().lower() for s in seeds)))
    if len(domains) > np.iinfo(np.int16).max:
        raise DomainsError(f"{path}: too many domains for int16 subnet ids")
    return domains


def match_seeds(keys: list[str], seeds: tuple[str, ...]) -> list[int]:
    """Node ids whose key is a seed, or a seed's head with modifiers ("influenza virus")."""
    wanted = set(seeds)
    return [
        i for i, key in enumerate(keys)
        if key in wanted or any(key.endswith(" " + s) for s in wanted)
    ]


def personalized_pagerank(graph: nx.Graph, seeds: list[int], alpha: float) -> dict[int, float]:
    """PPR from ``seeds``, scaled so the best node scores 1."""
    if not seeds or graph.number_of_edges() == 0:
        return {s: 1.0 for s in seeds}
    personalization = {n: 0.0 for n in graph.nodes}
    for s in seeds:
        personalization[s] = 1.0
    scores = nx.pagerank(graph, alpha=alpha, personalization=personalization, weight="weight",
                         tol=1e-10, max_iter=500)
    top = max(scores.values())
    return {n: s / top for n, s in scores.items() if s > 0}


def assign_domains(
    graph: nx.Graph, seed_ids: list[list[int]], cfg: SubnetsConfig
) -> dict[int, dict[int, float]]:
    """subnet_id -> {node_id: score}: a node joins every domain where it scores near its best."""
    per_domain = [personalized_pagerank(graph, seeds, cfg.alpha) for seeds in seed_ids]
    best: dict[int, float] = {}
    for scores in per_domain:
        for node, score in scores.items():
            best[node] = max(best.get(node, 0.0), score)
    members: dict[int, dict[int, float]] = {}
    for subnet_id, scores in enumerate(per_domain):
        chosen = {
            node: score for node, score in scores.items()
            if score >= cfg.min_score and score >= cfg.relative_to_best * best[node]
        }
        for seed in seed_ids[subnet_id]:
            chosen[seed] = scores.get(seed, 1.0)
        if cfg.max_nodes and len(chosen) > cfg.max_nodes:
            ranked = sorted(chosen.items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.max_nodes]
            chosen = dict(ranked)
        members[subnet_id] = chosen
    return members


def edge_subnets(edges: pa.Table, keep: np.ndarray, members: dict[int, dict[int, float]]
                 ) -> np.ndarray:
    """Each edge's subnetwork: the one both ends belong to with the highest weaker score."""
    subj = edges["subj_node"].to_numpy()
    obj = edges["obj_node"].to_numpy()
    out = np.full(len(subj), -1, dtype=np.int16)
    best = np.zeros(len(subj), dtype=np.float64)
    for subnet_id in sorted(members):
        scores = members[subnet_id]
        s_score = np.array([scores.get(int(n), 0.0) for n in subj])
        o_score = np.array([scores.get(int(n), 0.0) for n in obj])
        weaker = np.minimum(s_score, o_score)
        better = keep & (weaker > 0) & (weaker > best)
        out[better] = subnet_id
        best[better] = weaker[better]
    return out


def subnet_turtle(
    name: str, edge_rows: pa.Table, nodes: pa.Table, relations: pa.Table
) -> bytes:
    graph = Graph()
    node_iri = nodes["iri"].to_pylist()
    node_label = nodes["label"].to_pylist()
    rel_iri = relations["iri"].to_pylist()
    rel_label = relations["label"].to_pylist()
    graph.bind("rdfs", RDFS)
    for s, r, o in zip(edge_rows["subj_node"].to_pylist(), edge_rows["relation_id"].to_pylist(),
                       edge_rows["obj_node"].to_pylist(), strict=True):
        graph.add((URIRef(node_iri[s]), URIRef(rel_iri[r]), URIRef(node_iri[o])))
        graph.add((URIRef(node_iri[s]), RDFS.label, Literal(node_label[s])))
        graph.add((URIRef(node_iri[o]), RDFS.label, Literal(node_label[o])))
        graph.add((URIRef(rel_iri[r]), RDFS.label, Literal(rel_label[r])))
    # Turtle from rdflib sorts subjects and predicates, so equal graphs give equal bytes.
    data = graph.serialize(format="turtle", encoding="utf-8")
    header = f"# kgprep subnetwork: {name}\n".encode()
    return header + data


def run_subnets(cfg: PipelineConfig) -> StageReport:
    config_hash = stage_config_hash("subnets", cfg)
    report = StageReport("subnets", config_hash, rate_unit="edges")
    work = cfg.work_path
    graph_dir = work / "graph"
    if not (graph_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"{graph_dir / 'manifest.json'} is missing: run the graph stage")
    out_dir = work / "subnets"
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    nodes = pq.read_table(graph_dir / "nodes.parquet")
    relations = pq.read_table(graph_dir / "relations.parquet")
    edges = pq.read_table(graph_dir / "edges.parquet")
    domains = load_domains(Path(cfg.subnets.domains_file)) if cfg.subnets.domains_file else []

    # Structured prune, step 1: edges below the minimum weight leave the graph.
    keep = pc.greater_equal(edges["weight"], cfg.subnets.min_edge_weight).to_numpy(
        zero_copy_only=False)
    kept_edges = edges.filter(pa.array(keep))
    graph = to_networkx(kept_edges, nodes.num_rows)
    keys = nodes["key"].to_pylist()
    seed_ids = [match_seeds(keys, d.seeds) for d in domains]
    members = assign_domains(graph, seed_ids, cfg.subnets)
    edge_subnet = edge_subnets(edges, keep, members)

    membership_rows: dict[str, list[Any]] = {"node_id": [], "subnet_id": [], "score": []}
    for subnet_id in sorted(members):
        for node, score in sorted(members[subnet_id].items()):
            membership_rows["node_id"].append(node)
            membership_rows["subnet_id"].append(subnet_id)
            membership_rows["score"].append(round(score, 6))
    membership = pa.table(membership_rows, schema=MEMBERSHIP_SCHEMA)
    subnet_rows: dict[str, list[Any]] = {name: [] for name in SUBNET_SCHEMA.names}
    for subnet_id, domain in enumerate(domains):
        subnet_rows["subnet_id"].append(subnet_id)
        subnet_rows["name"].append(domain.name)
        subnet_rows["seeds"].append(list(domain.seeds))
        subnet_rows["n_nodes"].append(len(members[subnet_id]))
        subnet_rows["n_edges"].append(int((edge_subnet == subnet_id).sum()))
        subnet_rows["kind"].append("seeded")
    subnets = pa.table(subnet_rows, schema=SUBNET_SCHEMA)
    edge_table = pa.table(
        {"subj_node": edges["subj_node"], "relation_id": edges["relation_id"],
         "obj_node": edges["obj_node"], "subnet_id": pa.array(edge_subnet, pa.int16())},
        schema=EDGE_SUBNET_SCHEMA,
    )
    meta = {"kgprep.config_hash": config_hash}
    write_parquet(out_dir / "membership.parquet", membership, meta)
    write_parquet(out_dir / "subnets.parquet", subnets, meta)
    write_parquet(out_dir / "edges.parquet", edge_table, meta)
    for stale in out_dir.glob("*.ttl"):
        if stale.stem not in {d.name for d in domains}:
            stale.unlink()
    for subnet_id, domain in enumerate(domains):
        rows = edges.filter(pa.array(edge_subnet == subnet_id))
        write_bytes(out_dir / f"{domain.name}.ttl",
                    subnet_turtle(domain.name, rows, nodes, relations))
    write_json(
        out_dir / "manifest.json",
        {"stage": "subnets", "config_hash": config_hash,
         "graph_manifest": read_json(graph_dir / "manifest.json")["files"],
         "subnets": [{"subnet_id": i, "name": d.name, "seeds_matched": len(seed_ids[i]),
                      "nodes": len(members[i]), "edges": int((edge_subnet == i).sum())}
                     for i, d in enumerate(domains)]},
    )
    report.counts = {
        "domains": len(domains),
        "domains_without_seeds": sum(1 for s in seed_ids if not s),
        "edges_in": edges.num_rows,
        "edges_pruned_min_weight": int((~keep).sum()),
        "edges_in_subnets": int((edge_subnet >= 0).sum()),
        "memberships": membership.num_rows,
    }
    for subnet_id, domain in enumerate(domains):
        report.counts[f"{domain.name}: nodes"] = len(members[subnet_id])
        report.counts[f"{domain.name}: edges"] = int((edge_subnet == subnet_id).sum())
    report.rate_count = edges.num_rows
    report.outputs = {"subnets": str(out_dir)}
    return report.finish()
