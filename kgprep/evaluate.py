"""``kgprep eval carb``: run the extractor on CaRB sentences and score it, or score a tab file.

CaRB sentences come tokenised Penn-Treebank style. They are parsed on those tokens (so argument
words line up with the gold words), with PTB escapes mapped back to characters for the parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from kgprep.carb import Tuple
from kgprep.extract.triples import extract_triples

PTB_TO_TEXT = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{",
               "-RCB-": "}", "``": '"', "''": '"'}


def ptb_doc(nlp: Any, sentence: str) -> tuple[Doc, list[str]]:
    """A Doc on the sentence's own tokens; returns it with the original token strings."""
    words = sentence.split()
    mapped = [PTB_TO_TEXT.get(w, w) for w in words]
    return Doc(nlp.vocab, words=mapped, spaces=[True] * len(mapped)), words


def _words(doc: Doc, original: list[str], start: int, end: int) -> str:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return ""
    return " ".join(original[span.start:span.end])


def carb_tuples(doc: Doc, original: list[str]) -> list[Tuple]:
    """The extractor's triples as CaRB tuples: full argument spans, extra arguments appended."""
    triples, _ = extract_triples(doc, open_ie=True)
    out = []
    for t in triples:
        obj = t["obj"]
        args = [_words(doc, original, t["subj"]["start"], t["subj"]["end"]),
                _words(doc, original, obj["start"], obj["end"]) if obj is not None else ""]
        args += [_words(doc, original, a["start"], a["end"]) for a in t["extra_args"]]
        relation = _words(doc, original, t["pred"]["start"], t["pred"]["end"])
        if t["rule"] == "passive_agent":
            # The graph states passives actively; CaRB tuples keep the sentence's voice.
            args[0], args[1] = args[1], args[0]
            if not relation.endswith(" by"):
                relation += " by"
        elif t["rule"] == "apposition":
            relation = f"is {relation}" if relation else "is"
        out.append(Tuple(relation, tuple(args), float(t["confidence"])))
    return out


def extract_sentences(nlp: Any, sentences: list[str], batch_size: int = 64
                      ) -> Iterator[tuple[str, list[Tuple]]]:
    docs = (ptb_doc(nlp, s) for s in sentences)
    pairs = list(docs)
    parsed = nlp.pipe((d for d, _ in pairs), batch_size=batch_size)
    for sentence, doc, (_, original) in zip(sentences, parsed, pairs, strict=True):
        yield sentence, carb_tuples(doc, original)


def read_sentences(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
