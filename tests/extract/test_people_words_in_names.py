"""A people's adjective the NER cut from the place or body it names belongs to the name:
"German New Guinea" is the colony, not the island, and keys as a name of its own. Sentences
written by the team."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("French Indochina was occupied by Japan in 1941.",
     ("japan", "occupy", "french indochina", None)),
    ("British India was partitioned in 1947.",
     ("british india", "partitioned in", "1947^^xsd:gYear", None)),
    ("The Spanish Navy attacked Manila in 1798.", ("spanish navy", "attack", "manila", None)),
    # The NER tags the adjective as a place here ("German" GPE), not as a people.
    ("German New Guinea surrendered on 17 September 1914.",
     ("german new guinea", "surrender on", "1914-09-17^^xsd:date", None)),
])
def test_the_people_word_stays_in_the_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # Before a person it says what the person is; before a common noun there is no name.
    ("American poet Allen Ginsberg was born in Newark.",
     ("allen ginsberg", "born in", "newark", None)),
    ("German troops occupied Paris in 1940.",
     ("german troop", "occupy", "paris", "subject:concept")),
])
def test_other_people_words_stay_out(nlp, text, expected):
    assert expected in reasons(nlp, text)
