"""Lemma corrections, set on the tokens once after the lemmatizer so that every reader of
``token.lemma_`` sees them. The small model's lemma table misreads two kinds of word: a verb
whose silent "e" it takes off ("hopes" and "hoped" as "hop", "copes" as "cop"), and plurals it
reads as another word's ("graves" as German "graf", "motives" as "motif")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from spacy.tokens import Doc

COMPONENT = "kgprep_lemmas"

# Plurals the lemma table reads as another word's: their own singular.
PLURAL_LEMMA_FIXES = {"graves": "grave", "motives": "motive"}

# "-es" follows these endings ("taxes", "goes", "watches"); after any other, the "e" is the
# verb's own ("hopes" is "hope" + "s").
_ES_AFTER = ("s", "x", "z", "sh", "ch", "o")
# One syllable closed by one consonant: such a verb doubles it before "-ed" ("hop", "hopped"),
# so a single consonant before "-ed" ("hoped") means the verb ends in a silent "e".
_CLOSED_SYLLABLE = re.compile(r"[^aeiou]*[aeiou][^aeiouwxy]")
# Verbs whose final consonant may stay single before "-ed" ("bused", "gased").
_SINGLE_BEFORE_ED = frozenset({"bus", "gas"})


def corrected_lemma(form: str, tag: str, lemma: str) -> str:
    """The lemma of a word written ``form`` (lower case) with fine tag ``tag``, given the lemma
    table's ``lemma`` (lower case); decided by spelling alone."""
    if tag in ("NN", "NNS") and form in PLURAL_LEMMA_FIXES:
        return PLURAL_LEMMA_FIXES[form]
    if tag == "VBZ" and form == lemma + "es" and not lemma.endswith(_ES_AFTER):
        return lemma + "e"
    if tag in ("VBD", "VBN") and form == lemma + "ed" and _CLOSED_SYLLABLE.fullmatch(
            lemma) and lemma not in _SINGLE_BEFORE_ED:
        return lemma + "e"
    return lemma


@Language.component(COMPONENT)
def correct_lemmas(doc: Doc) -> Doc:
    """Set after the lemmatizer; a token keeps its lemma's case where nothing is corrected."""
    for token in doc:
        lemma = token.lemma_.lower()
        fixed = corrected_lemma(token.lower_, token.tag_, lemma)
        if fixed != lemma:
            token.lemma_ = fixed
    return doc
