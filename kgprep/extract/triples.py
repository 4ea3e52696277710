"""Rule-based relation extraction over a spaCy dependency parse.

Pure functions: a parsed ``Doc`` in, triple records (DESIGN §4.1, README "Design notes") out. Each
rule names itself in ``rule``. What an argument identifies comes from
``kgprep.extract.mentions``; a triple whose arguments do not both identify something, or that
the text does not assert (reported speech, wishes, questions, conditions), carries
``no_edge_reason`` and gives no graph fact. Confidence is the shipped model's estimate from parse
features (``kgprep.extract.confidence``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

from kgprep.core.records import ExtraArgumentRecord, TripleRecord
from kgprep.extract import edge_checks
from kgprep.extract.arguments import (
    SUBJECT_DEPS,
    TIME_NOUNS,
    Argument,
    DocContext,
    DocIndex,
    contiguous_range,
    contiguous_run,
    full_span,
    in_sentence,
    make_argument,
    noun_preps,
    with_conjuncts,
)
from kgprep.extract.assertion import assertion_of, has_infinitive_to, is_negated, modality_of
from kgprep.extract.confidence import ConfidenceModel, SentenceShape, triple_features
from kgprep.extract.keys import compact_tokens, relation_noun
from kgprep.extract.lifespans import extract_lifespans
from kgprep.extract.mentions import (
    RELATIVE_PRONOUNS,
    DocMentions,
    Mention,
    naming_targets,
)
from kgprep.extract.noun_facts import (
    SITE_LABELS,
    extract_appositions,
    extract_copula,
    extract_place_chains,
    extract_places_named_in,
    extract_roles,
)

OBJECT_DEPS = frozenset({"dobj", "obj"})
TEMPORAL_ENTS = frozenset({"DATE", "TIME"})
# Prepositional phrases that frame a statement rather than name its object.
FRAMING_PREPS = frozenset({"according", "despite", "because", "due", "instead", "unlike",
                           "regardless", "except", "besides", "including", "such", "like"})
# Verbs whose bare relation says little without what it lost ("have", "take a stance").
BLEACHED_VERBS = frozenset({"have", "take", "make", "get", "give", "do", "tell", "see", "note",
                            "describe", "say", "put", "keep", "hold"})
# Modals that hedge or imagine: "may have served", "would have received".
HEDGING_MODALS = frozenset({"may", "might", "could", "would"})


def _subject_heads(verb: Token, ctx: DocContext) -> list[Token]:
    """Subject heads of ``verb``: its own, those of the noun a relative clause describes, or
    those of the verb it continues (a conjunct, a complement, a fronted participle)."""
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            if child.text.lower() in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                return _described(verb.head, verb, ctx)
            return with_conjuncts(child, ctx)
    if verb.dep_ in ("acl", "relcl") and has_infinitive_to(verb) and (
            verb.dep_ == "acl" or not _says_what_it_is(verb.head)):
        # "Specialized's attempt to adopt ...": the attempt adopts nothing; "enlists the Five
        # Lucky Stars to travel to Japan": an aim. ("the first man to walk on the Moon" after
        # "is" stays, below.)
        return []
    if verb.dep_ == "relcl" or verb.dep_ == "acl":
        return _described(verb.head, verb, ctx)
    if verb.dep_ in ("conj", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        if verb.dep_ == "conj" and edge_checks.clause_has_own_subject(verb):
            return []
        return _subject_heads(verb.head, ctx)
    if _fronted_participle(verb):
        return _subject_heads(verb.head, ctx)
    if ctx.open_ie and verb.dep_ == "advcl" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject_heads(verb.head, ctx)
    return []


def _fronted_participle(verb: Token) -> bool:
    """A past participle opening the sentence before a comma, with no subject or conjunction
    of its own: "Born in Vienna, Karl Popper studied ...", "Founded in 1998, Google is ...". It
    tells of the main clause's subject, in the passive."""
    # The cheap tests first: this runs for every participle, and the edges walk the subtree.
    if verb.dep_ != "advcl" or verb.tag_ != "VBN" or verb.i > verb.head.i or any(
            c.dep_ in ("mark", "aux", "auxpass", *SUBJECT_DEPS) for c in verb.children):
        return False
    after = verb.right_edge.i + 1
    return (verb.head.pos_ in ("VERB", "AUX") and verb.left_edge.i == verb.sent.start
            and after < verb.sent.end and verb.doc[after].text == ",")


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
    if noun.dep_ != "attr" or copula.lemma_ != "be" or is_negated(copula) or (
            modality_of(copula) or assertion_of(copula, ctx) != (None, None)) or comma_relative:
        return [noun]
    subjects = [c for c in copula.children if c.dep_ == "nsubj" and c.lower_ != "there"]
    if not subjects or subjects[0].lower_ in RELATIVE_PRONOUNS:
        return [noun]
    return with_conjuncts(subjects[0], ctx)


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
    if verb.dep_ == "acl" or _fronted_participle(verb):
        return True
    own_clause = any(c.dep_ in SUBJECT_DEPS or (c.dep_ == "aux" and c.lemma_ == "have")
                     for c in verb.children)
    return verb.dep_ == "conj" and not own_clause and _passive_form(verb.head)


def _prep_objects(verb: Token, ctx: DocContext) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs attached to the verb, in text order."""
    pairs: list[tuple[Token, Token]] = []
    for child in verb.children:
        if child.dep_ in ("prep", "dative") and child.pos_ == "ADP":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    pairs.extend((child, o) for o in with_conjuncts(pobj, ctx))
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
    if relation.split(" ")[0] in BLEACHED_VERBS and obj.mention.kind != "entity" and (
            obj.mention.ent_type != "COUNT"):  # "has 5,000 members": the unit says what
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
    if verb is not None and edge_checks.base_form_with_subject(verb):
        return "base_form_verb"
    if rule == "apposition" and relation == "is a" and edge_checks.verbless_list(
            subj.head.sent, obj.head):
        return "verbless"
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
class SentenceBuilder:
    sentence_index: int
    sent: Span
    ctx: DocContext
    out: list[TripleRecord]
    model: ConfidenceModel
    keep_features: bool = False
    seen: set[tuple[Any, ...]] = field(default_factory=set)

    @cached_property
    def ents(self) -> tuple[Span, ...]:
        """The sentence's named entities, read once per sentence, not once per rule."""
        return self.ctx.index.sentence_ents(self.sent)

    @cached_property
    def shape(self) -> SentenceShape:
        commas = in_sentence(self.ctx.index.commas, self.sent)
        return SentenceShape(len(self.sent), len(commas), len(self.ents))

    @cached_property
    def quotes(self) -> list[tuple[int, int]]:
        """The sentence's quoted stretches, (opening mark, closing mark) token indices."""
        marks = in_sentence(self.ctx.index.quote_marks, self.sent)
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
        speaker, unasserted = assertion_of(verb, self.ctx) if verb is not None else (None, None)
        negated = verb is not None and is_negated(verb)
        modality = modality_of(verb) if verb is not None else None
        features = triple_features(rule, subj.mention, obj.mention if obj else None,
                                   self.shape, negated, modality, verb, subj.head,
                                   obj.head if obj is not None else None)
        record: TripleRecord = {
            "sentence": self.sentence_index,
            "subj": subj.record(),
            "pred": {
                "start": p_start,
                "end": p_end,
                "lemma": verb.lemma_.lower() if verb is not None else pred_key,
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
    return verb.dep_ == "xcomp" and verb.tag_ == "VBG" and not has_infinitive_to(verb)


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
    passive_or_gerund = _passive_form(verb) or _gerund_complement(verb)
    words = [verb.lower_ if passive_or_gerund else verb.lemma_.lower()]
    for child in verb.rights:
        if child.dep_ == "prt" and child.i == tokens[-1].i + 1:
            tokens.append(child)
            words.append(child.lower_)
    return tokens, words


def _active_phrase(verb: Token) -> list[str]:
    """The key words of the active voice: "was produced by" states (agent, produce, thing)."""
    return [verb.lemma_.lower(), *(c.lower_ for c in verb.rights if c.dep_ == "prt")]


def _extract_verb(verb: Token, b: SentenceBuilder) -> None:
    if any(ch.isdigit() for ch in verb.text):
        return  # a code the tagger took for a verb: "Kodak AF [5x] OPTICAL LENS"
    if naming_targets(verb):
        return  # "a guy named Joe O'Neill in Midland": the name is the noun's, no relation
    heads = _subject_heads(verb, b.ctx)
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
        to = ["to"] if has_infinitive_to(verb) else []
        base_words = [*head_words, *(t.lower_ for t in between if t.dep_ == "aux"), *to,
                      *base_words]
        rule_svo = "xcomp"
    preps = _prep_objects(verb, b.ctx)
    objects = [
        o for c in verb.children if c.dep_ in OBJECT_DEPS for o in with_conjuncts(c, b.ctx)
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
                for head in with_conjuncts(agent_head, b.ctx):
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
            extract_copula(verb, subj, b)
        if b.ctx.open_ie and not objects and not agent_pairs and not preps and not copular:
            _extract_open(verb, subj, base_tokens, base_words, b)


def _extract_attribute(verb: Token, subj: Argument, noun: Token, b: SentenceBuilder) -> bool:
    """"Aarhus Airport has a runway length of 2702.0": (Aarhus Airport, runway length, 2702.0).
    Returns whether the attribute reading applied."""
    for prep, pobj_head in noun_preps(noun):
        if prep.lower_ != "of":
            continue
        value = make_argument(pobj_head, b.ctx)
        if value is not None and value.mention.kind in ("literal", "entity"):
            tokens = contiguous_range(verb.doc, [*compact_tokens(noun), prep])
            b.add("attribute", subj, tokens, f"{relation_noun(noun)} of", value, verb)
            return True
    return False


def _same_kind(first: Token, other: Token) -> bool:
    """Whether two names are of one kind (places of any NER type count as one)."""
    kinds = [("place" if t.ent_type_ in SITE_LABELS else t.ent_type_)
             for t in (first, other)]
    return kinds[0] == kinds[1]


def _joined_by_or(conjunct: Token) -> bool:
    """"in Vienna or Berlin": one of them, so the conjunct is no fact. (The first object stays,
    as it did before conjuncts were read.)"""
    return any(c.dep_ == "cc" and c.lower_ in ("or", "nor") for c in conjunct.head.children)


# "routed between Crystal Falls and Iron Mountain": the objects hold together, not one by one.
COLLECTIVE_PREPS = frozenset({"between", "among", "amongst"})


def _extract_verb_prep(verb: Token, subj: Argument, preps: list[tuple[Token, Token]],
                       base_tokens: list[Token], base_words: list[str], b: SentenceBuilder) -> None:
    """"was born in Louisville": the first content prepositional object, and the objects
    coordinated with it ("flows through Vienna and Budapest"). Times are objects only when
    nothing else is, framing phrases ("according to", "in favor of") never; a time then becomes
    a literal if it names a definite date."""
    content = [p for p in preps if not _is_temporal(p[1]) and not _frames(*p)]
    dates = [p for p in preps if _is_temporal(p[1]) and p not in content]
    if not content:
        content = [p for p in preps if not _frames(*p)]
    if not content:
        return
    prep, pobj_head = content[0]
    extras = [p for p in preps if p[0].i != prep.i]
    pred_tokens = [*base_tokens, prep]
    pred_span = pred_tokens if prep.i == max(t.i for t in base_tokens) + 1 else base_tokens
    relation = " ".join([*base_words, prep.lower_])
    obj = make_argument(pobj_head, b.ctx)
    if obj is None:
        return
    b.add("verb_prep", subj, pred_span, relation, obj, verb, extras)
    if obj.mention.kind == "entity" and prep.lower_ not in COLLECTIVE_PREPS:
        # Its conjuncts follow it in `content` (`_prep_objects`). Names of one kind joined by
        # "and" are a list; after a concept, or as a name of another kind, a "name" is mostly
        # another clause's misread subject ("taught in London and Ernst Gombrich lectured").
        for _, head in [p for p in content[1:] if p[0].i == prep.i]:
            conjunct = make_argument(head, b.ctx)
            if conjunct is not None and conjunct.mention.kind == "entity" and _same_kind(
                    pobj_head, head) and not _joined_by_or(head):
                b.add("verb_prep", subj, pred_span, relation, conjunct, verb, extras)
    if dates and (prep, pobj_head) not in dates:
        # "born in Warsaw on 7 November 1867": the date is a fact of its own, a literal.
        date_prep, date_head = dates[0]
        date = make_argument(date_head, b.ctx)
        if date is not None and date.mention.kind == "literal":
            b.add("verb_date", subj, base_tokens, " ".join([*base_words, date_prep.lower_]),
                  date, verb)


def _extract_verb_noun_prep(verb: Token, subj: Argument, noun: Token,
                            preps: list[tuple[Token, Token]], base_tokens: list[Token],
                            base_words: list[str], b: SentenceBuilder) -> bool:
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
    after = [(prep, pobj) for prep, pobj in [*preps, *noun_preps(noun)]
             if prep.i > noun.i and prep.lower_ != "of" and not _is_temporal(pobj)
             and not _frames(prep, pobj)]
    if not after:
        return False
    prep, pobj_head = min(after, key=lambda pair: pair[0].i)
    obj = make_argument(pobj_head, b.ctx)
    if obj is None or obj.mention.kind != "entity":
        return False
    tokens = contiguous_range(verb.doc, [*base_tokens, noun, prep])
    key = " ".join([*base_words, relation_noun(noun), prep.lower_])
    b.add("verb_noun_prep", subj, tokens, key, obj, verb)
    return True


def _extract_complement(verb: Token, subj: Argument, complement: Token, base_tokens: list[Token],
                        base_words: list[str], b: SentenceBuilder) -> None:
    """"Yost was named manager of the Royals": (Yost, named manager of, Royals)."""
    for prep, pobj_head in noun_preps(complement):
        obj = make_argument(pobj_head, b.ctx)
        if obj is not None:
            tokens = contiguous_range(verb.doc, [*base_tokens, complement, prep])
            key = " ".join([*base_words, relation_noun(complement), prep.lower_])
            b.add("complement_of", subj, tokens, key, obj, verb)
            return
    obj = make_argument(complement, b.ctx)
    if obj is not None:
        b.add("complement_of", subj, base_tokens, " ".join(base_words), obj, verb)


def _extract_open(verb: Token, subj: Argument, base_tokens: list[Token], base_words: list[str],
                  b: SentenceBuilder) -> None:
    """Open-IE extractions with no entity object: clausal complements and intransitives."""
    children = list(verb.children)
    if any(c.dep_ in ("xcomp", "oprd") for c in children):
        return  # the complement verb carries the extraction
    for clause in (c for c in children if c.dep_ == "ccomp"):
        tokens = [t for t in clause.subtree if t.dep_ != "mark" or t.head.i != clause.i]
        span = contiguous_run(clause, {t.i for t in tokens}.__contains__, b.ctx.index)
        core = (span.start, span.end)
        obj = Argument(clause, span, Mention("", span.text, "clause", "CLAUSE", core))
        marks = [t for t in clause.children if t.dep_ == "mark" and t.i < span.start]
        pred = contiguous_range(verb.doc, [*base_tokens, *marks]) if marks else base_tokens
        b.add("clause", subj, pred, " ".join(base_words), obj, verb)
        return
    b.add("intransitive", subj, base_tokens, " ".join(base_words), None, verb)


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
    ctx = DocContext(index=index, mentions=DocMentions.of(doc, index.ents), open_ie=open_ie)
    model = model or ConfidenceModel.default()
    out: list[TripleRecord] = []
    for s_index, sent in enumerate(doc.sents):
        builder = SentenceBuilder(s_index, sent, ctx, out, model, keep_features)
        for i in in_sentence(index.predicates, sent):
            _extract_verb(doc[i], builder)
        extract_appositions(sent, builder)
        if not open_ie:  # open-IE benchmarks count stated relations, not implied places
            extract_place_chains(sent, builder)
            extract_places_named_in(sent, builder)
            extract_roles(sent, builder)
            extract_lifespans(sent, builder)
        # Subjects become antecedents after the sentence, so pronouns resolve backwards.
        for i in in_sentence(index.subjects, sent):
            ctx.mentions.remember_subject(doc[i])
    return out, {"pronouns_dropped": ctx.dropped_pronouns}
