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
    # A place holds an office.
    ("U.S. District Judge Malcolm F. Marsh spared her .",
     [("malcolm f. marsh", "district judge of", "u.s.", None)]),
    ("Kit Bond apologized to former U.S. Attorney Todd Graves .",
     [("kit bond", "apologize to", "todd graves", None),
      ("todd graves", "former attorney of", "u.s.", None)]),
])
def test_a_role_and_its_owner_before_a_name(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize("text", [
    # A people is what the person is, not whose (WikiText-2 sentences).
    "In 2013 , he portrayed American poet Allen Ginsberg in the thriller drama Kill Your <unk> .",
    # A two-word rank is no role of an organisation.
    "The squadron was under the command of Squadron Leader Simon Bartlett , and formed part of "
    "No. 96 Wing .",
    # A club, a draft pick or a colleague is no post its owner gives (eighth session) ...
    "Ben Amos joined Championship club Bolton Wanderers on loan .",
    "Michigan signed former first overall NBA Draft pick Glenn Robinson .",
    "He was roommates with future WWE colleague Shelton Benjamin .",
    # ... and a place does not hold a profession: the attorney works there.
    "Mary Smith hired New York attorney Charles Evans Hughes .",
])
def test_no_role_of_a_people_or_a_rank(nlp, text):
    assert [t for t in reasons(nlp, text) if t[1].endswith(" of")] == []


def test_a_capitalised_word_with_no_owner_may_be_part_of_the_name(nlp):
    assert reasons(nlp, "Pastor Rick Warren visited Paris.") == [
        ("rick warren", "visit", "paris", "subject:truncated_name")]
