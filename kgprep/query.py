"""``kgprep query``: SPARQL over the whole graph, one named graph per document (provenance).

The query runs on the persistent Oxigraph store of ``kgprep.store`` (every quad of ``rdf/``).
Its default graph is the union of the documents' graphs, so ``?s ?p ?o`` sees every fact, once
per document that states it, and ``GRAPH ?doc { ... }`` says which documents those are.
``--subnet NAME`` narrows the same dataset to the subnetwork's edges (``subnets/NAME.ttl``) and
its entities' labels, each quad still in its document's graph, so provenance works there too.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
)

from kgprep.core.config import ConfigError
from kgprep.core.preflight import one_line
from kgprep.store import OpenedStore, open_store

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDFS_LABEL = NamedNode(f"{RDFS}label")
XSD = "http://www.w3.org/2001/XMLSchema#"
# Oxigraph's syntax errors start "error at LINE:COLUMN: ".
_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_PREFIXED_NAME_END = re.compile(r"([A-Za-z][\w.-]*)?:[\w%.-]*$")
MAX_DETAIL = 120
MAX_SUGGESTIONS = 5



class QueryError(ConfigError):
    """A query or a --subnet name the user has to correct (an invalid command-line value)."""


@dataclass(frozen=True)
class QueryResult:
    variables: list[str]  # empty for ASK; s, p, o for CONSTRUCT and DESCRIBE
    rows: list[list[str]]


@dataclass(frozen=True)
class Answer:
    result: QueryResult
    opened: OpenedStore
    scope: str  # "whole graph" or "subnetwork NAME"
    quads: int  # quads the query could see
    seconds: float  # the query alone, store opened


def prefixes(base_iri: str) -> dict[str, str]:
    """Prefixes every query may use without declaring them: ``entity:``, ``rel:`` and ``doc:``
    take the percent-encoded key or document id (``entity:albert%20einstein``)."""
    base = base_iri.rstrip("/")
    return {"rdfs": RDFS, "xsd": XSD, "entity": f"{base}/entity/", "rel": f"{base}/relation/",
            "doc": f"{base}/doc/"}


def subnet_names(subnets_dir: Path) -> list[str]:
    if not (subnets_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"{subnets_dir / 'manifest.json'} is missing: run the subnets "
                                "stage first (or query the whole graph without --subnet)")
    return sorted(path.stem for path in subnets_dir.glob("*.ttl"))


def close_matches(name: str, names: list[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The names the user may have meant: difflib's closest first (case ignored), then names
    that contain what was typed (a community name is several labels joined)."""
    by_lower = {known.lower(): known for known in names}  # case-only duplicates are refused
    typed = name.lower()
    found = [by_lower[k] for k in difflib.get_close_matches(typed, list(by_lower), limit, 0.6)]
    if len(typed) >= 3:  # shorter, it is in too many names to mean one
        found += [known for known in names if typed in known.lower() and known not in found]
    return found[:limit]


def resolve_subnet(subnets_dir: Path, name: str) -> Path:
    """The subnetwork's Turtle file; an unknown name is one error naming the close matches."""
    names = subnet_names(subnets_dir)
    if name in names:
        return subnets_dir / f"{name}.ttl"
    matches = close_matches(name, names)
    hint = (f"did you mean: {', '.join(matches)}?" if matches
            else f"none is close; the {len(names):,} names are the file names of "
                 f"{subnets_dir}/*.ttl")
    raise QueryError(f"no subnetwork named {name!r} ({len(names):,} subnetworks); {hint}")


def subnet_view(store: Store, turtle: Path) -> Store:
    """The subnetwork's part of the dataset, in memory: the quads whose triple is one of its
    edges and its entities' labels, each in the graph of a document that states it."""
    view = Store()
    nodes: set[NamedNode | BlankNode | Triple] = set()
    for quad in pyoxigraph.parse(path=str(turtle), format=RdfFormat.TURTLE):
        if quad.predicate == RDFS_LABEL:
            continue  # labels come from the documents below (a relation has none in rdf/)
        nodes.add(quad.subject)
        if not isinstance(quad.object, Literal):  # edges join entities: a literal has no label
            nodes.add(quad.object)
        view.extend(store.quads_for_pattern(quad.subject, quad.predicate, quad.object))
    for node in nodes:
        view.extend(store.quads_for_pattern(node, RDFS_LABEL, None))
    return view


def syntax_message(message: str, sparql: str) -> str:
    """Oxigraph's syntax error as one line: position, what was expected, the text before it."""
    match = _POSITION.match(message)
    if not sparql.strip():
        return "bad SPARQL: the query is empty"
    if match is None:
        return f"bad SPARQL: {one_line(message)}"
    line, column, detail = int(match[1]), int(match[2]), one_line(match[3])
    lines = sparql.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1][: max(column - 1, 0)]
    if "Prefix not found" in detail:
        prefix = _PREFIXED_NAME_END.search(text.rstrip())
        name = f"{prefix[1] or ''}:" if prefix else "a prefix"
        detail = (f"prefix {name} is not declared (add PREFIX {name} <...>; rdfs:, xsd:, "
                  "entity:, rel: and doc: need none)")
    else:
        # The expected tokens come first, then character classes ("['0' ..= '9' | ...]"),
        # which only repeat what the tokens say at great length.
        detail = detail.split(", [", 1)[0]
        if len(detail) > MAX_DETAIL:
            detail = detail[: MAX_DETAIL - 3].rstrip() + "..."
    before = " ".join(text.split())[-30:]
    where = f' (near "{before}")' if before else ""
    return f"bad SPARQL at line {line}, column {column}{where}: {detail}"


def _text(term: object) -> str:
    """A term as printed: an IRI or literal by its value, a blank node as ``_:id``."""
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    value = getattr(term, "value", None)
    return str(term) if value is None else str(value)


def run_query(store: Store, sparql: str, known_prefixes: dict[str, str]) -> QueryResult:
    """Result rows as strings (ASK: one row, true or false). Rows of a query without ORDER BY
    are sorted, so the output is the same on every run."""
    try:
        result = store.query(sparql, use_default_graph_as_union=True, prefixes=known_prefixes)
    except SyntaxError as exc:
        raise QueryError(syntax_message(str(exc), sparql)) from None
    if isinstance(result, QueryBoolean):
        return QueryResult([], [[str(bool(result)).lower()]])
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [[_text(solution[v]) for v in variables] for solution in result]
        if not _ORDER_BY.search(sparql):
            rows.sort()
        return QueryResult(variables, rows)
    triples = [[_text(t.subject), _text(t.predicate), _text(t.object)] for t in result]
    return QueryResult(["subject", "predicate", "object"], sorted(triples))


def answer(work: Path, sparql: str, base_iri: str, subnet: str | None = None) -> Answer:
    """Run ``sparql`` over the work dir's graph (or one subnetwork of it). The name and the
    query's syntax are checked before the store is opened, so a typo never waits for a build."""
    known_prefixes = prefixes(base_iri)
    turtle = resolve_subnet(work / "subnets", subnet) if subnet is not None else None
    run_query(Store(), sparql, known_prefixes)  # the syntax, on an empty dataset
    opened = open_store(work)
    start = time.perf_counter()
    store, scope, quads = opened.store, "whole graph", opened.quads
    if turtle is not None:
        store = subnet_view(opened.store, turtle)
        scope, quads = f"subnetwork {subnet}", len(store)
    result = run_query(store, sparql, known_prefixes)
    return Answer(result, opened, scope, quads, time.perf_counter() - start)
