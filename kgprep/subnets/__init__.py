"""Stage 3, subnets: structured pruning, then seeded and/or community subnetworks.

Pure core: ``prune_graph`` (numpy), ``assign_domains`` (personalized PageRank from seeds) and
``find_communities`` (Louvain) work on integer node ids; ``run_subnets`` reads the graph tables
and writes the artifacts. networkx only ever holds the pruned graph, on integer nodes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from kgprep.core.config import ConfigError, PipelineConfig, SubnetsConfig
from kgprep.core.io import (
    read_parquet,
    remove_stale_temporaries,
    sha256_file,
    write_bytes,
    write_json,
    write_parquet,
)
from kgprep.core.schemas import EDGE_SUBNET_SCHEMA, MEMBERSHIP_SCHEMA, SUBNET_SCHEMA
from kgprep.core.stage import (
    Stage,
    StageReport,
    StageSpec,
    amount,
    stage_config_hash,
    up_to_date,
)
from kgprep.graph import build_nx
from kgprep.graph.ntriples import quote_string
from kgprep.subnets.prune import prune_graph

if TYPE_CHECKING:  # networkx and rdflib are imported where used (~0.2 s at start-up)
    import networkx as nx

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# A subnetwork's name is its Turtle file's stem (subnets/<name>.ttl, `kgprep query --subnet`),
# so it is bounded and portable: a 300-character label gave "File name too long" on every rerun.
MAX_NAME = 60
_HASH = 8
# A name the user wrote (a TOML domain, a SKOS label that is already one) is kept as written.
_DOMAIN_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_NAME - 1}}}")
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")


class DomainsError(ConfigError):
    """A domains file that cannot be used; a config error, since the config names the file."""


@dataclass(frozen=True)
class Domain:
    name: str
    seeds: tuple[str, ...]


def slug(text: str, limit: int) -> str:
    """``text`` as at most ``limit`` characters of [a-z0-9_-]: accents dropped (NFKD), other
    characters runs of "_". May be empty (a label in another script)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("_", ascii_text.lower()).strip("_-")[:limit].rstrip("_-")


def short_hash(text: str) -> str:
    """A short, deterministic hash of the full text: it keeps apart texts that slug alike."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:_HASH]


def data_name(text: str, prefix: str = "") -> str:
    """A name made from data: ``prefix``, a slug and a hash of ``text``, at most MAX_NAME."""
    body = slug(text, MAX_NAME - len(prefix) - _HASH - 1)
    return f"{prefix}{body}-{short_hash(text)}" if body else f"{prefix}{short_hash(text)}"


def domain_name(label: str) -> str:
    """A SKOS scheme's name: its label when that is a valid domain name, else slug and hash."""
    label = label.strip()
    return label if _DOMAIN_NAME.fullmatch(label) else data_name(label)


def community_name(labels: list[str], taken: set[str]) -> str:
    """``community-`` and the slugs of its top labels (13 characters each, so all three show),
    then a hash of the labels; a name already ``taken`` (two communities led by labels alike)
    hashes the labels again with a counter."""
    readable = "-".join(filter(None, (slug(label, 13) for label in labels)))
    full = json.dumps(labels, ensure_ascii=False)
    prefix = f"community-{readable}-" if readable else "community-"
    name, n = prefix + short_hash(full), 1
    while name in taken:
        n += 1
        name = prefix + short_hash(f"{full}#{n}")
    return name


def _load_toml_domains(path: Path) -> list[Domain]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DomainsError(f"{path}: invalid TOML: {exc}") from exc
    table = raw.get("domains", raw)
    domains = []
    for name, seeds in table.items():
        if not _DOMAIN_NAME.fullmatch(name):
            raise DomainsError(f"{path}: domain name {name!r} must be 1-{MAX_NAME} ASCII "
                               "letters, digits, _ . - (starting with a letter or digit)")
        if not isinstance(seeds, list) or not all(isinstance(s, str) for s in seeds) or not seeds:
            raise DomainsError(f"{path}: domain '{name}' must be a non-empty list of strings")
        domains.append(Domain(name, tuple(s.strip().lower() for s in seeds)))
    return domains


def _load_skos_domains(path: Path) -> list[Domain]:
    """Each skos:ConceptScheme is a domain; its concepts' pref and alt labels are the seeds."""
    from rdflib import Graph
    from rdflib.namespace import RDF, RDFS, SKOS

    graph = Graph()
    try:
        graph.parse(str(path), format="turtle")
    except Exception as exc:  # rdflib raises many parser-specific types
        raise DomainsError(f"{path}: invalid Turtle: {exc}") from exc
    domains = []
    for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        label = graph.value(scheme, SKOS.prefLabel) or graph.value(scheme, RDFS.label)
        name = domain_name(str(label) if label else str(scheme).rstrip("/#").rsplit("/", 1)[-1])
        concepts = set(graph.subjects(SKOS.inScheme, scheme))
        concepts |= set(graph.objects(scheme, SKOS.hasTopConcept))
        concepts |= set(graph.subjects(SKOS.topConceptOf, scheme))
        seeds = sorted({str(lab).strip().lower() for c in concepts
                        for prop in (SKOS.prefLabel, SKOS.altLabel)
                        for lab in graph.objects(c, prop)})
        if seeds:
            domains.append(Domain(name, tuple(seeds)))
    if not domains:
        raise DomainsError(f"{path}: no skos:ConceptScheme with labelled concepts")
    return domains


def load_domains(path: Path) -> list[Domain]:
    """Domains sorted by name, from TOML (name = [seeds]) or SKOS Turtle (.ttl)."""
    domains = _load_skos_domains(path) if path.suffix in (".ttl", ".turtle") else \
        _load_toml_domains(path)
    # Case-insensitively: the names are file names, and macOS and Windows ignore case.
    names = [d.name.lower() for d in domains]
    if len(set(names)) != len(names):
        raise DomainsError(f"{path}: duplicate domain names (names differing only in case "
                           "count as one)")
    if len(domains) > np.iinfo(np.int16).max:
        raise DomainsError(f"{path}: too many domains for int16 subnet ids")
    return sorted(domains, key=lambda d: d.name)


def match_seeds(keys: list[str], seeds: tuple[str, ...]) -> list[int]:
    """Node ids whose key is a seed, or a seed's head with modifiers ("influenza virus")."""
    wanted = set(seeds)
    return [
        i for i, key in enumerate(keys)
        if key in wanted or any(key.endswith(" " + s) for s in wanted)
    ]


def personalized_pagerank(graph: nx.Graph, seeds: list[int], alpha: float) -> dict[int, float]:
    """PPR from ``seeds``, scaled so the best node scores 1."""
    seeds = [s for s in seeds if s in graph]
    if not seeds or graph.number_of_edges() == 0:
        return {s: 1.0 for s in seeds}
    personalization = dict.fromkeys(seeds, 1.0)
    import networkx as nx

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
            if seed in graph:
                chosen[seed] = scores.get(seed, 1.0)
        members[subnet_id] = chosen
    return members


def find_communities(graph: nx.Graph, cfg: SubnetsConfig) -> list[dict[int, float]]:
    """Louvain communities (fixed seed); oversized ones are split again. Scores: PageRank over
    the pruned graph, scaled so each community's best node scores 1. Sorted by size, then
    smallest id."""
    import networkx as nx

    pending = [set(c) for c in nx.community.louvain_communities(
        graph, weight="weight", resolution=cfg.resolution, seed=cfg.community_seed)]
    done: list[set[int]] = []
    while pending:
        community = pending.pop()
        if cfg.max_cluster_size and len(community) > cfg.max_cluster_size:
            parts = nx.community.louvain_communities(
                graph.subgraph(community), weight="weight", resolution=cfg.resolution * 2,
                seed=cfg.community_seed)
            if len(parts) > 1:
                pending.extend(set(p) for p in parts)
                continue
        if len(community) >= cfg.min_cluster_size:
            done.append(community)
    done.sort(key=lambda c: (-len(c), min(c)))
    # One PageRank over the pruned graph ranks every community's members (and names them).
    rank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {}
    out = []
    for community in done:
        top = max(rank.get(n, 0.0) for n in community) or 1.0
        out.append({n: max(rank.get(n, 0.0), 1e-12) / top for n in community})
    return out


