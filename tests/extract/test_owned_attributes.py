"""An attribute stated with its owner as the subject ("The capital of France is Paris") gives the
same edge as the other voice ("Paris is the capital of France"); names the NER cut keep their
words. Sentences written by the team."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


def edges(nlp, text: str) -> list[tuple[str, str, str]]:
    return [(s, p, o) for s, p, o, why in reasons(nlp, text) if why is None]


@pytest.mark.parametrize("text", [
    "The capital of France is Paris.",
    "France's capital is Paris.",
    "Paris is the capital of France.",
])
def test_both_voices_of_an_attribute_meet_in_one_edge(nlp, text):
    assert edges(nlp, text) == [("paris", "capital of", "france")]


@pytest.mark.parametrize(("text", "expected"), [
    # A literal value stays the object, as with "has a runway length of".
    ("The runway length of Aarhus Airport is 2702.0.",
     [("aarhus airport", "runway length of", "2702.0^^xsd:decimal")]),
    # A possessive pronoun resolves like any pronoun: one candidate, continuing the topic.
    ("Barack Obama was born in Hawaii. His birthplace is Honolulu.",
     [("barack obama", "born in", "hawaii"), ("honolulu", "birthplace of", "barack obama")]),
    # The owner of a relative clause: "whose" and "where".
    ("Aaron Hunt, whose club is VfL Wolfsburg, used to play for Werder Bremen.",
     [("vfl wolfsburg", "club of", "aaron hunt"),
      ("aaron hunt", "use to play for", "werder bremen")]),
    ("Akeem Priestley was born in Jamaica, where the leader is Patrick Allen.",
     [("akeem priestley", "born in", "jamaica"), ("patrick allen", "leader of", "jamaica")]),
    ("Osaka lies in Japan, where the capital is Tokyo.",
     [("osaka", "lie in", "japan"), ("tokyo", "capital of", "japan")]),
])
def test_owned_attributes(nlp, text, expected):
    assert edges(nlp, text) == expected


@pytest.mark.parametrize("text", [
    # The owner is not named: "the company" with no company before it.
    "The company's chief executive is Tim Cook.",
    # The value is a class, not a thing: no attribute edge, and no "is a" edge from a concept.
    "The capital of France is a large city.",
    # "where" with no named place to own the attribute.
    "He moved to a town where the mayor is Tom Jones.",
    # Coordinated owners: which value is whose is not for a rule to guess.
    "The capitals of France and Germany are Paris and Berlin.",
])
def test_no_attribute_edge_without_a_named_owner_and_value(nlp, text):
    triples, _ = extract_triples(nlp(text))
    assert not [t for t in triples if t["rule"] == "owned_attribute"]
    assert edges(nlp, text) == []


def test_open_ie_mode_keeps_the_sentence_voice(nlp):
    triples, _ = extract_triples(nlp("The capital of France is Paris."), open_ie=True)
    assert not [t for t in triples if t["rule"] == "owned_attribute"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Anders Osborne is signed to Alligator Records.",
     [("anders osborne", "signed to", "alligator records")]),
    ("The Aston Martin V8 is assembled in Newport Pagnell.",
     [("aston martin v8", "assembled in", "newport pagnell")]),
    # A club's designator is part of its name, though short or a common word.
    ("FC Tom Tomsk play in the Russian National Football League.",
     [("fc tom tomsk", "play in", "russian national football league")]),
    ("Valery Petrakov manages FC Torpedo Moscow.",
     [("valery petrakov", "manage", "fc torpedo moscow")]),
    ("Real Madrid signed Luka Modric.", [("real madrid", "sign", "luka modric")]),
    # Titles and honorifics stay out of the name.
    ("President Barack Obama visited Paris.", [("barack obama", "visit", "paris")]),
    ("Sheikh Ahmed Yassin founded Hamas.", [("ahmed yassin", "found", "hamas")]),
    ("Congressman James H. Weaver visited Paris.", [("james h. weaver", "visit", "paris")]),
    # The tagger reads "Alfons" as a plural noun, and the NER tags only "Gorbach".
    ("Alfons Gorbach was born in Imst.", [("alfons gorbach", "born in", "imst")]),
])
def test_a_proper_noun_the_ner_cut_rejoins_its_name(nlp, text, expected):
    assert edges(nlp, text) == expected


@pytest.mark.parametrize(("word", "joins"), [("Alfons", True), ("Hunters", False),
                                             ("HUNTERS", False), ("Sailors", False)])
def test_a_word_tagged_as_a_noun_joins_a_name_only_when_rare_and_capitalised(nlp, word, joins):
    from spacy.tokens import Doc

    from kgprep.extract.names import name_word_left_out

    doc = Doc(nlp.vocab, words=[word, "Gorbach", "left"], pos=["NOUN", "PROPN", "VERB"],
              deps=["compound", "nsubj", "ROOT"], heads=[1, 2, 2], ents=["O", "B-PERSON", "O"])
    assert name_word_left_out(doc[0], "PERSON") is joins


@pytest.mark.parametrize(("text", "key"), [
    # Abbreviations, common words and names of another kind do not join: the name as the NER
    # cut it stays, and gives no fact.
    ("Sen. John McCain visited Paris.", "john mccain"),
    ("Pastor Rick Warren visited Paris.", "rick warren"),
])
def test_roles_and_other_names_do_not_join_a_name(nlp, text, key):
    assert reasons(nlp, text) == [(key, "visit", "paris", "subject:truncated_name")]


def test_a_relative_clause_owner_may_be_coordinated(nlp):
    text = "Aaron Hunt, whose club is VfL Wolfsburg, and Max Kruse played together."
    assert ("vfl wolfsburg", "club of", "aaron hunt") in edges(nlp, text)
