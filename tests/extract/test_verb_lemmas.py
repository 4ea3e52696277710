"""Relation keys read as the verb a person would name: the small model's lemmatizer takes the
silent "e" off verbs whose shorter form is also a verb ("hopes" -> "hop", "copes" -> "cop")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Obama copes with Congress.", [("obama", "cope with", "congress", None)]),
    ("Smith hoped for a win over Jones.", [("smith", "hope for", "win", "object:generic")]),
    # Where "-es" and a doubled consonant are the verb's own, the lemma stands.
    ("Smith stopped at Rome.", [("smith", "stop at", "rome", None)]),
    ("Smith visited Paris.", [("smith", "visit", "paris", None)]),
    ("Rome taxes the Gauls heavily.", [("rome", "tax", "gauls", None)]),
    ("Caesar misses Pompey.", [("caesar", "miss", "pompey", None)]),
])
def test_relation_keys_keep_the_silent_e(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("sentence", "verb", "lemma"), [
    ("Jones hopes to win.", "hopes", "hope"),
    ("Jones hoped to win.", "hoped", "hope"),
    ("Jones hopped to the door.", "hopped", "hop"),
    ("Jones watches the game.", "watches", "watch"),
    ("Jones goes home.", "goes", "go"),
    ("Jones opened the door.", "opened", "open"),
    ("Jones stared at the wall.", "stared", "stare"),
])
def test_verb_lemma(nlp, sentence, verb, lemma):
    from kgprep.extract.keys import verb_lemma

    token = next(t for t in nlp(sentence) if t.text == verb)
    assert verb_lemma(token) == lemma