def cap_members(members: dict[int, float], max_nodes: int) -> dict[int, float]:
    """Prune step 9: keep the top ``max_nodes`` by score (PageRank), ties by node id."""
    if not max_nodes or len(members) <= max_nodes:
        return members
    return dict(sorted(members.items(), key=lambda kv: (-kv[1], kv[0]))[:max_nodes])


def edge_subnets(subj: np.ndarray, obj: np.ndarray, keep: np.ndarray,
                 members: list[dict[int, float]], n_nodes: int,
                 tiers: list[int] | None = None) -> np.ndarray:
    """Each edge's subnetwork: among those where both ends are members, the one with the
    highest weaker-end score; -1 for pruned edges and edges in none. ``tiers`` orders kinds:
    an edge goes to a lower tier (seeded domains) before any higher tier (communities)."""
    tiers = tiers or [0] * len(members)
    out = np.full(len(subj), -1, dtype=np.int16)
    for tier in sorted(set(tiers)):
        best = np.zeros(len(subj), dtype=np.float64)
        open_edges = keep & (out < 0)
        chosen = np.full(len(subj), -1, dtype=np.int16)
        for subnet_id, scores in enumerate(members):
            if tiers[subnet_id] != tier:
                continue
            table = np.zeros(n_nodes, np.float64)
            if scores:
                nodes = np.fromiter(scores.keys(), np.int64, len(scores))
                table[nodes] = np.fromiter(scores.values(), np.float64, len(scores))
            weaker = np.minimum(table[subj], table[obj])
            better = open_edges & (weaker > 0) & (weaker > best)
            chosen[better] = subnet_id
            best[better] = weaker[better]
        out[chosen >= 0] = chosen[chosen >= 0]
    return out


_RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


class TurtleTerms:
    """N-Triples forms of node and relation IRIs and their rdfs:label rows, made once and shared
    by every subnetwork's Turtle file (building rdflib terms per edge dominated the stage)."""

    def __init__(self, nodes: pa.Table, relations: pa.Table):
        self._node_iri = nodes["iri"].to_pylist()
        self._node_label = nodes["label"].to_pylist()
        self._rel_iri = relations["iri"].to_pylist()
        self._rel_label = relations["label"].to_pylist()
        self.nodes: dict[int, tuple[str, str]] = {}
        self.relations: dict[int, tuple[str, str]] = {}

    @staticmethod
    def _term(iri: str, label: str) -> tuple[str, str]:
        # rdflib checks the IRI and escapes the label as its N-Triples serializer does (the row
        # of a plain literal), without building a Literal per node.
        from rdflib import URIRef

        term = URIRef(iri).n3()
        return term, f"{term} {_RDFS_LABEL} {quote_string(label)} .\n"

    def node(self, i: int) -> tuple[str, str]:
        """The node's IRI as N-Triples writes it, and its rdfs:label row."""
        if i not in self.nodes:
            self.nodes[i] = self._term(self._node_iri[i], self._node_label[i])
        return self.nodes[i]

    def relation(self, i: int) -> tuple[str, str]:
        if i not in self.relations:
            self.relations[i] = self._term(self._rel_iri[i], self._rel_label[i])
        return self.relations[i]


def subnet_turtle(name: str, edge_rows: pa.Table, terms: TurtleTerms) -> bytes:
    """A subnetwork as Turtle (in its N-Triples subset, lines sorted), with rdfs:labels.

    Terms are escaped by rdflib's own N-Triples writer (once per node, see ``TurtleTerms``): many
    times faster than building a Graph and serialising it, and as deterministic.
    """
    lines: set[str] = set()
    for s, r, o in zip(edge_rows["subj_node"].to_pylist(), edge_rows["relation_id"].to_pylist(),
                       edge_rows["obj_node"].to_pylist(), strict=True):
        (subj, subj_label), (rel, rel_label), (obj, obj_label) = (
            terms.node(s), terms.relation(r), terms.node(o))
        lines.update((subj_label, rel_label, obj_label, f"{subj} {rel} {obj} .\n"))
    header = f"# kgprep subnetwork: {name}\n"
    return (header + "".join(sorted(lines))).encode("utf-8", "_rdflib_nt_escape")


