"""Rule-based relation extraction over a spaCy dependency parse.

Pure functions: a parsed ``Doc`` in, triple records (DESIGN §4.1, README "Design notes") out. Each
rule names itself in ``rule``. What an argument identifies comes from
``kgprep.extract.mentions``; a triple whose arguments do not both identify something, or that
the text does not assert (reported speech, wishes, questions, conditions), carries
``no_edge_reason`` and gives no graph fact. Confidence is the shipped model's estimate from parse
features (``kgprep.extract.confidence``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

from kgprep.core.records import ArgumentRecord, ExtraArgumentRecord, TripleRecord
from kgprep.extract import edge_checks
from kgprep.extract.confidence import ConfidenceModel, triple_features
from kgprep.extract.keys import compact_tokens, verb_lemma
from kgprep.extract.mentions import (
    RELATIVE_PRONOUNS,
    DocMentions,
    Mention,
    is_role_word,
    naming_targets,
    role_owner,
)

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
QUOTE_MARKS = frozenset({'"', "\u201c", "\u201d", "``", "''"})
OBJECT_DEPS = frozenset({"dobj", "obj"})
# Dependents that are not part of an argument's full span when it is split out: of the head,
# coordinated, clausal and appositive ones; below the head, clauses and appositions.
SPAN_EXCLUDED = frozenset({"conj", "cc", "appos", "relcl", "acl", "punct", "advcl", "preconj"})
SPAN_EXCLUDED_BELOW = frozenset({"relcl", "acl", "appos"})
ATTRIBUTION_VERBS = frozenset(
    {"say", "claim", "believe", "report", "suggest", "think", "argue", "state", "assert",
     "allege", "announce", "estimate", "hypothesize", "propose", "insist", "deny", "fear",
     "tell", "write", "add", "note", "explain", "reveal", "admit", "confirm", "recall"}
)
# Clauses under these verbs are wished, planned or doubted, not asserted.
HYPOTHETICAL_VERBS = frozenset(
    {"hope", "wish", "want", "plan", "expect", "intend", "imagine", "suppose", "doubt",
     "predict", "request", "demand", "pray", "dream", "pretend", "hypothesise", "recommend",
     "urge", "advise", "require", "order"}
)
# Nouns whose "of" phrase is reported, not asserted: "reports of Australians travelling to
# Spain", "rumours of the king dying".
REPORT_NOUNS = frozenset({"report", "rumour", "rumor", "claim", "allegation", "account",
                          "story", "news", "sighting"})
QUESTION_VERBS = frozenset({"ask", "wonder", "question", "inquire", "investigate", "decide",
                            "know", "determine", "debate", "discuss", "consider"})


def _inflections(lemmas: frozenset[str]) -> frozenset[str]:
    """Regular inflections of ``lemmas``: the small model's lemmatizer misreads some verbs
    ("hoped" -> "hop"), so the governing verb is matched by its surface form too."""
    forms = set(lemmas)
    for lemma in lemmas:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        forms.update({lemma + "s", lemma + "d" if lemma.endswith("e") else lemma + "ed",
                      stem + "ing"})
    return frozenset(forms)


ATTRIBUTION_FORMS = _inflections(ATTRIBUTION_VERBS)
OBLIGATION_FORMS = _inflections(frozenset({"suppose"}))
HYPOTHETICAL_FORMS = _inflections(HYPOTHETICAL_VERBS)
QUESTION_FORMS = _inflections(QUESTION_VERBS)
WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})
TEMPORAL_ENTS = frozenset({"DATE", "TIME"})
TIME_NOUNS = frozenset({"year", "day", "month", "week", "time", "period", "season", "era",
                        "century", "decade", "age", "moment", "night", "morning", "evening",
                        "afternoon", "hour", "minute", "date", "occasion", "while"})
# Prepositional phrases that frame a statement rather than name its object.
FRAMING_PREPS = frozenset({"according", "despite", "because", "due", "instead", "unlike",
                           "regardless", "except", "besides", "including", "such", "like"})
# Verbs whose bare relation says little without what it lost ("have", "take a stance").
BLEACHED_VERBS = frozenset({"have", "take", "make", "get", "give", "do", "tell", "see", "note",
                            "describe", "say", "put", "keep", "hold"})
# Modals that hedge or imagine: "may have served", "would have received".
HEDGING_MODALS = frozenset({"may", "might", "could", "would"})
MODAL_LEMMAS = frozenset({"may", "might", "can", "could", "should", "must", "would", "will",
                          "shall"})

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
    """Per-document state: the parse index, named mentions and reference resolution."""

    index: DocIndex
    mentions: DocMentions
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
                return _described(verb.head, verb, ctx), "relative"
            return _with_conjuncts(child, ctx), "direct"
    if verb.dep_ in ("acl", "relcl") and _has_infinitive_to(verb) and (
            verb.dep_ == "acl" or not _says_what_it_is(verb.head)):
        # "Specialized's attempt to adopt ...": the attempt adopts nothing; "enlists the Five
        # Lucky Stars to travel to Japan": an aim. ("the first man to walk on the Moon" after
        # "is" stays, below.)
        return [], "none"
    if verb.dep_ == "relcl" or verb.dep_ == "acl":
        return _described(verb.head, verb, ctx), "relative"
    if verb.dep_ in ("conj", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        if verb.dep_ == "conj" and edge_checks.clause_has_own_subject(verb):
            return [], "none"
        heads, _ = _subject_heads(verb.head, ctx)
        return heads, "inherited"
    if ctx.open_ie and verb.dep_ == "advcl" and verb.head.pos_ in ("VERB", "AUX"):
        heads, _ = _subject_heads(verb.head, ctx)
        return heads, "adverbial"
    return [], "none"


def _says_what_it_is(noun: Token) -> bool:
    """A noun after "is" or set beside a name, or ranked ("the first woman to swim the English
    Channel"): an infinitive on it tells what its referent did, not an aim."""
    return noun.dep_ in ("attr", "appos") or any(
        c.dep_ == "amod" and (c.tag_ == "JJS" or c.lower_ in ("first", "last", "only"))
        for c in noun.children)


def _described(noun: Token, clause: Token, ctx: DocContext) -> list[Token]:
    """What a relative ``clause`` on ``noun`` describes: the subject of an asserted "X is a Y"
    when ``noun`` is the Y ("Hamlet is a play written by Shakespeare": Shakespeare wrote Hamlet,
    not "play"), else ``noun`` itself. A relative pronoun after a comma may stand for the whole
    clause (", which has since become a trend"), so such a clause keeps ``noun``."""
    copula = noun.head
    comma_relative = clause.dep_ == "relcl" and any(
        t.is_punct for t in noun.doc[noun.i + 1 : clause.left_edge.i])
    if noun.dep_ != "attr" or copula.lemma_ != "be" or _negated(copula) or _modality(copula) or (
            _assertion(copula, ctx) != (None, None)) or comma_relative:
        return [noun]
    subjects = [c for c in copula.children if c.dep_ == "nsubj" and c.lower_ != "there"]
    if not subjects or subjects[0].lower_ in RELATIVE_PRONOUNS:
        return [noun]
    return _with_conjuncts(subjects[0], ctx)


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)


def _passive_form(verb: Token) -> bool:
    """A passive clause, a past participle describing the noun it hangs on ("Titanic, directed
    by James Cameron, ..."), or a bare participle coordinated with either ("was developed by
    Sonic Team and published by Sega": Sega published it)."""
    if _is_passive(verb):
        return True
    if verb.tag_ != "VBN":
        return False
    if verb.dep_ == "acl":
        return True
    own_clause = any(c.dep_ in SUBJECT_DEPS or (c.dep_ == "aux" and c.lemma_ == "have")
                     for c in verb.children)
    return verb.dep_ == "conj" and not own_clause and _passive_form(verb.head)


def _negated(verb: Token) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _modality(verb: Token) -> str | None:
    for child in verb.children:
        if child.dep_ == "aux" and child.tag_ == "MD":
            return child.lemma_.lower() if child.lemma_.lower() in MODAL_LEMMAS else "modal"
    return None


def _speaker(verb: Token, ctx: DocContext) -> str:
    """Who says what ``verb`` (an attribution verb) reports: the subject's identity key, else
    its words as written, else "unknown" ("it is said that ...")."""
    for child in verb.children:
        if child.dep_ not in ("nsubj", "nsubjpass") or child.lower_ in ("it", "there"):
            continue  # "it is said that ...": an expletive names no speaker
        mention = ctx.mentions.mention(child)
        if mention.identifies:
            return mention.key
        return full_span(child, ctx.index).text.lower()
    for child in verb.children:  # "according to X"
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return ctx.mentions.mention(pobj).key
    return "unknown"


def _assertion(verb: Token, ctx: DocContext) -> tuple[str | None, str | None]:
    """(speaker, reason): whether the clause ``verb`` heads is reported speech (with its
    speaker), a wish or plan, an indirect question or a condition, rather than asserted."""
    node = verb
    for _ in range(8):  # clause nesting is shallow; the bound guards odd parses
        if node.dep_ == "conj":
            node = node.head
            continue
        marks = {c.lower_ for c in node.children if c.dep_ == "mark"}
        if node.dep_ == "advcl" and (marks & {"if", "unless", "whether"}
                                     or _inverted_condition(node)):
            return None, "conditional"
        if _infinitive_aim(node):
            return None, "purpose"
        if _under_report_noun(node):
            return None, "reported"
        if node.dep_ in ("ccomp", "xcomp") and node.head.pos_ in ("VERB", "AUX"):
            governor = {node.head.lemma_.lower(), node.head.lower_}
            wh_first = next((t.tag_ in WH_TAGS for t in node.subtree), False)
            if governor & ATTRIBUTION_FORMS and node.dep_ == "ccomp":
                return _speaker(node.head, ctx), "reported"
            if governor & HYPOTHETICAL_FORMS and (
                    node.dep_ == "ccomp" or not governor & OBLIGATION_FORMS):
                # "hoped that ..." and "hopes to turn ...", "wants to drive ...": wished, not
                # done; "is supposed to be" states what is meant to be so.
                return None, "hypothetical"
            if marks & {"whether", "if"} or (governor & QUESTION_FORMS and wh_first):
                return None, "question"
            node = node.head
            continue
        return None, None
    return None, None


def _under_report_noun(verb: Token) -> bool:
    """A participle on the object of a report noun's "of": "no reports of Australians
    travelling to Spain" reports (or denies) the travel, it does not assert it."""
    noun = verb.head
    return verb.dep_ == "acl" and noun.dep_ == "pobj" and noun.head.lower_ == "of" and (
        noun.head.head.lemma_.lower() in REPORT_NOUNS)


def _has_infinitive_to(verb: Token) -> bool:
    """The verb is an infinitive with "to" ("to buy")."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _infinitive_aim(verb: Token) -> bool:
    """An aim or a request, not an event: "sold his house to buy shares" (purpose), "asked the
    band to travel to Japan" (the object is to do it: object control)."""
    if not _has_infinitive_to(verb):
        return False
    if verb.dep_ == "advcl":
        return True
    return verb.dep_ == "xcomp" and any(c.dep_ in ("dobj", "dative") for c in verb.head.children)


def _inverted_condition(verb: Token) -> bool:
    """"Had the Egyptians used the mortars, ...": an auxiliary before the subject opens a
    condition without "if"."""
    subjects = [c.i for c in verb.children if c.dep_ in SUBJECT_DEPS]
    return bool(subjects) and any(
        c.dep_ in ("aux", "auxpass") and c.lower_ in ("had", "were", "should") and c.i < subjects[0]
        for c in verb.children)


def _prep_objects(verb: Token, ctx: DocContext) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to the verb, in text order."""
    pairs: list[tuple[Token, Token]] = []
    for child in verb.children:
        if child.dep_ in ("prep", "dative") and child.pos_ == "ADP":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    pairs.extend((child, o) for o in _with_conjuncts(pobj, ctx))
    return pairs


# Era marks after a year: the small NER often takes "900 BC" for an organisation.
ERA_MARKS = frozenset({"bc", "b.c.", "bce", "ad", "a.d.", "ce"})


def _is_temporal(pobj: Token) -> bool:
    return pobj.ent_type_ in TEMPORAL_ENTS or pobj.lemma_.lower() in TIME_NOUNS or (
        pobj.lower_ in ERA_MARKS and any(c.dep_ == "nummod" for c in pobj.children))


def _time_agent(pobj: Token) -> bool:
    """A time after a passive's "by" ("by 1932", "by March 1889", "by 900 BC"); a named era is
    an agent ("inspired by the Age of Enlightenment", "killed by the Ice Age")."""
    if pobj.lower_ in ERA_MARKS:
        return _is_temporal(pobj)
    if pobj.pos_ == "PROPN":
        return False
    return pobj.ent_type_ in TEMPORAL_ENTS or (
        pobj.lemma_.lower() in TIME_NOUNS and not pobj.ent_type_)


def _is_framing(prep: Token) -> bool:
    return prep.lower_ in FRAMING_PREPS or prep.lemma_.lower() in FRAMING_PREPS


# Nouns that with their own "of"/"to"/"with" make a compound preposition: "in favor of", "with
# the approval of", "in response to", "in compliance with". What they frame is no object.
FRAMING_NOUNS = frozenset({"favor", "favour", "response", "addition", "approval", "help",
                           "support", "consent", "permission", "assistance", "compliance",
                           "behalf", "lieu", "accordance", "spite", "aid"})


def _frames(prep: Token, pobj: Token) -> bool:
    """A framing preposition ("according to"), compound preposition ("in favor of") or an
    accompaniment ("together with the rest of the Philippines", "along with Lauderdale County")."""
    before = prep.doc[prep.i - 1].lower_ if prep.i > 0 else ""
    return _is_framing(prep) or (prep.lower_ == "with" and before in ("together", "along")) or (
        pobj.lemma_.lower() in FRAMING_NOUNS and any(
            c.dep_ == "prep" and c.lower_ in ("of", "to", "with") for c in pobj.children))


def _span_record(tokens: list[Token]) -> tuple[int, int]:
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _no_edge_reason(rule: str, subj: Argument, obj: Argument | None, unasserted: str | None,
                    relation: str, modality: str | None, verb: Token | None,
                    written: frozenset[int], mentions: DocMentions) -> str | None:
    """Why the triple gives no graph fact, or None when it may give one. The graph is
    entity-centric: a subject must be a named entity or a reference resolved to one (concept
    subjects were right in 17% of the labelled train facts)."""
    if obj is None:
        return "no_object"
    if subj.mention.kind != "entity":
        return f"subject:{subj.mention.kind}"
    if not obj.identifies:
        return f"object:{obj.mention.kind}"
    if subj.key == obj.key:
        return "same_argument"
    if unasserted:
        return unasserted
    if modality in HEDGING_MODALS:
        return "hedged"
    if relation.split(" ")[0] in BLEACHED_VERBS and obj.mention.kind != "entity":
        return "bleached_relation"
    return _precision_reason(rule, subj, obj, relation, verb, written, mentions)


def _precision_reason(rule: str, subj: Argument, obj: Argument, relation: str,
                      verb: Token | None, written: frozenset[int],
                      mentions: DocMentions) -> str | None:
    """The checks of ``edge_checks``, in a fixed order so one reason is recorded."""
    doc = subj.head.doc
    if edge_checks.placeholder(subj.key, relation, obj.key):
        return "placeholder"
    if edge_checks.overlapping_arguments(subj.key, obj.key):
        return "overlapping_arguments"
    if verb is not None and edge_checks.verb_in_name(verb, subj.mention, obj.mention):
        return "verb_in_name"
    for role, arg in (("subject", subj), ("object", obj)):
        if edge_checks.quantified_group(arg.head, arg.mention):
            return f"{role}:quantified"
        if edge_checks.counted_group(arg.head, arg.mention):
            return f"{role}:counted_group"
        if edge_checks.name_continues(arg.mention, doc):
            return f"{role}:name_continues"
        if edge_checks.truncated_name(arg.mention, doc):
            return f"{role}:truncated_name"
        if edge_checks.name_across_phrase(arg.mention, doc):
            return f"{role}:name_across_phrase"
        if edge_checks.beside_unknown_word(arg.mention, doc):
            return f"{role}:beside_unknown"
        if edge_checks.split_by_sentence(arg.mention, doc):
            return f"{role}:sentence_split"
        if edge_checks.common_noun_name(arg.head, arg.mention):
            return f"{role}:common_noun"
        if edge_checks.narrowed_name(arg.head, arg.mention):
            return f"{role}:narrowed_name"
        if edge_checks.generic_name(arg.head, arg.mention, written):
            return f"{role}:generic_name"
        if edge_checks.lone_name(arg.head, arg.mention, mentions):
            return f"{role}:lone_name"
        if edge_checks.lone_owner(arg.head, arg.mention, mentions):
            return f"{role}:lone_owner"
    if edge_checks.narrowed_object(obj.head, obj.mention):
        return "object:narrowed"
    if edge_checks.possessed_object(obj.head, obj.mention):
        return "object:possessed"
    if edge_checks.bare_concept(obj.head, obj.mention):
        return "object:bare_noun"
    if edge_checks.incomplete_rank(obj.head, obj.mention):
        return "object:incomplete_rank"
    if edge_checks.vague_amount(obj.head):
        return "object:vague_amount"
    if rule == "svo" and edge_checks.bare_count(obj.mention):
        return "object:bare_count"
    if rule == "svo" and edge_checks.bare_date(obj.mention):
        return "object:bare_date"
    if edge_checks.empty_relation(relation, obj.mention):
        return "empty_relation"
    if edge_checks.unknown_in_relation(relation):
        return "relation:beside_unknown"
    if verb is not None and rule == "svo" and edge_checks.content_in_complement(verb):
        return "content_lost"
    if verb is not None and rule == "passive_agent" and edge_checks.passive_as_dropped(verb):
        return "content_lost"
    if verb is not None and rule in ("verb_prep", "verb_date") and (
            edge_checks.date_without_content(verb, obj.mention)
            or edge_checks.adjective_dropped(verb)):
        return "content_lost"
    if verb is not None and rule in ("svo", "passive_agent") and edge_checks.partly_stated(verb):
        return "content_lost"
    if edge_checks.identity_between_names(rule, relation, obj.mention):
        return "identity_between_names"
    if verb is not None and edge_checks.presentational(verb):
        return "presentational"
    if verb is not None and edge_checks.relative_mismatch(verb):
        return "relative_mismatch"
    if verb is not None and edge_checks.reported_indirectly(verb):
        return "reported_indirectly"
    if edge_checks.bare_bleached(relation, verb):
        return "bleached_relation"
    return None


@dataclass
class _Builder:
    sentence_index: int
    sent: Span
    ctx: DocContext
    out: list[TripleRecord]
    model: ConfidenceModel
    keep_features: bool = False
    seen: set[tuple[Any, ...]] = field(default_factory=set)

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        """The sentence's quoted stretches, (opening mark, closing mark) token indices."""
        marks = [t.i for t in self.sent if t.text in QUOTE_MARKS]
        return list(zip(marks[::2], marks[1::2], strict=False))

    def quoted_apart(self, verb: Token, other: Token) -> bool:
        """Whether quotation marks hold the verb but not ``other``: a verb in a quoted title
        ("the hits " I Go Crazy " and ...") relates nothing outside the title."""
        for opening, closing in self.quotes:
            if opening < verb.i < closing:
                return not opening < other.i < closing
        return False

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
        if obj is not None and subj.key == obj.key and subj.key and not self.ctx.open_ie:
            return
        if obj is not None and obj.mention.unit:  # the unit stays with the value's relation
            pred_key = f"{pred_key} ({obj.mention.unit})"
        if pred_tokens:
            p_start, p_end = _span_record(pred_tokens)
        else:  # an implicit relation ("X, a poet,"): no surface token, an empty span
            p_start = p_end = obj.span.start_char if obj is not None else subj.span.end_char
        # Mentions, not spans: both conjuncts of a name the NER took as one ("JTWC and
        # PAGASA") head the same mention, and give one record.
        signature = (subj.key, pred_key, obj and obj.key, p_start, subj.mention.core,
                     obj.mention.core if obj is not None else None)
        if signature in self.seen:
            return
        self.seen.add(signature)
        extra_args: list[ExtraArgumentRecord] = []
        for prep, pobj in extras:
            start, end = prep.idx, full_span(pobj, self.ctx.index).end_char
            extra_args.append({"start": start, "end": end, "prep": prep.lower_})
        speaker, unasserted = _assertion(verb, self.ctx) if verb is not None else (None, None)
        negated = verb is not None and _negated(verb)
        modality = _modality(verb) if verb is not None else None
        features = triple_features(rule, subj.mention, obj.mention if obj else None,
                                   self.sent, negated, modality, verb, subj.head,
                                   obj.head if obj is not None else None)
        record: TripleRecord = {
            "sentence": self.sentence_index,
            "subj": subj.record(),
            "pred": {
                "start": p_start,
                "end": p_end,
                "lemma": verb_lemma(verb) if verb is not None else pred_key,
                "key": pred_key,
                "label": pred_key,
            },
            "obj": obj.record() if obj is not None else None,
            "extra_args": extra_args,
            "negated": negated,
            "modality": modality,
            "attributed_to": speaker,
            "confidence": self.model.confidence(features),
            "rule": rule,
            "no_edge_reason": _no_edge_reason(rule, subj, obj, unasserted, pred_key, modality,
                                             verb, self.ctx.index.written, self.ctx.mentions),
        }
        if self.keep_features:
            record["features"] = features
        self.out.append(record)


_PHRASE_DEPS = frozenset({"aux", "auxpass", "neg"})


def _gerund_complement(verb: Token) -> bool:
    """A gerund completing another verb ("began using"): read as written, like a participle."""
    return verb.dep_ == "xcomp" and verb.tag_ == "VBG" and not _has_infinitive_to(verb)


def _verb_phrase(verb: Token) -> tuple[list[Token], list[str]]:
    """The relation's tokens (auxiliaries, negation, verb, particle) and its key words.

    Auxiliaries are part of the span so the relation reads as written ("was born in"). The key
    keeps the lemma and particle, so every tense meets in one relation; a passive keeps its
    participle ("born in", "located in"), as its lemma reads as another relation ("bear in").
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
    words = [verb.lower_ if _passive_form(verb) or _gerund_complement(verb) else verb_lemma(verb)]
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == tokens[-1].i + 1:
            tokens.append(child)
            words.append(child.lower_)
    return tokens, words


def _active_phrase(verb: Token) -> list[str]:
    """The key words of the active voice: "was produced by" states (agent, produce, thing)."""
    return [verb_lemma(verb), *(c.lower_ for c in verb.rights if c.dep_ == "prt")]


def _contiguous_range(doc: Doc, tokens: list[Token]) -> list[Token]:
    lo = min(t.i for t in tokens)
    hi = max(t.i for t in tokens)
    return list(doc[lo : hi + 1])


def _extract_verb(verb: Token, b: _Builder) -> None:
    if any(ch.isdigit() for ch in verb.text):
        return  # a code the tagger took for a verb: "Kodak AF [5x] OPTICAL LENS"
    if naming_targets(verb):
        return  # "a guy named Joe O'Neill in Midland": the name is the noun's, no relation
    heads, _ = _subject_heads(verb, b.ctx)
    heads = [h for h in heads if not b.quoted_apart(verb, h)]
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
        to = ["to"] if _has_infinitive_to(verb) else []
        base_words = [*head_words, *(t.lower_ for t in between if t.dep_ == "aux"), *to,
                      *base_words]
        rule_svo = "xcomp"
    preps = _prep_objects(verb, b.ctx)
    objects = [
        o for c in verb.children if c.dep_ in OBJECT_DEPS for o in _with_conjuncts(c, b.ctx)
    ]
    agent_pairs = [
        (c, p) for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"
    ]
    # "buried by 900 BC": a time after "by" is when, not who; it is a date phrase like "in".
    preps += [pair for pair in agent_pairs if _time_agent(pair[1])]
    agent_pairs = [pair for pair in agent_pairs if not _time_agent(pair[1])]
    complements = [c for c in verb.children if c.dep_ == "oprd" and c.pos_ == "NOUN"]
    for subj in subjects:
        if objects:
            for obj_head in objects:
                if verb.lemma_ == "have" and _extract_attribute(verb, subj, obj_head, b):
                    continue
                obj = make_argument(obj_head, b.ctx)
                if obj is not None and obj.mention.kind == "generic" and not b.ctx.open_ie and (
                        _extract_verb_noun_prep(verb, subj, obj_head, preps, base_tokens,
                                                base_words, b)):
                    continue
                if obj is not None:
                    b.add(rule_svo, subj, base_tokens, " ".join(base_words), obj, verb, preps)
        elif agent_pairs and _passive_form(verb):
            # Passive with an agent: stated in the active voice, so both voices meet in one edge.
            key = " ".join(_active_phrase(verb))
            for _, agent_head in agent_pairs:
                for head in _with_conjuncts(agent_head, b.ctx):
                    agent = make_argument(head, b.ctx)
                    if agent is not None:
                        b.add("passive_agent", agent, base_tokens, key, subj, verb, preps)
        elif complements:
            _extract_complement(verb, subj, complements[0], base_tokens, base_words, b)
        elif preps and not any(c.dep_ in ("ccomp", "xcomp") for c in verb.children):
            # With a clausal complement the clause is the object: "indicated in the amendment
            # that ..." is not about the amendment.
            _extract_verb_prep(verb, subj, preps, base_tokens, base_words, b)
        copular = verb.lemma_ == "be" or any(c.dep_ in ("attr", "acomp") for c in verb.children)
        if copular:
            _extract_copula(verb, subj, b)
        if b.ctx.open_ie and not objects and not agent_pairs and not preps and not copular:
            _extract_open(verb, subj, base_tokens, base_words, b)


def _extract_attribute(verb: Token, subj: Argument, noun: Token, b: _Builder) -> bool:
    """"Aarhus Airport has a runway length of 2702.0": (Aarhus Airport, runway length, 2702.0).
    Returns whether the attribute reading applied."""
    for prep, pobj_head in _noun_preps(noun):
        if prep.lower_ != "of":
            continue
        value = make_argument(pobj_head, b.ctx)
        if value is not None and value.mention.kind in ("literal", "entity"):
            tokens = _contiguous_range(verb.doc, [*compact_tokens(noun), prep])
            b.add("attribute", subj, tokens, f"{relation_noun(noun)} of", value, verb)
            return True
    return False


def _extract_verb_prep(verb: Token, subj: Argument, preps: list[tuple[Token, Token]],
                       base_tokens: list[Token], base_words: list[str], b: _Builder) -> None:
    """"was born in Louisville": the first content prepositional object. Times are objects
    only when nothing else is, framing phrases ("according to", "in favor of") never; a time
    then becomes a literal if it names a definite date."""
    content = [p for p in preps if not _is_temporal(p[1]) and not _frames(*p)]
    dates = [p for p in preps if _is_temporal(p[1]) and p not in content]
    if not content:
        content = [p for p in preps if not _frames(*p)]
    if not content:
        return
    prep, pobj_head = content[0]
    obj = make_argument(pobj_head, b.ctx)
    if obj is None:
        return
    extras = [p for p in preps if p[0].i != prep.i]
    pred_tokens = [*base_tokens, prep]
    pred_span = pred_tokens if prep.i == max(t.i for t in base_tokens) + 1 else base_tokens
    b.add("verb_prep", subj, pred_span, " ".join([*base_words, prep.lower_]), obj, verb, extras)
    if dates and (prep, pobj_head) not in dates:
        # "born in Warsaw on 7 November 1867": the date is a fact of its own, a literal.
        date_prep, date_head = dates[0]
        date = make_argument(date_head, b.ctx)
        if date is not None and date.mention.kind == "literal":
            b.add("verb_date", subj, base_tokens, " ".join([*base_words, date_prep.lower_]),
                  date, verb)


def _extract_verb_noun_prep(verb: Token, subj: Argument, noun: Token,
                            preps: list[tuple[Token, Token]], base_tokens: list[Token],
                            base_words: list[str], b: _Builder) -> bool:
    """A verb and a bare noun that together say the relation: "declared war on Serbia",
    "made his debut for Arsenal", "took part in the Battle of the Somme". The noun alone
    identifies nothing; the prepositional object after it does. Times, framing phrases and the
    noun's own "of" are not that object, and the object must be a name: after a bare noun a
    concept is mostly a fragment ("created a system with exhaust pipes"). A counted noun
    belongs to no relation ("purchased five guns in Texas", "his first goal"). Returns whether
    the reading applied."""
    if any(c.dep_ in ("nummod", "quantmod") or c.ent_type_ in ("ORDINAL", "CARDINAL")
           for c in noun.children):
        return False
    after = [(prep, pobj) for prep, pobj in [*preps, *_noun_preps(noun)]
             if prep.i > noun.i and prep.lower_ != "of" and not _is_temporal(pobj)
             and not _frames(prep, pobj)]
    if not after:
        return False
    prep, pobj_head = min(after, key=lambda pair: pair[0].i)
    obj = make_argument(pobj_head, b.ctx)
    if obj is None or obj.mention.kind != "entity":
        return False
    tokens = _contiguous_range(verb.doc, [*base_tokens, noun, prep])
    key = " ".join([*base_words, relation_noun(noun), prep.lower_])
    b.add("verb_noun_prep", subj, tokens, key, obj, verb)
    return True


def _extract_complement(verb: Token, subj: Argument, complement: Token, base_tokens: list[Token],
                        base_words: list[str], b: _Builder) -> None:
    """"Yost was named manager of the Royals": (Yost, named manager of, Royals)."""
    for prep, pobj_head in _noun_preps(complement):
        obj = make_argument(pobj_head, b.ctx)
        if obj is not None:
            tokens = _contiguous_range(verb.doc, [*base_tokens, complement, prep])
            key = " ".join([*base_words, relation_noun(complement), prep.lower_])
            b.add("complement_of", subj, tokens, key, obj, verb)
            return
    obj = make_argument(complement, b.ctx)
    if obj is not None:
        b.add("complement_of", subj, base_tokens, " ".join(base_words), obj, verb)


def _extract_open(verb: Token, subj: Argument, base_tokens: list[Token], base_words: list[str],
                  b: _Builder) -> None:
    """Open-IE extractions with no entity object: clausal complements and intransitives."""
    children = list(verb.children)
    if any(c.dep_ in ("xcomp", "oprd") for c in children):
        return  # the complement verb carries the extraction
    for clause in (c for c in children if c.dep_ == "ccomp"):
        tokens = [t for t in clause.subtree if t.dep_ != "mark" or t.head.i != clause.i]
        span = _contiguous(clause, {t.i for t in tokens}.__contains__, b.ctx.index)
        core = (span.start, span.end)
        obj = Argument(clause, span, Mention("", span.text, "clause", "CLAUSE", core))
        marks = [t for t in clause.children if t.dep_ == "mark" and t.i < span.start]
        pred = _contiguous_range(verb.doc, [*base_tokens, *marks]) if marks else base_tokens
        b.add("clause", subj, pred, " ".join(base_words), obj, verb)
        return
    b.add("intransitive", subj, base_tokens, " ".join(base_words), None, verb)


def relation_noun(noun: Token) -> str:
    """A noun in a relation key: modifiers as written, the head's lemma ("rising star", not
    "rise star")."""
    tokens = [t for t in compact_tokens(noun) if t.pos_ not in ("DET", "PUNCT", "PRON")]
    words = [t.lower_ for t in tokens if t.i != noun.i]
    return " ".join([*words, noun.lemma_.lower()])


def _noun_preps(noun: Token) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to a noun: "capital | of France"."""
    return [(prep, pobj) for prep in noun.children if prep.dep_ == "prep"
            for pobj in prep.children if pobj.dep_ == "pobj"]


