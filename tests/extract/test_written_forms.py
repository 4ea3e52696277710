"""How the words of web and reference text are written: a unit run into its number is a
measure ("398,487MMBTU"), digits run into a capitalised word are a name ("3Arena"), and a code
the tagger took for a verb is no relation ("Kodak AF 5x OPTICAL LENS")."""

from __future__ import annotations

import pytest

from kgprep.extract.literals import parse_quantity
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("10km", ("10", "km")),
    ("3,993,310MMBTU", ("3993310", "MMBTU")),
    ("2.5kg", ("2.5", "kg")),
    ("10 km", ("10", "km")),
    # A decade, an ordinal and a name are no measures; a range is no single value.
    ("1990s", None),
    ("21st", None),
    ("3Arena", None),
    ("3D", None),
    ("10MW", None),
    ("1.5MW", ("1.5", "MW")),
    ("12-15kg", None),
])
def test_a_unit_run_into_its_number_is_parsed(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # The NER takes the measure for a product: it is the attribute's value, with its unit.
    ("Enron's pad gas is 3,993,310MMBTU.",
     [("enron", "pad gas of (MMBTU)", "3993310^^xsd:decimal", None)]),
    ("3Arena is owned by Live Nation Entertainment.",
     [("live nation entertainment", "own", "3arena", None)]),
])
def test_written_forms_of_measures_and_names(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_a_code_the_tagger_took_for_a_verb_gives_no_triple(nlp):
    # A product listing from UD English-EWT's web text.
    text = ("I have a Kodak Camera (10.2 Megapixels)... Kodak AF 5x OPTICAL LENS... how do I "
            "pause it while recording?")
    assert nlp(text)[12].pos_ == "VERB"  # the case this guards: "5x" parsed as the verb
    assert [t for t in reasons(nlp, text) if t[1] == "5x"] == []
