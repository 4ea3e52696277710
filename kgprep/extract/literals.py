"""Dates, numbers and measures as typed literal values (pure functions on text).

A graph node must identify a thing; "1942", "May 13, 1942" or "2,702.0 metres" identify values.
They become typed RDF literals on their subject: ``xsd:date``, ``xsd:gYearMonth``, ``xsd:gYear``
or ``xsd:decimal`` with the unit kept beside the value. Text that names no definite value
("the 1990s", "last year", "several") parses to None and gives no fact.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MONTHS = {name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())})
MONTHS["sept"] = 9

NUMBER_WORDS = {word: i for i, word in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
     "nineteen", "twenty"])}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000}
_RANGE_WORDS = frozenset({"to", "or", "and", "-", "–", "per", "of"})
CURRENCIES = {"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
DATE_DATATYPES = frozenset({"xsd:date", "xsd:gYearMonth", "xsd:gYear"})  # what parse_date gives

_YEAR = r"(?P<year>1\d{3}|20\d{2})"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_PATTERNS = [
    re.compile(rf"^(?:on |in )?{_MONTH} {_DAY},? {_YEAR}$"),
    re.compile(rf"^(?:on |in )?(?:the )?{_DAY} (?:of )?{_MONTH},? {_YEAR}$"),
    re.compile(rf"^(?:in )?{_MONTH},? {_YEAR}$"),
    re.compile(rf"^(?:in |the year )?{_YEAR}$"),
    re.compile(r"^(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})$"),
]
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# A number with letters run onto it: "10km", "398,487MMBTU", "5x", but also "3Arena", "3D".
_GLUED = re.compile(r"(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>[a-z]+|[A-Z]+)")


def parse_date(text: str) -> tuple[str, str] | None:
    """(lexical value, datatype) of a definite calendar date, month or year, else None."""
    text = " ".join(text.split())
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        year = int(groups["year"])
        month = int(groups["mnum"]) if groups.get("mnum") else None
        if groups.get("month"):
            month = MONTHS.get(groups["month"].lower())
            if month is None:
                return None
        if month is None:
            return f"{year:04d}", "xsd:gYear"
        if not 1 <= month <= 12:
            return None
        if groups.get("day") is None:
            return f"{year:04d}-{month:02d}", "xsd:gYearMonth"
        day = int(groups["day"])
        if not 1 <= day <= 31:
            return None
        return f"{year:04d}-{month:02d}-{day:02d}", "xsd:date"
    return None


def split_glued_unit(word: str) -> tuple[str, str] | None:
    """(number, unit) of a measure written as one word: "10km", "2.5kg", "398,487MMBTU". Not a
    decade or an ordinal ("1990s", "21st"), nor a name ("3Arena"); capitals after a bare
    integer are a name too ("Team 3D", "3DS"), after a figure with a comma or a decimal point
    a unit."""
    match = _GLUED.fullmatch(word)
    if match is None or match["unit"] in ("st", "nd", "rd", "th", "s"):
        return None
    if match["unit"].isupper() and not any(c in match["number"] for c in ",."):
        return None
    return match["number"], match["unit"]


def _split_words(text: str) -> list[str]:
    words: list[str] = []
    for word in text.replace("%", " %").split():
        glued = split_glued_unit(word)
        words.extend(glued if glued else [word])
    return words


def _number(word: str) -> Decimal | None:
    word = word.lower()
    if word in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[word])
    if _NUMBER.match(word):
        try:
            return Decimal(word.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            return None
    return None


def parse_quantity(text: str) -> tuple[str, str | None] | None:
    """(decimal value, unit or None) of "2,702.0 metres", "$5 million", "45%", "twelve";
    None when the text holds no single definite number."""
    words = _split_words(text)
    unit_words: list[str] = []
    if words and words[0][:1] in CURRENCIES:
        unit_words.append(CURRENCIES[words[0][0]])
        words[0] = words[0][1:]
        if not words[0]:
            words = words[1:]
    value: Decimal | None = None
    rest: list[str] = []
    for i, word in enumerate(words):
        number = _number(word)
        if number is not None and value is None:
            value = number
            continue
        if value is not None and word.lower() in SCALES and not rest:
            value *= SCALES[word.lower()]
            continue
        if value is None and word.lower() in ("about", "some", "around", "nearly", "over",
                                                "approximately", "almost"):
            return None  # an approximate figure is no definite value
        if number is not None or value is None:
            return None  # two numbers ("3 to 5"), or words before the number
        rest = words[i:]
        break
    if value is None:
        return None
    if any(_number(w) is not None or w.lower() in _RANGE_WORDS or any(c.isdigit() for c in w)
           for w in rest):
        return None  # a range or a second figure: "3 to 5", "10-12 days"
    unit_words.extend(w for w in rest if w.strip(".,"))
    return format(value, "f"), " ".join(unit_words) or None
