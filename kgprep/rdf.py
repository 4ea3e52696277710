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
from rdflib.plugins.serializers.nquads import _nq_row

from kgprep.io import write_bytes


def iri(base: str, kind: str, key: str) -> str:
    """``<base>/<kind>/<percent-encoded key>``: every reserved or non-ASCII byte is encoded."""
    return f"{base.rstrip('/')}/{kind}/{quote(key, safe='')}"


def doc_graph_iri(base: str, doc_id: str) -> URIRef:
    return URIRef(iri(base, "doc", doc_id))


def part_dataset(docs: pa.Table, base: str) -> Dataset:
    """The quads of one extract part as an rdflib Dataset (for tests and small inputs)."""
    dataset = Dataset()
    dataset.parse(data=nquads_bytes(docs, base).decode("utf-8"), format="nquads")
    return dataset


def _quad_lines(docs: pa.Table, base: str) -> set[bytes]:
    """Every quad of the part as an N-Quads line, formatted and escaped by rdflib's own
    N-Quads row writer (the one its serializer uses), without building a Dataset first."""
    lines: set[bytes] = set()
    iris: dict[tuple[str, str], URIRef] = {}

    def term(kind: str, key: str) -> URIRef:
        found = iris.get((kind, key))
        if found is None:
            found = iris[(kind, key)] = URIRef(iri(base, kind, key))
        return found

    for doc_id, triples in zip(docs["doc_id"].to_pylist(), docs["triples"].to_pylist(),
                               strict=True):
        graph = doc_graph_iri(base, doc_id)
        for triple in triples:
            if triple["negated"]:
                continue  # a negated statement is not a fact of the graph
            subj = term("entity", triple["subj"]["key"])
            obj = term("entity", triple["obj"]["key"])
            pred = term("relation", triple["pred"]["key"])
            for quad in ((subj, pred, obj), (subj, RDFS.label, Literal(triple["subj"]["key"])),
                         (obj, RDFS.label, Literal(triple["obj"]["key"]))):
                lines.add(_nq_row(quad, graph).rstrip("\n").encode("utf-8", "_rdflib_nt_escape"))
    return lines


def nquads_bytes(docs: pa.Table, base: str) -> bytes:
    """The part's N-Quads, lines sorted, so the bytes do not depend on any hash order."""
    return b"".join(line + b"\n" for line in sorted(_quad_lines(docs, base)))


def write_part_nquads(path: Path, docs: pa.Table, base: str) -> int:
    """Write one part's N-Quads atomically; returns the number of quads."""
    data = nquads_bytes(docs, base)
    write_bytes(path, data)
    return data.count(b"\n")
