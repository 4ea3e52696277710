"""RDF output: IRIs for keys and N-Quads with one named graph per document (provenance).

IRIs are percent-encoded and written by rdflib; literals are quoted with the N-Triples escapes
(``kgprep.graph.ntriples``), so keys with quotes, angle brackets, newlines or control
characters still give valid N-Quads.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
from rdflib import URIRef
from rdflib.namespace import RDFS, XSD

from kgprep.core.facts import is_fact
from kgprep.core.io import write_bytes
from kgprep.graph.ntriples import quote_string


def iri(base: str, kind: str, key: str) -> str:
    """``<base>/<kind>/<percent-encoded key>``: every reserved or non-ASCII byte is encoded."""
    return f"{base.rstrip('/')}/{kind}/{quote(key, safe='')}"


def doc_graph_iri(base: str, doc_id: str) -> URIRef:
    return URIRef(iri(base, "doc", doc_id))


def typed_literal(value: str, datatype: str) -> str:
    """``"1942"^^<http://www.w3.org/2001/XMLSchema#gYear>`` for ("1942", "xsd:gYear")."""
    return f"{quote_string(value)}^^{XSD[datatype.removeprefix('xsd:')].n3()}"


def _quad_lines(docs: pa.Table, base: str, min_confidence: float) -> set[bytes]:
    """Every quad of the part as an N-Quads line: the graph facts (``kgprep.core.facts``) of each
    document in its named graph, literal objects typed, and each node's name as its label.
    IRIs are written by rdflib's ``n3()``, labels by ``quote_string``,
    each key once per part."""
    lines: set[str] = set()
    iris: dict[tuple[str, str], str] = {}
    labels: dict[str, str] = {}
    label = RDFS.label.n3()

    def term(kind: str, key: str) -> str:
        found = iris.get((kind, key))
        if found is None:
            found = iris[(kind, key)] = URIRef(iri(base, kind, key)).n3()
        return found

    def literal(key: str) -> str:
        found = labels.get(key)
        if found is None:
            found = labels[key] = quote_string(key)
        return found

    for doc_id, triples in zip(docs["doc_id"].to_pylist(), docs["triples"].to_pylist(),
                               strict=True):
        graph = doc_graph_iri(base, doc_id).n3()
        for triple in triples:
            if triple["negated"] or not is_fact(triple, min_confidence):
                continue  # a negated statement is not a fact of the graph
            s_arg, o_arg = triple["subj"], triple["obj"]
            subj = term("entity", s_arg["key"])
            pred = term("relation", triple["pred"]["key"])
            lines.add(f"{subj} {label} {literal(s_arg['name'])} {graph} .")
            if o_arg["kind"] == "literal":
                lines.add(f"{subj} {pred} {typed_literal(o_arg['value'], o_arg['datatype'])} "
                          f"{graph} .")
                continue
            obj = term("entity", o_arg["key"])
            lines.add(f"{subj} {pred} {obj} {graph} .")
            lines.add(f"{obj} {label} {literal(o_arg['name'])} {graph} .")
    return {line.encode("utf-8", "_rdflib_nt_escape") for line in lines}


def nquads_bytes(docs: pa.Table, base: str, min_confidence: float = 0.0) -> bytes:
    """The part's N-Quads, lines sorted, so the bytes do not depend on any hash order."""
    return b"".join(line + b"\n" for line in sorted(_quad_lines(docs, base, min_confidence)))


def write_part_nquads(path: Path, docs: pa.Table, base: str, min_confidence: float = 0.0
                      ) -> int:
    """Write one part's N-Quads atomically; returns the number of quads."""
    data = nquads_bytes(docs, base, min_confidence)
    write_bytes(path, data)
    return data.count(b"\n")
