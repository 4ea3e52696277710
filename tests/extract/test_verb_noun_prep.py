"""A verb and a bare noun that together say the relation ("declared war on", "made his debut
for", "took part in"): the name after them is the object, stated in the relation key."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Germany declared war on the United States in 1941.",
     [("germany", "declare war on", "united states", None)]),
    ("John Smith made his debut for Arsenal in 1990.",
     [("john smith", "make debut for", "arsenal", None)]),
    ("John Smith took part in the Battle of the Somme.",
     [("john smith", "take part in", "battle of the somme", None)]),
    ("George W. Bush shook hands with Hu Jintao.",
     [("george w. bush", "shake hand with", "hu jintao", None)]),
])
def test_a_verb_and_a_bare_noun_relate_the_subject_to_the_name_after_them(nlp, text,
                                                                          expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A time is no object; the bare noun alone still identifies nothing.
    ("John Smith made his debut in 1990.",
     [("john smith", "make", "debut", "object:generic")]),
    # A concept after a bare noun is mostly a fragment of a longer description.
    ("Air Rhodesia created a system with exhaust pipes.",
     [("air rhodesia", "create", "system", "object:generic")]),
    # A counted or ordered noun belongs to no relation.
    ("John Smith purchased five guns in Texas.",
     [("john smith", "purchase", "five gun", "object:generic")]),
    ("John Smith scored his first goal against Arsenal.",
     [("john smith", "score", "first goal", "object:generic")]),
    # The noun's own "of" makes it a specific concept, an object of its own.
    ("John Smith won the Battle of Hastings.",
     [("john smith", "win", "battle of hastings", None)]),
])
def test_the_reading_leaves_times_concepts_and_counted_nouns_alone(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_open_ie_mode_keeps_the_verb_and_its_object(nlp):
    triples, _ = extract_triples(nlp("Germany declared war on Serbia."), open_ie=True)
    assert [(t["pred"]["key"], t["obj"]["key"]) for t in triples] == [("declare", "war")]
