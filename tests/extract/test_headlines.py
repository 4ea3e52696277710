"""A headline on its own line ends its sentence there: "Wei's Magic Cubes\nWei Ligang, ..." gave
the name "Magic Cubes Wei Ligang" when the parser ran the title into the next sentence. Prose
wrapped at a fixed width keeps its sentences whole."""

from __future__ import annotations

import pytest

from kgprep.extract.headlines import headline_ends
from tests.extract.outcomes import reasons

BODY = "Wei Ligang, a rising star of modern art in China, had an exhibition in Hong Kong."


def test_a_headline_keeps_its_words_out_of_the_next_name(nlp):
    assert reasons(nlp, "Wei's Magic Cubes\n" + BODY) == [
        ("wei ligang", "have exhibition in", "hong kong", None),
        ("wei ligang", "rising star of", "modern art", None)]


@pytest.mark.parametrize(("text", "opened"), [
    ("Wei's Magic Cubes\n" + BODY, ["Wei"]),
    ("Chapter 3\n2005 was a hard year for the band.", ["2005"]),
    # Wrapped prose: the line is long, or ends in a comma, or the next line goes on in lower case.
    ("The quick brown fox jumped over the lazy dog while all the\nFrench soldiers watched.", []),
    ("In the end, the soldiers,\nFrench and British, went home.", []),
    ("The match at Leeds\nwas lost.", []),
    # Prose wrapped at 50-60 columns (a review's cases): several lower-case words, or a line
    # ending in a word that needs the next.
    ("Apple was founded in Cupertino by Steve Jobs and\nSteve Wozniak in 1976.", []),
    ("The Treaty of Versailles was signed on 28 June\n1919 in the Hall of Mirrors.", []),
    ("Talks with officials at the\nWorld Bank ended.", []),
    ("Inception is a 2010 film by British\nDirector Christopher Nolan.", []),
    ("The memo went to Sara Shackleton and Mark\nTaylor on Monday.", []),
    # A headline with one lower-case word, as reviews and forums write them.
    ("OK Food, Slow service\nThe food was bland.", ["The"]),
    # After a blank line too; a line of its own ending a sentence needs nothing.
    ("Wei's Magic Cubes\n\n" + BODY, ["Wei"]),
    ("Wei exhibited in Hong Kong.\n" + BODY, []),
])
def test_which_lines_end_at_the_line_break(nlp, text, opened):
    doc = nlp(text)
    assert [doc[i].text for i in headline_ends(doc)] == opened
    for word in opened:
        assert next(t for t in doc if t.text == word).is_sent_start
