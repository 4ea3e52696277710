"""A time after a passive's "by" says when, not who ("buried by 900 BC" has no agent), and a name
the NER ran into a phrase of the clause ("invited by [Graves to Iceland]") names no one."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # The small NER takes "BC" for an organisation; an era mark after a number is a time.
    ("However, the San Lorenzo heads were buried by 900 BC.",
     [("san lorenzo head", "buried by", "900 bc", "subject:concept")]),
    ("The city was captured by the Romans by 200 BC.",
     [("romans", "capture", "city", "object:unresolved")]),
    ("The Eiffel Tower was completed by March 1889.",
     [("eiffel tower", "completed by", "1889-03^^xsd:gYearMonth", None)]),
    # A named era is an agent, not a time.
    ("The movement was inspired by the Age of Enlightenment.",
     [("age of enlightenment", "inspire", "movement", "object:unresolved")]),
    # A name after "by" stays the agent.
    ("The Empire State Building was designed by Shreve, Lamb & Harmon.",
     [("shreve, lamb & harmon", "design", "empire state building", None)]),
])
def test_a_time_after_by_is_no_agent(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # The NER ran "Graves to Iceland" into one name; "to Iceland" hangs on "invited".
    ("After a duel, Bond is invited by Graves to Iceland for a demonstration.",
     [("graves to iceland", "invite", "bond", "subject:name_across_phrase")]),
    # A preposition that hangs inside the name is the name's own.
    ("The Bank of Japan was founded by Matsukata Masayoshi.",
     [("matsukata masayoshi", "found", "bank of japan", None)]),
])
def test_a_name_run_into_a_phrase_of_the_clause(nlp, text, expected):
    assert reasons(nlp, text) == expected
