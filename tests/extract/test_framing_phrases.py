"""A compound preposition frames a statement and names no object (eighth session): "in favor
of", "with the approval of", "in response to"."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Route 29 was removed in favor of U.S. Route 202 .", []),
    ("The European Union met with the approval of the IAEA .", []),
    # The framing phrase goes; the place the company moved to stays the object.
    ("Easy Company moved to Bastogne with the approval of Omar Bradley .",
     [("easy company", "move to", "bastogne", None)]),
    # The same noun without its own preposition is part of the relation.
    ("The Marshall Plan received support from the United States .",
     [("marshall plan", "receive support from", "united states", None)]),
])
def test_a_compound_preposition_names_no_object(nlp, text, expected):
    assert reasons(nlp, text) == expected