SPEC = StageSpec(
    "subnets", ("graph",), ("subnets",), ("domains_file",),
    "Prune the graph (self-loops, rare nodes, weak edges, hubs, low degree, k-core, "
    "largest component), then build seeded domain subnetworks (personalized PageRank "
    "from the domains file) and/or Louvain communities; write membership, "
    "subnetworks, each edge's subnetwork and one Turtle file per subnetwork.",
    code=("subnets/*.py", "graph/ntriples.py"))


class SubnetsStage(Stage):
    """Reduce-only: the whole graph is one input, so there are no parts to map."""

    spec = SPEC
    upstream_key = "graph_manifest_sha256"

    def run(self, cfg: PipelineConfig) -> StageReport:
        report = StageReport("subnets", stage_config_hash("subnets", cfg), rate_unit="edges")
        work = cfg.work_path
        graph_dir = work / "graph"
        if not (graph_dir / "manifest.json").is_file():
            raise FileNotFoundError(f"{graph_dir / 'manifest.json'} is missing: run the graph "
                                    "stage")
        out_dir = work / "subnets"
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out_dir)
        if self.is_current(cfg):
            return up_to_date(report, work, ("subnets",))
        return self.reduce(cfg, [], report)

    def reduce(self, cfg: PipelineConfig, results: list[Any],
               report: StageReport | None = None) -> StageReport:
        """Prune, find the subnetworks, write their tables and Turtle files; manifest last."""
        config_hash = stage_config_hash("subnets", cfg)
        report = report or StageReport("subnets", config_hash, rate_unit="edges")
        graph_dir = cfg.work_path / "graph"
        out_dir = cfg.work_path / "subnets"
        upstream = sha256_file(graph_dir / "manifest.json")
        nodes = read_parquet(graph_dir / "nodes.parquet")
        relations = read_parquet(graph_dir / "relations.parquet")
        edges = read_parquet(graph_dir / "edges.parquet")
        sub = cfg.subnets
        mode = sub.mode if sub.mode != "auto" else ("seeded" if sub.domains_file else "communities")
        if mode in ("seeded", "both") and not sub.domains_file:
            from kgprep.core.config import ConfigError

            raise ConfigError(f"config key 'subnets.mode' = {mode!r} needs subnets.domains_file")
        domains = load_domains(Path(sub.domains_file)) if mode in ("seeded", "both") else []

        subj = edges["subj_node"].to_numpy()
        obj = edges["obj_node"].to_numpy()
        weight = edges["weight"].to_numpy()
        pruned = prune_graph(subj, obj, weight, nodes["freq"].to_numpy(), sub)
        graph = build_nx(subj, obj, weight, pruned.edge_keep)

        names: list[str] = []
        seeds: list[list[str]] = []
        kinds: list[str] = []
        members: list[dict[int, float]] = []
        seed_ids: list[list[int]] = []
        if domains:
            keys = nodes["key"].to_pylist()
            seed_ids = [match_seeds(keys, d.seeds) for d in domains]
            assigned = assign_domains(graph, seed_ids, sub)
            for i, domain in enumerate(domains):
                names.append(domain.name)
                seeds.append(list(domain.seeds))
                kinds.append("seeded")
                members.append(assigned[i])
        if mode in ("communities", "both") and graph.number_of_edges():
            labels = nodes["label"].to_pylist()
            for community in find_communities(graph, sub):
                top = sorted(community, key=lambda n: (-community[n], n))[:3]
                names.append(community_name([labels[n] for n in top], set(names)))
                seeds.append([])
                kinds.append("community")
                members.append(community)
        if len(names) > np.iinfo(np.int16).max:
            raise ValueError("more subnetworks than int16 subnet ids can hold")
        before_cap = [len(m) for m in members]
        members = [cap_members(m, sub.max_nodes) for m in members]
        edge_subnet = edge_subnets(subj, obj, pruned.edge_keep, members, nodes.num_rows,
                                   [0 if kind == "seeded" else 1 for kind in kinds])

        membership_rows: dict[str, list[Any]] = {"node_id": [], "subnet_id": [], "score": []}
        for subnet_id, scores in enumerate(members):
            for node, score in sorted(scores.items()):
                membership_rows["node_id"].append(node)
                membership_rows["subnet_id"].append(subnet_id)
                membership_rows["score"].append(round(score, 6))
        membership = pa.table(membership_rows, schema=MEMBERSHIP_SCHEMA)
        edge_counts = np.bincount(edge_subnet[edge_subnet >= 0], minlength=len(names))
        subnets = pa.table(
            {"subnet_id": list(range(len(names))), "name": names, "seeds": seeds,
             "n_nodes": [len(m) for m in members], "n_edges": edge_counts.tolist(), "kind": kinds},
            schema=SUBNET_SCHEMA,
        )
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
            if stale.stem not in set(names):
                stale.unlink()
        # Edges grouped by subnetwork once (a filter per subnetwork is quadratic with communities).
        order = np.argsort(edge_subnet, kind="stable")
        bounds = np.searchsorted(edge_subnet[order], np.arange(len(names) + 1))
        terms = TurtleTerms(nodes, relations)
        for subnet_id, name in enumerate(names):
            rows = edges.take(pa.array(order[bounds[subnet_id]:bounds[subnet_id + 1]]))
            write_bytes(out_dir / f"{name}.ttl", subnet_turtle(name, rows, terms))
        pruning = dict(pruned.steps)
        pruning["max_nodes"] = {"nodes_removed": sum(before_cap) - sum(len(m) for m in members),
                                "edges_removed": 0}
        # A list, so the steps keep their order in the JSON files.
        pruning_steps = [{"step": step, **removed} for step, removed in pruning.items()]
        write_json(
            out_dir / "manifest.json",
            {"stage": "subnets", "config_hash": config_hash, "mode": mode,
             "graph_manifest_sha256": upstream,
             "files": {name: sha256_file(out_dir / f"{name}.parquet")
                       for name in ("membership", "subnets", "edges")},
             "pruning": pruning_steps,
             "subnets": [{"subnet_id": i, "name": n, "kind": kinds[i],
                          "seeds_matched": len(seed_ids[i]) if i < len(seed_ids) else 0,
                          "nodes_before_cap": before_cap[i], "nodes": len(members[i]),
                          "edges": int(edge_counts[i])} for i, n in enumerate(names)]},
        )
        report.counts = {
            "subnetworks": len(names),
            "seeded": kinds.count("seeded"),
            "communities": kinds.count("community"),
            "domains_without_seeds": sum(1 for s in seed_ids if not s),
            "nodes_in": int(nodes.num_rows),
            "edges_in": edges.num_rows,
            "nodes_after_pruning": int(pruned.node_keep.sum()),
            "edges_after_pruning": int(pruned.edge_keep.sum()),
            "edges_in_subnets": int((edge_subnet >= 0).sum()),
            "memberships": membership.num_rows,
        }
        if not report.counts["edges_in_subnets"]:
            report.warnings = [
                f"no edge is in a subnetwork ({amount(len(names), 'subnetwork')} from "
                f"{amount(edges.num_rows, 'edge')}, "
                f"{amount(int(report.counts['domains_without_seeds']), 'domain')} without seeds): "
                f"the shards' subnet annotations will be empty"]
        for step, removed in pruning.items():
            report.counts[f"pruned by {step}: nodes/edges"] = \
                f"{removed['nodes_removed']:,}/{removed['edges_removed']:,}"
        report.details = {"pruning": pruning_steps,
                          "subnets": {n: {"nodes": len(members[i]), "edges": int(edge_counts[i]),
                                          "kind": kinds[i]} for i, n in enumerate(names)}}
        report.rate_count = edges.num_rows
        report.outputs = {"subnets": str(out_dir)}
        return report.finish()


STAGE = SubnetsStage()


def run_subnets(cfg: PipelineConfig) -> StageReport:
    return STAGE.run(cfg)
