"""Relations that carry no fact (eighth session): a compound preposition frames a statement
and names no object ("in favor of", "with the approval of", "in response to"), and a bare
bleached verb says nothing even between two names ("David Letterman | have | Brad Stevens")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Route 29 was removed in favor of U.S. Route 202 .", []),
    ("The European Union met with the approval of the IAEA .", []),
    # The framing phrase goes; the place the company moved to stays the object.
    ("Easy Company moved to Bastogne with the approval of Omar Bradley .",
     [("easy company", "move to", "bastogne", None)]),
    # "in honour of" after a verb of naming says after whom.
    ("HMS Nelson was named in honour of Horatio Nelson.",
     [("hms nelson", "named in", "honour of horatio nelson", None)]),
    ("Together with the rest of the Philippines , Manila lies within the typhoon belt .",
     [("manila", "lie within", "typhoon belt", None)]),
    # The same noun without its own preposition is part of the relation.
    ("The Marshall Plan received support from the United States .",
     [("marshall plan", "receive support from", "united states", None)]),
])
def test_a_compound_preposition_names_no_object(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A bare "have" or "take" between two names says nothing (eighth session) ...
    ("David Letterman had Brad Stevens on his show .",
     [("david letterman", "have", "brad stevens", "bleached_relation")]),
    ("Venus orbits closer to the Sun than Mercury does to Jupiter .",
     [("mercury", "do to", "jupiter", "bleached_relation")]),
    # ... while "make" names a maker, "take" a capture and "do business with" a relation.
    ("The Audi A1 is made by Audi.", [("audi", "make", "audi a1", None)]),
    ("Napoleon took Moscow in September 1812.",
     [("napoleon", "take", "moscow", None)]),
    ("IBM does business with Apple.", [("ibm", "do business with", "apple", None)]),
])
def test_a_bare_bleached_verb_between_names_is_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected
