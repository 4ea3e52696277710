"""Facts stated by nouns rather than verbs: copulas ("X is the capital of Y"), attributes with
an owner ("the capital of France is Paris"), appositions ("Barack Obama, the president of the
United States,"), roles before a name ("Microsoft CEO Satya Nadella"), chains of places
("Louisville, Kentucky") and places named with the place they lie in ("the Tate Gallery in
London").

Each ``extract_*`` adds its triples through the sentence's builder (``kgprep.extract.triples``).
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from kgprep.extract import edge_checks
from kgprep.extract.arguments import (
    SUBJECT_DEPS,
    TIME_NOUNS,
    Argument,
    DocContext,
    contiguous_range,
    in_sentence,
    make_argument,
    noun_preps,
    with_conjuncts,
)
from kgprep.extract.keys import compact_tokens, relation_noun
from kgprep.extract.names import is_role_word, role_owner

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Span, Token

    from kgprep.extract.triples import SentenceBuilder


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
    for prep, pobj in noun_preps(noun):
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


def _extract_owned_attribute(verb: Token, subj: Argument, b: SentenceBuilder) -> bool:
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
              for v in with_conjuncts(attr, b.ctx)]
    key = f"{relation_noun(noun)} of"
    pred_tokens = contiguous_range(verb.doc, [*compact_tokens(noun), *([prep] if prep else [])])
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


def extract_copula(verb: Token, subj: Argument, b: SentenceBuilder) -> None:
    if _extract_owned_attribute(verb, subj, b):
        return
    for attr in verb.children:
        if attr.dep_ not in ("attr", "acomp") or attr.pos_ not in ("NOUN", "PROPN", "ADJ"):
            continue
        of_objects = [p for p in noun_preps(attr) if p[0].lower_ in ("of", "for", "in")]
        if of_objects and attr.pos_ == "NOUN":
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = contiguous_range(verb.doc, [verb, *compact_tokens(attr), prep])
                key = f"{relation_noun(attr)} {prep.lower_}"
                b.add("copula_of", subj, pred_tokens, key, obj, verb)
                continue
        for attr_head in with_conjuncts(attr, b.ctx):
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


def extract_appositions(sent: Span, b: SentenceBuilder) -> None:
    """Descriptive appositions only: a name and a common-noun description set off by commas.
    Commas in lists, dates and places ("Louisville, Kentucky") and parentheses ("Royal Rumble
    (2003)") are no appositions."""
    doc = sent.doc
    for tok in (doc[i] for i in in_sentence(b.ctx.index.appositions, sent)):
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
        of_objects = [p for p in noun_preps(description) if p[0].lower_ in ("of", "for", "at")]
        if of_objects:
            prep, pobj_head = of_objects[0]
            obj = make_argument(pobj_head, b.ctx)
            if obj is not None:
                pred_tokens = contiguous_range(doc, [*compact_tokens(description), prep])
                key = f"{relation_noun(description)} {prep.lower_}"
                b.add("apposition", subj, pred_tokens, key, obj, None)
                continue
        obj = make_argument(description, b.ctx)
        # A description before its name stands for the name ("the company, Acme Corp."): no
        # "is a" of its own.
        if obj is not None and obj.mention.resolution != "appositive":
            b.add("apposition", subj, [], "is a", obj, None)


def extract_roles(sent: Span, b: SentenceBuilder) -> None:
    """A role and its owner written before a person's name: "Microsoft CEO Satya Nadella" ->
    (Satya Nadella, CEO of, Microsoft), "Labour leader Ed Miliband" -> (Ed Miliband, leader
    of, Labour). No predicate verb: the role noun is the predicate's token."""
    for ent in b.ents:
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
SITE_LABELS = PLACE_LABELS | {"FAC"}  # places and buildings: what lies somewhere


_LIST_WORDS = frozenset({"and", "or", "&", "etc"})


# What precedes the first item of a list rather than a place name: "cities – Munich, Hamburg",
# "including London, Paris".
_LIST_OPENERS = frozenset({",", "–", "—", ":", "among", "including", *_LIST_WORDS})


def _starts_clause(tok: Token, chain: Span) -> bool:
    """Whether ``tok`` opens the subject of the clause a fronted place belongs to: "In Austin,
    Texas, [the] company opened ...". Not when the chain is itself (in) a subject: "France,
    Germany, Italy signed", "Cities such as London, Paris, Berlin grew"."""
    noun = tok.head if tok.dep_ in ("det", "compound", "amod") else tok
    if noun.dep_ not in SUBJECT_DEPS or noun.head not in chain.root.ancestors:
        return False
    node = chain.root
    while node.i != noun.head.i:
        if node.dep_ in SUBJECT_DEPS:
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


def extract_place_chains(sent: Span, b: SentenceBuilder) -> None:
    """"Glen Ridge, Essex County, New Jersey": each place lies in the one after it, (Glen Ridge,
    located in, Essex County), (Essex County, located in, New Jersey). Only names joined by a
    single comma and parsed as one phrase (each attached to a name before it); a list ("Paris,
    London and Berlin", "London, Paris, Berlin, Tokyo") is no chain."""
    doc = sent.doc
    ents = [e for e in b.ents if e.label_ in SITE_LABELS]
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


# A road runs through the places after its "in" ("Interstate 95 in Ewing Township"): it lies in
# none of them.
_ROAD_WORDS = frozenset({"interstate", "route", "highway", "parkway", "road", "street", "avenue",
                         "boulevard", "turnpike", "expressway", "freeway", "motorway", "lane"})
_COMPASS_WORDS = frozenset({"northern", "southern", "eastern", "western", "central",
                            "northeastern", "northwestern", "southeastern", "southwestern"})


# An organisation named as an institution has a site: "the University of Iowa in Iowa City".
# Others are somewhere only by their business there ("Toyota in Europe"), and so is a church,
# which names a denomination as often as a building ("the Church of England in Australia").
_SITED_ORGANISATION_WORDS = frozenset({
    "university", "college", "school", "academy", "institute", "museum", "gallery", "library",
    "hospital", "cathedral", "abbey", "monastery", "seminary", "stadium", "arena",
    "theatre", "theater", "zoo", "observatory", "hotel", "prison"})


def _has_a_place(name: Span) -> bool:
    return name.label_ in SITE_LABELS or (
        name.label_ == "ORG" and any(t.lower_ in _SITED_ORGANISATION_WORDS for t in name))


def _lies_along(name: Span) -> bool:
    return any(t.lower_ in _ROAD_WORDS for t in name)


def _not_where_it_lies(inner: Span, prep: Token) -> bool:
    """Whether an "in" after a name says something other than where the name lies: it hangs on
    another word ("Canada defeated Russia in Sweden"), the name runs along places (a road), the
    name is the object of "of" and the place mostly the noun's ("an opponent of Britain in
    India", "Master of the Rolls in Ireland"), it is a part of a place ("southern China in
    Yangjiang": where, not what lies in it) or "a" + a capitalised word ("a Pint in Ireland")."""
    root = inner.root
    return prep.lower_ != "in" or prep.head.i != root.i or _lies_along(inner) or (
        root.dep_ == "pobj" and root.head.lower_ == "of") or any(
        (c.dep_ == "amod" and c.lower_ in _COMPASS_WORDS)
        or (c.dep_ == "det" and c.lower_ in ("a", "an")) for c in root.children)


def extract_places_named_in(sent: Span, b: SentenceBuilder) -> None:
    """"the Tate Gallery in London", "Tarrant County in Texas": a place, building or
    institution named with the place it lies in, the "in" parsed on the name, (Tate Gallery,
    located in, London)."""
    doc = sent.doc
    places = {e.root.i: e for e in b.ents if e.label_ in PLACE_LABELS}
    for inner in b.ents:
        if not _has_a_place(inner) or inner.end >= sent.end:
            continue
        prep = doc[inner.end]
        if _not_where_it_lies(inner, prep):
            continue
        outer = next((places[c.i] for c in prep.children if c.dep_ == "pobj" and c.i in places),
                     None)
        if outer is None or outer.root.lower_.removesuffix("s") in TIME_NOUNS:
            continue  # "Scotland in the Dark Ages": an era the NER took for a place
        place = make_argument(inner.root, b.ctx)
        container = make_argument(outer.root, b.ctx)
        if place is not None and container is not None:
            b.add("place_in", place, [], "located in", container, None)
