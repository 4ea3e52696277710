"""Canonical keys of concepts: the normalised noun phrases the graph merges concepts on.

A concept key is the lower-cased lemma sequence of a compact noun phrase (compounds and adjectives
kept, determiners and possessives dropped); names of entities key on their surface form instead
(``kgprep.extract.mentions``). Acronyms defined in a document, as in "the Food and Drug
Administration (FDA)", map to the long form's key so that both spellings meet in one node.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

# Modifiers that belong to a compact noun phrase.
COMPACT_DEPS = frozenset({"compound", "amod", "nmod", "nummod", "npadvmod", "quantmod"})
_DROP_POS = frozenset({"DET", "PUNCT", "PRON", "CCONJ", "PART"})
_ACRONYM = re.compile(r"^[A-Z][A-Za-z&]*[A-Z]s?$")


# Fields named like plurals: their lemma is another word ("physics" is not "physic").
FIELD_PLURALS = frozenset({"physics", "optics", "economics", "politics", "mathematics",
                           "genetics", "linguistics", "ethics", "statistics", "electronics",
                           "acoustics", "athletics", "aeronautics", "robotics", "mechanics",
                           "thermodynamics", "logistics", "aesthetics", "semantics"})


# Plurals the small model's lemma table reads as another word's ("graves" as German "graf",
# "motives" as "motif"): their own singular.
PLURAL_LEMMA_FIXES = {"graves": "grave", "motives": "motive"}


# A participle in these roles modifies a noun: it is read as an adjective.
PARTICIPLE_MODIFIERS = frozenset({"amod", "compound", "nmod"})


def token_key(token: Token) -> str:
    """A token's canonical form: the lemma of nouns and verbs; proper nouns, acronyms, modifiers
    ("largest" is not "large", a "surviving officer" no "survive officer") and fields named like
    plurals ("optics") as written."""
    if token.pos_ in ("PROPN", "ADJ", "NUM") or token.text.isupper() or (
            token.lower_ in FIELD_PLURALS) or (
            token.tag_ in ("VBG", "VBN") and token.dep_ in PARTICIPLE_MODIFIERS):
        return token.text.lower()
    if token.pos_ == "NOUN":
        return noun_lemma(token)
    return (token.lemma_ or token.text).lower()


def noun_lemma(noun: Token) -> str:
    """A noun's lemma, its own singular where the lemma table reads another word's."""
    return PLURAL_LEMMA_FIXES.get(noun.lower_) or (noun.lemma_ or noun.text).lower()


# "-es" follows these endings ("taxes", "goes", "watches"); after any other, the "e" is the
# verb's own ("hopes" is "hope" + "s").
_ES_AFTER = ("s", "x", "z", "sh", "ch", "o")
# One syllable closed by one consonant: such a verb doubles it before "-ed" ("hop", "hopped"),
# so a single consonant before "-ed" ("hoped") means the verb ends in a silent "e".
_CLOSED_SYLLABLE = re.compile(r"[^aeiou]*[aeiou][^aeiouwxy]")


# Verbs whose final consonant may stay single before "-ed" ("bused", "gased").
_SINGLE_BEFORE_ED = frozenset({"bus", "gas"})


def verb_lemma(token: Token) -> str:
    """A verb's lemma, with the silent "e" the small model's lemmatizer takes off, decided by
    spelling: "hopes" and "hoped" are "hope", not "hop"; "copes" is "cope"."""
    lemma = (token.lemma_ or token.text).lower()
    form = token.lower_
    if token.tag_ == "VBZ" and form == lemma + "es" and not lemma.endswith(_ES_AFTER):
        return lemma + "e"
    if token.tag_ in ("VBD", "VBN") and form == lemma + "ed" and _CLOSED_SYLLABLE.fullmatch(
            lemma) and lemma not in _SINGLE_BEFORE_ED:
        return lemma + "e"
    return lemma


def relation_noun(noun: Token) -> str:
    """A noun in a relation key: modifiers as written, the head's lemma ("rising star", not
    "rise star")."""
    tokens = [t for t in compact_tokens(noun) if t.pos_ not in ("DET", "PUNCT", "PRON")]
    words = [t.lower_ for t in tokens if t.i != noun.i]
    return " ".join([*words, noun_lemma(noun)])


def compact_tokens(head: Token) -> list[Token]:
    """The head plus its contiguous left modifiers (compounds, adjectives), in text order."""
    chosen = {head.i}
    for child in head.lefts:
        if child.dep_ in COMPACT_DEPS:
            chosen.update(t.i for t in child.subtree)
    # Keep only the contiguous run that ends at the head, so spans never skip over tokens.
    start = head.i
    while start - 1 in chosen:
        start -= 1
    doc = head.doc
    tokens = [doc[i] for i in range(start, head.i + 1)]
    # A compound's subtree may start with a determiner or punctuation; trim those edges.
    while len(tokens) > 1 and tokens[0].pos_ in _DROP_POS:
        tokens = tokens[1:]
    return tokens


def phrase_key(tokens: list[Token]) -> str:
    words = [token_key(t) for t in tokens if t.pos_ not in _DROP_POS and t.dep_ != "poss"]
    if not words:
        words = [token_key(t) for t in tokens]
    return " ".join(w for w in words if w.strip())


def find_acronyms(doc: Doc) -> dict[str, str]:
    """Map acronyms defined as "Long Form (LF)" in ``doc`` to the long form's key."""
    from spacy.attrs import ORTH

    found: dict[str, str] = {}
    # Only "(" tokens can open a definition: found on the ORTH array, without a Token per word.
    for i in np.flatnonzero(doc.to_array(ORTH) == doc.vocab.strings["("]).tolist():
        token = doc[i]
        if token.i + 2 >= len(doc) or doc[token.i + 2].text != ")":
            continue
        acronym = doc[token.i + 1].text
        if not _ACRONYM.match(acronym) or token.i == 0:
            continue
        letters = [c for c in acronym if c.isupper()]
        # Walk back over capitalised words (and small function words) to match the letters.
        end = token.i
        start = end
        caps = 0
        while start > 0 and caps < len(letters):
            prev = doc[start - 1]
            if prev.is_punct or prev.is_space:
                break
            start -= 1
            if prev.text[:1].isupper():
                caps += 1
        long_form: Span = doc[start:end]
        initials = [t.text[0] for t in long_form if t.text[:1].isupper()]
        if initials == letters:
            # The long form's name key (see kgprep.extract.mentions.name_key): names are never
            # lemmatised, so "and" and plurals stay.
            found[acronym.lower()] = " ".join(long_form.text.lower().split())
    return found
