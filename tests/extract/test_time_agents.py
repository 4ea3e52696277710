"""A time after a passive's "by" says when, not who: "buried by 900 BC" has no agent."""

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
    # A name after "by" stays the agent.
    ("The Empire State Building was designed by Shreve, Lamb & Harmon.",
     [("shreve, lamb & harmon", "design", "empire state building", None)]),
])
def test_a_time_after_by_is_no_agent(nlp, text, expected):
    assert reasons(nlp, text) == expected
