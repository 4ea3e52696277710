"""A place noun named by its "of" is that name: "the city of Hamburg" keys on Hamburg and meets
every other mention of Hamburg in one node, while "the capital of France" stays a concept."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("The city of Hamburg was bombed by the Royal Air Force in 1943.",
     ("royal air force", "bomb", "hamburg", None)),
    ("Smith moved to the state of Michigan in 1990.",
     ("smith", "move to", "michigan", None)),
    # The NER takes Porter for a person; the noun says it is a town.
    ("Just outside Lockport, NY 93 leaves the town of Porter for the town of Wilson.",
     ("ny 93", "leave", "porter", None)),
])
def test_a_place_named_by_of_keys_on_the_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_the_resolution_and_type_are_recorded(nlp):
    triples, _ = extract_triples(nlp(
        "Just outside Lockport, NY 93 leaves the town of Porter for the town of Wilson."))
    obj = triples[0]["obj"]
    assert (obj["mention"], obj["key"], obj["type"], obj["resolution"]) == (
        "Porter", "porter", "GPE", "place_of")


@pytest.mark.parametrize(("text", "expected"), [
    # An attribute of the place, not the place.
    ("Paris is the capital of France.", ("paris", "capital of", "france", None)),
    # A part of the city ("old"), and a list of cities: no one name.
    ("The old city of Jerusalem was captured by the British.",
     ("british", "capture", "old city of jerusalem", None)),
    ("The cities of Hamburg and Bremen were bombed by the Royal Air Force.",
     ("royal air force", "bomb", "city of hamburg", None)),
])
def test_other_of_phrases_keep_their_noun(nlp, text, expected):
    assert expected in reasons(nlp, text)
