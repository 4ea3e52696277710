"""Quote marks in names: a person's quoted nickname keys as the name the world uses, so the
first mention ('Bradley Kent "Brad" Stevens') and a later "Brad Stevens" are one node; stray
double quotes leave keys; apostrophes and WikiText's detached possessives stay."""

from __future__ import annotations

import pytest

from kgprep.extract.names import name_key
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("name", "person", "key"), [
    ('Bradley Kent "Brad" Stevens', True, "brad stevens"),
    ('Benjamin Paul " Ben " Amos', True, "ben amos"),
    ("Blagoja ` Billy' Celeski", True, "billy celeski"),
    ('Earvin “Magic” Johnson', True, "magic johnson"),
    # Only a person has a nickname: a title with a quoted word keeps its words.
    ('Songs "For" Sumera', False, "songs for sumera"),
    # Stray double quotes go; a closing quote without an opening one is no nickname.
    ('Pete " Ingram', True, "pete ingram"),
    ('" Angel of Death "', False, "angel of death"),
    # Apostrophes stay: inside a word, closing one, or WikiText's detached possessive.
    ("O'Brien", True, "o'brien"),
    ("Guns N' Roses", False, "guns n' roses"),
    ("Zimbabwe People 's Revolutionary Army", False, "zimbabwe people 's revolutionary army"),
    ("Martin Luther King, Jr.", True, "martin luther king jr."),
])
def test_name_keys_and_quotes(name, person, key):
    assert name_key(name, person=person) == key


def test_a_nickname_and_the_later_short_name_are_one_node(nlp):
    text = ('Bradley Kent "Brad" Stevens (born October 22, 1976) is an American coach. '
            "Brad Stevens left Butler for the Boston Celtics in 2013.")
    subjects = {s for s, _, _, why in reasons(nlp, text) if why is None}
    assert subjects == {"brad stevens"}
