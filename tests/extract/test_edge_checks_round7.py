"""The round-7 precision checks on sentences the team wrote, with the exact facts and reasons:
a count of a group (``counted_group``), a name the text continues with "of"/"for" and another
name (``name_continues``), a relative clause attached to a noun it cannot refer to
(``relative_mismatch``), a statement reported through a noun (``reported_indirectly``) and a
key holding half of a ``<unk>`` marker, each beside the cases it must leave alone."""

from __future__ import annotations

import pytest

from kgprep.extract import edge_checks
from tests.extract.outcomes import reasons


@pytest.mark.parametrize(("text", "expected"), [
    # A number before a people names some of them, not the group.
    ("Twelve Australians received the George Cross in 1942.",
     [("twelve australians", "receive", "george cross", "subject:counted_group")]),
    ("Two Canadians won the Nobel Prize.",
     [("two canadians", "win", "nobel prize", "subject:counted_group")]),
    # The whole group stands.
    ("The Australians received the George Cross in 1942.",
     [("australians", "receive", "george cross", None)]),
])
def test_counted_group(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # "Peter of Antwerp" and "the Victoria Cross for Australia" lose their second name.
    ("Peter of Antwerp was a painter for Ludwig.",
     [("peter", "painter for", "ludwig", "subject:name_continues")]),
    ("Tom Brown won the Victoria Cross for Australia.",
     [("tom brown", "win", "victoria cross", "object:name_continues")]),
    # A common noun after "for" is not a name; a name the NER took whole stands.
    ("Tom Brown won the Victoria Cross for bravery.",
     [("tom brown", "win", "victoria cross", None)]),
    ("Mary Smith joined the Society for the Protection of Birds.",
     [("mary smith", "join", "society for the protection of birds", None)]),
    # A company's seat after its legal suffix is not part of its name.
    ("Tokyo Electric Co. of Japan bought Westinghouse.",
     [("tokyo electric co.", "buy", "westinghouse", None)]),
    # "for Christmas" belongs to the verb, not to the name.
    ("John Brown met Mary Smith for Christmas.",
     [("john brown", "meet", "mary smith", None)]),
])
def test_name_continues(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # "which" does not refer to a person: the parser attached the clause to the wrong noun.
    ("She wrote a novel about Tom Sawyer, which was published in 1876.",
     [("tom sawyer", "published in", "1876^^xsd:gYear", "relative_mismatch")]),
    # A singular verb after a plural noun: the clause is about another noun.
    ("He praised the Beatles, which was founded in 1960.",
     [("beatles", "founded in", "1960^^xsd:gYear", "relative_mismatch")]),
    # "who" does not refer to a place (eighth session).
    ("The contingent included 50 soldiers headquartered at Victoria Barracks , Sydney who "
     "originally enlisted for the Second Boer War .",
     [("contingent", "include", "50 soldier", "subject:unresolved"),
      ("50 soldier", "headquartered at", "victoria barracks", "subject:generic"),
      ("sydney", "enlist for", "second boer war", "relative_mismatch")]),
    # A country after a verb may stand for its team.
    ("Italy beat France, who had won the World Cup in 1998.",
     [("italy", "beat", "france", None), ("france", "win", "world cup", None)]),
    # Agreement, and "who" after a person, stand.
    ("He praised the Beatles, who were founded in 1960.",
     [("beatles", "founded in", "1960^^xsd:gYear", None)]),
    ("Paris, which was founded by the Parisii, lies on the Seine.",
     [("parisii", "found", "paris", None), ("paris", "lie on", "seine", None)]),
    ("John Smith, who was born in Boston, studied at Harvard.",
     [("john smith", "born in", "boston", None), ("john smith", "study at", "harvard", None)]),
])
def test_relative_mismatch(nlp, text, expected):
    assert reasons(nlp, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # Reported through a noun: someone's understanding, an essay's claim.
    ("It is my understanding that Governor Gray Davis will veto the Clean Air Act.",
     [("gray davis", "veto", "clean air act", "reported_indirectly")]),
    ("She wrote an essay on how Microsoft acquired LinkedIn.",
     [("microsoft", "acquire", "linkedin", "reported_indirectly")]),
    # Asserted by the writer.
    ("Microsoft acquired LinkedIn.", [("microsoft", "acquire", "linkedin", None)]),
    # A relative clause inside a reported clause is the writer's own description; the
    # reported clause itself keeps the existing check's reason and speaker.
    ("The reporter said that John Smith, who was then the mayor of Boston, visited Paris.",
     [("john smith", "mayor of", "boston", None), ("john smith", "visit", "paris", "reported")]),
])
def test_reported_indirectly(nlp, text, expected):
    assert reasons(nlp, text) == expected


def test_placeholder_half_marker():
    # "<unk>-<unk>" keyed as "unk>-<unk" still holds the corpus marker.
    assert edge_checks.placeholder("maurice harris", "join", "unk>-<unk")
    assert edge_checks.placeholder("<unk> bull", "join", "raf")
    assert not edge_checks.placeholder("maurice harris", "join", "temple beth israel")
    assert not edge_checks.placeholder("punk band", "play in", "london")
