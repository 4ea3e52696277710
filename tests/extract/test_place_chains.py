""""Glen Ridge, Essex County, New Jersey": each place lies in the next. Lists of places and
commas that join other things give no such fact. Sentences written by the team."""

from __future__ import annotations

import pytest

from kgprep.extract.triples import extract_triples


def placed(nlp, text: str) -> list[tuple[str, str, str, int, int]]:
    """(inner, relation, outer, predicate start, predicate end) of each place_in triple."""
    triples, _ = extract_triples(nlp(text))
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"], t["pred"]["start"],
             t["pred"]["end"]) for t in triples if t["rule"] == "place_in"]


def test_each_place_lies_in_the_next_with_no_predicate_token(nlp):
    text = "Buzz Aldrin was born in Glen Ridge, Essex County, New Jersey."
    essex, jersey = text.index("Essex"), text.index("New Jersey")
    assert placed(nlp, text) == [
        ("glen ridge", "located in", "essex county", essex, essex),
        ("essex county", "located in", "new jersey", jersey, jersey)]


@pytest.mark.parametrize(("text", "expected"), [
    ("He was born in Louisville, Kentucky, in 1942.", [("louisville", "kentucky")]),
    ("The firm opened an office in Austin, Texas, where it grew.", [("austin", "texas")]),
    # Lists of places, a fronted place before the subject, and a district name.
    ("She visited Paris, London and Berlin.", []),
    ("The band toured Texas, Oklahoma, and Kansas.", []),
    ("It has districts: Tondo, Port Area, San Andres, San Miguel and Paco.", []),
    # Lists the parse splits into short runs: items go on after the run, or come before it.
    ("The film opened in Germany, Italy, Austria, Switzerland, the Netherlands and Finland.", []),
    ("The fungus grows in Europe, North Africa, Asia, and North America.", []),
    ("The churches are in the big cities – Munich, Hamburg, Berlin and Hanover.", []),
    ("The song charted in Austria, Belgium (Flanders and Wallonia), Denmark and France.", []),
    ("The company has offices in London, Paris, Berlin, Tokyo, Sydney.", []),
    ("He played in Boston, Chicago, New York, etc.", []),
    # A corpus gap is one more item, even where the parse reads it as the next subject.
    ("These concerns arose because customers of around 20 after-school <unk> centres operated "
     "by Scientologists in Frankfurt , Hamburg , <unk> and elsewhere might be unaware.", []),
    # A chain whose names all hang on the first, and one that opens its sentence.
    ("He lives in Austin, Texas, USA.", [("austin", "texas"), ("texas", "usa")]),
    ("In Austin, Texas, the company opened an office.", [("austin", "texas")]),
    ("He lives in Austin, Texas, among other places.", [("austin", "texas")]),
    # A list that is (in) the clause's subject is no fronted chain.
    ("Cities such as London, Paris, Berlin grew.", []),
    ("France, Germany, Italy signed the treaty.", []),
    # A chain followed by a comma and a lower-case word is no list.
    ("The town lies north of Fields, Oregon, about 23 miles away.", [("fields", "oregon")]),
    ("In Iraq, Baghdad is the capital.", []),
    ("He lives in Washington, D.C.", []),
])
def test_place_chains_and_what_is_no_chain(nlp, text, expected):
    assert [(inner, outer) for inner, _, outer, _, _ in placed(nlp, text)] == expected


def test_open_ie_mode_has_no_implied_places(nlp):
    triples, _ = extract_triples(nlp("He was born in Louisville, Kentucky."), open_ie=True)
    assert all(t["rule"] != "place_in" for t in triples)
