"""Rule-based open information extraction over a spaCy dependency parse.

Pure functions: a parsed ``Doc`` in, triple records (DESIGN §4.1) out. Each rule names itself in
``rule``, and confidence starts from the rule's reliability and is lowered by parse features that go
with extraction errors (long arguments, pronouns, unresolved heads).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

from kgprep.keys import compact_tokens, find_acronyms, phrase_key

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "obj"})
# Dependents that are not part of an argument's full span when it is split out: of the head,
# coordinated, clausal and appositive ones; below the head, clauses and appositions.
SPAN_EXCLUDED = frozenset({"conj", "cc", "appos", "relcl", "acl", "punct", "advcl", "preconj"})
SPAN_EXCLUDED_BELOW = frozenset({"relcl", "acl", "appos"})
RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom", "whose", "where"})
ATTRIBUTION_VERBS = frozenset(
    {"say", "claim", "believe", "report", "suggest", "think", "argue", "state", "assert",
     "allege", "announce", "estimate", "hypothesize", "propose", "insist", "deny", "fear"}
)
TEMPORAL_ENTS = frozenset({"DATE", "TIME"})
MODAL_LEMMAS = frozenset({"may", "might", "can", "could", "should", "must", "would", "will",
                          "shall"})
# Rule reliabilities: the mean precision of each rule's extractions against CaRB gold tuples on
# the dev split (measured with `make bench-extract`), rounded.
RULE_CONFIDENCE = {
    "xcomp": 0.85,
    "verb_prep": 0.8,
    "clause": 0.8,
    "svo": 0.75,
    "passive_agent": 0.75,
    "copula": 0.7,
    "copula_of": 0.65,
    "apposition": 0.6,
    # Open-IE only: an intransitive predicate has no object to put in a graph.
    "intransitive": 0.55,
}
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
THING_PRONOUNS = frozenset({"it", "they", "them"})


@dataclass
class Argument:
    head: Token
    span: Span  # the full span
    compact: list[Token]
    key: str
    ent_type: str
    resolved: bool = False  # a pronoun replaced by its antecedent's key

    def record(self) -> dict[str, Any]:
        return {
            "start": self.span.start_char,
            "end": self.span.end_char,
            "head_start": self.compact[0].idx,
            "head_end": self.compact[-1].idx + len(self.compact[-1].text),
            "key": self.key,
            "type": self.ent_type,
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

    @classmethod
    def of(cls, doc: Doc) -> DocIndex:
        from spacy.attrs import DEP, HEAD, IS_PUNCT, POS

        label = doc.vocab.strings.__getitem__  # a label's hash, as the arrays hold it
        heads, deps, pos, punct = doc.to_array([HEAD, DEP, POS, IS_PUNCT]).T
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
        )

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


def _in_sentence(indices: list[int], sent: Span) -> list[int]:
    return indices[bisect_left(indices, sent.start) : bisect_left(indices, sent.end)]


@dataclass
class DocContext:
    """Per-document state: acronyms and recent mentions for pronoun resolution."""

    acronyms: dict[str, str]
    index: DocIndex
    last_person: tuple[str, str] | None = None
    last_thing: tuple[str, str] | None = None
    open_ie: bool = False
    dropped_pronouns: int = 0


def _contiguous(head: Token, allowed: Callable[[int], bool], index: DocIndex) -> Span:
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
    return _contiguous(head, lambda token: index.in_full_span(token, head.i), index)


def _entity_type(head: Token) -> str:
    return head.ent_type_ or ("CONCEPT" if head.pos_ in ("NOUN", "PROPN") else head.pos_)


def make_argument(head: Token, ctx: DocContext) -> Argument | None:
    if head.pos_ == "PRON":
        lower = head.text.lower()
        if lower in RELATIVE_PRONOUNS:
            return None
        ref = None
        if lower in PERSON_PRONOUNS:
            ref = ctx.last_person
        elif lower in THING_PRONOUNS:
            ref = ctx.last_thing
        alone = head.doc[head.i : head.i + 1]
        if ref is None:
            if ctx.open_ie:  # open IE keeps the pronoun as written
                return Argument(head, alone, [head], lower, "PRON")
            ctx.dropped_pronouns += 1
            return None
        return Argument(head, alone, [head], ref[0], ref[1], resolved=True)
    if head.pos_ not in ("NOUN", "PROPN", "NUM", "ADJ", "X", "SYM") and not ctx.open_ie:
        return None
    compact = compact_tokens(head)
    key = phrase_key(compact)
    key = ctx.acronyms.get(key, key)
    if not key:
        return None
    return Argument(head, full_span(head, ctx.index), compact, key, _entity_type(head))


def _remember(head: Token, ctx: DocContext) -> None:
    """Record a subject as the antecedent for later pronouns (cheap: the key only)."""
    key = phrase_key(compact_tokens(head))
    key = ctx.acronyms.get(key, key)
    if not key:
        return
    if head.ent_type_ == "PERSON":
        ctx.last_person = (key, "PERSON")
    else:
        ctx.last_thing = (key, _entity_type(head))


def _with_conjuncts(tok: Token, ctx: DocContext) -> list[Token]:
    """The token and the tokens coordinated with it, unless it is itself a conjunct."""
    if tok.i in ctx.index.has_conjuncts and tok.dep_ != "conj":
        return [tok, *tok.conjuncts]
    return [tok]


def _subject_heads(verb: Token, ctx: DocContext) -> tuple[list[Token], str]:
    """Subject heads of ``verb`` and how they were found."""
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            if child.text.lower() in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                return [verb.head], "relative"
            return _with_conjuncts(child, ctx), "direct"
    if verb.dep_ == "relcl" or verb.dep_ == "acl":
        return [verb.head], "relative"
    if verb.dep_ in ("conj", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        heads, _ = _subject_heads(verb.head, ctx)
        return heads, "inherited"
    if ctx.open_ie and verb.dep_ == "advcl" and verb.head.pos_ in ("VERB", "AUX"):
        heads, _ = _subject_heads(verb.head, ctx)
        return heads, "adverbial"
    return [], "none"


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _negated(verb: Token) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _modality(verb: Token) -> str | None:
    for child in verb.children:
        if child.dep_ == "aux" and child.tag_ == "MD":
            return child.lemma_.lower() if child.lemma_.lower() in MODAL_LEMMAS else "modal"
    return None


def _attribution(verb: Token, ctx: DocContext) -> str | None:
    """The key of who claims the clause that ``verb`` heads, if it is reported speech."""
    node = verb
    while node.dep_ == "conj":
        node = node.head
    if node.dep_ != "ccomp" or node.head.lemma_.lower() not in ATTRIBUTION_VERBS:
        return None
    for child in node.head.children:
        if child.dep_ == "nsubj":
            arg = make_argument(child, ctx)
            if arg is not None:
                return arg.key
    return node.head.lemma_.lower()


def _prep_objects(verb: Token, ctx: DocContext) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to the verb, in text order."""
    pairs = []
    for child in verb.children:
        if child.dep_ in ("prep", "dative") and child.pos_ == "ADP":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    pairs.extend((child, o) for o in _with_conjuncts(pobj, ctx))
    return pairs


