"""A description named by a participle after it is that name: "a band called Oasis", "the ship,
named HMS Hood,", "a group known as the Tamil Tigers"."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Noel Gallagher formed a band called Oasis in 1991.",
     ("noel gallagher", "form", "oasis", None)),
    ("The ship, named HMS Hood, sank in 1941.",
     ("hms hood", "sink in", "1941^^xsd:gYear", None)),
    ("A rebel group known as the Tamil Tigers attacked Colombo.",
     ("tamil tigers", "attack", "colombo", None)),
])
def test_a_description_called_by_a_name_is_that_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_the_resolution_is_recorded(nlp):
    triples, _ = extract_triples(nlp("The ship, named HMS Hood, sank in 1941."))
    subject = triples[0]["subj"]
    assert (subject["mention"], subject["key"], subject["resolution"]) == (
        "HMS Hood", "hms hood", "called")


@pytest.mark.parametrize(("text", "expected"), [
    # A common noun after "called" names no one: the description stays a bare noun.
    ("Noel Gallagher cooked a dish called paella.",
     ("noel gallagher", "cook", "dish", "object:generic")),
])
def test_a_common_noun_after_called_is_no_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize("text", [
    # Web text from UD English-EWT: the participle names the noun and relates nothing.
    "It's on loan, by the way, from a guy named Joe O'Neill in Midland, Texas.",
    "It's a Western scene by a guy named W.H.S. Koerner called 'A Charge to Keep.'",
])
def test_the_naming_participle_gives_no_relation_of_its_own(nlp, text):
    relations = [t[1] for t in reasons(nlp, text)]
    assert not [r for r in relations if r.split()[0] in ("named", "call", "name", "called")]


def test_named_after_relates_the_noun_to_another(nlp):
    assert ("hms victory", "named after", "nelson", "object:lone_name") in reasons(
        nlp, "HMS Victory is a ship named after Lord Nelson.")
