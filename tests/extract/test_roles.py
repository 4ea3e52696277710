"""A role and its named owner written before a person's name ("Microsoft CEO Satya Nadella"):
the person holds the role of the owner, and the name is whole, not cut."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Microsoft CEO Satya Nadella visited Paris.",
     [("satya nadella", "visit", "paris", None),
      ("satya nadella", "ceo of", "microsoft", None)]),
    ("Labour leader Ed Miliband visited Paris.",
     [("ed miliband", "visit", "paris", None), ("ed miliband", "leader of", "labour", None)]),
    # "former" stays in the relation, or the fact would be false.
    ("Former Apple CEO John Sculley visited Paris.",
     [("john sculley", "visit", "paris", None),
      ("john sculley", "former ceo of", "apple", None)]),
])
def test_a_role_and_its_owner_before_a_name(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize("text", [
    # A people is what the person is, not whose (WikiText-2 sentences).
    "In 2013 , he portrayed American poet Allen Ginsberg in the thriller drama Kill Your <unk> .",
    # A two-word rank is no role of an organisation.
    "The squadron was under the command of Squadron Leader Simon Bartlett , and formed part of "
    "No. 96 Wing .",
])
def test_no_role_of_a_people_or_a_rank(nlp, text):
    assert [t for t in reasons(nlp, text) if t[1].endswith(" of")] == []


def test_a_capitalised_word_with_no_owner_may_be_part_of_the_name(nlp):
    assert reasons(nlp, "Pastor Rick Warren visited Paris.") == [
        ("rick warren", "visit", "paris", "subject:truncated_name")]
