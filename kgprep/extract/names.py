"""Names of entities: where a name starts and ends (determiners, titles, epithets and generation
suffixes; words the NER left out), whether it can be a key at all (``name_problem``), its key,
names that list places ("the London, Midland and Scottish Railway"), and role words written
before a name ("Microsoft CEO Satya Nadella"). Pure functions over tokens; what a name in a
document refers to is ``kgprep.extract.mentions``'s work.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kgprep.extract.keys import is_common_noun

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Span, Token

NAME_LABELS = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT",
                         "WORK_OF_ART", "LAW", "LANGUAGE"})


TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady", "rev",
                    "gen", "col", "capt", "sgt", "lt", "president", "king", "queen", "prince",
                    "princess", "senator", "governor", "judge", "pope", "saint", "emperor"})


# Titles written before a name, beside TITLES: "Sheikh Ahmed Yassin".
HONORIFICS = frozenset({"sheikh", "imam", "ayatollah", "king", "queen", "prince", "princess",
                        "pope", "saint", "st", "emperor", "empress", "president", "senator",
                        "governor", "mayor", "chancellor", "premier", "minister", "judge",
                        "justice", "bishop", "archbishop", "cardinal", "father", "brother",
                        "sister", "chief", "coach", "professor", "ambassador", "congressman",
                        "congresswoman", "councilman", "councilwoman", "alderman",
                        "assemblyman", "rabbi", "reverend"})


# Lower-case words inside names before their last word: "Rio de Janeiro", "Ludwig van Beethoven".
NAME_JOINERS = frozenset({"de", "da", "do", "dos", "das", "del", "della", "di", "du", "la", "le",
                          "van", "von", "der", "den", "ter", "y"})


# Sports-club designators: part of the club's name though common or short ("FC Tom Tomsk",
# "AS Roma", "Real Madrid"); matched as written, so "as" and "real" as words stay out.
CLUB_DESIGNATORS = frozenset({"FC", "AFC", "CF", "SC", "AC", "AS", "SV", "FK", "NK", "SK", "BK",
                              "CD", "SD", "UD", "RC", "SSC", "PFC", "Real", "Sporting", "Inter"})


# Last words of a company named by the places it joins ("the London, Midland and Scottish
# Railway Company", "the Atchison, Topeka and Santa Fe Railway").
LISTED_NAME_NOUNS = frozenset({"railway", "railroad", "company", "canal", "line", "railways",
                               "navigation"})


RANKS = frozenset({"major", "general", "colonel", "captain", "lieutenant", "sergeant", "admiral",
                   "commander", "private", "corporal", "brigadier", "marshal", "chairman",
                   "president", "minister", "chief", "director", "mayor", "bishop"})


MONTH_NAMES = frozenset({"january", "february", "march", "april", "may", "june", "july",
                         "august", "september", "october", "november", "december", "monday",
                         "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


TIME_PREPOSITIONS = frozenset({"since", "until", "till", "during", "throughout"})


def strip_name(tokens: list[Token]) -> list[Token]:
    """Drop leading determiners and titles (a title joined by a hyphen is a word of the name:
    "Gen - Probe Inc."), a trailing possessive marker, and a time phrase the
    NER ran on into that belongs to the clause: "the Mississippi House of Representatives [since
    Reconstruction]". (Only time prepositions, attached outside the name: the parser attaches
    the "for" of "Society for the Protection of Birds" to the verb too.)"""
    span = range(tokens[0].i, tokens[-1].i + 1)
    for k, tok in enumerate(tokens[1:], start=1):
        if tok.text in TIME_PREPOSITIONS and tok.head.i not in span:
            tokens = tokens[:k]
            break
    while len(tokens) > 1 and (tokens[0].pos_ == "DET" or tokens[0].is_punct or (
            tokens[0].lower_.rstrip(".") in TITLES and tokens[1].text != "-")):
        tokens = tokens[1:]
    tokens = _with_epithet(tokens)
    while len(tokens) > 1 and (tokens[-1].tag_ == "POS" or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens


def _with_epithet(tokens: list[Token]) -> list[Token]:
    """A name the NER cut before its epithet ("[John the] Baptist", "Alexander the [Great]")
    takes the capitalised word after its trailing "the" back."""
    doc = tokens[0].doc
    after = tokens[-1].i + 1
    if tokens[-1].lower_ == "the" and len(tokens) > 1 and tokens[-2].pos_ == "PROPN" and (
            after < len(doc) and doc[after].text[:1].isupper()
            and doc[after].pos_ in ("PROPN", "ADJ", "NOUN")
            and doc[after].head.pos_ == "PROPN"
            and doc[after].head.i in range(tokens[0].i, after)):
        return [*tokens, doc[after]]
    return tokens


GENERATION_SUFFIXES = frozenset({"jr.", "jr", "sr.", "sr"})


def extend_name(tokens: list[Token]) -> list[Token]:
    """Numbers, codes and proper-noun words that belong to a name: "17th Army", "2 RAR",
    "US 258", "[Anders] Osborne", "John Crozier[, Jr.]"."""
    doc = tokens[0].doc
    start, end = tokens[0].i, tokens[-1].i + 1
    while start > 0 and doc[start - 1].head.i in range(start, end) and (
            (doc[start - 1].dep_ in ("nummod", "compound", "amod", "nmod") and (
                doc[start - 1].like_num or doc[start - 1].text[:1].isdigit()
                or doc[start - 1].ent_type_ in ("ORDINAL", "CARDINAL")))
            or name_word_left_out(doc[start - 1], tokens[0].ent_type_)
            or people_word_of_name(doc[start - 1], tokens[0].ent_type_)):
        start -= 1
    inside = range(start, end)
    while end < len(doc) and doc[end].head.i in inside and doc[end].dep_ in (
            "nummod", "appos", "npadvmod") and doc[end].like_num:
        end += 1
    if end + 1 < len(doc) and doc[end].text == "," and doc[end + 1].lower_ in GENERATION_SUFFIXES:
        end += 2  # "John Crozier, Jr.": the son, not his father
    return list(doc[start:end])


# Names that a people's adjective before them can belong to: "[German] New Guinea", "[French]
# Indochina", "[Spanish] Navy". Not a person: "American poet Allen Ginsberg" says what he is.
PEOPLE_NAMED_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG"})


def people_word_of_name(tok: Token, label: str) -> bool:
    """A people's adjective the NER cut from the place or body it names: "German New Guinea"
    (the colony, not the island), "French West Africa", "the Spanish Navy". The caller has
    checked that the word modifies a word of the name. The NER tags such an adjective as a
    people (NORP) or, as often, a place (GPE: "German" in "German New Guinea")."""
    people = tok.ent_type_ == "NORP" or (tok.ent_type_ == "GPE" and tok.tag_ == "JJ")
    return people and tok.dep_ in ("amod", "compound") and (
        tok.text[:1].isupper() and label in PEOPLE_NAMED_LABELS)


def is_title(word: str) -> bool:
    """A title, rank or honorific written before a name ("president", "gen", "sheikh")."""
    word = word.lower().rstrip(".")
    return word in TITLES or word in RANKS or word in HONORIFICS


# A word at least this common in English is a job or a role before a name ("CEO", "pastor",
# "detective"), not a word of the name ("Anders" 3.4, "Aston" 3.7).
NAME_WORD_ZIPF = 4.0


# A word the tagger calls a noun is a word of the name only when rarer than this.
NAME_NOUN_ZIPF = 3.0


# First words of two-word ranks the NER takes for organisations: "Squadron Leader", "Private
# First Class", "Wing Commander".
RANK_FIRST_WORDS = frozenset({"squadron", "wing", "flight", "private", "lance", "staff", "petty",
                              "warrant", "pilot", "field", "air"})


# Names that own a role written before a person's name ("Microsoft CEO", "Labour leader"); not
# peoples: "American poet Allen Ginsberg" says what he is, not whose.
ROLE_OWNER_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC"})


def name_word_left_out(tok: Token, label: str) -> bool:
    """A proper-noun word the NER cut from the name it modifies: "[Anders] Osborne",
    "[Aston] Martin V8", "[FC] Tom Tomsk", or one it tagged as a name of the same kind.
    Titles, abbreviations, common words and names of another kind stay out ("President
    Obama", "Sen. John McCain", "Microsoft CEO Satya Nadella")."""
    if tok.dep_ != "compound" or tok.pos_ not in ("PROPN", "NOUN") or (
            not tok.text[:1].isupper() or is_title(tok.text)):
        return False
    if tok.pos_ == "NOUN":
        # The tagger takes some rare first names for nouns ("Alfons" NNS); a job before a name
        # is a noun too, and as rare as many names ("Goalkeeper" 3.8, "Anders" 3.4), so only
        # a word rarer than any job counts.
        return not tok.ent_type_ and tok.text[1:].islower() and not is_common_noun(
            tok.lower_, NAME_NOUN_ZIPF)
    if tok.text in CLUB_DESIGNATORS:
        return True
    if tok.ent_type_:
        return tok.ent_type_ == label
    return not tok.text.endswith(".") and not is_common_noun(tok.lower_, NAME_WORD_ZIPF)


# Nouns before a name that its owner does not give: a club is no person's job, a draft pick and
# a colleague are no post of the league or the firm ("Championship club Bolton Wanderers",
# "NBA Draft pick Glenn Robinson", "WWE colleague Shelton Benjamin").
NOT_ROLES = frozenset({"club", "team", "side", "pick", "colleague", "teammate", "rival",
                       "friend", "fan", "native", "resident"})


# Professions a place does not hold: "New York attorney" is a lawyer who works there, while
# "U.S. president", "New York governor" and "U.S. Attorney" are offices of the place.
PLACE_BASED_PROFESSIONS = frozenset({
    "attorney", "lawyer", "businessman", "businesswoman", "entrepreneur", "banker",
    "architect", "artist", "writer", "author", "novelist", "poet", "painter", "photographer",
    "musician", "singer", "doctor", "physician", "developer", "publisher"})


def is_role_word(tok: Token) -> bool:
    """A job or role a named owner modifies, written before a person's name: "[Microsoft]
    CEO Satya Nadella", "[Labour] leader Ed Miliband". Without an owner a capitalised word there
    is as likely a word of a name the NER cut ("Temple Beth Israel", "Camp Zachary Taylor")."""
    if tok.ent_type_ or tok.pos_ not in ("NOUN", "PROPN") or tok.lemma_.lower() in NOT_ROLES:
        return False
    owner = role_owner(tok)
    if owner is None:
        return False
    # A capitalised one is an office's title: "U.S. Attorney Todd Graves".
    return not (owner.ent_type_ in ("GPE", "LOC") and tok.text.islower()
                and tok.lemma_.lower() in PLACE_BASED_PROFESSIONS)


def role_owner(role: Token) -> Token | None:
    """The name that owns a role before a person's name: "[Microsoft] CEO Satya Nadella",
    "[Labour] leader Ed Miliband"; None when the role has none."""
    owners = [c for c in role.lefts if c.dep_ in ("compound", "nmod", "poss", "amod")
              and c.ent_type_ in ROLE_OWNER_LABELS]
    if not owners:
        return None
    span = entity_span(owners[-1])
    if span is not None and span[0].lower_ in RANK_FIRST_WORDS:
        return None
    return owners[-1]


def name_problem(tokens: list[Token], label: str = "") -> str | None:
    """Why a name identifies nothing: cut by an ``<unk>`` marker, a title or a month alone, or
    two names joined by "and" (or, for people, by a comma: "Bert, Eddie, and Sarah"); an "and"
    inside one name ("College of William and Mary") joins nothing."""
    doc = tokens[0].doc
    before = doc[tokens[0].i - 1] if tokens[0].i > 0 else None
    after = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
    if is_unknown(tokens) or (before is not None and before.text in (">", "<unk>")) or (
            after is not None and after.text in ("<", "<unk>")):
        return "unknown"
    words = [t.lower_.rstrip(".") for t in tokens]
    if len(tokens) > 1 and tokens[-1].pos_ in ("ADP", "DET", "CCONJ") and tokens[-1].tag_ != "RP":
        # The NER stopped inside the name ("the Boston Celtics of the [NBA]", "Exit Through
        # [the Gift Shop]"): cutting the last words off would name something else.
        return "partial_name"
    if _quotes(tokens) % 2 and not (before is not None and _quotes([before])):
        # Cut inside a quoted nickname: 'Michael " Spike [" <unk>]' (not '"Pete" Ingram', whose
        # first quote was stripped).
        return "partial_name"
    if len(words) == 1 and (words[0] in TITLES or words[0] in RANKS):
        return "generic"
    if len(words) == 1 and words[0] in MONTH_NAMES:
        return "vague_date"
    if any((t.dep_ == "cc" or (t.lower_ in ("and", "&") and t.pos_ == "CCONJ"))
           and not _joins_within_name(tokens, k, label) for k, t in enumerate(tokens)):
        return "coordinated"
    if label == "PERSON" and any(t.text == "," and tokens[k + 1].lower_ not in GENERATION_SUFFIXES
                                 for k, t in enumerate(tokens[1:-1], start=1)):
        return "coordinated"
    return None


def _quotes(tokens: list[Token]) -> int:
    return sum(t.text in ('"', "``", "''") for t in tokens)


def _joins_within_name(tokens: list[Token], k: int, label: str) -> bool:
    """Whether the conjunction ``tokens[k]`` is a word of one name, not a join of two, between
    capitalised words and never for a PERSON entity: an ampersand ("Simon & Schuster", "John
    Brown & Company"); a join after an "of" of the same name ("College of William and Mary",
    "Port Authority of New York and New Jersey"), not of a name before the "of" to another
    ("[Duke of York] and [Prince Harry]"); a join of two nouns modifying one head word of the
    name ("Procter and Gamble Company"), not of two adjectives, which may name two things ("the
    Provisional and Official IRA")."""
    if label == "PERSON" or not 0 < k < len(tokens) - 1:
        return False
    if not (tokens[k - 1].text[:1].isupper() and tokens[k + 1].text[:1].isupper()):
        return False
    if tokens[k].text == "&":
        return True
    first_part = entity_span(tokens[0])
    if first_part is not None and (listed := _listed_name(first_part)) is not None and (
            listed.end == tokens[-1].i + 1):
        return True
    ofs = [t.i for t in tokens[1:k] if t.lower_ == "of"]
    if ofs and tokens[k].head.i > ofs[0]:
        return True
    first = tokens[k].head  # the first conjunct, which the conjunction hangs from
    return (first.dep_ in ("compound", "nmod") and first.i < tokens[k].i
            and tokens[k + 1].i < first.head.i <= tokens[-1].i)


def _listed_name(ent: Span) -> Span | None:
    """The whole name when ``ent`` opens a list of places that ends in a company's noun, all
    after one "the": "the [London], [Midland] and [Scottish Railway Company]" is one railway,
    not a city, a region and a railway."""
    doc = ent.doc
    if ent.start == 0 or doc[ent.start - 1].lower_ != "the" or ent.label_ not in ("GPE", "LOC"):
        return None
    conjuncts = [c for c in ent.root.conjuncts if c.i > ent.root.i]
    if not conjuncts:
        return None
    last = max(conjuncts, key=lambda c: c.i)
    if last.lower_ not in LISTED_NAME_NOUNS or last.ent_type_ not in ("ORG", "FAC"):
        return None
    words = doc[ent.start : last.i + 1]
    if not all(t.text[:1].isupper() or t.text in (",", "&") or t.lower_ == "and"
               for t in words):
        return None
    from spacy.tokens import Span

    return Span(doc, ent.start, last.i + 1, label="ORG")


def merge_listed_names(ents: Sequence[Span]) -> list[Span]:
    """A document's ``ents`` with each list name of ``_listed_name`` in place of its parts."""
    merged: list[Span] = []
    covered_until = -1
    for ent in ents:
        if ent.start < covered_until:
            continue
        whole = _listed_name(ent)
        merged.append(whole or ent)
        covered_until = whole.end if whole is not None else ent.end
    return merged


def find_other_name_words(ents: Sequence[Span]) -> frozenset[str]:
    """Words the document uses in names of places, organisations and other things, which a
    one-word PERSON of the same word is taken for: a word of a longer such name ("University
    of Kraków"), or a one-word name tagged so more often than as a person. The small NER tags
    one person's surname now PERSON, now ORG ("Churchill"); that is no sign of a place."""
    votes: Counter[str] = Counter()
    words: set[str] = set()
    for ent in ents:
        if ent.label_ not in NAME_LABELS:
            continue
        alpha = [t.lower_ for t in ent if t.is_alpha]
        if len(alpha) == 1 and len(ent) == 1:
            votes[alpha[0]] += -1 if ent.label_ == "PERSON" else 1
        elif ent.label_ != "PERSON" and not any(
                t.lower_ in ("and", "&") or t.text == "," for t in ent):
            words.update(alpha)
    return frozenset(words | {w for w, vote in votes.items() if vote > 0})


def surface(tokens: list[Token]) -> str:
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


_SUFFIX_COMMA = re.compile(r"\s*,\s*(jr|sr)\b")


_QUOTES = "\"“”„`'‘’"
# Double quote marks at a word's edge ('Pete " Ingram', '"Alabama" Davey Shows'). Single ones
# stay: WikiText writes possessives apart ("people 's army", "Railways ' station").
_EDGE_QUOTES = re.compile(r"(?:(?<=\s)|^)[\"“”„`]+|[\"“”„`]+(?=\s|$)")
# A nickname quoted between given names and the surname: 'Bradley Kent "Brad" Stevens'.
_NICKNAME = re.compile(rf"^[^{_QUOTES}]+?\s[{_QUOTES}]+\s*(?P<nick>[^{_QUOTES}]+?)\s*"
                       rf"[{_QUOTES}]+\s(?P<surname>[^{_QUOTES}]+)$")


def name_key(name: str, person: bool = False) -> str:
    """A name's key: lower-cased with spaces normalised ("King, Jr." as "King Jr.") and double
    quote marks dropped; never lemmatised. A person's quoted nickname and surname are the name the
    world uses, so 'Bradley Kent "Brad" Stevens' keys as a later "Brad Stevens" does."""
    text = _SUFFIX_COMMA.sub(r" \1", name.lower())
    nickname = _NICKNAME.match(text) if person else None
    if nickname is not None:
        text = f"{nickname['nick']} {nickname['surname']}"
    return " ".join(_EDGE_QUOTES.sub(" ", text).split())


def is_unknown(tokens: list[Token]) -> bool:
    """WikiText's ``<unk>`` markers (split by the tokenizer into "<", "unk", ">") and keys with
    no letters or digits."""
    text = "".join(t.text for t in tokens)
    return any(t.text in ("<", ">", "<unk>") or (t.lower_ == "unk" and t.i > 0
                                                  and t.doc[t.i - 1].text == "<")
               for t in tokens) or not any(c.isalnum() for c in text)


def ends_in_own_word(key: str, word: str) -> bool:
    """``key`` has two or more words, ends in ``word``, and not after "of", "and" or a particle
    that would make ``word`` a name of its own ("Bank of England")."""
    words = key.split()
    return len(words) >= 2 and words[-1] == word and words[-2] not in (
        "of", "and", "&", "the", *NAME_JOINERS)


def entity_span(head: Token) -> Span | None:
    if not head.ent_type_:
        return None
    doc = head.doc
    start = head.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = head.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    from spacy.tokens import Span

    return Span(doc, start, end, label=head.ent_type_)  # a slice of the Doc has no label
