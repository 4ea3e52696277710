"""Sentence starts after headlines: a short line with no closing punctuation ("Wei's Magic
Cubes") ends where the line does. The parser alone runs it into the next line's sentence ("Magic
Cubes Wei Ligang, a rising star ..."), and the name after it into the title. Prose wrapped at a
fixed width breaks mid-sentence, so a line stays open when it reads like prose: long, with
more than one lower-case content word ("was founded in Cupertino by Steve Jobs and"), or
ending in a word that needs what follows ("at the", "and", "British")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

COMPONENT = "kgprep_headlines"
# A wrapped line of prose has more words than this; a headline or a heading has fewer.
HEADLINE_MAX_WORDS = 10
# A line ending in one of these goes on or has ended its sentence already.
CLOSING = frozenset({".", "!", "?", ":", ";", ",", "-", "–", "—", "(", "/", "&"})
# A line ending in a word with one of these tags goes on: a determiner, preposition,
# conjunction, "to", possessive or adjective needs the words after it.
OPEN_ENDING_TAGS = frozenset({"DT", "IN", "CC", "TO", "PRP$", "POS", "JJ", "JJR", "JJS"})
# Short words that headlines keep in lower case too ("Songs for the Deaf").
TITLE_LOWER = frozenset({"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for",
                         "by", "with", "from", "as", "vs", "de", "la", "von", "van"})


def headline_ends(doc: Doc) -> list[int]:
    """Indices of the tokens that open a line after a headline: the line before reads as one
    (``_reads_as_headline``), and this line opens with a capital letter or a digit."""
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
        if _reads_as_headline(words) and (
                following.text[:1].isupper() or following.text[:1].isdigit()):
            starts.append(following.i)
    return starts


def _reads_as_headline(words: list[Token]) -> bool:
    """A short line that ends in no punctuation or open word and has at most one lower-case
    content word ("OK Food, Slow service"; wrapped prose has several)."""
    lower = [t for t in words if t.text.isalpha() and t.text.islower()
             and t.lower_ not in TITLE_LOWER]
    last = words[-1]
    return len(words) <= HEADLINE_MAX_WORDS and last.text not in CLOSING and (
        last.tag_ not in OPEN_ENDING_TAGS) and len(lower) <= 1


@Language.component(COMPONENT)
def mark_headline_ends(doc: Doc) -> Doc:
    """Set before the parser, which keeps a sentence start it finds set."""
    for i in headline_ends(doc):
        doc[i].is_sent_start = True
    return doc
