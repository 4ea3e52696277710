"""Canonical keys of concepts: the normalised noun phrases the graph merges concepts on.

A concept key is the lower-cased lemma sequence of a compact noun phrase (compounds and adjectives
kept, determiners and possessives dropped); names of entities key on their surface form instead
(``kgprep.extract.names``). Acronyms defined in a document, as in "the Food and Drug
Administration (FDA)", map to the long form's key so that both spellings meet in one node. A
bare noun as common as "film" names a class, not a concept (``is_common_noun``).
"""

from __future__ import annotations

import re
from functools import lru_cache
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


# A bare noun at least this common in English (wordfreq's Zipf scale: 4 = ten per million
# words) names a class ("film", "time", "number"); a rarer one names a specific substance,
# object or idea ("penicillin", "polonium", "telescope").
GENERIC_ZIPF = 4.3


@lru_cache(maxsize=65_536)
def is_common_noun(lemma: str, zipf: float = GENERIC_ZIPF) -> bool:
    from wordfreq import zipf_frequency

    return zipf_frequency(lemma, "en") >= zipf


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
    return (token.lemma_ or token.text).lower()


def relation_noun(noun: Token) -> str:
    """A noun in a relation key: modifiers as written, the head's lemma ("rising star", not
    "rise star")."""
    tokens = [t for t in compact_tokens(noun) if t.pos_ not in ("DET", "PUNCT", "PRON")]
    words = [t.lower_ for t in tokens if t.i != noun.i]
    return " ".join([*words, (noun.lemma_ or noun.text).lower()])


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
            # The long form's name key (see kgprep.extract.names.name_key): names are never
            # lemmatised, so "and" and plurals stay.
            found[acronym.lower()] = " ".join(long_form.text.lower().split())
    return found
