"""A place or building named with the place it lies in ("the Hanover Gallery in London") is a
place fact, as a comma chain ("Louisville, Kentucky") is. Sentences written by the team."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("The painting was shown at the Tate Gallery in London.",
     ("tate gallery", "located in", "london", None)),
    ("The highest peak is Mount Whitney in California.",
     ("mount whitney", "located in", "california", None)),
    ("The road starts in Hamilton Township in Mercer County.",
     ("hamilton township", "located in", "mercer county", None)),
])
def test_a_place_named_with_its_container(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "place"), [
    # After "of", the "in" phrase is the noun's: Britain is not in India.
    ("The sultan was an old opponent of Britain in Southern India.", "britain"),
    # A part of a place is where the rest happened, not a place inside the other.
    ("In southern China in Yangjiang, more than 30,000 people evacuated ahead of the storm.",
     "china"),
    # "a Pint" is a capitalised word, not a name.
    ("There are 20 fluid ounces in a Pint in Ireland.", "pint"),
    # A road runs through places; it lies in none of them.
    ("The road was built from Trenton to present-day Interstate 95 in Ewing Township.",
     "interstate 95"),
    ("The parkway begins at the Garden State Parkway in Dennis Township.",
     "garden state parkway"),
])
def test_no_place_fact_where_the_in_phrase_is_not_the_names(nlp, text, place):
    assert all(not (subj == place and rel == "located in")
               for subj, rel, _, _ in reasons(nlp, text))


def test_an_institution_has_a_site(nlp):
    assert ("university of iowa", "located in", "iowa city", None) in reasons(
        nlp, "Tom Smith studied at the University of Iowa in Iowa City.")


@pytest.mark.parametrize("text", [
    # A company or a charity "in Europe" works there; it does not lie there.
    "Toyota in Europe sold 500,000 cars last year.",
    "Amnesty International in Britain criticised the law.",
])
def test_other_organisations_have_no_site(nlp, text):
    assert all(rel != "located in" for _, rel, _, _ in reasons(nlp, text))


@pytest.mark.parametrize(("text", "place"), [
    # The "in" hangs on the verb: where the match was, not where Russia lies.
    ("Canada defeated Russia in Sweden.", "russia"),
    # A church names a denomination as often as a building.
    ("The Church of England in Australia became independent in 1981.", "church of england"),
])
def test_no_site_from_an_in_that_is_not_the_names(nlp, text, place):
    assert all(not (subj == place and rel == "located in")
               for subj, rel, _, _ in reasons(nlp, text))


def test_an_era_is_no_place(nlp):
    # The NER takes "the Dark Ages" for a place; it is a time.
    assert all(rel != "located in" for _, rel, _, _ in
               reasons(nlp, "Scotland in the Dark Ages had many kings."))