def _is_a(attr: Token) -> str:
    """"is a" for a class ("a Chinese poet"), "is" for an identity ("the capital")."""
    dets = [c.lower_ for c in attr.lefts if c.dep_ == "det"]
    return "is a" if not dets or dets[0] in ("a", "an") else "is"


def _first_conjunct(verb: Token) -> Token:
    """The verb that heads a run of coordinated clauses: "where X is spoken and the leader is"."""
    while verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        verb = verb.head
    return verb


def _relative_head(verb: Token) -> Token | None:
    """The noun a relative clause describes: "Italy" in "Italy, where the leader is X"."""
    clause = _first_conjunct(verb)
    return clause.head if clause.dep_ == "relcl" else None


def _named(head: Token | None, ctx: DocContext) -> Argument | None:
    """The argument headed by ``head`` if it names an entity. A possessive pronoun that resolves
    to nothing is not counted as a dropped argument: it only decides whose attribute it is."""
    argument = make_argument(head, ctx, count_dropped=False) if head is not None else None
    return argument if argument is not None and argument.mention.kind == "entity" else None


def _owner(noun: Token, verb: Token, ctx: DocContext) -> tuple[Argument, Token | None] | None:
    """The named owner of an attribute noun, and its "of" when it has one: "France's capital",
    "the capital of France", "its capital" (a possessive pronoun resolved like any other),
    "X, whose capital is", "X, where the capital is"."""
    for child in noun.lefts:
        if child.dep_ == "poss":
            if child.lower_ == "whose":
                return _with_prep(_named(_relative_head(verb), ctx), None)
            return _with_prep(_named(child, ctx), None)
    for prep, pobj in _noun_preps(noun):
        if prep.lower_ == "of":
            return _with_prep(_named(pobj, ctx), prep)
    determiners = [c.lower_ for c in noun.lefts if c.dep_ == "det"]
    if determiners == ["the"] and any(c.lower_ == "where" and c.dep_ == "advmod"
                                      for c in _first_conjunct(verb).children):
        return _with_prep(_named(_relative_head(verb), ctx), None)
    return None


