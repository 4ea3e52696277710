"""``kgprep report``: one self-contained HTML page (images embedded) plus the PNGs beside it.

Data loading and figures are separate: ``collect`` reads the work directory into plain numbers,
``figures`` turns them into PNG bytes with matplotlib, ``render_html`` writes the page.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from kgprep.ablation_report import ablation_section
from kgprep.core.config import PipelineConfig
from kgprep.core.facts import fact_mask
from kgprep.core.io import read_arrow_stream, read_json, read_parquet, write_bytes
from kgprep.core.stage import STAGES
from kgprep.cost import EFFICIENCY_ASSUMPTION, estimate, render
from kgprep.report_draw import Drawing, draw, drawing_for, shorten
from kgprep.report_entity import collect_lookup, render_lookup

ROLE_NAMES = ("none", "subject", "predicate", "object")


@dataclass
class ReportData:
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    triples_per_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    facts_per_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    degrees: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    top_entities: list[tuple[str, int]] = field(default_factory=list)
    top_relations: list[tuple[str, int]] = field(default_factory=list)
    pruning: list[dict[str, Any]] = field(default_factory=list)
    graph_size: tuple[int, int] = (0, 0)
    subnets: list[dict[str, Any]] = field(default_factory=list)
    drawings: list[Drawing] = field(default_factory=list)
    role_tokens: dict[str, int] = field(default_factory=dict)
    boundary: dict[str, int] = field(default_factory=dict)
    tokens: int = 0


def collect(cfg: PipelineConfig) -> ReportData:
    work = cfg.work_path
    data = ReportData()
    for stage in STAGES:
        path = work / "stats" / f"{stage}.json"
        if path.is_file():
            data.stats[stage] = read_json(path)
    counts, facts = [], []
    for part in sorted((work / "extract").glob("part-*.parquet")):
        column = read_parquet(part, columns=["triples"])["triples"]
        counts.append(pc.list_value_length(column).to_numpy(zero_copy_only=False))
        # Graph facts per document: the triples the graph, RDF and shards keep (kgprep.core.facts).
        parents = np.asarray(pc.list_parent_indices(column), np.int64)
        mask = fact_mask(pc.list_flatten(column), cfg.graph.min_confidence)
        facts.append(np.bincount(parents[mask], minlength=len(column)))
    if counts:
        data.triples_per_doc = np.concatenate(counts).astype(np.int64)
        data.facts_per_doc = np.concatenate(facts).astype(np.int64)
    graph = work / "graph"
    if (graph / "edges.parquet").is_file():
        nodes = read_parquet(graph / "nodes.parquet", columns=["key", "label", "freq"])
        relations = read_parquet(graph / "relations.parquet", columns=["key", "label", "freq"])
        edges = read_parquet(graph / "edges.parquet", columns=["subj_node", "obj_node"])
        n = nodes.num_rows
        data.degrees = (np.bincount(edges["subj_node"].to_numpy(), minlength=n)
                        + np.bincount(edges["obj_node"].to_numpy(), minlength=n))
        top = cfg.report.top_n
        data.top_entities = ranked(nodes["label"].to_pylist(), nodes["key"].to_pylist(),
                                   nodes["freq"].to_numpy(), top)
        data.top_relations = ranked(relations["label"].to_pylist(),
                                    relations["key"].to_pylist(), relations["freq"].to_numpy(),
                                    top)
        data.graph_size = (int((data.degrees > 0).sum()), edges.num_rows)
        _collect_subnets(work, cfg, data, nodes["label"].to_pylist(),
                         relations["label"].to_pylist())
    _collect_shards(work, data)
    return data


def ranked(labels: list[str], keys: list[str], freq: np.ndarray,
           top: int) -> list[tuple[str, int]]:
    """The ``top`` rows by count, most first (ties: the graph's key order), each by its readable
    label; two shown rows with the same label get their keys added so neither hides the other."""
    order = np.lexsort((np.arange(len(freq)), -freq))[:top]
    shown = [labels[i] or keys[i] for i in order]
    repeated = {label for label in shown if shown.count(label) > 1}
    return [(f"{labels[i]} ({keys[i]})" if labels[i] in repeated else shown[j], int(freq[i]))
            for j, i in enumerate(order)]


def _collect_subnets(work: Path, cfg: PipelineConfig, data: ReportData,
                     labels: list[str], relation_labels: list[str]) -> None:
    manifest_path = work / "subnets" / "manifest.json"
    if not manifest_path.is_file():
        return
    manifest = read_json(manifest_path)
    data.pruning = manifest.get("pruning", [])
    data.subnets = manifest.get("subnets", [])
    membership = read_parquet(work / "subnets" / "membership.parquet")
    keys = ["subj_node", "relation_id", "obj_node"]
    # The edges pruning kept, with their graph weight (summed confidence) for choosing the nodes.
    edges = read_parquet(work / "subnets" / "edges.parquet").filter(
        pc.greater_equal(pc.field("subnet_id"), 0)).join(
        read_parquet(work / "graph" / "edges.parquet", columns=[*keys, "weight"]), keys,
        join_type="left outer").sort_by([(k, "ascending") for k in keys])
    largest = sorted(data.subnets, key=lambda s: (-s["nodes"], s["subnet_id"]))
    drawn = {s["subnet_id"] for s in largest[: cfg.report.max_drawings]}
    scores: dict[int, dict[int, float]] = {}
    groups: dict[int, set[int]] = {}  # node -> the drawn subnetworks it belongs to
    for subnet, node, score in zip(membership["subnet_id"].to_pylist(),
                                   membership["node_id"].to_pylist(),
                                   membership["score"].to_pylist(), strict=True):
        if subnet in drawn:
            scores.setdefault(subnet, {})[node] = float(score)
            groups.setdefault(node, set()).add(subnet)
    # A subnetwork is drawn as its members and every kept edge between two of them: an edge is
    # annotated with one subnetwork (a seeded domain before a community), but a community whose
    # edges all went to a domain is still a connected piece of the graph.
    edges_by_subnet: dict[int, list[tuple[int, int, int, float]]] = {}
    for subj, rel, obj, weight in zip(*(edges[c].to_pylist() for c in [*keys, "weight"]),
                                      strict=True):
        for subnet in sorted(groups.get(subj, set()) & groups.get(obj, set())):
            edges_by_subnet.setdefault(subnet, []).append((subj, rel, obj, weight or 0.0))
    for subnet in largest[: cfg.report.max_drawings]:
        sid = subnet["subnet_id"]
        data.drawings.append(drawing_for(subnet["name"], edges_by_subnet.get(sid, []),
                                         scores.get(sid, {}), cfg.report.drawing_nodes, labels,
                                         relation_labels))


def _collect_shards(work: Path, data: ReportData) -> None:
    manifest_path = work / "shards" / "manifest.json"
    if not manifest_path.is_file():
        return

    manifest = read_json(manifest_path)
    totals = manifest["totals"]
    data.tokens = int(totals["tokens"])
    data.boundary = {"in rows": int(totals["triples"]),
                     "dropped at row boundaries": int(totals["triples_dropped_at_boundary"]),
                     "not alignable to tokens": int(totals.get("triples_unaligned", 0))}
    counts = np.zeros(len(ROLE_NAMES), np.int64)
    for entry in manifest["shards"]:
        table = read_arrow_stream(work / "shards" / entry["file"])
        n_tokens = table["n_tokens"].to_numpy()
        roles = table["role"].combine_chunks()
        if manifest["packing"] == "packed":
            grid = roles.flatten().to_numpy().reshape(len(n_tokens), -1)
            real = np.arange(grid.shape[1])[None, :] < n_tokens[:, None]
            counts += role_counts(grid[real])
        else:
            counts += role_counts(roles.flatten().to_numpy())
    data.role_tokens = {name: int(c) for name, c in zip(ROLE_NAMES, counts, strict=True)}


def role_counts(roles: np.ndarray) -> np.ndarray:
    """Tokens per ROLE_NAMES entry: untagged tokens, then tokens carrying each role's bit flag
    (a token that is subject of one fact and object of another counts for both)."""
    flags = (1, 2, 4)  # shards' role bits: subject, predicate, object
    return np.array([int((roles == 0).sum()), *(int((roles & f != 0).sum()) for f in flags)],
                    np.int64)


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    # No timestamps or software tags in the file: the same data gives the same bytes.
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight",
                metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buffer.getvalue()


def _ranked_bars(rows: list[tuple[str, int]], title: str, color: str) -> Any:
    """Horizontal bars, largest at the top, one row per label at its own position (bars placed by
    category name would stack two equal labels on one row), each bar with its count."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 0.3 * max(len(rows), 4) + 0.9))
    y = np.arange(len(rows))[::-1]
    counts = [count for _, count in rows]
    ax.barh(y, counts, color=color, height=0.75)
    ax.set_yticks(y, [shorten(label, 40) for label, _ in rows], fontsize=8)
    for pos, count in zip(y, counts, strict=True):
        ax.annotate(f"{count:,}", (count, pos), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.set_xlim(0, max(counts, default=1) * 1.12)
    ax.set(title=title, xlabel="facts stating it")
    return fig


def figures(data: ReportData) -> dict[str, bytes]:
    """PNG bytes per figure name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, bytes] = {}
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if len(data.triples_per_doc):
        # Integer-centred bins; a list, as matplotlib's types ask.
        bins = (np.arange(0, int(data.triples_per_doc.max()) + 2) - 0.5).tolist()
        ax.hist(data.triples_per_doc, bins=bins, color="#c6dbef",
                label=f"extracted triples ({int(data.triples_per_doc.sum()):,})")
        ax.hist(data.facts_per_doc, bins=bins, color="#3b7dd8", alpha=0.85,
                label=f"graph facts ({int(data.facts_per_doc.sum()):,})")
        ax.legend(fontsize=8)
    ax.set(title="Triples and graph facts per document", xlabel="per document",
           ylabel="documents")
    out["triples_per_document"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    degrees = data.degrees[data.degrees > 0]
    if len(degrees):
        values, counts = np.unique(degrees, return_counts=True)
        ax.loglog(values, counts, "o", color="#d8573b", markersize=4)
    ax.set(title="Degree distribution (log-log)", xlabel="degree", ylabel="nodes")
    out["degree_distribution"] = _png(fig)

    for name, title, rows, color in (
            ("top_entities", "Most frequent entities", data.top_entities, "#3b7dd8"),
            ("top_relations", "Most frequent relations", data.top_relations, "#5aa469")):
        out[name] = _png(_ranked_bars(rows, f"{title} (graph facts)", color))

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    nodes, edges = data.graph_size
    nodes_after, edges_after, steps = [], [], []
    if data.stats.get("subnets"):
        counts = data.stats["subnets"]["counts"]
        nodes = int(counts.get("nodes_in", nodes))
        edges = int(counts.get("edges_in", edges))
    for step in data.pruning:
        if step["step"] == "max_nodes":
            continue
        nodes -= step["nodes_removed"]
        edges -= step["edges_removed"]
        steps.append(step["step"].replace("_", " "))
        nodes_after.append(nodes)
        edges_after.append(edges)
    axes[0].plot(steps, nodes_after, "o-", label="nodes")
    axes[0].plot(steps, edges_after, "s-", label="edges")
    axes[0].set(title="Graph after each pruning step")
    axes[0].tick_params(axis="x", rotation=60)
    axes[0].legend()
    shown = data.subnets[:20]
    x = np.arange(len(shown))
    axes[1].bar(x - 0.2, [s.get("nodes_before_cap", s["nodes"]) for s in shown], 0.4,
                label="before max_nodes")
    axes[1].bar(x + 0.2, [s["nodes"] for s in shown], 0.4, label="after")
    axes[1].set_xticks(x, [s["name"][:18] for s in shown], rotation=75, fontsize=7)
    axes[1].set(title="Subnetwork nodes before and after the cap")
    axes[1].legend()
    out["pruning"] = _png(fig)

    for i, drawing in enumerate(data.drawings):
        out[f"subnet_{i:02d}"] = _png(draw(drawing))

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    roles = data.role_tokens or dict.fromkeys(ROLE_NAMES, 0)
    axes[0].bar(list(roles), list(roles.values()), color=["#bbbbbb", "#3b7dd8", "#5aa469",
                                                          "#d8573b"])
    total = sum(roles.values()) or 1
    axes[0].set(title="Token coverage by role", ylabel="tokens")
    for j, value in enumerate(roles.values()):
        axes[0].annotate(f"{value / total:.1%}", (j, value), ha="center", va="bottom")
    boundary = data.boundary or {"in rows": 0}
    axes[1].bar(list(boundary), list(boundary.values()), color=["#5aa469", "#d8573b", "#999999"])
    axes[1].set(title="Triples kept and dropped at row boundaries", ylabel="triples")
    out["tokens_and_boundaries"] = _png(fig)
    return out


def _table(rows: list[tuple[str, str]], header: tuple[str, str] | None = None) -> str:
    head = (f"<tr><th>{html.escape(header[0])}</th><th>{html.escape(header[1])}</th></tr>"
            if header else "")
    body = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>"
                   for a, b in rows)
    return f"<table>{head}{body}</table>"


def render_html(cfg: PipelineConfig, data: ReportData, images: dict[str, bytes]) -> str:
    def img(name: str, alt: str) -> str:
        encoded = base64.b64encode(images[name]).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'

    stage_rows = []
    for stage in STAGES:
        stats = data.stats.get(stage)
        if stats:
            main = ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                             for k, v in list(stats["counts"].items())[:6])
            rate = ", ".join(f"{v:,.0f} {k.replace('_per_s', '')}/s"
                             for k, v in stats.get("throughput", {}).items())
            stage_rows.append(
                f"<tr><td>{stage}</td><td>{stats['seconds']:.2f} s</td>"
                f"<td>{html.escape(rate)}</td><td>{html.escape(main)}</td></tr>")
    est = estimate(data.tokens, cfg.cost)
    drawings = "".join(img(f"subnet_{i:02d}", d.name) for i, d in enumerate(data.drawings))
    lookup = ('<p><a href="entities.html">Look up an entity</a>: its facts, and the documents '
              'and sentences that state them (a page beside this one, readable offline).</p>'
              if data.graph_size[1] or data.top_entities else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>kgprep report: {html.escape(cfg.name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
h1 {{ font-size: 1.6em; }} h2 {{ margin-top: 1.8em; border-bottom: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: 0.6em 0; }}
td, th {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; font-size: 0.9em; }}
img {{ max-width: 100%; margin: 0.4em; vertical-align: top; }}
.grid img {{ max-width: 48%; }} .note {{ color: #666; font-size: 0.9em; }}
</style></head><body>
<h1>kgprep report: {html.escape(cfg.name)}</h1>
<p class="note">Work directory {html.escape(cfg.work_dir)}. Every image is embedded; the
same PNGs lie beside this file.</p>
<h2>Stages</h2>
<table><tr><th>stage</th><th>time</th><th>throughput</th><th>counts</th></tr>
{''.join(stage_rows)}</table>
<h2>Triples</h2>{img("triples_per_document", "histogram of triples per document")}
<h2>Graph</h2>
{lookup}
<div class="grid">{img("degree_distribution", "degree distribution, log-log")}
{img("top_entities", "top entities")}{img("top_relations", "top relations")}</div>
<h2>Pruning and subnetworks</h2>{img("pruning", "sizes before and after pruning")}
<div class="grid">{drawings}</div>
<h2>Shards</h2>{img("tokens_and_boundaries", "token coverage by role and boundary drops")}
<h2>Training cost</h2>
{_table(render(est, cfg.cost), ("quantity", "value"))}
<p class="note">Knowledge-subnetwork cost = baseline × efficiency factor + integration +
maintenance. Every factor is set in the pipeline's [cost] table. The efficiency factor
({cfg.cost.efficiency_factor:g}) is an {html.escape(EFFICIENCY_ASSUMPTION)}.</p>
{ablation_section(cfg.work_path)}
</body></html>
"""


def write_report(cfg: PipelineConfig) -> Path:
    """Write report/index.html and the PNGs; returns the HTML path."""
    out_dir = cfg.work_path / "report"
    data = collect(cfg)
    images = figures(data)
    for stale in out_dir.glob("*.png"):
        if stale.stem not in images:
            stale.unlink()
    for name, png in images.items():
        write_bytes(out_dir / f"{name}.png", png)
    page = out_dir / "index.html"
    lookup_page = out_dir / "entities.html"
    if (cfg.work_path / "graph" / "nodes.parquet").is_file():
        lookup = collect_lookup(cfg.work_path, cfg.graph.min_confidence)
        write_bytes(lookup_page, render_lookup(cfg.name, lookup).encode("utf-8"))
    elif lookup_page.is_file():
        lookup_page.unlink()
    write_bytes(page, render_html(cfg, data, images).encode("utf-8"))
    write_bytes(out_dir / "figures.json", json.dumps(sorted(images)).encode("utf-8"))
    return page
