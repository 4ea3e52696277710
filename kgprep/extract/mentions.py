"""What an argument identifies: a named entity, a specific concept, a literal value, or nothing.

Keys are identity: an argument that is or contains a named entity keys on the whole name
("bank of japan", "university of iowa"), titles and determiners aside, never lemmatised. Within a
document, later short names join their full name ("Obama" -> "barack obama"), acronyms their long
form, definite descriptions ("the company") the nearest preceding named entity of a compatible
type, and pronouns their antecedent, but only when exactly one candidate is in reach. Every
resolution is recorded (``resolution``, ``mention`` as written, ``name`` resolved to). Where a
name starts and ends, and whether it can be a key, is ``kgprep.extract.names``'s work.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kgprep.extract.keys import compact_tokens, find_acronyms, is_common_noun, phrase_key
from kgprep.extract.literals import parse_date, parse_quantity, split_glued_unit
from kgprep.extract.names import (
    NAME_JOINERS,
    NAME_LABELS,
    ends_in_own_word,
    entity_span,
    extend_name,
    find_other_name_words,
    is_unknown,
    merge_listed_names,
    name_key,
    name_problem,
    strip_name,
    surface,
)

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Doc, Span, Token

# Kinds of argument; only the first three identify something a graph fact can be about.
IDENTIFYING = frozenset({"entity", "concept", "literal"})


DATE_LABELS = frozenset({"DATE", "TIME"})


QUANTITY_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})


# A word that only a name is written like: digits run into a capitalised word ("3Arena", "3Com").
NAME_AFTER_DIGITS = re.compile(r"\d+[A-Z][a-z]{2,}[A-Za-z]*")


# Articles joined to an Arabic surname by a hyphen: "Abu Musab al-Zarqawi" is later "Zarqawi".
SURNAME_PARTICLES = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ud", "ul"})


# Ship prefixes: a later mention of the name alone is the ship ("HMS Hood ... Hood").
SHIP_PREFIXES = frozenset({"hms", "uss", "css", "sms", "hmas", "hmcs", "hmnzs", "ins", "rms",
                           "ss", "mv", "hmhs", "usns", "usat", "ijn", "hnlms", "fs", "kms"})


CORPORATE_SUFFIXES = frozenset({"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "ag",
                                "gmbh", "sa", "company", "group"})


# Modifiers that do not make a noun phrase specific ("the new film" is still just "film").
NON_SPECIFIC = frozenset({
    "other", "same", "such", "many", "several", "various", "own", "new", "old", "first", "last",
    "second", "third", "next", "previous", "main", "major", "few", "more", "most", "much", "some",
    "certain", "particular", "different", "similar", "whole", "entire", "only", "single",
    "further", "additional", "total", "overall", "large", "small", "big", "little", "good",
    "great", "high", "low", "long", "short", "early", "late", "final", "initial", "original",
    "recent", "current", "former", "latter", "general", "common", "important", "well", "best",
    "top", "key", "full", "real", "possible", "likely", "following", "above", "below", "each",
    "every", "all", "both", "either", "any", "no", "one", "two", "three", "four", "five",
    # degree, praise and comparison: any instance may be called so ("a significant period",
    # "a larger force"); not words that make terms ("heavy cruiser", "strong force", "massive
    # star", "lower house", "higher education")
    "significant", "considerable", "substantial", "serious", "extensive", "opposing",
    "ensuing", "subsequent", "remaining", "numerous", "notable", "successful", "famous", "huge",
    "vast", "enormous", "tiny", "larger", "greater", "smaller", "bigger", "better", "worse",
    "stronger", "wider", "older", "newer",
    # taste: "an excellent host", "a nice search engine", "a favourite candidate"
    "excellent", "nice", "favourite", "favorite", "perfect", "wonderful", "fantastic", "amazing",
    "awesome", "terrible", "horrible", "lovely", "outstanding", "superb", "decent"})


# Possessives ("his", "its", "their") resolve only as the owner of an attribute ("its capital").
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "himself", "herself"})


THING_PRONOUNS = frozenset({"it", "its", "itself"})


GROUP_PRONOUNS = frozenset({"they", "them", "their", "themselves"})


RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom", "whose", "where"})


# Nouns only people have, beside the pronouns: a document that speaks of "his wife" speaks of
# people ("son", "daughter" also name companies and nuclides).
PERSON_WORDS = frozenset({"wife", "husband", "widow", "widower"})


THING_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                          "MISC"})


GROUP_LABELS = frozenset({"ORG", "NORP"})


_ORG = ("ORG",)


_PLACE = ("GPE", "LOC")


_WORK = ("WORK_OF_ART", "PRODUCT", "MISC")


# A definite description's head noun -> the entity labels it can refer back to.
DESCRIPTION_TYPES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ["company", "firm", "corporation", "bank", "band", "group", "team", "club", "party",
         "organization", "organisation", "university", "college", "school", "agency", "label",
         "newspaper", "magazine", "network", "channel", "airline", "army", "navy", "government",
         "ministry", "council", "committee", "league", "association", "institute", "foundation",
         "studio", "publisher", "manufacturer", "brand", "federation", "union", "orchestra"],
        _ORG),
    **dict.fromkeys(
        ["city", "town", "country", "state", "nation", "capital", "village", "province",
         "region", "county", "kingdom", "republic", "territory", "district", "island",
         "river", "mountain", "lake", "valley", "municipality", "borough"], _PLACE),
    **dict.fromkeys(
        ["building", "bridge", "airport", "stadium", "church", "cathedral", "temple", "castle",
         "museum", "hotel", "palace", "arena", "tower", "monument"], ("FAC", "ORG")),
    **dict.fromkeys(
        ["man", "woman", "singer", "player", "actor", "actress", "writer", "poet", "author",
         "president", "king", "queen", "leader", "artist", "musician", "director",
         "politician", "scientist", "emperor", "officer", "general", "captain", "coach",
         "manager", "composer", "painter", "novelist", "rapper", "wrestler", "senator"],
        ("PERSON",)),
    **dict.fromkeys(
        ["film", "movie", "song", "album", "book", "novel", "single", "series", "show", "play",
         "poem", "painting", "game", "episode", "opera", "record", "track", "ep"], _WORK),
    **dict.fromkeys(
        ["war", "battle", "storm", "hurricane", "election", "tournament", "championship",
         "festival", "cyclone", "typhoon", "season"], ("EVENT",)),
    **dict.fromkeys(["ship", "vessel", "aircraft", "car", "locomotive", "software"],
                    ("PRODUCT",)),
}


DEFINITE = frozenset({"the", "this", "that"})

# Place nouns that name their referent in an "of" after them: "the city of Hamburg" is
# Hamburg, "the town of Porter" is Porter, whatever type the NER gave the name. Not "capital",
# "region" or "country": "the capital of France" is not France.
NAMING_PLACE_NOUNS = frozenset({"city", "town", "village", "hamlet", "state", "province",
                                "county", "borough", "township", "parish", "municipality",
                                "island", "port", "district", "commune", "prefecture"})


# Participles that give a description its name: "a band called Oasis", "known as ...".
NAMING_VERBS = frozenset({"call", "name", "know", "dub", "title", "nickname"})


# Determiners and adjectives that quantify rather than identify: "some Australians".
QUANTIFIERS = frozenset({"some", "many", "several", "few", "most", "all", "various", "numerous",
                         "multiple", "both", "each", "every", "any", "no", "other", "such",
                         "more", "less", "much", "certain", "respective", "separate"})


YEAR_PREPS = frozenset({"in", "since", "until", "till", "by", "from", "before", "after", "during"})


@dataclass
class Mention:
    """What one argument identifies, and how it was found."""

    key: str
    name: str  # the surface name labels are made of ("Du Fu" for a resolved "he")
    kind: str  # entity | concept | literal, or why it identifies nothing
    ent_type: str
    core: tuple[int, int]  # token range of the name as written in the sentence
    resolution: str | None = None  # pronoun | short_name | first_name | acronym | description ...
    value: str | None = None
    datatype: str | None = None
    unit: str | None = None

    @property
    def identifies(self) -> bool:
        return self.kind in IDENTIFYING

    @classmethod
    def literal(cls, value: str, datatype: str, written: str, ent_type: str,
                core: tuple[int, int], unit: str | None = None) -> Mention:
        """A typed literal, keyed by its value and datatype whichever route found it (a
        number the NER tagged or not keys the same)."""
        return cls(f"{value}^^{datatype}", written, "literal", ent_type, core,
                   value=value, datatype=datatype, unit=unit)


@dataclass
class _Named:
    start: int
    end: int
    label: str
    key: str
    name: str
    resolution: str | None


def _titlecase_run(head: Token) -> list[Token]:
    """A proper name the NER missed: the capitalised words around ``head``, with small function
    words between them ("Songs For Sumera", "Turn Me On")."""
    doc = head.doc
    sent = head.sent

    def capital(tok: Token) -> bool:
        return tok.text[:1].isupper() and tok.pos_ in ("PROPN", "NOUN", "PRON", "ADP", "ADJ",
                                                       "VERB", "NUM", "X")

    def joins(word: Token, after: Token) -> bool:
        # "on" or "in" before a date opens a time phrase: "the Pusan Perimeter [on August 5]".
        return capital(after) and word.lower_ in ("of", "for", "the", "and", "de", "on", "in") \
            and not (word.lower_ in ("on", "in") and after.ent_type_ in DATE_LABELS)

    start = end = head.i
    while start - 1 >= sent.start and (capital(doc[start - 1]) or (
            start - 2 >= sent.start and joins(doc[start - 1], doc[start - 2]))):
        start -= 1
    while end + 1 < sent.end and (capital(doc[end + 1]) or (
            end + 2 < sent.end and joins(doc[end + 1], doc[end + 2]))):
        end += 1
    while start < head.i and not capital(doc[start]):
        start += 1
    # The first word of a sentence is capitalised anyway: keep it only if it is a proper noun.
    if start == sent.start and start < head.i and doc[start].pos_ not in ("PROPN",):
        start += 1
    return list(doc[start : end + 1])


@dataclass
class DocMentions:
    """Per-document registry of named mentions, for identity keys and reference resolution."""

    doc: Doc
    acronyms: dict[str, str]
    named: list[_Named]
    starts: list[int]
    entity_of: dict[int, int]  # token index -> index into ``named``
    sentence_starts: list[int]
    # Resolved pronouns, as later mentions of their antecedent: token index -> (key, label).
    resolved: dict[int, tuple[str, str]] = field(default_factory=dict)
    last_subject: dict[str, int] = field(default_factory=dict)  # label group -> token index
    subjects: list[int] = field(default_factory=list)  # every clause subject, in text order
    # Lower-cased words the document uses in names of another type than PERSON (see
    # other_name_words): "Kraków" in "the University of Kraków" says a lone "Kraków"
    # elsewhere in the document is no person.
    other_name_words: frozenset[str] = frozenset()
    # Whether the document speaks of anyone as "he", "she", "his" ... or in PERSON_WORDS: a
    # sign its one-word PERSON names are people, not places or products the NER took for people.
    speaks_of_people: bool = False

    @classmethod
    def of(cls, doc: Doc, ents: Sequence[Span] | None = None) -> DocMentions:
        """The document's names and what they resolve to; ``ents`` is ``doc.ents`` where the
        caller has read it already (each read builds every entity's Span anew)."""
        ents = tuple(doc.ents) if ents is None else ents
        acronyms = find_acronyms(doc)
        named: list[_Named] = []
        entity_of: dict[int, int] = {}
        short_names: dict[str, set[str]] = {}
        first_names: dict[str, set[str]] = {}  # a person's first word -> full names
        names_by_key: dict[str, str] = {}
        for ent in merge_listed_names(ents):
            if ent.label_ not in NAME_LABELS:
                continue
            tokens = extend_name(strip_name(list(ent)))
            if name_problem(tokens, ent.label_):
                continue  # the argument's own mention reports why
            name = surface(tokens)
            key = name_key(name, person=ent.label_ == "PERSON")
            resolution = None
            words = key.split()
            if key in acronyms:
                key, resolution = acronyms[key], "acronym"
                name = names_by_key.get(key, name)
            elif len(short_names.get(key, ())) == 1:
                (key,) = short_names[key]
                name, resolution = names_by_key[key], "short_name"
            elif ent.label_ == "PERSON" and key not in short_names and \
                    len(first_names.get(key, ())) == 1:
                # "Elliot See ... Elliot died": the one person of the document so called.
                (key,) = first_names[key]
                name, resolution = names_by_key[key], "first_name"
            else:
                names_by_key.setdefault(key, name)
                if ent.label_ == "PERSON" and len(words) >= 2:
                    short_names.setdefault(words[-1], set()).add(key)
                    first_names.setdefault(words[0], set()).add(key)
                    particle, hyphen, surname = words[-1].partition("-")
                    if hyphen and particle in SURNAME_PARTICLES:  # "al-Zarqawi ... Zarqawi"
                        short_names.setdefault(surname, set()).add(key)
                if ent.label_ == "ORG" and len(words) >= 2 and \
                        words[-1].rstrip(".") in CORPORATE_SUFFIXES:
                    short_names.setdefault(" ".join(words[:-1]).rstrip(","), set()).add(key)
                if len(words) >= 2 and words[0].rstrip(".") in SHIP_PREFIXES:
                    # "CSS Virginia ... Virginia": the ship, not the state.
                    short_names.setdefault(" ".join(words[1:]), set()).add(key)
            index = len(named)
            named.append(_Named(tokens[0].i, tokens[-1].i + 1, ent.label_, key, name,
                                 resolution))
            for tok in ent:
                if tok.i <= tokens[-1].i:  # not what was cut off its end (a time phrase)
                    entity_of[tok.i] = index
        import numpy as np
        from spacy.attrs import DEP, LOWER, ORTH

        deps = doc.to_array(DEP)
        subject_deps = [doc.vocab.strings[d] for d in ("nsubj", "nsubjpass")]
        subjects = [i for i, d in enumerate(deps.tolist()) if d in subject_deps]
        # A corpus gap before its verb ("and <unk> decided ...") is a subject the parser cannot
        # label: it ends the topic a later pronoun may continue.
        gap_marks = [doc.vocab.strings["<"], doc.vocab.strings["<unk>"]]  # hashes, not added
        gaps = np.flatnonzero(np.isin(doc.to_array(ORTH), gap_marks)).tolist()
        subjects = sorted({*subjects, *(i for i in gaps if doc[i].head.pos_ in ("VERB", "AUX")
                                        and doc[i].head.i > i)})
        other_name_words = find_other_name_words(ents)
        lowers = doc.to_array(LOWER)
        person_pronouns = [doc.vocab.strings[p] for p in PERSON_PRONOUNS | PERSON_WORDS
                           if p in doc.vocab.strings]
        return cls(doc, acronyms, named, [n.start for n in named], entity_of,
                   [s.start for s in doc.sents], subjects=subjects,
                   other_name_words=other_name_words,
                   speaks_of_people=bool(np.isin(lowers, person_pronouns).any()))

    # -- resolution -------------------------------------------------------------------------

    def _last_word_of_one_name(self, word: Token) -> _Named | None:
        """The one full name written before ``word`` that ends in it, for a capitalised word
        the NER left alone ("Amos joined Manchester United ... United lost"); None when no name
        or several end in it. Not a place's last word ("New York ... York") nor one joined to
        the name by "of" or a particle ("Church of England ... England"): those are names of
        their own."""
        before = word.doc[word.i - 1] if word.i > 0 else None
        if before is not None and (before.tag_ == "POS" or before.text == ">" or (
                before.lower_ in NAME_JOINERS)):
            return None  # the end of a longer name: "Sullivan 's Island", "<unk> de Manila"
        lower = word.lower_
        found = {n.key: n for n in self.named[: bisect_left(self.starts, word.i)]
                 if n.resolution is None and n.label not in ("GPE", "LOC")
                 and ends_in_own_word(n.key, lower)}
        return next(iter(found.values())) if len(found) == 1 else None

    def _sentence_start(self, i: int, back: int) -> int:
        pos = bisect_left(self.sentence_starts, i + 1) - 1
        return self.sentence_starts[max(pos - back, 0)]

    def _candidates(self, labels: frozenset[str], lo: int, hi: int) -> dict[str, str]:
        """Distinct keys (-> name) of named mentions and resolved pronouns in tokens [lo, hi)."""
        found: dict[str, str] = {}
        for named in self.named[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]:
            if named.label in labels:
                found.setdefault(named.key, named.name)
        for i, (key, label) in self.resolved.items():
            if lo <= i < hi and label in labels:
                found.setdefault(key, self._name_of(key))
        return found

    def _name_of(self, key: str) -> str:
        return next((n.name for n in self.named if n.key == key), key)

    def _label_of(self, key: str) -> str:
        return next((n.label for n in self.named if n.key == key), "MISC")

    def resolve_pronoun(self, token: Token) -> Mention:
        lower = token.lower_
        core = (token.i, token.i + 1)
        if lower in PERSON_PRONOUNS:
            labels, group = frozenset({"PERSON"}), "person"
        elif lower in THING_PRONOUNS:
            labels, group = THING_LABELS, "thing"
        elif lower in GROUP_PRONOUNS:
            labels, group = GROUP_LABELS, "group"
        else:
            return Mention(lower, token.text, "pronoun", "PRON", core)
        lo = self._sentence_start(token.i, 1)
        candidates = self._candidates(labels, lo, token.i)
        if not candidates and group in self.last_subject:
            candidates = self._candidates(labels, self.last_subject[group], token.i)
        if len(candidates) != 1:
            kind = "ambiguous" if candidates else "pronoun"
            return Mention(lower, token.text, kind, "PRON", core)
        ((key, name),) = candidates.items()
        if not self._continues_subject(token.i, key):
            return Mention(lower, token.text, "ambiguous", "PRON", core)
        label = self._label_of(key)
        self.resolved[token.i] = (key, label)
        return Mention(key, name, "entity", label, core, resolution="pronoun")

    def _continues_subject(self, i: int, key: str) -> bool:
        """Whether the subject of the clause before token ``i`` is ``key``: a pronoun or
        description keeps to the current topic. When the last subject is something unnamed
        ("The album ... It ..."), the named candidate is most likely not what is meant (wrong in
        most resolved it/they/description facts of the labelled train split)."""
        before = self.subjects[: bisect_left(self.subjects, i)]
        if not before:
            return False
        last = before[-1]
        if last in self.entity_of:
            return self.named[self.entity_of[last]].key == key
        resolved = self.resolved.get(last)
        return resolved is not None and resolved[0] == key

    def remember_subject(self, token: Token) -> None:
        """A named subject is where a later pronoun's search may reach back to."""
        index = self.entity_of.get(token.i)
        if index is not None:
            label = self.named[index].label
            for group, labels in (("person", {"PERSON"}), ("thing", THING_LABELS),
                                  ("group", GROUP_LABELS)):
                if label in labels:
                    self.last_subject[group] = self.named[index].start
        elif token.i in self.resolved:
            _, label = self.resolved[token.i]
            if label == "PERSON":
                self.last_subject["person"] = token.i

    def resolve_description(self, head: Token, core: tuple[int, int]) -> Mention:
        """"the company" -> the nearest preceding named entity of a compatible type."""
        labels = DESCRIPTION_TYPES.get(head.lemma_.lower())
        text = head.doc[core[0] : core[1]].text
        if labels:
            # Like a pronoun: only when exactly one compatible name is in reach.
            lo = self._sentence_start(head.i, 1)
            candidates = {n.key: n for n in self.named[bisect_left(self.starts, lo) :
                                                        bisect_left(self.starts, core[0])]
                          if n.label in labels and n.end <= core[0]}
            if len(candidates) == 1:
                (named,) = candidates.values()
                if self._continues_subject(core[0], named.key):
                    return Mention(named.key, named.name, "entity", named.label, core,
                                   resolution="description")
        return Mention(phrase_key([head]), text, "unresolved", "CONCEPT", core)

    # -- arguments --------------------------------------------------------------------------

    def mention(self, head: Token) -> Mention:
        """What the argument headed by ``head`` identifies."""
        if head.pos_ == "PRON":
            return self.resolve_pronoun(head)
        index = self.entity_of.get(head.i)
        ent = entity_span(head)
        if ent is not None and ent.label_ in DATE_LABELS:
            return literal_mention(ent, parse_date(ent.text), "vague_date")
        glued = parse_quantity(head.text) if split_glued_unit(head.text) else None
        if glued is not None:  # "398,487MMBTU", whatever the NER took it for
            return Mention.literal(glued[0], "xsd:decimal", head.text, "QUANTITY",
                                   (head.i, head.i + 1), unit=glued[1])
        if ent is not None and ent.label_ in QUANTITY_LABELS and not (
                len(ent) == 1 and NAME_AFTER_DIGITS.fullmatch(ent.text)):
            parsed = None if _clock_or_range(head) else parse_quantity(ent.text)
            value = None if parsed is None else (parsed[0], "xsd:decimal")
            return literal_mention(ent, value, "vague_number", unit=parsed and parsed[1])
        if ent is not None and ent.label_ == "ORDINAL":
            return Mention(ent.text.lower(), ent.text, "generic", "ORDINAL",
                           (ent.start, ent.end))
        if index is not None:
            named = self.named[index]
            return Mention(named.key, named.name, "entity", named.label,
                           (named.start, named.end), resolution=named.resolution)
        if ent is not None and ent.label_ in NAME_LABELS:  # a name left out of the registry
            tokens = extend_name(strip_name(list(ent)))
            return Mention(name_key(surface(tokens), person=ent.label_ == "PERSON"),
                           surface(tokens), name_problem(tokens, ent.label_) or "generic",
                           ent.label_,
                           (tokens[0].i, tokens[-1].i + 1))
        if head.pos_ == "PROPN":
            tokens = extend_name(strip_name(_titlecase_run(head)))
            problem = name_problem(tokens)
            if problem is None and len(tokens) == 1 and not tokens[0].text.isupper() and (
                    not NAME_AFTER_DIGITS.fullmatch(tokens[0].text)):
                problem = "partial_name"  # one capitalised word the NER did not take as a name
            full = self._last_word_of_one_name(tokens[0]) if problem == "partial_name" else None
            if full is not None:  # "Manchester United ... United": the one name it ends
                return Mention(full.key, full.name, "entity", full.label,
                               (tokens[0].i, tokens[-1].i + 1), resolution="short_name")
            if problem:
                return Mention(name_key(surface(tokens)), surface(tokens), problem, "MISC",
                               (tokens[0].i, tokens[-1].i + 1))
            name = surface(tokens)
            key = name_key(name)
            resolution = None
            if key in self.acronyms:
                key, resolution = self.acronyms[key], "acronym"
            return Mention(key, name, "entity", "MISC", (tokens[0].i, tokens[-1].i + 1),
                           resolution=resolution)
        if head.pos_ == "NUM":
            compact = compact_tokens(head)
            year = parse_date(head.text) if len(compact) == 1 else None
            if year is not None and head.dep_ == "pobj" and head.head.lower_ in YEAR_PREPS:
                # "completed in 1889": a year the NER did not tag as a date.
                return Mention.literal(year[0], year[1], head.text, "DATE",
                                       (head.i, head.i + 1))
            parsed = parse_quantity(surface(compact))
            core = (compact[0].i, compact[-1].i + 1)
            if parsed is None or any(c.dep_ == "prep" for c in head.children) or (
                    _clock_or_range(head)):
                return Mention(phrase_key(compact), surface(compact), "vague_number", "NUM",
                               core)
            return Mention.literal(parsed[0], "xsd:decimal", surface(compact), "QUANTITY",
                                   core, unit=parsed[1])
        if head.pos_ == "NOUN":
            return counted_mention(head) or self._noun_phrase(head)
        if head.pos_ == "ADJ" and head.ent_type_ == "NORP":
            return Mention(name_key(head.text), head.text, "entity", "NORP", (head.i, head.i + 1))
        compact = compact_tokens(head)
        return Mention(phrase_key(compact), surface(compact), "generic", head.pos_,
                       (compact[0].i, compact[-1].i + 1))

    def _noun_phrase(self, head: Token) -> Mention:
        compact = compact_tokens(head)
        if is_unknown(compact):
            return Mention("<unk>", surface(compact), "unknown", "X",
                           (compact[0].i, compact[-1].i + 1))
        by_name = (self._appositive_name(head) or self._called_name(head)
                   or self._place_of_name(head))
        if by_name is not None:
            return by_name
        key = phrase_key(compact)
        start, end = compact[0].i, compact[-1].i + 1
        # A named possessor stays in the key: "Marcos's trial" is not any trial.
        for child in head.lefts:
            if child.dep_ == "poss" and child.i < start:
                owner = self.mention(child) if child.pos_ != "PRON" else None
                if owner is not None and owner.kind == "entity":
                    name = head.doc[owner.core[0] : end].text
                    return Mention(f"{owner.key}'s {key}", name, "concept", "CONCEPT",
                                   (owner.core[0], end), resolution=owner.resolution)
        # "capital of France", "history of Japan": the named complement makes it specific.
        for prep in head.rights:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                for pobj in prep.children:
                    if pobj.dep_ == "pobj" and pobj.i in self.entity_of:
                        named = self.named[self.entity_of[pobj.i]]
                        return Mention(f"{key} of {named.key}", head.doc[start : named.end].text,
                                       "concept", "CONCEPT", (start, named.end))
        if any(c.lower_ in QUANTIFIERS and c.dep_ in ("det", "amod", "nummod", "quantmod")
               for c in head.lefts):
            return Mention(key, surface(compact), "quantified", "CONCEPT", (start, end))
        if specific_modifiers(head):
            return Mention(key, surface(compact), "concept", "CONCEPT", (start, end))
        determiners = [c.lower_ for c in head.lefts if c.dep_ == "det"]
        if determiners and determiners[0] in DEFINITE and head.tag_ in ("NN", "NNP"):
            return self.resolve_description(head, (start, end))
        if determiners and determiners[0] in ("these", "those"):
            return Mention(key, surface(compact), "unresolved", "CONCEPT", (start, end))
        if not determiners and not is_common_noun(head.lemma_.lower()):
            return Mention(key, surface(compact), "concept", "CONCEPT", (start, end))
        return Mention(key, surface(compact), "generic", "CONCEPT", (start, end))

    def _appositive_name(self, head: Token) -> Mention | None:
        """A description that names its referent in an apposition after it: "the company,
        Caterpillar Inc.,", "the musical artist Andrew Rayel". Not a list of names, nor a name
        of a type the description cannot refer to ("the film Paris, Texas": not the city)."""
        labels = DESCRIPTION_TYPES.get(head.lemma_.lower())
        for child in head.rights:
            if child.dep_ != "appos" or any(c.dep_ in ("conj", "cc") for c in child.children):
                continue
            index = self.entity_of.get(child.i)
            named = self.named[index] if index is not None else None
            if named is not None and named.start > head.i and (
                    labels is None or named.label in labels):
                return Mention(named.key, named.name, "entity", named.label,
                               (named.start, named.end), resolution="appositive")
        return None

    def _place_of_name(self, head: Token) -> Mention | None:
        """A place noun named by its "of": "the city of Hamburg", "the hamlet of North
        Ridge". Only "the" and nothing else before the noun ("the old city of Jerusalem" is a
        part of it), and one name after "of", not a list."""
        if head.lemma_.lower() not in NAMING_PLACE_NOUNS or head.tag_ != "NN" or [
                c.lower_ for c in head.lefts] != ["the"]:
            return None
        for prep in head.rights:
            if prep.dep_ != "prep" or prep.lower_ != "of" or prep.i != head.i + 1:
                continue
            for pobj in prep.children:
                index = self.entity_of.get(pobj.i)
                if pobj.dep_ != "pobj" or index is None or any(
                        c.dep_ in ("conj", "cc") for c in pobj.children):
                    continue
                named = self.named[index]
                if named.start == prep.i + 1:
                    # The noun says it is a place: "the town of Porter" is no person.
                    label = named.label if named.label in (*_PLACE, "FAC") else "GPE"
                    return Mention(named.key, named.name, "entity", label,
                                   (named.start, named.end), resolution="place_of")
        return None

    def _called_name(self, head: Token) -> Mention | None:
        """A description named by a participle after it: "a band called Oasis", "the ship,
        named HMS Hood,", "a group known as the Tamil Tigers". The text says outright that the
        name is the description's, so any type of name will do."""
        for child in head.rights:
            targets = naming_targets(child)
            if not targets:
                continue
            if len(targets) != 1 or targets[0].pos_ != "PROPN":
                return None
            name = self.mention(targets[0])
            if name.kind != "entity":
                return None
            return Mention(name.key, name.name, "entity", name.ent_type, name.core,
                           resolution="called")
        return None


def naming_targets(participle: Token) -> list[Token]:
    """What a participle on a noun names it: "called [Oasis]", "known as [the Tamil Tigers]";
    none for any other word, nor for "named after Nelson", which relates the noun to another."""
    # The tagger reads some such participles as past tenses (VBD); "acl" says what they are.
    if participle.dep_ != "acl" or participle.tag_ not in ("VBN", "VBD") or (
            participle.lemma_ not in NAMING_VERBS):
        return []
    return [c for c in participle.children if c.dep_ == "oprd"] + [
        pobj for prep in participle.children if prep.dep_ == "prep" and prep.lower_ == "as"
        for pobj in prep.children if pobj.dep_ == "pobj"]


def _clock_or_range(head: Token) -> bool:
    """A number that is no value on its own: one side of a clock time or score ("at 22 : 00",
    "won 3:1") or the end of a range ("hit with 6 to 7 storms")."""
    doc = head.doc
    for side in (-1, 1):
        colon, other = head.i + side, head.i + 2 * side
        if 0 <= other < len(doc) and doc[colon].text == ":" and doc[other].text[:1].isdigit():
            return True
    return any(c.dep_ == "quantmod" and c.lower_ in ("to", "-", "–") for c in head.children)


def specific_modifiers(head: Token) -> list[Token]:
    """The modifiers that make a noun phrase specific ("nuclear power plant"), not the ones any
    instance has ("new", "first", "two", "largest", "larger")."""
    return [t for t in compact_tokens(head) if t.i != head.i and t.pos_ not in ("DET", "PUNCT")
            and any(c.isalnum() for c in t.text)  # not the hyphen of "6-7 typhoons"
            and t.lower_ not in NON_SPECIFIC and t.like_num is False
            and t.ent_type_ not in ("ORDINAL", "CARDINAL") and t.tag_ != "JJS"]


def _owned_count(head: Token) -> bool:
    """Whether a plural noun is counted as something its subject has: the object of "have"
    ("has 5,000 members") or of an attribute noun that "have" takes ("has a temperature of
    160 kelvins"). Not a count of a narrower set than the noun says ("two centers for stroke
    treatment": the key would lose what they are for), nor one that holds for a time ("had
    seven walks in the 2010 season": what happened then, not what the subject has)."""
    if any(c.dep_ in ("prep", "acl", "relcl") for c in head.rights):
        return False
    owner = head.head
    if head.dep_ == "pobj" and owner.lower_ == "of" and owner.head.pos_ == "NOUN":
        owner = owner.head
        if owner.dep_ != "dobj":
            return False
        owner = owner.head
    elif head.dep_ != "dobj":
        return False
    return owner.lemma_ == "have" and not any(
        t.ent_type_ in ("DATE", "TIME") for c in owner.children
        if c.dep_ in ("prep", "npadvmod") for t in c.subtree)


def counted_mention(head: Token) -> Mention | None:
    """A definite count of a plural noun that its subject has is a measure, the noun its unit:
    "AFC Ajax has 5,000 members" -> 5000 (members). Not an approximate count ("about 400"), nor
    one with other modifiers ("two older sisters"), nor a count some other verb takes ("won 13
    games": what happened, not what the subject has)."""
    if head.tag_ != "NNS" or not _owned_count(head):
        return None
    lefts = list(head.lefts)
    if len(lefts) != 1 or lefts[0].dep_ != "nummod" or lefts[0].n_lefts or lefts[0].n_rights:
        return None
    parsed = parse_quantity(lefts[0].text)
    if parsed is None or parsed[1] is not None:
        return None
    return Mention.literal(parsed[0], "xsd:decimal", f"{lefts[0].text} {head.text}", "COUNT",
                           (lefts[0].i, head.i + 1), unit=head.lower_)


def literal_mention(ent: Span, value: tuple[str, str] | None, vague: str,
                    unit: str | None = None) -> Mention:
    """A typed literal of ``ent``'s text, or the ``vague`` kind where ``value`` is None."""
    core = (ent.start, ent.end)
    if value is None:
        return Mention(ent.text.lower(), ent.text, vague, ent.label_, core)
    return Mention.literal(value[0], value[1], ent.text, ent.label_, core, unit=unit)