def _with_prep(owner: Argument | None, prep: Token | None
               ) -> tuple[Argument, Token | None] | None:
    return None if owner is None else (owner, prep)


def _extract_owned_attribute(verb: Token, subj: Argument, b: _Builder) -> bool:
    """"The capital of France is Paris", "France's capital is Paris": the same edge as "Paris is
    the capital of France", (Paris, capital of, France). A literal value stays the object, as
    in "has a population of": "Its population was 2,345" -> (Fooville, population of, 2345).
    Returns whether the attribute reading applied."""
    noun = subj.head
    if b.ctx.open_ie or verb.lemma_ != "be" or noun.pos_ != "NOUN" or (
            subj.mention.kind == "entity"):
        return False  # open-IE benchmarks count the sentence's own voice
    owned = _owner(noun, verb, b.ctx)
    if owned is None:
        return False
    owner, prep = owned
    if owner.head.i in b.ctx.index.has_conjuncts and owner.head != _relative_head(verb):
        return False  # "The capitals of France and Germany are ...": which value is whose?
    values = [v for attr in verb.children if attr.dep_ in ("attr", "acomp")
              for v in _with_conjuncts(attr, b.ctx)]
    key = f"{relation_noun(noun)} of"
    pred_tokens = _contiguous_range(verb.doc, [*compact_tokens(noun), *([prep] if prep else [])])
    applied = False
    for head in values:
        value = make_argument(head, b.ctx)
        if value is None:
            continue
        if value.mention.kind == "literal":
            b.add("owned_attribute", owner, pred_tokens, key, value, verb)
            applied = True
        elif value.mention.kind == "entity":
            b.add("owned_attribute", value, pred_tokens, key, owner, verb)
            applied = True
    return applied


