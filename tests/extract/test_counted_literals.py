"""A definite count of a plural noun that its subject has is a measure, with the noun kept as
its unit ("AFC Ajax has 5,000 members" -> 5000, unit members), not a generic object that gives
no fact. Sentences written by the team."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("AFC Ajax has 5,000 members.", ("afc ajax", "have (members)", "5000^^xsd:decimal", None)),
    ("Springfield has 12,000 inhabitants.",
     ("springfield", "have (inhabitants)", "12000^^xsd:decimal", None)),
    # An attribute noun's "of": the count is the attribute's value.
    ("1036 Ganymed has a temperature of 160.0 kelvins.",
     ("1036 ganymed", "temperature of (kelvins)", "160.0^^xsd:decimal", None)),
])
def test_an_owned_count_is_a_literal_with_its_unit(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_the_literal_keeps_value_unit_and_words(nlp):
    triples, _ = extract_triples(nlp("AFC Ajax has 5,000 members."))
    obj = triples[0]["obj"]
    assert (obj["mention"], obj["value"], obj["datatype"], obj["unit"], obj["kind"]) == (
        "5,000 members", "5000", "xsd:decimal", "members", "literal")


@pytest.mark.parametrize(("text", "expected"), [
    # Approximate, further modified, or counted by another verb: no measure of the subject.
    ("Springfield has about 12,000 inhabitants.",
     ("springfield", "have", "about 12,000 inhabitant", "bleached_relation")),
    ("Smith had two older sisters.", ("smith", "have", "two older sister", "object:generic")),
    ("Manchester United won 13 games.", ("manchester united", "win", "13 game", "object:generic")),
    # A narrower set than the noun says, and a count that holds for a time.
    ("Springfield Hospital has two wards for burns patients.",
     ("springfield hospital", "have", "two ward", "object:generic")),
    ("Babe Ruth had 60 homers in the 1927 season.",
     ("babe ruth", "have", "60 homer", "bleached_relation")),
    ("Lou Gehrig had 47 homers during 1927.",
     ("lou gehrig", "have", "47 homer", "bleached_relation")),
])
def test_other_counts_stay_what_they_were(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_a_number_the_ner_left_untagged_keys_like_a_tagged_one(nlp):
    from kgprep.extract.mentions import DocMentions

    tagged = nlp("The bridge is 2702.0 long.")
    untagged = nlp("The bridge is 2702.0 long.")
    untagged.ents = []
    keys = []
    for doc in (tagged, untagged):
        number = next(t for t in doc if t.pos_ == "NUM")
        mention = DocMentions.of(doc).mention(number)
        keys.append((mention.key, mention.kind, mention.datatype))
    assert keys == [("2702.0^^xsd:decimal", "literal", "xsd:decimal")] * 2
