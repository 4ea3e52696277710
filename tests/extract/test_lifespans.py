"""Birth and death dates in the parenthesis after a person's name become literal facts keyed as
the verb rules key the same fact ("born on" a day, "born in" a year); estimates, reigns, terms,
ranges too short for a life and parentheses after things that are not people give nothing."""

from __future__ import annotations

import pytest

from kgprep.extract.lifespans import life_dates
from kgprep.extract.triples import extract_triples
from tests.extract.outcomes import reasons


def _life_facts(nlp, text):
    return [(s, r, o, why) for s, r, o, why in reasons(nlp, text)
            if r.split()[0] in ("born", "die")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Alvah Sabin (October 23, 1793 – January 22, 1885) was a politician from Vermont.",
     [("alvah sabin", "born on", "1793-10-23^^xsd:date", None),
      ("alvah sabin", "die on", "1885-01-22^^xsd:date", None)]),
    # WikiText spacing, and a place after each date.
    ("Albert Einstein ( 14 March 1879 , Ulm – 18 April 1955 , Princeton ) was a physicist .",
     [("albert einstein", "born on", "1879-03-14^^xsd:date", None),
      ("albert einstein", "die on", "1955-04-18^^xsd:date", None)]),
    ("Charles Dickens (1812–1870) wrote novels.",
     [("charles dickens", "born in", "1812^^xsd:gYear", None),
      ("charles dickens", "die in", "1870^^xsd:gYear", None)]),
    ("Alex Tyus (born 8 January 1988) plays for Pallacanestro Cantù.",
     [("alex tyus", "born on", "1988-01-08^^xsd:date", None)]),
    ("Satya Nadella (born 19 August 1967 in Hyderabad) is a businessman.",
     [("satya nadella", "born in", "hyderabad", None),
      ("satya nadella", "born on", "1967-08-19^^xsd:date", None)]),
    ("Jane Doe (died 3 May 1950) was a writer.",
     [("jane doe", "die", "1950-05-03^^xsd:date", "object:bare_date"),
      ("jane doe", "die on", "1950-05-03^^xsd:date", None)]),
    # The verb rules read a date after a preposition; it is not read twice.
    ("Jane Doe (born in 1950) is a writer.", [("jane doe", "born in", "1950^^xsd:gYear", None)]),
    # Not a life: an estimate, a reign, a term, a range backwards, a war.
    ("John Smith (c. 1580 – 1631) was an explorer.", []),
    ("Louis XIV (r. 1643–1715) was king.", []),
    ("The first starter to do so since Derek Lowe ( 2005 – 2007 ) was Smith.", []),
    ("John Smith (1631–1580) was an explorer.", []),
    ("World War I (1914–1918) was a war.", []),
])
def test_life_dates_in_the_parenthesis_after_a_name(nlp, text, expected):
    assert _life_facts(nlp, text) == expected


def test_a_lifespan_is_an_implicit_relation_beside_the_dates(nlp):
    text = "Charles Dickens (1812–1870) wrote novels."
    triples, _ = extract_triples(nlp(text))
    born = next(t for t in triples if t["rule"] == "lifespan")
    assert born["pred"]["start"] == born["pred"]["end"]  # no surface token: tags nothing
    assert text[born["obj"]["start"]:born["obj"]["end"]] == "1812–1870"
    assert born["obj"]["datatype"] == "xsd:gYear"


def test_life_dates_ignore_what_is_no_date(nlp):
    doc = nlp("Ben Amos (born Benjamin Paul Amos) plays for Bolton.")
    assert life_dates(list(doc[3:6])) == []