def _extract_copula(verb: Token, subj: Argument, b: _Builder) -> None:
    if _extract_owned_attribute(verb, subj, b):
        return
    for attr in verb.children:
        if attr.dep_ not in ("attr", "acomp") or attr.pos_ not in ("NOUN", "PROPN", "ADJ"):
            continue
        of_objects = [p for p in _noun_preps(attr) if p[0].lower_ in ("of", "for", "in")]
        if of_objects and attr.pos_ == "NOUN":
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = _contiguous_range(verb.doc, [verb, *compact_tokens(attr), prep])
                key = f"{relation_noun(attr)} {prep.lower_}"
                b.add("copula_of", subj, pred_tokens, key, obj, verb)
                continue
        for attr_head in _with_conjuncts(attr, b.ctx):
            obj = make_argument(attr_head, b.ctx)
            if obj is not None:
                b.add("copula", subj, [verb], _is_a(attr_head), obj, verb)


def _bracketed_by_commas(appos: Token) -> bool:
    """An apposition set off by commas on both sides (or a comma and the sentence end), and not
    one item of a list: "Barack Obama, the president of the United States, ..."."""
    doc = appos.doc
    sent = appos.sent
    left = min(t.i for t in appos.subtree)
    right = max(t.i for t in appos.subtree)
    if left == 0 or doc[left - 1].text != ",":
        return False
    after = doc[right + 1] if right + 1 < sent.end else None
    if after is not None and not (after.text in (",", ";", ".", "!", "?") or after.is_space):
        return False
    if after is not None and after.text == "," and right + 2 < sent.end and \
            doc[right + 2].lower_ in ("and", "or"):
        return False  # "A, B, and C": a list, not an apposition
    return appos.dep_ != "conj" and not any(c.dep_ in ("conj", "cc") for c in appos.head.children)


def _description_and_name(appos: Token) -> tuple[Token, Token] | None:
    """(description, name) of an apposition set off by commas, in either order: "Barack Obama,
    the president of the United States," or "The CEO of Apple, Tim Cook,"."""
    if not _bracketed_by_commas(appos):
        return None
    if appos.pos_ == "NOUN" and not appos.ent_type_:
        return appos, appos.head
    description = appos.head
    # A description first must be determined ("The CEO of Apple", "Sullivan's successor") and
    # be followed by one name: a bare plural opens a list ("tea extract, CLA, chromium"), and
    # so do coordinated names ("the two businessmen, A and B").
    if description.pos_ == "NOUN" and not description.ent_type_ and description.i < appos.i \
            and not any(c.dep_ in ("conj", "cc") for c in appos.children) \
            and any(c.dep_ in ("det", "poss") for c in description.children):
        return description, appos
    return None


# Singular nouns that describe several people or things at once.
_GROUP_NOUNS = frozenset({"couple", "pair", "duo", "trio", "quartet", "team", "partnership",
                          "twins", "brothers", "sisters"})


def _describes_all_conjuncts(description: Token, name: Token) -> bool:
    """A plural or group description after coordinated names describes them all, not the last
    one: "Jim Smith and Jim Berkley, a gay couple," (the parser does not always link the "and"),
    while "Obama and Joe Biden, the vice president," describes Biden."""
    start = name.left_edge.i
    coordinated = name.dep_ == "conj" or (start > 0 and name.doc[start - 1].pos_ == "CCONJ")
    return coordinated and (
        description.tag_ in ("NNS", "NNPS") or description.lemma_.lower() in _GROUP_NOUNS)


def _extract_appositions(sent: Span, b: _Builder) -> None:
    """Descriptive appositions only: a name and a common-noun description set off by commas.
    Commas in lists, dates and places ("Louisville, Kentucky") and parentheses ("Royal Rumble
    (2003)") are no appositions."""
    doc = sent.doc
    for tok in (doc[i] for i in _in_sentence(b.ctx.index.appositions, sent)):
        pair = _description_and_name(tok)
        if pair is None:
            continue
        description, name = pair
        if _describes_all_conjuncts(description, name):
            continue
        subj = make_argument(name, b.ctx)
        if subj is None or subj.mention.kind != "entity" or (
                subj.mention.resolution == "appositive"):
            continue  # a description standing for a name is no name to describe
        of_objects = [p for p in _noun_preps(description) if p[0].lower_ in ("of", "for", "at")]
        if of_objects:
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = _contiguous_range(doc, [*compact_tokens(description), prep])
                key = f"{relation_noun(description)} {prep.lower_}"
                b.add("apposition", subj, pred_tokens, key, obj, None)
                continue
        obj = make_argument(description, b.ctx)
        # A description before its name stands for the name ("the company, Acme Corp."): no
        # "is a" of its own.
        if obj is not None and obj.mention.resolution != "appositive":
            b.add("apposition", subj, [], "is a", obj, None)


def _extract_roles(sent: Span, b: _Builder) -> None:
    """A role and its owner written before a person's name: "Microsoft CEO Satya Nadella" ->
    (Satya Nadella, CEO of, Microsoft), "Labour leader Ed Miliband" -> (Ed Miliband, leader
    of, Labour). No predicate verb: the role noun is the predicate's token."""
    for ent in sent.ents:
        if ent.label_ != "PERSON":
            continue
        for role in ent.root.lefts:
            if role.dep_ != "compound" or role.i >= ent.start or not is_role_word(role):
                continue
            owner = role_owner(role)
            if owner is None:
                continue
            subj = make_argument(ent.root, b.ctx)
            obj = make_argument(owner, b.ctx)
            if subj is None or obj is None:
                continue
            # "Former Apple CEO": "former" stays in the relation, or the fact would be false.
            words = [c for c in role.lefts if c.dep_ in ("amod", "compound") and c != owner
                     and not c.ent_type_]
            key = " ".join([*(w.lower_ for w in words), role.lemma_.lower(), "of"])
            b.add("role", subj, [*words, role], key, obj, None)


