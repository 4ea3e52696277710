"""``beside_unknown``: an argument written right beside an unknown-word marker ("<unk>", as in
WikiText-2) names a class or half a name, since the marker stands for a word of its phrase."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Butler beat the Cinderella team <unk> in the final .",
     [("butler", "beat", "cinderella team", "object:beside_unknown")]),
    ("Jim Smith met Nazi hunter <unk> in Vienna .",
     [("jim smith", "meet", "nazi hunter", "object:beside_unknown")]),
    # The same argument without the marker stands.
    ("Jim Smith met Simon Wiesenthal in Vienna .",
     [("jim smith", "meet", "simon wiesenthal", None)]),
])
def test_an_argument_beside_an_unknown_word_gives_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected
