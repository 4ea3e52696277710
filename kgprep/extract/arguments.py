"""Arguments of a triple: the head token, its full span and what it identifies.

``make_argument`` turns a parse token into an ``Argument`` (its ``Mention`` comes from
``kgprep.extract.mentions``); ``DocIndex`` holds the per-document scans every rule shares, found
once on the parse arrays; ``DocContext`` is the per-document state the rules read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kgprep.core.records import ArgumentRecord
from kgprep.extract.mentions import RELATIVE_PRONOUNS, DocMentions, Mention

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
# Nouns that name a time, not a thing: "in that year", "in the Dark Ages".
TIME_NOUNS = frozenset({"year", "day", "month", "week", "time", "period", "season", "era",
                        "century", "decade", "age", "moment", "night", "morning", "evening",
                        "afternoon", "hour", "minute", "date", "occasion", "while"})
QUOTE_MARKS = frozenset({'"', "\u201c", "\u201d", "``", "''"})

# Dependents that are not part of an argument's full span when it is split out: of the head,
# coordinated, clausal and appositive ones; below the head, clauses and appositions.
SPAN_EXCLUDED = frozenset({"conj", "cc", "appos", "relcl", "acl", "punct", "advcl", "preconj"})

SPAN_EXCLUDED_BELOW = frozenset({"relcl", "acl", "appos"})


@dataclass
class Argument:
    head: Token
    span: Span  # the full span
    mention: Mention

    @property
    def key(self) -> str:
        return self.mention.key

    @property
    def identifies(self) -> bool:
        return self.mention.identifies

    def record(self) -> ArgumentRecord:
        m = self.mention
        doc = self.head.doc
        core = doc[m.core[0] : m.core[1]]
        return {
            "start": min(self.span.start_char, core.start_char),
            "end": max(self.span.end_char, core.end_char),
            "head_start": core.start_char,
            "head_end": core.end_char,
            "key": m.key,
            "type": m.ent_type,
            "kind": m.kind,
            "mention": core.text,
            "name": m.name,
            "resolution": m.resolution,
            "value": m.value,
            "datatype": m.datatype,
            "unit": m.unit,
        }


@dataclass(frozen=True)
class DocIndex:
    """The tokens each whole-document scan looks for, found once per document on the parse
    arrays, so no scan creates a spaCy Token per word (those scans were ~18% of the extractor's
    time on WikiText)."""

    predicates: list[int]  # verbs, and auxiliaries that head a clause or take an attribute
    subjects: list[int]  # noun subjects: the antecedents pronouns resolve to
    appositions: list[int]  # appositions to a noun
    has_conjuncts: frozenset[int]  # tokens with a "conj" child
    heads: list[int]
    deps: list[int]  # label hashes
    punct: list[bool]
    excluded_at_head: frozenset[int]  # SPAN_EXCLUDED as hashes
    excluded_below: frozenset[int]  # SPAN_EXCLUDED_BELOW as hashes
    written: frozenset[int]  # every token's text as a hash: the words the document writes
    ents: tuple[Span, ...]  # ``doc.ents``, which builds a Span per entity on each read
    ent_starts: list[int]
    commas: list[int]
    quote_marks: list[int]

    @classmethod
    def of(cls, doc: Doc) -> DocIndex:
        from spacy.attrs import DEP, HEAD, IS_PUNCT, ORTH, POS

        label = doc.vocab.strings.__getitem__  # a label's hash, as the arrays hold it
        heads, deps, pos, punct, orth = doc.to_array([HEAD, DEP, POS, IS_PUNCT, ORTH]).T
        positions = np.arange(len(doc))
        heads = positions + heads.astype(np.int64)  # stored relative, as uint64

        def with_child(dep: str) -> np.ndarray:
            found = np.zeros(len(doc), dtype=bool)
            found[heads[(deps == label(dep)) & (heads != positions)]] = True
            return found

        nominal = (pos == label("NOUN")) | (pos == label("PROPN"))
        predicates = (pos == label("VERB")) | (
            (pos == label("AUX")) & ((deps == label("ROOT")) | with_child("attr")))
        subjects = np.logical_or.reduce([deps == label(dep) for dep in SUBJECT_DEPS]) & nominal
        appositions = (deps == label("appos")) & nominal[heads]
        ents = tuple(doc.ents)
        return cls(
            np.flatnonzero(predicates).tolist(),
            np.flatnonzero(subjects).tolist(),
            np.flatnonzero(appositions).tolist(),
            frozenset(np.flatnonzero(with_child("conj")).tolist()),
            heads.tolist(),
            deps.tolist(),
            (punct != 0).tolist(),
            frozenset(label(dep) for dep in SPAN_EXCLUDED),
            frozenset(label(dep) for dep in SPAN_EXCLUDED_BELOW),
            frozenset(orth.tolist()),
            ents,
            [ent.start for ent in ents],
            np.flatnonzero(orth == label(",")).tolist(),
            np.flatnonzero(np.isin(orth, [label(mark) for mark in QUOTE_MARKS])).tolist(),
        )

    def sentence_ents(self, sent: Span) -> tuple[Span, ...]:
        """``sent.ents`` (which reads every entity of the document): the entities from the
        sentence's start up to the first one that runs past its end."""
        ents = []
        for ent in self.ents[bisect_left(self.ent_starts, sent.start):]:
            if ent.end > sent.end:
                break
            ents.append(ent)
        return tuple(ents)

    def in_full_span(self, token: int, head: int) -> bool:
        """Whether ``token`` hangs from ``head`` by no excluded dependency (see full_span)."""
        node = token
        while node != head:
            parent = self.heads[node]
            if parent == node:  # the root: not below ``head`` at all
                return False
            excluded = self.excluded_at_head if parent == head else self.excluded_below
            if self.deps[node] in excluded:
                return False
            node = parent
        return True


