"""A main verb in the base form after a singular subject ("Handcrafted Furry Animals Wholesale,
Call for a Catalog NOW!") is an imperative the parser gave a subject: no fact (a wrong train
fact). A base form under another verb or after a plural subject the tagger missed stays."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Handcrafted Furry Animals Wholesale, Call for a Catalog NOW!",
     [("handcrafted furry animals wholesale", "call for", "catalog now", "base_form_verb")]),
    # The same line before the next line's sentence, under whose verb the parser hangs it.
    ("Handcrafted Furry Animals Wholesale, Call for a Catalog NOW!\n732-657-3416\nhas life like "
     "animal wholesale figurines made from rabbit and goat fur.",
     [("handcrafted furry animals wholesale", "call for", "catalog now", "base_form_verb"),
      ("animal wholesale figurine", "made from", "rabbit", "subject:concept")]),
    ("US 40 and US 50 follow the Harding Highway.",
     [("us 40", "follow", "harding highway", None), ("us 50", "follow", "harding highway", None)]),
    # A past tense spelt like the base form, after a clause on the subject, is a statement.
    ("General Dwight D. Eisenhower, who was given command of the operation, set up his "
     "headquarters in Gibraltar.",
     [("dwight d. eisenhower", "given", "command", "object:generic"),
      ("dwight d. eisenhower", "set up headquarters in", "gibraltar", None)]),
    ("Smith will leave Paris and visit London.",
     [("smith", "leave", "paris", None), ("smith", "visit", "london", None)]),
    # Under a verb of wish or demand it is unasserted, as before.
    ("They demanded that Smith resign from Microsoft.",
     [("smith", "resign from", "microsoft", "hypothetical")]),
])
def test_a_base_form_main_verb_with_a_singular_subject(nlp, text, expected):
    assert reasons(nlp, text) == expected