def _span_record(tokens: list[Token]) -> tuple[int, int]:
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _confidence(rule: str, subj: Argument, obj: Argument | None, sent: Span) -> float:
    score = RULE_CONFIDENCE[rule]
    args = [subj] if obj is None else [subj, obj]
    if any(a.resolved for a in args):
        score *= 0.8
    if len(sent) > 40:  # long sentences parse worse
        score *= 0.8
    if not any(a.head.ent_type_ for a in args):
        score *= 0.95
    return round(score, 4)


@dataclass
class _Builder:
    sentence_index: int
    sent: Span
    ctx: DocContext
    out: list[dict[str, Any]]
    seen: set[tuple[Any, ...]] = field(default_factory=set)

    def add(
        self,
        rule: str,
        subj: Argument,
        pred_tokens: list[Token],
        pred_key: str,
        obj: Argument | None,
        verb: Token | None,
        extras: list[tuple[Token, Token]] = (),  # type: ignore[assignment]
    ) -> None:
        if obj is not None and subj.key == obj.key and subj.key:
            return
        p_start, p_end = _span_record(pred_tokens)
        obj_start = obj.span.start_char if obj is not None else -1
        signature = (subj.key, pred_key, obj and obj.key, p_start, subj.span.start_char,
                     obj_start)
        if signature in self.seen:
            return
        self.seen.add(signature)
        extra_args = []
        for prep, pobj in extras:
            start, end = prep.idx, full_span(pobj, self.ctx.index).end_char
            extra_args.append({"start": start, "end": end, "prep": prep.lower_})
        self.out.append(
            {
                "sentence": self.sentence_index,
                "subj": subj.record(),
                "pred": {
                    "start": p_start,
                    "end": p_end,
                    "lemma": verb.lemma_.lower() if verb is not None else pred_key,
                    "key": pred_key,
                },
                "obj": obj.record() if obj is not None else None,
                "extra_args": extra_args,
                "negated": verb is not None and _negated(verb),
                "modality": _modality(verb) if verb is not None else None,
                "attributed_to": _attribution(verb, self.ctx) if verb is not None else None,
                "confidence": _confidence(rule, subj, obj, self.sent),
                "rule": rule,
            }
        )


