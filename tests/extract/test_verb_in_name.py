"""A relation whose verb is a word of an argument's name is the parser reading a title as a
clause ("during their worldwide Take Me Home Tour" -> "take"): no fact. The parse is given by
hand, as the model gives it for such sentences, so the test does not hang on the model's
mood."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from kgprep.extract.triples import extract_triples

WORDS = ["One", "Direction", "sang", "during", "their", "Take", "Me", "Home", "Tour", "."]
HEADS = [1, 2, 2, 2, 3, 2, 5, 8, 5, 2]
DEPS = ["compound", "nsubj", "ROOT", "prep", "pobj", "conj", "dobj", "compound", "dobj", "punct"]
POS = ["PROPN", "PROPN", "VERB", "ADP", "PRON", "VERB", "PRON", "PROPN", "PROPN", "PUNCT"]
TAGS = ["NNP", "NNP", "VBD", "IN", "PRP$", "VB", "PRP", "NNP", "NNP", "."]
LEMMAS = ["One", "Direction", "sing", "during", "their", "take", "I", "Home", "Tour", "."]


def _reasons(nlp: Any, ents: list[str]) -> list[tuple[str, str, str, str | None]]:
    doc = Doc(nlp.vocab, words=WORDS, heads=HEADS, deps=DEPS, pos=POS, tags=TAGS,
              lemmas=LEMMAS, ents=ents, sent_starts=[True] + [False] * (len(WORDS) - 1))
    triples, _ = extract_triples(doc)
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"], t["no_edge_reason"])
            for t in triples if t["obj"] is not None]


def test_a_verb_inside_the_objects_name_gives_no_fact(nlp):
    ents = ["B-ORG", "I-ORG", "O", "O", "O", "B-EVENT", "I-EVENT", "I-EVENT", "I-EVENT", "O"]
    assert _reasons(nlp, ents) == [
        ("one direction", "take", "take me home tour", "verb_in_name")]


def test_a_verb_outside_the_name_is_not_refused_for_it(nlp):
    # The same parse with "Take" outside the name: the verb is the text's own.
    ents = ["B-ORG", "I-ORG", "O", "O", "O", "O", "O", "B-EVENT", "I-EVENT", "O"]
    assert all(reason != "verb_in_name" for *_, reason in _reasons(nlp, ents))
    assert ("one direction", "take", "home tour", None) in _reasons(nlp, ents)
