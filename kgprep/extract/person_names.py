"""Given names and surnames: evidence that a one-word name the NER calls a person names one.

The small NER calls many one-word places, ships and products people ("Kriegsmarine",
"Iguazu", "Sega"), so a lone one-word PERSON is refused only on evidence. A word that the 1990
US Census lists as a given name or surname ("Lozano", "Newman", "Laurie") is such evidence.
The list (public domain) ships in the package: nothing is downloaded."""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

NAMES_FILE = "person_names.txt.gz"


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    data = resources.files("kgprep.models").joinpath(NAMES_FILE).read_bytes()
    lines = gzip.decompress(data).decode("ascii").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_person_name(word: str) -> bool:
    """Whether ``word`` (any case) is a census given name or surname."""
    return word.lower() in _names()
