"""``kgprep query``: SPARQL over the subnetworks' Turtle files, with rdflib (Oxigraph if there)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph


def _new_graph() -> tuple[Graph, str]:
    try:
        import oxrdflib  # noqa: F401  (registers the "Oxigraph" store plugin)

        return Graph(store="Oxigraph"), "Oxigraph"
    except ImportError:
        return Graph(), "rdflib memory"


def load_subnetworks(subnets_dir: Path, name: str | None = None) -> tuple[Graph, str]:
    """One subnetwork's Turtle, or all of them merged, in one graph."""
    if name is not None:
        files = [subnets_dir / f"{name}.ttl"]
        if not files[0].is_file():
            known = ", ".join(sorted(p.stem for p in subnets_dir.glob("*.ttl")))
            raise FileNotFoundError(f"no subnetwork named {name!r} in {subnets_dir} "
                                    f"(known: {known or 'none; run the subnets stage'})")
    else:
        files = sorted(subnets_dir.glob("*.ttl"))
        if not files:
            raise FileNotFoundError(f"no subnetworks in {subnets_dir}: run the subnets stage")
    graph, store = _new_graph()
    for path in files:
        graph.parse(str(path), format="turtle")
    return graph, store


def run_query(graph: Graph, sparql: str) -> list[list[str]]:
    """Result rows as strings (ASK gives one row: true or false)."""
    result = graph.query(sparql)
    if result.type == "ASK":
        return [[str(bool(result.askAnswer)).lower()]]
    if result.type == "CONSTRUCT" or result.type == "DESCRIBE":
        return sorted([[str(t) for t in triple] for triple in result.graph])
    return [["" if v is None else str(v) for v in row] for row in result]
