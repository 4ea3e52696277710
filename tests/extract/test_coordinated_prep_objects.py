"""Names coordinated after a verb's preposition are each its object ("flows through Vienna and
Budapest"), as coordinated direct objects already were. Sentences written by the team."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("The Danube flows through Vienna and Budapest.",
     [("danube", "flow through", "vienna", None), ("danube", "flow through", "budapest", None)]),
    ("Kofi Annan studied in Ghana and Switzerland.",
     [("kofi annan", "study in", "ghana", None),
      ("kofi annan", "study in", "switzerland", None)]),
    ("The Rhine flows through Switzerland, Germany and the Netherlands.",
     [("rhine", "flow through", "switzerland", None), ("rhine", "flow through", "germany", None),
      ("rhine", "flow through", "netherlands", None)]),
])
def test_each_coordinated_name_is_an_object(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "absent"), [
    # "between" and "among" relate the objects together: no object holds alone.
    ("The road runs between Crystal Falls and Iron Mountain.", "iron mountain"),
    ("The prize was shared among Sweden, Norway and Denmark.", "denmark"),
    # After a concept, a coordinated "name" is mostly another clause's subject misread.
    ("The road passes through the downtown area and M-82 turns south.", "m-82"),
])
def test_no_object_from_collective_or_misread_coordination(nlp, text, absent):
    assert all(obj != absent for _, _, obj, _ in reasons(nlp, text))


@pytest.mark.parametrize(("text", "absent"), [
    # "or": one of them, so the second is no fact.
    ("Karl Popper studied in Vienna or Berlin.", "berlin"),
    # A person after a place is the next clause's subject, misread as one more object.
    ("Karl Popper taught in London and Ernst Gombrich lectured in Oxford.", "ernst gombrich"),
])
def test_no_object_from_a_choice_or_a_name_of_another_kind(nlp, text, absent):
    assert all(obj != absent for _, _, obj, _ in reasons(nlp, text))
