"""Screening documents in input order: exact duplicates and other languages become skips, a
reused id a reject."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from kgprep.core.config import ConfigError, InputConfig
from kgprep.extract.records import Document, Reject, Skip, short_excerpt
from kgprep.extract.scripts import all_latin, mostly_other_script

_WHITESPACE = re.compile(r"\s")
# Language identification reads this many leading characters: enough for a confident call,
# and constant in the document's size.
LANGUAGE_SAMPLE_CHARS = 2000


class Screen:
    """Decided in the driver, in input order, so every worker count agrees: skips of exact
    duplicates (the same text once whitespace runs are collapsed) and other languages, and
    rejects of documents whose id an earlier document has (ids name documents in the graph,
    RDF and shards; two documents under one id mixed their annotations)."""

    def __init__(self, cfg: InputConfig):
        self.deduplicate = cfg.deduplicate
        self.languages = frozenset(cfg.languages)
        self.min_confidence = cfg.language_min_confidence
        # Then a text mostly in another script is skipped however unsure the identifier is.
        self.latin_only = all_latin(self.languages)
        self.seen: dict[bytes, str] = {}  # 16-byte text hash -> first document's id
        self.ids: set[bytes] = set()  # 16-byte hashes of the ids of documents let through
        self._identifier: Any = None

    def check(self, doc: Document) -> Document | Skip | Reject:
        """``doc`` itself, or why it is skipped or rejected."""
        key = text_key(doc.text) if self.deduplicate else b""
        if self.deduplicate and key in self.seen:
            return Skip(doc.doc_id, doc.source, doc.position, f"duplicate-of:{self.seen[key]}")
        id_key = hashlib.blake2b(doc.doc_id.encode("utf-8"), digest_size=16).digest()
        if id_key in self.ids:
            return Reject(doc.source, doc.position, f"duplicate id '{doc.doc_id}': an earlier "
                          "document has it (set input.id_field to a unique field)",
                          short_excerpt(doc.text))
        if self.deduplicate:
            self.seen[key] = doc.doc_id
        if self.languages:
            sample = doc.text[:LANGUAGE_SAMPLE_CHARS]
            language, confidence = self._classify(sample)
            if language not in self.languages and (
                    confidence >= self.min_confidence
                    or (self.latin_only and mostly_other_script(sample))):
                return Skip(doc.doc_id, doc.source, doc.position, f"language:{language}")
        self.ids.add(id_key)
        return doc

    def _classify(self, sample: str) -> tuple[str, float]:
        if self._identifier is None:
            self._identifier = load_language_identifier(self.languages)
        language, confidence = self._identifier.classify(sample)
        return str(language), float(confidence)


def load_language_identifier(languages: Iterable[str]) -> Any:
    """py3langid's model, which ships inside the package (nothing is downloaded), with
    probabilities normalised so ``input.language_min_confidence`` is a probability."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    unknown = sorted(set(languages) - set(identifier.labels))
    if unknown:
        known = ", ".join(sorted(identifier.labels))
        raise ConfigError(f"config key 'input.languages': {unknown[0]!r} is not a language "
                          f"py3langid identifies (it knows: {known})")
    return identifier


def text_key(text: str, window: int = 1 << 20) -> bytes:
    """sha256 of the text with whitespace runs collapsed and the ends stripped, i.e. of
    ``" ".join(text.split())``, computed a window at a time so memory stays flat in the
    document's size."""
    digest = hashlib.sha256()
    pos, wrote = 0, False
    while pos < len(text):
        end = min(pos + window, len(text))
        if end < len(text):  # move the cut to a whitespace character: no word straddles it
            found = _WHITESPACE.search(text, end)
            end = found.start() if found else len(text)
        words = text[pos:end].split()
        if words:
            digest.update(b" " if wrote else b"")
            digest.update(" ".join(words).encode("utf-8"))
            wrote = True
        pos = end
    return digest.digest()[:16]
