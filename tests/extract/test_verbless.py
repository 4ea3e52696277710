"""In a sentence with no verb (a title, a list, a review's note) commas part items: "OK Food,
Slow service" does not say that OK Food is a slow service (wrong and useless train facts:
"Cozy, warm atmosphere, great service.", "Stick to Hop Hing, 20 year+ resident.")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("OK Food, Slow service", [("ok food", "is a", "slow service", "verbless")]),
    ("Cozy, warm atmosphere, great service.",
     [("cozy", "is a", "warm atmosphere", "verbless")]),
    # A caption's description has its article or an "of" (a review's cases).
    ("Tim Cook, the chief executive of Apple.",
     [("tim cook", "chief executive of", "apple", None)]),
    ("Serena Williams, an American tennis player.",
     [("serena williams", "is a", "american tennis player", None)]),
    # With a verb, the commas set off an apposition.
    ("Barack Obama, the president of the United States, visited Paris.",
     [("barack obama", "visit", "paris", None),
      ("barack obama", "president of", "united states", None)]),
])
def test_commas_in_a_verbless_sentence_are_no_apposition(nlp, text, expected):
    assert reasons(nlp, text) == expected