def in_sentence(indices: list[int], sent: Span) -> list[int]:
    return indices[bisect_left(indices, sent.start) : bisect_left(indices, sent.end)]


@dataclass
class DocContext:
    """Per-document state: the parse index, named mentions and reference resolution."""

    index: DocIndex
    mentions: DocMentions
    open_ie: bool = False
    dropped_pronouns: int = 0


def contiguous_run(head: Token, allowed: Callable[[int], bool], index: DocIndex) -> Span:
    """The run of ``allowed`` tokens around ``head``, without punctuation at either end."""
    start = end = head.i
    while start > 0 and allowed(start - 1):
        start -= 1
    while end + 1 < len(index.heads) and allowed(end + 1):
        end += 1
    while start < end and index.punct[start]:
        start += 1
    while end > start and index.punct[end]:
        end -= 1
    return head.doc[start : end + 1]


def full_span(head: Token, index: DocIndex) -> Span:
    """The argument's subtree without coordinated, appositive or clausal dependents."""
    return contiguous_run(head, lambda token: index.in_full_span(token, head.i), index)


def make_argument(head: Token, ctx: DocContext, count_dropped: bool = True) -> Argument | None:
    """The argument headed by ``head``; None where no argument can stand (relative pronouns,
    verbs), and in graph mode for pronouns that resolve to nothing (counted in
    ``pronouns_dropped`` unless ``count_dropped`` is false)."""
    if head.pos_ == "PRON":
        if head.lower_ in RELATIVE_PRONOUNS:
            return None
        mention = ctx.mentions.resolve_pronoun(head)
        if mention.kind != "entity" and not ctx.open_ie:
            ctx.dropped_pronouns += count_dropped
            return None
        return Argument(head, head.doc[head.i : head.i + 1], mention)
    if head.pos_ not in ("NOUN", "PROPN", "NUM", "ADJ", "X", "SYM") and not ctx.open_ie:
        return None
    mention = ctx.mentions.mention(head)
    if not mention.key:
        return None
    return Argument(head, full_span(head, ctx.index), mention)


def with_conjuncts(tok: Token, ctx: DocContext) -> list[Token]:
    """The token and the tokens coordinated with it, unless it is itself a conjunct."""
    if tok.i in ctx.index.has_conjuncts and tok.dep_ != "conj":
        return [tok, *tok.conjuncts]
    return [tok]


def contiguous_range(doc: Doc, tokens: list[Token]) -> list[Token]:
    lo = min(t.i for t in tokens)
    hi = max(t.i for t in tokens)
    return list(doc[lo : hi + 1])


def noun_preps(noun: Token) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to a noun: "capital | of France"."""
    return [(prep, pobj) for prep in noun.children if prep.dep_ == "prep"
            for pobj in prep.children if pobj.dep_ == "pobj"]
