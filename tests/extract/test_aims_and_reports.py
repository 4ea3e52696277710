"""Clauses that state an aim or a report, not an event (eighth session): an infinitive on a
noun ("enlists the Five Lucky Stars to travel to Japan") and a participle under a noun of
report ("no reports of Australians travelling to Spain")."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # An infinitive hanging on the object names what they are to do: no subject, no fact.
    ('Officer Muscles Wong enlists his childhood friends, the " Five Lucky Stars ", to travel '
     "to Japan.",
     [("muscles wong", "enlist", "childhood friend", "subject:truncated_name"),
      ("muscles wong", "enlist", "five lucky stars", "subject:truncated_name")]),
    # After "is", "the first man to walk" is what the subject did, and so beside a name.
    ("Neil Armstrong was the first man to walk on the Moon .",
     [("neil armstrong", "walk on", "moon", None)]),
    ("Gertrude Ederle, the first woman to swim the English Channel, died in 2003.",
     [("gertrude ederle", "swim", "english channel", None),
      ("gertrude ederle", "die in", "2003^^xsd:gYear", None)]),
    # A report (here: none) of travelling asserts no travel ...
    ("The government received no reports of Australians travelling to Spain .",
     [("government", "receive", "report of australians", "subject:unresolved"),
      ("australians", "travel to", "spain", "reported")]),
])
def test_an_aim_or_a_report_is_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_a_participle_under_another_noun_stands(nlp):
    # ... while photographs of them travelling show it.
    text = "The museum keeps photographs of Australians travelling to Spain ."
    assert ("australians", "travel to", "spain", None) in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # A wish or plan with "to" is not done (eighth session) ...
    ("Israel wants to drive the Palestinians toward civil war.",
     [("israel", "want to drive", "palestinians", "hypothetical")]),
    ("Islamic Jihad plans to turn the Gaza Strip into a battlefield.",
     [("islamic jihad", "plan to turn", "gaza strip", "hypothetical")]),
    # ... a decision is reported as made.
    ("The Royal Navy decided to switch to the double-expansion engine in 1871 .",
     [("royal navy", "decide to switch to", "double expansion engine", None),
      ("royal navy", "decide to switch in", "1871^^xsd:gYear", None)]),
])
def test_a_wish_with_to_is_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_what_is_supposed_to_be_so_is_no_wish(nlp):
    text = "Nacho Libre is supposed to star Jack Black ."
    assert reasons(nlp, text) == [("nacho libre", "supposed to star", "jack black", None)]
