"""A capitalised word the NER left alone joins the one full name before it that ends in it:
"Manchester United ... United", "Jim Webb ... Webb" (Must show 2: a later short name joins its
full name)."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Ben Amos joined Manchester United in 2006. United then lost to Chelsea in the final.",
     [("ben amos", "join", "manchester united", None),
      ("manchester united", "lose to", "chelsea", None)]),
    # Two names end in it: which one is meant is not known, so it stays a partial name.
    ("Ben Amos joined Manchester United and Leeds United in 2006. United then lost to Chelsea "
     "in the final.",
     [("ben amos", "join", "manchester united", None), ("ben amos", "join", "leeds united", None),
      ("united", "lose to", "chelsea", "subject:partial_name")]),
    # The end of a longer name the NER missed: after a possessive, a corpus gap or a particle.
    ("Moultrie and the 2nd South Carolina Regiment left James Island in 1775. Moultrie and the "
     "2nd South Carolina Regiment arrived on Sullivan 's Island in March 1776.",
     [("moultrie", "leave", "james island", "subject:partial_name"),
      ("2nd south carolina regiment", "leave", "james island", None),
      ("moultrie", "arrive on", "island", "subject:partial_name"),
      ("moultrie", "arrive in", "1776-03^^xsd:gYearMonth", "subject:partial_name"),
      ("2nd south carolina regiment", "arrive on", "island", "object:partial_name"),
      ("2nd south carolina regiment", "arrive in", "1776-03^^xsd:gYearMonth", None)]),
    ("The Royal University of Manila is old. It and <unk> de Manila, located just outside the "
     "walled city, are owned by the city.",
     [("royal university of manila", "is a", "old", "object:generic"),
      ("manila", "located outside", "walled city", "subject:partial_name"),
      ("city", "own", "royal university of manila", "subject:unresolved"),
      ("city", "own", "manila", "subject:unresolved")]),
    # A word joined to the name by "of", or a place's last word, is a name of its own.
    ("The Church of England condemned the law. England then declared war on Spain.",
     [("church of england", "condemn", "law", "object:unresolved"),
      ("england", "declare war on", "spain", "subject:partial_name")]),
    ("He moved to New York in 1990. York has a famous minster.",
     [("york", "have", "famous minster", "subject:partial_name")]),
])
def test_a_lone_capitalised_word_joins_the_one_name_it_ends(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_the_join_is_recorded_as_a_resolution(nlp):
    from kgprep.extract.triples import extract_triples

    triples, _ = extract_triples(nlp("Amos joined Manchester United in 2006. United then lost "
                                     "to Chelsea in the final."))
    subj = triples[-1]["subj"]
    assert (subj["key"], subj["mention"], subj["resolution"]) == (
        "manchester united", "United", "short_name")
