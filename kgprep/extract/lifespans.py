"""Birth and death dates in the parenthesis after a person's name, as encyclopedias write them:
"Alvah Sabin (October 23, 1793 – January 22, 1885)", "Charles Dickens (1812–1870)", "Alex Tyus
(born 8 January 1988)". The parser reads such a parenthesis as an apposition or a stray number,
so no verb rule sees the dates. Only definite dates count: an approximate one ("c. 1450", "fl.
1400") or a reign ("r. 1643–1715") gives nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kgprep.extract.arguments import Argument, make_argument
from kgprep.extract.literals import parse_date
from kgprep.extract.mentions import literal_mention

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Span, Token

    from kgprep.extract.triples import SentenceBuilder

DASHES = frozenset({"–", "-", "—", "‑"})
# Words that make the parenthesis say something else than a life: an estimate, a reign, an
# active period, a tenure or a term.
NOT_A_LIFE = frozenset({"c.", "ca.", "c", "ca", "circa", "about", "fl.", "fl", "r.", "r",
                        "reigned", "reign", "d.", "d", "or", "?", "bc", "bce", "ad",
                        "term", "served", "office", "active"})
# The longest parenthesis read: a name, two full dates and two places fit.
MAX_TOKENS = 20
# A shorter range is a career, a tenure or a term ("since Derek Lowe (2005 – 2007)").
MIN_LIFE_YEARS = 15


def _relation(verb: str, datatype: str) -> str:
    """The key a verb rule gives the same fact: "born on" a day, "born in" a month or year."""
    return f"{verb} {'on' if datatype == 'xsd:date' else 'in'}"


def _date_at_start(tokens: list[Token]) -> tuple[int, tuple[str, str]] | None:
    """The longest run of ``tokens`` from the first that reads as a definite date, followed by
    nothing or by a place after "," or "in": (its length, (value, datatype))."""
    for end in range(len(tokens), 0, -1):
        rest = tokens[end:]
        if rest and rest[0].lower_ not in (",", "in"):
            continue
        # WikiText writes "October 23 , 1793": the comma goes back on the day.
        value = parse_date(" ".join(t.text for t in tokens[:end]).replace(" ,", ","))
        if value is not None:
            return end, value
    return None


def _literal(tokens: list[Token], value: tuple[str, str]) -> Argument:
    from spacy.tokens import Span

    span = Span(tokens[0].doc, tokens[0].i, tokens[-1].i + 1, label="DATE")
    return Argument(tokens[-1], span, literal_mention(span, value, "vague_date"))


def _a_life(birth: str, death: str) -> bool:
    return int(death[:4]) - int(birth[:4]) >= MIN_LIFE_YEARS


def _glued_years(token: Token) -> list[tuple[str, str]] | None:
    """"1812–1870" as one token: two years."""
    for dash in DASHES:
        left, sep, right = token.text.partition(dash)
        if sep and len(left) == len(right) == 4 and left.isdigit() and right.isdigit() and (
                _a_life(left, right)):
            return [(left, "xsd:gYear"), (right, "xsd:gYear")]
    return None


LifeDate = tuple[str, list["Token"], list["Token"], tuple[str, str]]
_VERBS = {"born": "born", "died": "die"}


def life_dates(inside: list[Token]) -> list[LifeDate]:
    """("born" | "die", the verb's tokens if written, the date's tokens, (value, datatype)) for
    each date the parenthesis ``inside`` gives, or nothing where it is no life."""
    if not inside or any(t.lower_ in NOT_A_LIFE for t in inside):
        return []
    if inside[0].lower_ in _VERBS:
        if len(inside) > 1 and inside[1].pos_ == "ADP":
            return []  # "born on 3 May 1950", "born in 1950": the verb rules read it
        found = _date_at_start(inside[1:])
        return [(_VERBS[inside[0].lower_], inside[:1], inside[1 : 1 + found[0]], found[1])
                ] if found else []
    if len(inside) == 1:
        years = _glued_years(inside[0])
        return [("born", [], inside, years[0]), ("die", [], inside, years[1])] if years else []
    dashes = [k for k, t in enumerate(inside) if t.text in DASHES]
    if len(dashes) != 1:
        return []
    birth = _date_at_start(inside[: dashes[0]])
    death = _date_at_start(inside[dashes[0] + 1 :])
    if birth is None or death is None or not _a_life(birth[1][0], death[1][0]):
        return []
    return [("born", [], inside[: birth[0]], birth[1]),
            ("die", [], inside[dashes[0] + 1 : dashes[0] + 1 + death[0]], death[1])]


def _closing(sent: Span, opening: int) -> int | None:
    doc = sent.doc
    for i in range(opening + 1, min(sent.end, opening + 2 + MAX_TOKENS)):
        if doc[i].text == "(":
            return None
        if doc[i].text == ")":
            return i
    return None


def extract_lifespans(sent: Span, b: SentenceBuilder) -> None:
    """(person, born on/in, date) and (person, die on/in, date) from the parenthesis right
    after a person's name."""
    doc = sent.doc
    for ent in b.ents:
        if ent.label_ != "PERSON" or ent.end >= sent.end or doc[ent.end].text != "(":
            continue
        closing = _closing(sent, ent.end)
        if closing is None:
            continue
        dates = life_dates(list(doc[ent.end + 1 : closing]))
        person = make_argument(ent.root, b.ctx) if dates else None
        if person is None:
            continue
        for verb, verb_tokens, date_tokens, value in dates:
            b.add("lifespan", person, verb_tokens, _relation(verb, value[1]),
                  _literal(date_tokens, value), None)
