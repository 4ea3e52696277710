"""The seventh session's precision checks on sentences the team wrote, beside the cases they must
leave alone: a prepositional fact of a verb whose adjective it leaves out is a fragment, and for
"be" a falsehood ("Oasis is popular in Brazil" is no "be in Brazil"); a verb inside a quoted
title relates nothing outside it."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Hamas has become rather unpopular in Gaza.",
     ("hamas", "become in", "gaza", "content_lost")),
    ("Barack Obama is popular in Brazil.", ("barack obama", "be in", "brazil", "content_lost")),
    ("Hamas remained active in Gaza until 2009.", ("hamas", "remain in", "gaza", "content_lost")),
    # A direction says where, not what: the fact stands.
    ("Route 29 turns west on Main Street.", ("route 29", "turn on", "main street", None)),
    ("The Church of Scientology has been present in Germany since 1970.",
     ("church of scientology", "be in", "germany", None)),
    # No adjective: the fact stands.
    ("Hamas remained in Gaza.", ("hamas", "remain in", "gaza", None)),
])
def test_a_prepositional_fact_that_drops_the_adjective_gives_no_fact(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # A verb that holds only in part states no fact (eighth session) ...
    ("US 2 partially replaced M-12 .", ("us 2", "replace", "m-12", "content_lost")),
    # ... whole, it does; "barely" won is won, and a place filmed in partly is a place.
    ("US 2 replaced M-12 .", ("us 2", "replace", "m-12", None)),
    ("Barack Obama barely won Indiana in 2008.", ("barack obama", "win", "indiana", None)),
])
def test_a_verb_held_only_in_part_gives_no_fact(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # In a passive the "as" phrase says what the thing became: leaving it out loses the fact ...
    ("In 1976 , Manila was reinstated by Ferdinand Marcos as the capital of the Philippines .",
     ("ferdinand marcos", "reinstate", "manila", "content_lost")),
    # ... without one the passive fact stands, and so it does where "as" says what the thing
    # was (not a status the verb set).
    ("Sonic the Hedgehog was developed by Sonic Team .",
     ("sonic team", "develop", "sonic the hedgehog", None)),
    ("Apple was founded by Steve Jobs as a computer company.",
     ("steve jobs", "found", "apple", None)),
])
def test_a_passive_fact_that_drops_its_as_phrase_gives_no_fact(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_a_verb_in_a_quoted_title_relates_nothing_outside_it(nlp):
    text = ('Paul Davis , a singer-songwriter best known for the pop hits " I Go Crazy " and '
            '" 65 Love Affair " , was born in Meridian in 1948 .')
    facts = [t for t in reasons(nlp, text) if t[0] == "paul davis"]
    assert facts == [("paul davis", "born in", "meridian", None),
                     ("paul davis", "born in", "1948^^xsd:gYear", None)]


def test_a_quoted_clause_keeps_its_own_subject(nlp):
    # Subject and verb inside the same quotation marks still make a triple.
    text = 'The critic wrote that " Barack Obama visited Paris " in his review .'
    assert ("barack obama", "visit", "paris") in [t[:3] for t in reasons(nlp, text)]
