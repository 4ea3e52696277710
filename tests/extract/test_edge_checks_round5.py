"""The round-5 precision checks on sentences the team wrote, with the exact facts and reasons:
a name in a sentence the splitter cut (``sentence_split``), a lower-case common noun the NER
took for a name (``common_noun``), and a bare object whose possessive pronoun the key lost
(``object:possessed``), each beside the cases it must leave alone."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # The splitter ended a sentence inside "the 5th ( <unk> ) Cavalry Regiment".
    ("The units moved north. Of these , the 2nd ( <unk> ) Infantry Regiment was in Guam and "
     "the 5th ( <unk> ) Cavalry Regiment was in Burma .",
     [("cavalry regiment", "be in", "burma", "subject:sentence_split")]),
    # "Bus." read as a sentence: "US 2" is not the highway "Bus. US 2" is.
    ("The Rangers sailed to Italy. Bus. US 2 stays on Suffolk Street.",
     [("rangers", "sail to", "italy", None),
      ("us 2", "stay on", "suffolk street", "subject:sentence_split")]),
    # A sentence that closes a bracket it never opened began inside it.
    ("Business U.S. Highway 2 (Bus. US 2) is a business route.",
     [("us 2", "is a", "business route", "subject:sentence_split")]),
    # Ordinary sentence ends leave the next name alone, also after a one-word sentence that is
    # not an abbreviation, and after a bracket closed in the sentence before.
    ("Tom Brown crossed the river. Mary Smith visited Paris.",
     [("tom brown", "cross", "river", "object:unresolved"),
      ("mary smith", "visit", "paris", None)]),
    ("Go. Mary Smith visited Paris.", [("mary smith", "visit", "paris", None)]),
    ("Fine. Mary Smith visited Paris.", [("mary smith", "visit", "paris", None)]),
    ("The bridge (built in 1890) crossed the river. Mary Smith visited Paris (France).",
     [("bridge", "built in", "1890^^xsd:gYear", "subject:unresolved"),
      ("bridge", "cross", "river", "subject:unresolved"),
      ("mary smith", "visit", "paris", None)]),
])
def test_a_name_the_sentence_splitter_cut(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # A noun in lower case the NER took for a name.
    ("The trunkline runs along the Iron River.",
     [("trunkline", "run along", "iron river", "subject:common_noun")]),
    ("The nacho visited Texas.", [("nacho", "visit", "texas", "subject:common_noun")]),
    # Capitalised words stand even when tagged as nouns: a first name inside the sentence,
    # a place opening it.
    ("Jane Burnham films Ricky Fitts in the garage.",
     [("jane burnham", "film", "ricky fitts", None)]),
    ("Iceland lies in the North Atlantic.",
     [("iceland", "lie in", "north atlantic", None)]),
])
def test_a_common_noun_taken_for_a_name(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Mary Smith lost her patience.",
     [("mary smith", "lose", "patience", "object:possessed")]),
    # Conjuncts share the possessor: "their generosity and patience".
    ("Bill Jones praised their generosity and patience.",
     [("bill jones", "praise", "generosity", "object:possessed"),
      ("bill jones", "praise", "patience", "object:possessed")]),
    ("Bill Jones sold his villa.", [("bill jones", "sell", "villa", "object:possessed")]),
    # A modifier that makes it specific or a named owner: the fact stands. With no possessor
    # at all, the bare plural is refused by the round-8 check instead.
    ("Bill Jones sold his Italian villa.", [("bill jones", "sell", "italian villa", None)]),
    ("Bill Jones praised the generosity of Oprah Winfrey.",
     [("bill jones", "praise", "generosity of oprah winfrey", None)]),
    ("John Smith found shortcomings in the plan.",
     [("john smith", "find", "shortcoming", "object:bare_noun")]),
])
def test_a_bare_object_whose_owner_was_a_pronoun(nlp, text, expected):
    assert reasons(nlp, text) == expected
