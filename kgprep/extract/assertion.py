"""Whether the text asserts a clause: negation, modality, and reported speech (with its
speaker), wishes and plans, indirect questions, conditions and aims, which give no graph fact.

Pure functions over a verb token of a spaCy parse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kgprep.extract.arguments import SUBJECT_DEPS, DocContext, full_span

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Token

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

MODAL_LEMMAS = frozenset({"may", "might", "can", "could", "should", "must", "would", "will",
                          "shall"})


def is_negated(verb: Token) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def modality_of(verb: Token) -> str | None:
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


def assertion_of(verb: Token, ctx: DocContext) -> tuple[str | None, str | None]:
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


def has_infinitive_to(verb: Token) -> bool:
    """The verb is an infinitive with "to" ("to buy")."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _infinitive_aim(verb: Token) -> bool:
    """An aim or a request, not an event: "sold his house to buy shares" (purpose), "asked the
    band to travel to Japan" (the object is to do it: object control)."""
    if not has_infinitive_to(verb):
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
