"""RDF output: IRIs for keys and N-Quads with one named graph per document (provenance).

Every term goes through rdflib, which does the escaping, so keys with quotes, angle brackets,
newlines or control characters still give valid N-Quads.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS

from kgprep.io import write_bytes


def iri(base: str, kind: str, key: str) -> str:
    """``<base>/<kind>/<percent-encoded key>``: every reserved or non-ASCII byte is encoded."""
    return f"{base.rstrip('/')}/{kind}/{quote(key, safe='')}"


def doc_graph_iri(base: str, doc_id: str) -> URIRef:
    return URIRef(iri(base, "doc", doc_id))


def part_dataset(docs: pa.Table, base: str) -> Dataset:
    """The quads of one extract part: each document's triples in its own named graph."""
    dataset = Dataset()
    for doc_id, triples in zip(docs["doc_id"].to_pylist(), docs["triples"].to_pylist(),
                               strict=True):
        graph = dataset.graph(doc_graph_iri(base, doc_id))
        for triple in triples:
            if triple["negated"]:
                continue  # a negated statement is not a fact of the graph
            subj = URIRef(iri(base, "entity", triple["subj"]["key"]))
            obj = URIRef(iri(base, "entity", triple["obj"]["key"]))
            pred = URIRef(iri(base, "relation", triple["pred"]["key"]))
            graph.add((subj, pred, obj))
            graph.add((subj, RDFS.label, Literal(triple["subj"]["key"])))
            graph.add((obj, RDFS.label, Literal(triple["obj"]["key"])))
    return dataset


def nquads_bytes(dataset: Dataset) -> bytes:
    """Serialised N-Quads with lines sorted, so the bytes do not depend on hash order."""
    text = dataset.serialize(format="nquads")
    data = text.encode("utf-8") if isinstance(text, str) else text
    lines = sorted(line for line in data.splitlines() if line.strip())
    return b"".join(line + b"\n" for line in lines)


def write_part_nquads(path: Path, docs: pa.Table, base: str) -> int:
    """Write one part's N-Quads atomically; returns the number of quads."""
    data = nquads_bytes(part_dataset(docs, base))
    write_bytes(path, data)
    return data.count(b"\n")
