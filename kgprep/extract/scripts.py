"""Writing systems, as a second opinion beside language identification.

py3langid is unsure of short texts: a Chinese paragraph is "zh" at 0.6-0.86, under
``input.language_min_confidence``, and would be let through an English-only run. The script a
text is written in needs no such confidence: when every wanted language is written in Latin
letters, a text whose letters are mostly of another script is in none of them."""

from __future__ import annotations

from collections.abc import Iterable

# The languages py3langid knows that are not written in the Latin alphabet. Serbian is written
# in both Cyrillic and Latin letters, so it is in neither set: a run that wants it is not judged
# by script.
NON_LATIN_LANGUAGES = frozenset({
    "am", "ar", "as", "be", "bg", "bn", "el", "fa", "gu", "he", "hi", "hy", "ja", "ka", "kk",
    "km", "kn", "ko", "ky", "lo", "mk", "ml", "mn", "mr", "ne", "or", "pa", "ps", "ru", "si",
    "ta", "te", "th", "ug", "uk", "ur", "zh",
})
BOTH_SCRIPTS = frozenset({"sr"})
# Fewer letters than this say too little about the script (a line of numbers and one name).
MIN_LETTERS = 20


def all_latin(languages: Iterable[str]) -> bool:
    """Whether every language in ``languages`` is written in Latin letters."""
    return not any(code in NON_LATIN_LANGUAGES or code in BOTH_SCRIPTS for code in languages)


def mostly_other_script(text: str) -> bool:
    """Whether most of ``text``'s letters (at least MIN_LETTERS of them) are not Latin."""
    letters = latin = 0
    for char in text:
        if char.isalpha():
            letters += 1
            latin += _is_latin(char)
    return letters >= MIN_LETTERS and latin * 2 < letters


def _is_latin(char: str) -> bool:
    # Basic Latin, Latin-1 Supplement, Latin Extended-A/B, IPA, Latin Extended Additional.
    code = ord(char)
    return code < 0x2B0 or 0x1E00 <= code < 0x1F00
