"""Writing systems, as a second opinion beside language identification.

py3langid is unsure of short texts: a Chinese paragraph is "zh" at 0.6-0.86, under
``input.language_min_confidence``, and would be let through an English-only run. The script a
text is written in needs no such confidence: when every wanted language is written in Latin
letters, a text whose letters are mostly of another script is in none of them."""

from __future__ import annotations

from collections.abc import Iterable

# The languages py3langid knows that are written in Latin letters alone. A language not here
# (another script, several scripts such as Serbian or Azerbaijani, or one added to a later
# model) turns the script test off: it may only skip, never wrongly.
LATIN_LANGUAGES = frozenset({
    "ace", "af", "an", "bcl", "br", "ca", "cs", "cy", "da", "de", "en", "eo", "es", "et", "eu",
    "ext", "fi", "fo", "fr", "fuv", "fy", "ga", "gcf", "gcr", "gd", "gl", "gug", "guw", "ha",
    "hr", "ht", "hu", "id", "ig", "is", "it", "jv", "kab", "kik", "la", "lb", "lg", "lij",
    "ln", "lt", "ltg", "lv", "mg", "ms", "mt", "nl", "nn", "no", "nso", "oc", "om", "pcm",
    "pl", "pt", "qu", "ro", "rw", "se", "sk", "sl", "sn", "so", "sq", "st", "sv", "sw", "tk",
    "tl", "tr", "vec", "vi", "vo", "wa", "xh", "yo", "zu",
})
# Fewer letters than this say too little about the script (a line of numbers and one name).
MIN_LETTERS = 20


def all_latin(languages: Iterable[str]) -> bool:
    """Whether every language in ``languages`` is written in Latin letters alone."""
    return all(code in LATIN_LANGUAGES for code in languages)


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
