"""A coordinated verb takes the first clause's subject only when its own clause has none: an
unknown-word marker or a noun right before it is its subject, and a "verb" right after a
preposition is a participle the parser read as a clause (eighth session)."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # The marker, not the first clause's subject, did the second thing.
    ("The French had retreated from the field with a badly <unk> division and <unk> had "
     "secured the right flank .",
     [("french", "retreat from", "field", "object:unresolved")]),
    ("Harris was injured in the first half , and <unk> rushed for 73 yards .",
     [("harris", "injured in", "the first half", "object:vague_date")]),
    # "ranked" describes the teams: Michigan ranked nobody.
    ("Michigan led the conference , thanks to wins over ranked Wisconsin .",
     [("michigan", "lead", "conference", "object:unresolved")]),
    # A noun right before the verb is its own subject, however the parser attached it ...
    ("Luoyang was recovered by government forces in the winter of 762 , and in the spring of "
     "765 Du Fu and his family sailed down the Yangtze .",
     [("government force", "recover", "luoyang", "subject:concept")]),
    # ... a time phrase's noun is not.
    ("Barack Obama visited Paris in 2009 and in 2010 moved to Chicago .",
     [("barack obama", "visit", "paris", None), ("barack obama", "move to", "chicago", None),
      ("barack obama", "move in", "2010^^xsd:gYear", None)]),
    # Without a marker or a preposition the subject is shared.
    ("Barack Obama visited Paris and then met Nicolas Sarkozy .",
     [("barack obama", "visit", "paris", None),
      ("barack obama", "meet", "nicolas sarkozy", None)]),
    ("The French retreated from Waterloo and had secured the right flank .",
     [("french", "retreat from", "waterloo", None),
      ("french", "secure", "right flank", None)]),
])
def test_a_coordinated_verb_shares_only_a_missing_subject(nlp, text, expected):
    assert reasons(nlp, text) == expected
