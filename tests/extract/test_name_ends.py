"""Where a name ends: the NER now and then stops inside a name ("the Chicago Bulls of the
[NBA]", "Exit Through [the Gift Shop]") or before an epithet ("John the [Baptist]"). A name
ending in a preposition, determiner or conjunction is partial and gives no fact (cutting the
last words off would name something else); an epithet stays in the name; a name cut by a
corpus gap stays unknown."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Maria Lopez signed with the Chicago Bulls of the NBA in 2010.",
     [("maria lopez", "sign with", "chicago bulls of the", "object:partial_name"),
      ("maria lopez", "sign in", "2010^^xsd:gYear", None)]),
    ("Steven Dean Moore directed the documentary Exit Through the Gift Shop in 2010.",
     [("steven dean moore", "direct", "exit through", "object:partial_name")]),
    # A title may end in a particle.
    ("Judd Apatow directed Knocked Up in 2007.", [("judd apatow", "direct", "knocked up", None)]),
])
def test_a_name_cut_after_a_function_word_gives_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Mary Magdalene met John the Baptist in Jerusalem.",
     ("mary magdalene", "meet", "john the baptist", None)),
    ("Pilgrims honoured John the Baptist at the shrine.",
     ("pilgrim", "honour", "john the baptist", "subject:concept")),
])
def test_an_epithet_after_the_stays_in_the_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_a_name_cut_by_a_gap_stays_unknown(nlp):
    # Trimming "Against" would make a known-looking name of a cut one.
    text = "Rabbi Cohen joined the National Religious Campaign Against <unk> in 2008 ."
    assert reasons(nlp, text) == [
        ("rabbi cohen", "join", "national religious campaign against", "object:unknown")]


@pytest.mark.parametrize(("text", "expected"), [
    # A title word joined to the next by a hyphen starts the name ...
    ("Gen - Probe Inc., a biotechnology concern, signed an agreement.",
     ("gen - probe inc.", "is a", "biotechnology concern", None)),
    # ... a title before a name does not.
    ("Gen. Douglas MacArthur commanded the Eighth Army .",
     ("douglas macarthur", "command", "eighth army", None)),
])
def test_a_title_joined_by_a_hyphen_is_part_of_the_name(nlp, text, expected):
    assert expected in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # A name cut inside a quoted nickname is partial ...
    ('Michael " Spike " <unk> committed to Michigan on April 6 , 2012 .',
     ("michael spike", "commit to", "michigan", "subject:partial_name")),
    # ... a whole one stands, keyed as the nickname and surname.
    ('Bradley Kent " Brad " Stevens joined Butler University in 2000 .',
     ("brad stevens", "join", "butler university", None)),
])
def test_a_name_cut_inside_its_quotes_is_partial(nlp, text, expected):
    assert expected in reasons(nlp, text)


def test_a_nickname_opening_the_name_stands(nlp):
    # The quote before the name was stripped off it; the name is whole.
    text = '" Pete " Ingram , a Montana cowboy , is buried at Three Rivers .'
    assert ("pete ingram", "is a", "montana cowboy", None) in reasons(nlp, text)


@pytest.mark.parametrize("text", [
    "His son , John Crozier , Jr. , was an aviation pioneer .",
    "His son , John Crozier Jr. , was an aviation pioneer .",
])
def test_a_generation_suffix_after_a_comma_stays_in_the_name(nlp, text):
    # "Jr." tells the son from his father; both spellings key alike.
    assert ("john crozier jr.", "is a", "aviation pioneer", None) in reasons(nlp, text)
