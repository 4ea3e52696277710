"""A past participle opening the sentence ("Born in Vienna, Karl Popper ...") tells of the main
clause's subject, in the passive. Sentences written by the team."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Born in Vienna, Karl Popper studied at the University of Vienna.",
     ("karl popper", "born in", "vienna", None)),
    ("Born in Maine, Aaron S. Daggett fought in the Battle of the Wilderness.",
     ("aaron s. daggett", "born in", "maine", None)),
    ("Founded in 1998, Google is based in Mountain View.",
     ("google", "founded in", "1998^^xsd:gYear", None)),
])
def test_the_participle_tells_of_the_main_subject(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_a_condition_is_no_fact(nlp):
    # "If elected": a participle after a conjunction is a condition, not what happened.
    assert all(rel != "elected in" for _, rel, _, _ in
               reasons(nlp, "If elected in 2020, Anna Smith would move to Washington."))
