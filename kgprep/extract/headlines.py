"""Sentence starts after headlines: a short line with no closing punctuation ("Wei's Magic
Cubes") ends where the line does. The parser alone runs it into the next line's sentence ("Magic
Cubes Wei Ligang, a rising star ..."), and the name after it into the title. Longer lines stay
open: prose wrapped at a fixed width breaks mid-sentence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from spacy.tokens import Doc

COMPONENT = "kgprep_headlines"
# A wrapped line of prose has more words than this; a headline or a heading has fewer.
HEADLINE_MAX_WORDS = 10
# A line ending in one of these goes on or has ended its sentence already.
CLOSING = frozenset({".", "!", "?", ":", ";", ",", "-", "–", "—", "(", "/", "&"})


def headline_ends(doc: Doc) -> list[int]:
    """Indices of the tokens that open a line after a headline: the line before has at most
    ``HEADLINE_MAX_WORDS`` words and no closing punctuation, and this line opens with a capital
    letter or a digit."""
    starts: list[int] = []
    line_start = 0
    for i, token in enumerate(doc):
        if not (token.is_space and "\n" in token.text):
            continue
        words = [t for t in doc[line_start:i] if not t.is_space]
        line_start = i + 1
        following = doc[i + 1] if i + 1 < len(doc) else None
        if not words or following is None or following.is_space:
            continue  # a line of spaces, or the end of the text
        if len(words) <= HEADLINE_MAX_WORDS and words[-1].text not in CLOSING and (
                following.text[:1].isupper() or following.text[:1].isdigit()):
            starts.append(following.i)
    return starts


@Language.component(COMPONENT)
def mark_headline_ends(doc: Doc) -> Doc:
    """Set before the parser, which keeps a sentence start it finds set."""
    for i in headline_ends(doc):
        doc[i].is_sent_start = True
    return doc