PLACE_LABELS = frozenset({"GPE", "LOC"})
_LIST_WORDS = frozenset({"and", "or", "&", "etc"})
# What precedes the first item of a list rather than a place name: "cities – Munich, Hamburg",
# "including London, Paris".
_LIST_OPENERS = frozenset({",", "–", "—", ":", "among", "including", *_LIST_WORDS})


_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


def _starts_clause(tok: Token, chain: Span) -> bool:
    """Whether ``tok`` opens the subject of the clause a fronted place belongs to: "In Austin,
    Texas, [the] company opened ...". Not when the chain is itself (in) a subject: "France,
    Germany, Italy signed", "Cities such as London, Paris, Berlin grew"."""
    noun = tok.head if tok.dep_ in ("det", "compound", "amod") else tok
    if noun.dep_ not in _SUBJECT_DEPS or noun.head not in chain.root.ancestors:
        return False
    node = chain.root
    while node.i != noun.head.i:
        if node.dep_ in _SUBJECT_DEPS:
            return False
        node = node.head
    return True


def _in_list(chain: Span, sent: Span, conj_links: int) -> bool:
    """Whether comma-joined names are items of a list, not a place and what contains it: two of
    its links parsed as coordination ("London, Paris, Berlin"), or the run goes on with another
    item after a comma ("Germany, Italy, Austria, the Netherlands", "Hamburg, <unk> and
    elsewhere", "Boston, Chicago, etc."), a conjunction or a bracket, or it continues a list
    before it."""
    if conj_links >= 2:
        return True
    doc = sent.doc
    if chain.start > sent.start and doc[chain.start - 1].lower_ in _LIST_OPENERS:
        return True
    after = doc[chain.end : min(chain.end + 2, sent.end)]
    if after and (after[0].lower_ in _LIST_WORDS or after[0].text == "("):
        return True
    if len(after) == 2 and after[0].text == ",":
        item = after[1]
        following = doc[item.i + 3] if item.i + 3 < sent.end else None
        if following is not None and edge_checks.marker_at(doc, item.i) and (
                following.lower_ in _LIST_WORDS or following.text == ","):
            return True  # "Frankfurt, Hamburg, <unk> and elsewhere": a gap is one more item
        if _starts_clause(item, chain):
            return False
        return item.lower_ in (*_LIST_WORDS, "the", "<", "<unk>") or (
            item.text[:1].isupper() and not item.is_punct)
    return False


def _extract_place_chains(sent: Span, b: _Builder) -> None:
    """"Glen Ridge, Essex County, New Jersey": each place lies in the one after it, (Glen Ridge,
    located in, Essex County), (Essex County, located in, New Jersey). Only names joined by a
    single comma and parsed as one phrase (each attached to a name before it); a list ("Paris,
    London and Berlin", "London, Paris, Berlin, Tokyo") is no chain."""
    doc = sent.doc
    ents = [e for e in sent.ents if e.label_ in PLACE_LABELS or e.label_ == "FAC"]
    chains: list[list[int]] = []  # runs of indices into ents, each place inside the next
    conj_links: list[int] = []
    for i, outer in enumerate(ents):
        inner = ents[i - 1] if i else None
        run = chains[-1] if chains and chains[-1][-1] == i - 1 else None
        if inner is not None and (
                outer.start == inner.end + 1 and doc[inner.end].text == ","
                and outer.label_ in PLACE_LABELS and outer.root.dep_ in ("appos", "conj")
                and outer.root.head.i in {ents[k].root.i for k in (run or [i - 1])}
                and outer.text not in ("D.C.", "DC")):
            if run is None:
                chains.append([i - 1, i])
                conj_links.append(0)
            else:
                run.append(i)
            conj_links[-1] += outer.root.dep_ == "conj"
    for run, conj in zip(chains, conj_links, strict=True):
        if _in_list(doc[ents[run[0]].start : ents[run[-1]].end], sent, conj):
            continue
        for inner_i, outer_i in pairwise(run):
            place = make_argument(ents[inner_i].root, b.ctx)
            container = make_argument(ents[outer_i].root, b.ctx)
            if place is not None and container is not None:
                b.add("place_in", place, [], "located in", container, None)


def extract_triples(doc: Doc, open_ie: bool = False, model: ConfidenceModel | None = None,
                    keep_features: bool = False
                    ) -> tuple[list[TripleRecord], dict[str, int]]:
    """All triples of a parsed document, in sentence order, plus extraction counters.

    ``open_ie`` adds what open information extraction benchmarks count but a knowledge graph
    cannot use: clausal objects, intransitive predicates (``obj`` is None) and pronouns that
    resolve to nothing, kept as written. ``keep_features`` adds each triple's model features
    (for training the confidence model; not part of the stored record).
    """
    index = DocIndex.of(doc)
    ctx = DocContext(index=index, mentions=DocMentions.of(doc), open_ie=open_ie)
    model = model or ConfidenceModel.default()
    out: list[TripleRecord] = []
    for s_index, sent in enumerate(doc.sents):
        builder = _Builder(s_index, sent, ctx, out, model, keep_features)
        for i in _in_sentence(index.predicates, sent):
            _extract_verb(doc[i], builder)
        _extract_appositions(sent, builder)
        if not open_ie:  # open-IE benchmarks count stated relations, not implied places
            _extract_place_chains(sent, builder)
            _extract_roles(sent, builder)
        # Subjects become antecedents after the sentence, so pronouns resolve backwards.
        for i in _in_sentence(index.subjects, sent):
            ctx.mentions.remember_subject(doc[i])
    return out, {"pronouns_dropped": ctx.dropped_pronouns}
