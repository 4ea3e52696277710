"""The sixth session's precision checks on sentences the team wrote, beside the cases they must
leave alone: an argument written right beside an unknown-word marker ("<unk>", as in WikiText-2:
``beside_unknown``) names a class or half a name, and a date fact of a verb whose object or
complement it leaves out is a fragment (``content_lost``); and a time phrase after a name is
not part of its key."""

from __future__ import annotations

import pytest

from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    ("Butler University beat the Cinderella team <unk> in the final .",
     [("butler university", "beat", "cinderella team", "object:beside_unknown")]),
    ("Jim Smith met Nazi hunter <unk> in Vienna .",
     [("jim smith", "meet", "nazi hunter", "object:beside_unknown")]),
    # The same argument without the marker stands.
    ("Jim Smith met Simon Wiesenthal in Vienna .",
     [("jim smith", "meet", "simon wiesenthal", None)]),
    # A name the marker continues through "of" (eighth session).
    ("The 2nd Division then took part in the Second Battle of <unk> , beginning on 3 May .",
     [("2nd division", "take part in", "second battle", "object:beside_unknown")]),
    ("The 2nd Division then took part in the Second Battle of the Somme , beginning on 3 May .",
     [("2nd division", "take part in", "second battle of the somme", None)]),
    # The NER calls this "Battle" a person: one word, so no person's origin.
    ("In late March 1945 , the Australian 7th Brigade had fought the Battle of <unk> 's Knoll .",
     [("australian 7th brigade", "fight", "battle", "object:beside_unknown")]),
    # A marker as the possessor is a word of the name.
    ("The 59th Battalion took over <unk> 's Knoll , replacing the 25th Infantry Battalion .",
     [("59th battalion", "take over", "knoll", "object:beside_unknown")]),
    # After a person, "of" says where they are from; a marker before "of" heads its own phrase.
    ("He hired James <unk> of St. Louis , Missouri .",
     [("st. louis", "located in", "missouri", None)]),
    ("Daniel Parker of <unk> joined the Continental Army .",
     [("daniel parker", "join", "continental army", None)]),
    # "for" after a name mostly opens a phrase of the clause.
    ("Charles Dickens left London for <unk> in 1850.",
     [("charles dickens", "leave", "london", None)]),
])
def test_an_argument_beside_an_unknown_word_gives_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # "appointed in 1796" leaves out what he was appointed.
    ("Rufus King was appointed Ambassador to Great Britain in 1796.",
     [("rufus king", "appointed in", "1796^^xsd:gYear", "content_lost")]),
    # Nothing left out: the date is the fact's.
    ("Rufus King was appointed in 1796.",
     [("rufus king", "appointed in", "1796^^xsd:gYear", None)]),
    # A date inside the complement is the complement's own object.
    ("American Beauty was considered the best film of 1999.",
     [("american beauty", "considered best film of", "1999^^xsd:gYear", None)]),
    # What a thing changed into is the statement (eighth session) ...
    ("The Commonwealth of Australia came into existence on 1 January 1901 .",
     [("commonwealth of australia", "come into", "existence", "object:generic"),
      ("commonwealth of australia", "come on", "1901-01-01^^xsd:date", "content_lost")]),
    # ... where movement into a place is not ...
    ("Germany advanced into Poland on 1 September 1939.",
     [("germany", "advance into", "poland", None),
      ("germany", "advance on", "1939-09-01^^xsd:date", None)]),
    # ... a date fact of a period needs its end; a journey between places is no period ...
    ("Charles Lindbergh flew from New York to Paris in May 1927.",
     [("charles lindbergh", "fly from", "new york", None),
      ("charles lindbergh", "fly in", "1927-05^^xsd:gYearMonth", None)]),
    ("Barack Obama lived in Chicago from 1985 .",
     [("barack obama", "live in", "chicago", None),
      ("barack obama", "live from", "1985^^xsd:gYear", None)]),
    # ... where a goal is not: he travelled in 1794 wherever he went.
    ("John Jay traveled to London in 1794 .",
     [("john jay", "travel to", "london", None),
      ("john jay", "travel in", "1794^^xsd:gYear", None)]),
])
def test_a_date_fact_that_leaves_out_the_complement_gives_no_fact(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_a_date_fact_that_cuts_a_period_in_half_gives_no_fact(nlp):
    text = "The Cathedral of Manila was thoroughly renovated from 2006 to 2008."
    assert ("cathedral of manila", "renovated from", "2006^^xsd:gYear", "content_lost") in (
        reasons(nlp, text))


def test_a_year_as_the_direct_object_is_no_object(nlp):
    # The year modified the object the parse lost: "1949 [Heisman] Trophy winner".
    text = ("the Lions also signed 1949 <unk> Trophy winner Leon Hart , who played the same "
            "position .")
    assert ("lions", "sign", "1949^^xsd:gYear", "object:bare_date") in reasons(nlp, text)


@pytest.mark.parametrize(("text", "expected"), [
    # "on" or "in" before a date opens a time phrase, not more of the name.
    ("The North Koreans approached the Pusan Perimeter on August 5 .",
     [("north koreans", "approach", "pusan perimeter", None)]),
    # A time phrase the NER ran on into is cut off the name (WikiText-2 valid).
    ("Lewis McAllister served in the Mississippi House of Representatives since Reconstruction .",
     [("lewis mcallister", "serve in", "mississippi house of representatives", None)]),
])
def test_a_time_phrase_is_no_part_of_a_name(nlp, text, expected):
    assert reasons(nlp, text) == expected
