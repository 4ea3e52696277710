"""The seventh session's precision check on sentences the team wrote, beside the cases it must
leave alone: a prepositional fact of a verb whose adjective it leaves out is a fragment, and for
"be" a falsehood ("Oasis is popular in Brazil" is no "be in Brazil")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Hamas has become rather unpopular in Gaza.",
     ("hamas", "become in", "gaza", "content_lost")),
    ("Barack Obama is popular in Brazil.", ("barack obama", "be in", "brazil", "content_lost")),
    ("Hamas remained active in Gaza until 2009.", ("hamas", "remain in", "gaza", "content_lost")),
    # A direction says where, not what: the fact stands.
    ("Route 29 turns west on Main Street.", ("route 29", "turn on", "main street", None)),
    # No adjective: the fact stands.
    ("Hamas remained in Gaza.", ("hamas", "remain in", "gaza", None)),
])
def test_a_prepositional_fact_that_drops_the_adjective_gives_no_fact(nlp, text, expected):
    assert expected in reasons(nlp, text)
