"""The round-8 precision check on sentences the team wrote: a concept object of one bare word
(``object:bare_noun``), beside the cases it must leave alone."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # One abstract word identifies nothing.
    ("The Church of Scientology expressed satisfaction.",
     [("church of scientology", "express", "satisfaction", "object:bare_noun")]),
    ("Octavia returned from exile.", [("octavia", "return from", "exile", "object:bare_noun")]),
    # The cost: a material named by one word goes too.
    ("The Ataturk Monument is made of bronze.",
     [("ataturk monument", "made of", "bronze", "object:bare_noun")]),
    # A modifier, a named part or a name makes the object specific.
    ("Henry Letheby obtained a partly conductive material.",
     [("henry letheby", "obtain", "partly conductive material", None)]),
    ("Octavia returned from the exile of Octavian.",
     [("octavia", "return from", "exile of octavian", None)]),
    ("Octavia returned from Rome.", [("octavia", "return from", "rome", None)]),
    # A possessive pronoun the key lost keeps its own reason.
    ("Bill Jones sold his villa.", [("bill jones", "sell", "villa", "object:possessed")]),
])
def test_bare_concept_object(nlp, text, expected):
    assert reasons(nlp, text) == expected