_PHRASE_DEPS = frozenset({"aux", "auxpass", "neg"})


def _verb_phrase(verb: Token) -> tuple[list[Token], list[str]]:
    """The relation's tokens (auxiliaries, negation, verb, particle) and its key words.

    Auxiliaries are part of the span so the relation reads as written ("was born in"); the key
    keeps only the lemma and particle, so every tense and voice meets in one relation.
    """
    doc = verb.doc
    start = verb.i
    while start > 0 and (
        (doc[start - 1].head.i == verb.i and doc[start - 1].dep_ in _PHRASE_DEPS)
        or (doc[start - 1].dep_ == "advmod" and doc[start - 1].head.i == verb.i and start >= 2
            and doc[start - 2].head.i == verb.i and doc[start - 2].dep_ in _PHRASE_DEPS)
    ):
        start -= 1
    tokens = list(doc[start : verb.i + 1])
    words = [verb.lemma_.lower()]
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == tokens[-1].i + 1:
            tokens.append(child)
            words.append(child.lower_)
    return tokens, words


def _contiguous_range(doc: Doc, tokens: list[Token]) -> list[Token]:
    lo = min(t.i for t in tokens)
    hi = max(t.i for t in tokens)
    return list(doc[lo : hi + 1])


def _extract_verb(verb: Token, b: _Builder) -> None:
    heads, _ = _subject_heads(verb, b.ctx)
    subjects = [a for a in (make_argument(h, b.ctx) for h in heads) if a is not None]
    if not subjects:
        return
    base_tokens, base_words = _verb_phrase(verb)
    rule_svo = "svo"
    if verb.dep_ == "xcomp":
        # "wants to buy": the controlling verb's phrase, "to" and this verb form the relation.
        head_tokens, head_words = _verb_phrase(verb.head)
        between = verb.doc[head_tokens[-1].i + 1 : base_tokens[0].i]
        if any(t.dep_ not in ("aux", "neg", "advmod") for t in between):
            return
        base_tokens = [*head_tokens, *between, *base_tokens]
        base_words = [*head_words, *(t.lower_ for t in between if t.dep_ == "aux"), *base_words]
        rule_svo = "xcomp"
    preps = _prep_objects(verb, b.ctx)
    objects = [
        o for c in verb.children if c.dep_ in OBJECT_DEPS for o in _with_conjuncts(c, b.ctx)
    ]
    agent_pairs = [
        (c, p) for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"
    ]
    for subj in subjects:
        if objects:
            for obj_head in objects:
                obj = make_argument(obj_head, b.ctx)
                if obj is not None:
                    b.add(rule_svo, subj, base_tokens, " ".join(base_words), obj, verb, preps)
        elif agent_pairs and _is_passive(verb):
            # Passive with an agent: stated in the active voice, so both voices meet in one edge.
            for _, agent_head in agent_pairs:
                for head in _with_conjuncts(agent_head, b.ctx):
                    agent = make_argument(head, b.ctx)
                    if agent is not None:
                        b.add("passive_agent", agent, base_tokens, " ".join(base_words), subj,
                              verb, preps)
        elif preps:
            content = [p for p in preps if p[1].ent_type_ not in TEMPORAL_ENTS] or preps
            prep, pobj_head = content[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                extras = [p for p in preps if p[0].i != prep.i]
                pred_tokens = [*base_tokens, prep]
                if prep.i == max(t.i for t in base_tokens) + 1:
                    pred_span = pred_tokens
                else:
                    pred_span = base_tokens
                key = " ".join([*base_words, prep.lower_])
                b.add("verb_prep", subj, pred_span, key, obj, verb, extras)
        copular = verb.lemma_ == "be" or any(c.dep_ in ("attr", "acomp") for c in verb.children)
        if copular:
            _extract_copula(verb, subj, b)
        if b.ctx.open_ie and not objects and not agent_pairs and not preps and not copular:
            _extract_open(verb, subj, base_tokens, base_words, b)


def _extract_open(verb: Token, subj: Argument, base_tokens: list[Token], base_words: list[str],
                  b: _Builder) -> None:
    """Open-IE extractions with no entity object: clausal complements and intransitives."""
    children = list(verb.children)
    if any(c.dep_ in ("xcomp", "oprd") for c in children):
        return  # the complement verb carries the extraction
    for clause in (c for c in children if c.dep_ == "ccomp"):
        tokens = [t for t in clause.subtree if t.dep_ != "mark" or t.head.i != clause.i]
        span = _contiguous(clause, {t.i for t in tokens}.__contains__, b.ctx.index)
        obj = Argument(clause, span, [clause], "", "CLAUSE")
        marks = [t for t in clause.children if t.dep_ == "mark" and t.i < span.start]
        pred = _contiguous_range(verb.doc, [*base_tokens, *marks]) if marks else base_tokens
        b.add("clause", subj, pred, " ".join(base_words), obj, verb)
        return
    b.add("intransitive", subj, base_tokens, " ".join(base_words), None, verb)



def _noun_preps(noun: Token) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to a noun: "capital | of France"."""
    return [(prep, pobj) for prep in noun.children if prep.dep_ == "prep"
            for pobj in prep.children if pobj.dep_ == "pobj"]


def _extract_copula(verb: Token, subj: Argument, b: _Builder) -> None:
    for attr in verb.children:
        if attr.dep_ not in ("attr", "acomp") or attr.pos_ not in ("NOUN", "PROPN", "ADJ"):
            continue
        of_objects = _noun_preps(attr)
        attr_key = phrase_key(compact_tokens(attr))
        if of_objects and attr.pos_ != "ADJ":
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = _contiguous_range(verb.doc, [verb, *compact_tokens(attr), prep])
                key = f"be {attr_key} {prep.lower_}"
                b.add("copula_of", subj, pred_tokens, key, obj, verb)
                continue
        for attr_head in _with_conjuncts(attr, b.ctx):
            obj = make_argument(attr_head, b.ctx)
            if obj is not None:
                b.add("copula", subj, [verb], "be", obj, verb)


def _extract_appositions(sent: Span, b: _Builder) -> None:
    doc = sent.doc
    for tok in (doc[i] for i in _in_sentence(b.ctx.index.appositions, sent)):
        subj = make_argument(tok.head, b.ctx)
        if subj is None:
            continue
        of_objects = _noun_preps(tok)
        if of_objects:
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = _contiguous_range(tok.doc, [*compact_tokens(tok), prep])
                key = f"be {phrase_key(compact_tokens(tok))} {prep.lower_}"
                b.add("apposition", subj, pred_tokens, key, obj, None)
                continue
        obj = make_argument(tok, b.ctx)
        if obj is not None:
            b.add("apposition", subj, compact_tokens(tok), "be", obj, None)


def extract_triples(doc: Doc, open_ie: bool = False
                    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """All triples of a parsed document, in sentence order, plus extraction counters.

    ``open_ie`` adds what open information extraction benchmarks count but a knowledge graph
    cannot use: clausal objects, intransitive predicates (``obj`` is None) and pronouns that
    resolve to nothing, kept as written.
    """
    index = DocIndex.of(doc)
    ctx = DocContext(acronyms=find_acronyms(doc), index=index, open_ie=open_ie)
    out: list[dict[str, Any]] = []
    for s_index, sent in enumerate(doc.sents):
        builder = _Builder(s_index, sent, ctx, out)
        for i in _in_sentence(index.predicates, sent):
            _extract_verb(doc[i], builder)
        _extract_appositions(sent, builder)
        # Update mentions after the sentence so pronouns resolve to earlier sentences or subjects.
        for i in _in_sentence(index.subjects, sent):
            _remember(doc[i], ctx)
    return out, {"pronouns_dropped": ctx.dropped_pronouns}



