"""An e-mail's "Name here is the draft ..." presents the draft to Name; it does not say Name is
the draft (a wrong train fact: "Debra Perlingiere Stacey | is | Master draft")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Debra Perlingiere Stacey here is the Master draft we discussed.",
     [("debra perlingiere stacey", "is", "master draft", "presentational")]),
    ("Sara Shackleton here is the ISDA draft for Dynegy.",
     [("sara shackleton", "isda draft for", "dynegy", "presentational")]),
    # "here" elsewhere in the sentence presents nothing.
    ("Here, Paris was the capital of France.",
     [("paris", "capital of", "france", None)]),
    ("Paris is the capital of France.",
     [("paris", "capital of", "france", None)]),
])
def test_here_before_the_copula_presents_what_follows(nlp, text, expected):
    assert reasons(nlp, text) == expected
