"""Keys read as a person would write them: the small model's lemmatizer takes the silent "e" off
verbs whose shorter form is also a verb ("hopes" -> "hop", "copes" -> "cop"), a participle before a
noun stays as written ("surviving officer"), a gerund after a verb too ("began using"), and a
relation with an unknown-word marker in it says nothing."""

from __future__ import annotations

import pytest

from kgprep.extract.keys import token_key
from kgprep.extract.lemmas import corrected_lemma
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Obama copes with Congress.", [("obama", "cope with", "congress", None)]),
    ("Smith hoped for a win over Jones.", [("smith", "hope for", "win", "object:generic")]),
    # Where "-es" and a doubled consonant are the verb's own, the lemma stands.
    ("Smith stopped at Rome.", [("smith", "stop at", "rome", None)]),
    ("Will Smith visited Paris.", [("will smith", "visit", "paris", None)]),
    ("Rome taxes the Gauls heavily.", [("rome", "tax", "gauls", None)]),
    ("Caesar misses Rome.", [("caesar", "miss", "rome", None)]),
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
    ("The club bused the players to London.", "bused", "bus"),
    ("Jones stared at the wall.", "stared", "stare"),
])
def test_the_pipeline_sets_corrected_verb_lemmas(nlp, sentence, verb, lemma):
    assert _word(nlp, sentence, verb).lemma_ == lemma


@pytest.mark.parametrize(("form", "tag", "table_lemma", "lemma"), [
    ("hopes", "VBZ", "hop", "hope"),
    ("hoped", "VBD", "hop", "hope"),
    ("fined", "VBN", "fin", "fine"),
    ("taxes", "VBZ", "tax", "tax"),
    ("visited", "VBD", "visit", "visit"),
    ("graves", "NNS", "graf", "grave"),
    # A name is not a plural: "Graves" stays as the lemma table has it.
    ("graves", "NNP", "graves", "graves"),
    ("hopes", "NNS", "hope", "hope"),
])
def test_corrected_lemma(form, tag, table_lemma, lemma):
    assert corrected_lemma(form, tag, table_lemma) == lemma


def _word(nlp, sentence, text):
    """The sentence's first token written ``text``."""
    return next(t for t in nlp(sentence) if t.text == text)


@pytest.mark.parametrize(("text", "expected"), [
    ("Smith, a senior surviving officer, left Paris.",
     [("smith", "leave", "paris", None), ("smith", "is a", "senior surviving officer", None)]),
    ("Smith bought a used car.", [("smith", "buy", "used car", None)]),
    ("In 1988, Operation California began using the name Operation USA.",
     [("operation california", "begin using", "operation usa", None)]),
    ("Microsoft began to develop Windows.", [("microsoft", "begin to develop", "windows", None)]),
    ("The Commonwealth War Graves Commission is an <unk> organisation of six member states.",
     [("commonwealth war graves commission", "< unk organisation of", "six member state",
       "relation:beside_unknown")]),
])
def test_participles_gerunds_and_markers_in_keys(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("sentence", "noun", "key"), [
    ("The Romans built mass graves near Carthage.", "graves", "grave"),
    ("Critics questioned the motives of Smith.", "motives", "motive"),
    # The irregular plurals the lemma table knows stand.
    ("Wolves hunted near the village.", "Wolves", "wolf"),
    ("The knives were sharp.", "knives", "knife"),
])
def test_plural_nouns_key_on_their_own_singular(nlp, sentence, noun, key):
    word = _word(nlp, sentence, noun)
    assert token_key(word) == key
    assert word.lemma_ == key  # every reader of the lemma sees the correction


def test_a_plural_in_a_relation_keys_on_its_own_singular(nlp):
    assert reasons(nlp, "Smith explained the motives behind Brexit.") == [
        ("smith", "explain motive behind", "brexit", None)]


def test_a_saved_pipeline_gets_each_component_once(nlp, tmp_path):
    from kgprep.extract.parse import load_nlp

    nlp.to_disk(tmp_path / "saved")
    again = load_nlp(str(tmp_path / "saved"))
    assert again.pipe_names.count("kgprep_lemmas") == 1
    assert again.pipe_names.count("kgprep_headlines") == 1
    assert again.pipe_names.index("kgprep_lemmas") > again.pipe_names.index("lemmatizer")
    assert [t.lemma_ for t in again("Jones hoped to win.")][1] == "hope"
