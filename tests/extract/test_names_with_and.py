"""An "and" or "&" inside one name joins nothing: a firm's name ("Procter & Gamble", "the
Procter and Gamble Company") is one argument, while two names joined by "and" stay two."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Procter & Gamble acquired Gillette in 2005.",
     ("procter & gamble", "acquire", "gillette", None)),
    ("John Brown & Company completed the Asahi in 1899.",
     ("john brown & company", "complete", "asahi", None)),
    ("John Smith joined the Procter and Gamble Company in 1990.",
     ("john smith", "join", "procter and gamble company", None)),
])
def test_a_conjunction_inside_a_firm_name_is_part_of_it(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # Two people, joined by "and" in one NER span: still two, so refused as one name.
    ("Samoa Joe and Booker T started a rivalry over the TNA World Heavyweight Championship.",
     ("samoa joe and booker t", "start rivalry over", "tna world heavyweight championship",
      "subject:coordinated")),
])
def test_two_names_joined_stay_apart(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_people_joined_by_an_ampersand_are_two(nlp):
    assert reasons(nlp, "Sir Jack Hobbs & Herbert Sutcliffe opened for England.") == [
        ("jack hobbs", "open for", "england", None),
        ("herbert sutcliffe", "open for", "england", None)]


@pytest.mark.parametrize(("text", "expected"), [
    # Places listed after one "the" and ending in a company's noun name one railway.
    ("Tom Bradley joined the London, Midland and Scottish Railway Company as a junior clerk.",
     [("tom bradley", "join", "london, midland and scottish railway company", None)]),
    ("Mary Hill worked for the Atchison, Topeka and Santa Fe Railway.",
     [("mary hill", "work for", "atchison, topeka and santa fe railway", None)]),
    # No "the" before the list, or no company's noun at its end: each name is its own.
    ("John Smith visited London, Paris and the Bank of England.",
     [("john smith", "visit", "london", None), ("john smith", "visit", "paris", None),
      ("john smith", "visit", "bank of england", None)]),
])
def test_places_listed_before_a_railway_name_one_company(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_countries_listed_before_a_bank_are_no_one_name(nlp):
    # Only railway-like names are made of the places they join.
    text = "The deal involved the Netherlands, Belgium and Barclays Bank."
    objects = [o for _, _, o, _ in reasons(nlp, text)]
    assert objects == ["netherlands", "belgium", "barclays bank"]
