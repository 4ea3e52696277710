"""What the precision-check tests compare: each triple's keys and why it gave no fact."""

from __future__ import annotations

from typing import Any

from kgprep.extract.triples import extract_triples


def reasons(nlp: Any, text: str) -> list[tuple[str, str, str, str | None]]:
    """(subject key, relation key, object key, no_edge_reason) per triple with an object."""
    triples, _ = extract_triples(nlp(text))
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"], t["no_edge_reason"])
            for t in triples if t["obj"] is not None]
