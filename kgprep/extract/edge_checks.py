"""Precision checks on a candidate graph fact, beyond "both arguments identify something".

Each check reads the parse around one argument or the relation and returns a ``no_edge_reason``
or None. Every check was written from failures in the labelled *train* split
(``data/labels/``), where each one removed wrong or useless facts and at most one correct
one (per check, at least three times as many non-correct as correct); the held-out split was
not read to write them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span, Token

from kgprep.extract.keys import FIELD_PLURALS, is_common_noun
from kgprep.extract.literals import DATE_DATATYPES
from kgprep.extract.mentions import QUANTIFIERS, Mention, specific_modifiers
from kgprep.extract.names import is_role_word, is_title, role_owner
from kgprep.extract.person_names import is_person_name

if TYPE_CHECKING:
    from kgprep.extract.mentions import DocMentions

HYPHENS = frozenset({"-", "‑", "–", "—"})
# Tokens that may sit between a name and a word of the same name the NER left out:
# "4th ( <unk> ) Infantry Regiment", "Australian and New Zealand Army Corps".
_NAME_GLUE = frozenset({"and", "&", "(", ")", "<", ">", "unk", "<unk>", *HYPHENS})
# "became", "began": the relation's content is in what the clause lost ("became a regular").
EMPTY_VERBS = frozenset({"become", "begin", "start", "remain", "continue", "seem", "appear"})
# "be in Santiago", "be at the station": the locative senses of a bare "be" that stand alone.
LOCATIVE_PREPS = frozenset({"in", "at", "on", "near", "inside", "outside", "within", "from"})
# "unk>" and "<unk": a key that took half of a marker ("<unk>-<unk>" keys as "unk>-<unk").
PLACEHOLDERS = ("<unk>", "< unk >", "unk>", "<unk", "codice_", "formula_")
# Names of generic institutions written as names: "the Union", "the Army", "the House".
# Peoples ("the French", "Americans") are groups, judged by the labellers like names.
GENERIC_NAME_LABELS = frozenset({"ORG", "MISC", "FAC", "WORK_OF_ART", "LAW"})
GENERIC_WORD_ZIPF = 4.0  # "administrative" 4.5, "court" 5.4; "mason" 3.9, "whig" 2.9
GENERIC_NAME_ZIPF = 4.3  # "army" 5.1, "union" 5.1, "congress" 4.9; "butler" 4.1, "dreamer" 3.3


def _capital_word(tok: Token) -> bool:
    word = tok.lower_.rstrip(".")
    if not tok.text[:1].isupper() or tok.pos_ in ("DET", "ADP", "CCONJ"):
        return False
    if is_title(word):
        return False
    return tok.i != tok.sent.start or tok.pos_ == "PROPN"


def _owns_role(tok: Token) -> bool:
    """"[Microsoft] CEO Satya Nadella": the name modifies a role before a person's name."""
    role = tok.head
    return (is_role_word(role) and role_owner(role) == tok and role.dep_ == "compound"
            and role.head.ent_type_ == "PERSON")


def truncated_name(mention: Mention, doc: Doc) -> bool:
    """A name written as part of a longer one the NER cut: "[Gen-]Probe Inc.",
    "[Business] US 2", "[Australian and] New Zealand Army Corps", "M[-28]",
    "Board of Muslim [clerics]", "[4th ( <unk> )] Infantry Regiment". Only a name as written in
    this sentence is checked; a resolved reference carries its antecedent's full name."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    start, end = mention.core
    sent = doc[start].sent
    core = range(start, end)
    # Left: the run of capitalised words, numbers and glue that ends at the name.
    i = start - 1
    while i >= sent.start and (doc[i].lower_ in _NAME_GLUE or _capital_word(doc[i])
                               or doc[i].like_num or doc[i].ent_type_ == "ORDINAL"):
        tok = doc[i]
        if mention.ent_type == "PERSON" and is_role_word(tok):
            break  # "Microsoft CEO Satya Nadella": a role, and its owner, before the name
        if (tok.like_num or tok.ent_type_ == "ORDINAL" or _capital_word(tok)) and any(
                a.i in core for a in tok.ancestors):
            return True
        if tok.ent_type_ == "ORDINAL":  # "4th ( <unk> ) Infantry Regiment", however parsed
            return True
        i -= 1
    if start > sent.start:
        before = doc[start - 1]
        if not before.whitespace_ and (before.is_alpha or before.text in HYPHENS):
            return True  # a hyphenated prefix: "Gen-Probe"
    # Right: a hyphenated suffix, or the name modifying the noun after it.
    if end < sent.end:
        after = doc[end]
        if after.text in HYPHENS and end + 1 < sent.end and doc[end + 1].text[:1].isalnum() and (
                not doc[end - 1].whitespace_ or len(doc[end - 1].text) <= 2):
            return True
        last = doc[end - 1]
        if last.dep_ in ("compound", "amod") and last.head.i >= end and last.head.pos_ in (
                "NOUN", "PROPN") and last.head.i < sent.end and not _owns_role(last):
            return True
    return False


# Tokens that cannot end a sentence: a sentence that opens after one was cut by the splitter.
_NO_SENTENCE_END = frozenset({",", "(", ")", "[", "]", *HYPHENS})


def split_by_sentence(mention: Mention, doc: Doc) -> bool:
    """A name that opens a sentence the splitter cut out of a longer one, so the words before it
    are lost: "the 4th ( <unk> ) | Infantry Regiment was in ...", "Bus. | US 2 stays on ...",
    "Business U.S. Highway 2 ( Bus. | US 2 ) is a business route"."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    start = mention.core[0]
    sent = doc[start].sent
    if start != sent.start or start == 0:
        return False
    before = doc[start - 1]
    if before.text in _NO_SENTENCE_END or before.pos_ in ("DET", "ADP", "CCONJ"):
        return True
    # The sentence before is one capitalised short word and a full stop: an abbreviation
    # ("Bus.", "Mt.", "Ft.") the splitter took for a sentence end.
    previous = before.sent
    words = [t for t in previous if not t.is_punct]
    if before.text == "." and len(words) == 1 and words[0].is_alpha and words[0].is_title and (
            len(words[0]) <= 4 and words[0].pos_ in ("PROPN", "NOUN")):  # not "Go.", "Fine."
        return True
    # A bracket closed before any is opened: the sentence began inside it.
    for tok in sent:
        if tok.text == "(":
            return False
        if tok.text == ")":
            return True
    return False


def common_noun_name(head: Token, mention: Mention) -> bool:
    """One word the NER took for a name that is written in lower case and tagged as a common
    noun: "When nacho is driving ...", "The trunkline runs along ...". A capitalised noun
    stands, also the first word of a sentence: the tagger reads names there as nouns too
    ("Iceland lies in the North Atlantic", "Jane films Ricky")."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    start, end = mention.core
    return end - start == 1 and head.i == start and head.pos_ == "NOUN" and (
        head.text[:1].islower())


# Possessive pronouns: "his patience" is someone's, and the key cannot say whose.
POSSESSIVE_PRONOUNS = frozenset({"his", "her", "its", "their", "my", "our", "your"})


def possessed_object(head: Token, mention: Mention) -> bool:
    """A bare noun whose owner was a possessive pronoun the key lost: "lost his patience",
    "praised its effectiveness", "channeled his anger and frustration". The noun is a concept
    only because it is rare; whose it is was the fact. A modifier that makes it specific keeps
    it ("hid on his Scottish farm")."""
    if mention.kind != "concept" or " " in mention.key:
        return False
    owner = head
    while owner.dep_ == "conj" and owner.head.i != owner.i:  # conjuncts share the possessor
        owner = owner.head
    return any(c.dep_ == "poss" and c.lower_ in POSSESSIVE_PRONOUNS for c in owner.lefts)


# Prepositions whose object is a place, never a person: "landed in Java".
PLACE_PREPS = frozenset({"in", "into", "near", "across", "throughout", "within"})


# Verbs whose subject is a person: "Hofmann was born in ...", "Stevens married ...".
LIFE_EVENTS = frozenset({"born", "died", "dies", "married", "marries"})


def lone_name(head: Token, mention: Mention, mentions: DocMentions) -> bool:
    """A person known only by one word in this document ("Stevens", "Jane"; or a pronoun
    resolved to such a name): the key cannot say which person, and the graph would merge every
    "stevens" into one node. A short name joined to a full name earlier keys on the full name.
    Only on evidence that it is a person: a title before it ("Captain Hood"), the name
    as the subject of "born", "died" or "married", anyone called "he", "she", "him", "her" or
    "his" or a wife or husband, a reference (pronoun, description) the tool resolved to it, or
    the word itself being a census given name or surname ("Lozano", "Laurie").
    The small NER calls many one-word places and products people ("Auron was created by ...",
    "Kraków lies in ..."), and so does a name after "the" ("the Danube"), after "in" ("landed
    in Java") or one the document also names as a place or organisation."""
    if mention.kind != "entity" or mention.ent_type != "PERSON" or " " in mention.key:
        return False
    if mention.key in mentions.other_name_words:
        return False
    if mention.resolution is not None:
        return True
    doc = head.doc
    start = mention.core[0]
    before = doc[start - 1].lower_ if start > 0 else ""
    if is_title(before) or (head.dep_ in ("nsubj", "nsubjpass")
                            and head.head.lower_ in LIFE_EVENTS):
        return True
    if before == "the" or (head.dep_ == "pobj" and head.head.lower_ in PLACE_PREPS):
        return False
    return mentions.speaks_of_people or is_person_name(mention.key)


def lone_owner(head: Token, mention: Mention, mentions: DocMentions) -> bool:
    """A thing known by whose it is, where the owner is a person known only by one word:
    "Bobby's father", "Kurt's boss", "Julia's home" say which thing no more than "Bobby" says
    which person."""
    if mention.kind != "concept" or "'s " not in mention.key:
        return False
    return any(lone_name(child, mentions.mention(child), mentions) for child in head.lefts
               if child.dep_ == "poss" and child.pos_ != "PRON")


# Endings of nouns that name a quality, a state or an act ("satisfaction", "routing",
# "popularity", "optimism").
ABSTRACT_SUFFIXES = ("tion", "sion", "ment", "ness", "ity", "ance", "ence", "ship", "ism", "ing")
# Fields and doctrines with such endings, which are a fact's object as much as a substance is.
FIELDS_AND_DOCTRINES = frozenset({
    "radioactivity", "relativity", "electricity", "magnetism", "electromagnetism",
    "gravity", "evolution", "capitalism", "communism", "socialism", "fascism", "liberalism",
    "conservatism", "nationalism", "feminism", "buddhism", "hinduism", "judaism",
    "catholicism", "protestantism", "christianity", "islamism", "impressionism", "cubism",
    "modernism", "romanticism", "expressionism", "surrealism", "realism", "engineering",
    "nursing", "accounting", "banking", "mining", "farming", "printing"})


def bare_concept(head: Token, mention: Mention) -> bool:
    """A concept object that is one bare word, with no modifier beyond those any instance has (a
    count, "current"), naming a class or an abstraction: a plural ("found shortcomings", "lost
    four starters") or a noun of state or act ("expressed satisfaction", "retained its current
    routing", "gained popularity"). In the labelled train split such objects identified
    nothing. Other singular words stand ("produces insulin", "fights malaria", "made of
    bronze"; the cost: a substance ending like an act, "carries sediment"), and so do fields and
    doctrines ("studied radioactivity", "optics", "criticised capitalism"), a named part and a
    modifier that specifies it."""
    if mention.kind != "concept" or mention.resolution is not None:
        return False
    if "'s " in mention.key or " of " in mention.key or specific_modifiers(head):
        return False
    word = head.lower_
    if word in FIELD_PLURALS or word in FIELDS_AND_DOCTRINES:
        return False
    return head.tag_ in ("NNS", "NNPS") or head.lemma_.lower().endswith(ABSTRACT_SUFFIXES)


def quantified_group(head: Token, mention: Mention) -> bool:
    """Part of a group said of the whole: "Some Australians joined", "Other Australians became
    scouts", "Many of the Iraqis suffer"."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    if any(c.lower_ in QUANTIFIERS and c.dep_ in ("det", "amod", "quantmod") for c in head.lefts):
        return True
    prep = head.head
    return (head.dep_ == "pobj" and prep.lower_ == "of" and prep.head.i != prep.i
            and (prep.head.lower_ in QUANTIFIERS or prep.head.like_num))


# Prepositions that mostly attach a phrase of the clause and seldom join a name's words
# ("for", "of", "on", "in", "at" do: "Society for the Protection of Birds", "University of
# California at Berkeley", where the parse may still hang them on the verb).
_CLAUSE_PREPS = frozenset({"to", "by", "from", "with", "into"})


def name_across_phrase(mention: Mention, doc: Doc) -> bool:
    """A name the NER ran into a phrase of the clause: a preposition inside it hangs on a word
    outside it ("invited by [Graves to Iceland]": "to Iceland" is where he was invited)."""
    if mention.kind != "entity" or mention.resolution is not None or mention.ent_type in (
            "WORK_OF_ART", "MISC"):  # a title may hold any words
        return False
    start, end = mention.core
    return any(t.lower_ in _CLAUSE_PREPS and t.dep_ == "prep" and not start <= t.head.i < end
               for t in doc[start + 1 : end - 1])


def narrowed_name(head: Token, mention: Mention) -> bool:
    """A generic-sounding name narrowed by a place the key lost: "the Administrative Court in
    Berlin". Names that are themselves specific ("University of Iowa") hold the place already;
    people and places are not narrowed ("met John Brown in Paris" is a common misattachment)."""
    if mention.kind != "entity" or mention.resolution is not None or mention.ent_type not in (
            "ORG", "FAC", "MISC"):
        return False
    # Only a name of common words is generic: "Mason School of Business in the US" is specific.
    # ("Supreme Court of Canada" holds its place already.)
    if " of " in mention.key or not all(is_common_noun(w, GENERIC_WORD_ZIPF)
                                        for w in mention.key.split()):
        return False
    for prep in head.rights:
        if prep.dep_ != "prep" or prep.lower_ not in ("in", "at"):
            continue
        for pobj in prep.children:
            if pobj.dep_ == "pobj" and pobj.ent_type_ in ("GPE", "LOC", "FAC") and not (
                    mention.core[0] <= pobj.i < mention.core[1]):
                return True
    return False


def generic_name(head: Token, mention: Mention, written: frozenset[int]) -> bool:
    """One common English word written as a name: "the Union", "the Army", "the House". People's
    names are left alone ("Bush", "Hood" are names first). ``written``: the hashes of every
    token text of the document (``DocIndex.written``)."""
    if mention.kind != "entity" or mention.ent_type not in GENERIC_NAME_LABELS:
        return False
    words = mention.name.split()
    if len(words) != 1 or words[0].isupper() or mention.resolution is not None:
        return False
    word = words[0].lower()
    # The first word of a sentence is capitalised anyway: "Cathedral", "Rainfall" there are
    # nouns the NER took for names when the document also writes them in lower case.
    if mention.core[0] == head.sent.start and word.isalpha() and (
            head.doc.vocab.strings[word] in written):
        return True
    # "the Union", "the Army": a common word after "the"; "an Article": after "a" or "an",
    # which no name takes. Without an article, a frequent word can be a famous name ("Google",
    # "Microsoft" are as frequent as "army").
    start = mention.core[0]
    after_article = start > 0 and head.doc[start - 1].lower_ in ("the", "a", "an")
    return after_article and is_common_noun(word, GENERIC_NAME_ZIPF)


def narrowed_object(head: Token, mention: Mention) -> bool:
    """A concept whose key lost the named phrase that made it specific: "the Japanese campaign
    [in New Guinea]", "greater autonomy [for the Philippines]"."""
    if mention.kind != "concept" or " of " in mention.key:  # "state of tyrol" names it already
        return False
    for prep in head.rights:
        if prep.dep_ != "prep" or prep.lower_ == "of":  # "of" complements are in the key
            continue
        for pobj in prep.children:
            if pobj.dep_ == "pobj" and pobj.ent_type_ and pobj.ent_type_ not in (
                    "DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"):
                return True
    return False


def incomplete_rank(head: Token, mention: Mention) -> bool:
    """A superlative or ordinal class with nothing that says among what: "the first television
    station [to broadcast in stereo]", "the greatest donair man". A named possessor says it
    ("Italy's largest bank")."""
    if mention.kind != "concept" or "'s " in mention.key:
        return False
    for child in head.lefts:
        if child.dep_ in ("amod", "nummod", "compound") and child.whitespace_ and (
                child.tag_ == "JJS" or child.ent_type_ == "ORDINAL"):
            return True
    return False


def vague_amount(head: Token) -> bool:
    """An approximate or comparative count: "at least two raids", "nearly 37 times more
    inmates", "just under 30 pieces"."""
    for child in head.lefts:
        if child.dep_ == "nummod" and any(
                c.dep_ in ("quantmod", "advmod") and c.is_alpha for c in child.children):
            return True
        if child.lower_ in ("more", "fewer", "less") and child.dep_ == "amod":
            return True
    return False


def bare_count(obj: Mention) -> bool:
    """A number as the direct object, with no unit: the counted noun was left out ("France
    converted 28 [ships]", "United won 3 [titles]"), so the fact says nothing."""
    return obj.kind == "literal" and obj.datatype == "xsd:decimal" and not obj.unit


def bare_date(obj: Mention) -> bool:
    """A date as the direct object: a year that modified the real object ("signed 1949 <unk>
    Trophy winner Leon Hart"); what a verb does to a date is said with a preposition."""
    return obj.kind == "literal" and obj.datatype in DATE_DATATYPES


def empty_relation(relation: str, obj: Mention) -> bool:
    """A relation whose content was lost: "became [a regular] in", "be until 1960", "be for".
    A bare locative "be in Santiago" stands."""
    words = relation.split(" ")
    if words[0] in EMPTY_VERBS and obj.kind != "entity":
        return True
    if words[0] == "be" and len(words) == 2:
        return obj.kind == "literal" or words[1] not in LOCATIVE_PREPS
    return False


# Verbs whose object is only the addressee or topic; what was said of it is in a complement:
# "told Michael [to leave]", "described the song [as a highlight]".
COMPLEMENT_VERBS = frozenset({"tell", "describe", "instruct", "ask", "consider", "regard",
                              "urge", "persuade", "advise", "remind", "warn", "order", "command",
                              "classify", "designate", "recognize", "recognise", "identify",
                              "list", "rank", "use", "organize", "organise", "appoint",
                              "nominate", "elect", "call", "commend", "praise", "hail", "cite"})


def content_in_complement(verb: Token) -> bool:
    """"X told Y to ...", "X ordered Y to move", "X classified Y as a depression": the fact
    "X verb Y" would lose what the complement says of Y. For COMPLEMENT_VERBS a clausal
    complement or an "as" phrase; for any other verb an open complement ("threatened Y to
    bar ...", "called Y lively"), but not "as", which there mostly says what the subject was
    ("joined the railway as a clerk") nor a clause of its own ("..., it was announced")."""
    if verb.lemma_.lower() in COMPLEMENT_VERBS:
        return any(c.dep_ in ("xcomp", "ccomp", "oprd") or (c.dep_ == "prep"
                                                           and c.lower_ == "as")
                   for c in verb.children)
    return any(c.dep_ in ("xcomp", "oprd") for c in verb.children)


# Verbs whose "as" phrase sets what the thing becomes or is taken for.
STATUS_VERBS = frozenset({"reinstate", "appoint", "name", "elect", "designate", "recognise",
                          "recognize", "select", "choose", "declare", "proclaim", "classify",
                          "reclassify", "rank", "regard", "consider", "nominate", "install",
                          "crown", "list"})


def passive_as_dropped(verb: Token) -> bool:
    """A passive fact of a status-setting verb that leaves out its "as" phrase: "Manila was
    reinstated by Marcos [as the capital]" is no "Marcos | reinstate | Manila". Elsewhere "as"
    says what the agent or the thing was at the time ("founded by Steve Jobs as a computer
    company"), and the fact stands."""
    return verb.lemma_.lower() in STATUS_VERBS and any(
        c.dep_ == "prep" and c.lower_ == "as" and c.i > verb.i for c in verb.children)


# Verbs whose "into" says what a thing became ("came into existence", "transformed into an
# enemy"), not where it went ("advanced into Poland").
CHANGE_VERBS = frozenset({"come", "turn", "transform", "merge", "convert", "change", "develop",
                          "evolve", "erect", "reorganize", "reorganise"})


def date_without_content(verb: Token, obj: Mention) -> bool:
    """A date fact of a verb whose object or complement it leaves out: "named the interchange
    as ... in 2006" -> "named in 2006", "was appointed Ambassador to Great Britain in 1796" ->
    "appointed in 1796". A change of state says what it became with "into" ("came into existence
    on 1 January 1901", "transformed ... into an enemy in 1796"). The date belongs to the whole
    statement, not to the bare verb."""
    if obj.kind != "literal" or obj.datatype not in DATE_DATATYPES:
        return False
    if _half_period(verb):
        return True  # "renovated from 2006 [to 2008]"
    change = verb.lemma_.lower() in CHANGE_VERBS
    return any(c.dep_ in ("dobj", "dative", "attr", "oprd", "xcomp", "ccomp")
               or (change and c.dep_ == "prep" and c.lower_ == "into") for c in verb.children)


def _is_date_word(tok: Token) -> bool:
    return tok.ent_type_ in ("DATE", "TIME") or (tok.like_num and len(tok.text) == 4)


def _half_period(verb: Token) -> bool:
    """"from" one date and "to"/"until" another on the same verb: a period, which a date fact
    cuts in half. Places ("flew from New York to Paris in 1927") are no period."""
    dated = {c.lower_ for c in verb.children if c.dep_ == "prep"
             and any(_is_date_word(o) for o in c.children if o.dep_ == "pobj")}
    return "from" in dated and bool(dated & {"to", "until", "till"})


# Adjectives that say where, not what: "turns west on Main Street", "has been present in
# Germany since 1970" keep their meaning without them.
WHERE_WORDS = frozenset({"north", "south", "east", "west", "northeast", "northwest",
                         "southeast", "southwest", "northward", "southward", "eastward",
                         "westward", "left", "right", "back", "away", "home", "present",
                         "based", "located", "situated", "stationed", "resident"})


# Adverbs that take back part of what the verb says: "partially replaced M-12" is no
# replacement, "nearly captured" no capture.
PARTIAL_ADVERBS = frozenset({"partially", "partly", "nearly", "almost", "half"})


def partly_stated(verb: Token) -> bool:
    """The verb holds only in part: "US 2 partially replaced M-12"."""
    return any(c.dep_ == "advmod" and c.lower_ in PARTIAL_ADVERBS for c in verb.children)


# Verbs whose bare relation says nothing even between two names ("Route 29 | have | Route
# 129", "David Letterman | have | Brad Stevens": 5 train facts, none correct). "make" names a
# maker, "take" a capture.
BARE_BLEACHED = frozenset({"have", "get", "do", "note", "describe", "say", "put"})


def bare_bleached(relation: str, verb: Token | None) -> bool:
    """A bare bleached verb between two names, or a pro-verb "do" with the preposition of the
    verb it stands for ("closer than Mercury does to our Sun")."""
    words = relation.split()
    return relation in BARE_BLEACHED or (
        len(words) == 2 and words[0] == "do" and verb is not None
        and any(c.dep_ == "prep" and c.lower_ == words[1] for c in verb.children))


def adjective_dropped(verb: Token) -> bool:
    """A prepositional fact of a verb whose adjective it leaves out: "Oasis is popular in
    Brazil" -> "be in Brazil" (a place it is not), "Hamas has become rather unpopular in Gaza"
    -> "become in Gaza". The place or time belongs to the adjective's statement."""
    return any(c.dep_ == "acomp" and c.lower_ not in WHERE_WORDS for c in verb.children)


# Words that cannot open or close the rest of a name: "Screenplay Based [on Material]".
_CUT_AT = frozenset({"of", "on", "in", "for", "and", "the", "to", "at", "by", "with", "from", "a"})


def _is_marker(tokens: list[Token]) -> bool:
    return "".join(t.text for t in tokens).lower() in ("<unk>", "unk>", "<unk")


def marker_at(doc: Doc, i: int) -> bool:
    """An unknown-word marker ("<", "unk", ">") starts at token ``i``."""
    return _is_marker(list(doc[i : i + 3]))


def _marker_before(doc: Doc, i: int) -> bool:
    """An unknown-word marker ends right before token ``i``."""
    return i >= 3 and _is_marker(list(doc[i - 3 : i]))


_JOINS = ("of",)


def _after_join(doc: Doc, end: int) -> int:
    """Where the phrase after a name starts once an "of" (and its "the") is passed: "Battle
    [of the] <unk>". ``end`` where no such word follows. ("for" mostly starts a phrase of the
    clause: "left London for <unk>".)"""
    if end < len(doc) and doc[end].lower_ in _JOINS:
        end += 1
        if end < len(doc) and doc[end].lower_ == "the":
            end += 1
    return end


def beside_unknown_word(mention: Mention, doc: Doc) -> bool:
    """An argument written right beside an unknown-word marker: the marker stands for a word
    of the same phrase, mostly the name itself ("Nazi hunter <unk>", "the turret ship <unk>",
    "acclaimed theater director <unk> 's film debut"), or ends a name the "of" after it
    continues ("the Second Battle of <unk>"), so the key names a class or half a name. After a
    person's name "of" tells where they are from ("Daniel Parker of <unk>"), and a marker before
    "of" is mostly a head of its own ("the <unk> of NY 93", "Gustav <unk> of Philadelphia"):
    both keep the fact. (WikiText-2 and other vocabulary-capped corpora write rare words as
    "<unk>".)"""
    if mention.kind not in ("entity", "concept") or mention.resolution is not None:
        return False
    start, end = mention.core
    # (A one-word "person" is often a misread head: "the Battle of <unk> 's Knoll".)
    origin = mention.ent_type == "PERSON" and end - start > 1
    after = end if origin else _after_join(doc, end)
    # A marker as the possessor is a word of the name or says whose thing it is: "<unk> 's
    # Knoll", "<unk> 's wife".
    before = start - 1 if start >= 1 and doc[start - 1].tag_ == "POS" else start
    return marker_at(doc, after) or _marker_before(doc, before)


def unknown_in_relation(relation: str) -> bool:
    """A relation with an unknown-word marker in it ("is an <unk> organisation of"): the
    marker hides the word that says what the relation is."""
    words = relation.split()
    return "unk" in words or "<unk>" in words


_CLAUSE_OPENERS = ("aux", "auxpass", "neg", "advmod")


def clause_has_own_subject(verb: Token) -> bool:
    """A coordinated verb with no subject of its own in the parse, whose clause still opens with
    a word that can only be its subject or shows it is no clause: an unknown-word marker ("...,
    and <unk> rushed for 73 yards": the marker did, not the first clause's subject), a noun the
    parser attached elsewhere, or a preposition ("wins over ranked Wisconsin": a participle
    read as a verb)."""
    opening = [verb, *(c for c in verb.lefts if c.dep_ in _CLAUSE_OPENERS)]
    first = min(t.i for t in opening)
    if first == 0:
        return False
    doc = verb.doc
    before = doc[first - 1]
    # A noun right before the verb that heads no phrase of its own there is the verb's own
    # subject the parser attached elsewhere ("in the spring of <unk> Du Fu and his family
    # sailed"); a time phrase's noun is not ("and in 1990 moved").
    unattached_noun = before.pos_ in ("NOUN", "PROPN", "PRON") and before.dep_ not in (
        "pobj", "npadvmod", "dobj", "attr", "appos", "poss")
    return (before.pos_ == "ADP" and before.lower_ != "to") or unattached_noun or (
        _marker_before(doc, first))


def overlapping_arguments(subject_key: str, object_key: str) -> bool:
    """One argument's key opens the other's and the rest is cut at a function word: a title
    cut in two ("Screenplay Based | based on | Screenplay Based on Material"). A name built on
    another stands: "Agra Airport | be in | Agra", "Audi | make | Audi A1"."""
    shorter, longer = sorted((subject_key, object_key), key=len)
    if not longer.startswith(shorter + " "):
        return False
    rest = longer[len(shorter) + 1:].split()
    return rest[0] in _CUT_AT or rest[-1] in _CUT_AT


def verb_in_name(verb: Token, *mentions: Mention) -> bool:
    """The relation's verb is a word of an argument's name: the parser read a title as a clause
    ("their worldwide [Take] Me Home Tour" -> "take"; "Green-Eyed Monster, [Waking] the Dead":
    "wake")."""
    return any(m.kind == "entity" and m.core[0] <= verb.i < m.core[1] for m in mentions)


def placeholder(*keys: str) -> bool:
    """Corpus placeholders left in a key (WikiText's ``<unk>``, ``codice_13``), or a key cut
    mid-word ("-designated ov-099")."""
    return any(marker in key for key in keys for marker in PLACEHOLDERS) or any(
        key[:1] in HYPHENS for key in keys)


def identity_between_names(rule: str, relation: str, obj: Mention) -> bool:
    """"X is Y" between two names: in the labelled data these were name changes, parts or
    misparses, never identities ("NY 93 is North Ridge Road"). A people's name is a
    nationality or style ("is British"), not an identity."""
    return rule in ("copula", "apposition") and relation in ("is", "is a") and (
        obj.kind == "entity") and obj.ent_type != "NORP"  # "is British": a nationality


# Round 7: again written from the labelled train split only.

def counted_group(head: Token, mention: Mention) -> bool:
    """A count of a people or group, which names some of them, not the group: "64 Australians
    were awarded ...", "after four Democrats crossed party lines". A number inside a name
    ("2 RAR", "One Direction") is not followed by a plural."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    first = head.doc[mention.core[0]]
    return (first.i != head.i and first.ent_type_ == "CARDINAL" and first.dep_ == "nummod"
            and first.head.i == head.i and head.tag_ in ("NNS", "NNPS"))


# Legal suffixes after which "of Tokyo" is a company's seat, not part of its name.
CORPORATE_SUFFIXES = frozenset({"co", "co.", "inc", "inc.", "corp", "corp.", "ltd", "ltd.",
                                "llc", "plc", "ag", "sa"})


def name_continues(mention: Mention, doc: Doc) -> bool:
    """A name the text continues with "of" or "for" and another name, which the NER left out:
    "John [of Salisbury]", "the Meridian Council [for the Arts]", "the State Games [of
    Mississippi]", "the Victoria Cross [for Australia]" (another award than the Victoria
    Cross). A company's seat after its legal suffix is not part of the name ("Chugai
    Pharmaceutical Co. of Tokyo")."""
    if mention.kind != "entity" or mention.resolution is not None:
        return False
    start, end = mention.core
    sent_end = doc[start].sent.end
    if end + 1 >= sent_end or doc[end].lower_ not in ("of", "for"):
        return False
    if not start <= doc[end].head.i < end or doc[end - 1].lower_ in CORPORATE_SUFFIXES:
        return False
    after = doc[end + 1]
    if after.lower_ == "the" and end + 2 < sent_end:
        after = doc[end + 2]
    return after.pos_ == "PROPN" and after.text[:1].isupper()


# Finite forms that say the relative clause's subject is one thing, or several.
_SINGULAR_FORMS = frozenset({"was", "is", "has", "does"})
_PLURAL_FORMS = frozenset({"were", "are", "have", "do"})


def base_form_with_subject(verb: Token) -> bool:
    """"Handcrafted Furry Animals Wholesale, Call for a Catalog NOW!": a main verb in the base
    form right after a comma that follows its singular subject, with no auxiliary, modal or
    "to", is an imperative after a heading, which the parser took for the subject. Not a
    base form under another verb ("helped the district develop"), nor after a plural subject
    the tagger missed ("US 40 and US 50 follow"), nor a past tense spelt like the base form
    after a clause on the subject ("Eisenhower, who was given command, set up ...")."""
    doc = verb.doc
    # A main verb: the root, or a verb the parser hung under the next line's verb.
    if verb.tag_ != "VB" or verb.dep_ not in ("ROOT", "nsubj", "csubj", "dep", "parataxis") or (
            verb.i < 2 or doc[verb.i - 1].text != ",") or any(
            c.dep_ in ("aux", "auxpass") for c in verb.children):
        return False
    subject = doc[verb.i - 2]
    return subject.head == verb and subject.dep_ in ("nsubj", "nsubjpass") and (
        subject.tag_ in ("NN", "NNP")) and not any(c.dep_ == "conj" for c in subject.children)


def verbless_list(sentence: Span, description: Token) -> bool:
    """Items of a title, list or note with no verb ("OK Food, Slow service", "Cozy, warm
    atmosphere, great service."): the commas part items rather than set off an apposition. A
    caption's description has its article or an "of" ("Tim Cook, the chief executive of
    Apple."), which list items lack."""
    return not any(t.pos_ in ("VERB", "AUX") for t in sentence) and not any(
        c.dep_ in ("det", "poss") for c in description.children)


def presentational(verb: Token) -> bool:
    """"Sara Shackleton here is the ISDA draft for Dynegy": an e-mail's greeting and what it
    hands over. "here" right before the copula presents the thing after it; the name before is
    whom the writer addresses, not what the thing is."""
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    return verb.lemma_ == "be" and before is not None and before.lower_ == "here" and (
        before.head == verb)


def relative_mismatch(verb: Token) -> bool:
    """A relative clause ("which ...", "that ...", "who ...") whose subject the parser attached
    to a noun it cannot be: "which" after a person ("a film concentrating on Jinx, which was
    scheduled for ..."), "who" after a place ("headquartered at Victoria Barracks, Sydney who
    originally enlisted"), or a verb whose number disagrees with that noun ("the Beatles and
    Apple Corps, which was placed in receivership"). The fact then has the wrong subject."""
    if verb.dep_ != "relcl":
        return False
    pronouns = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")
                and c.tag_ in ("WDT", "WP")]
    if not pronouns:
        return False
    antecedent = verb.head
    if pronouns[0].lower_ == "which" and antecedent.ent_type_ == "PERSON":
        return True
    if pronouns[0].lower_ == "who" and (antecedent.ent_type_ in ("LOC", "FAC") or (
            antecedent.ent_type_ == "GPE" and antecedent.left_edge.i > 0
            and verb.doc[antecedent.left_edge.i - 1].text == ",")):
        # "Victoria Barracks, Sydney who originally enlisted": the soldiers did. A country
        # after a verb may stand for its team ("Italy beat France, who had won ...").
        return True
    finite = [c for c in verb.children if c.dep_ in ("aux", "auxpass")] + [verb]
    forms = {t.lower_ for t in finite[:1]} | {t.tag_ for t in finite[:1]}
    if antecedent.tag_ in ("NNS", "NNPS"):
        return bool(forms & (_SINGULAR_FORMS | {"VBZ"}))
    if antecedent.tag_ in ("NN", "NNP"):
        return bool(forms & (_PLURAL_FORMS | {"VBP"}))
    return False


# Verbs whose clausal complement is what someone says or thinks (beside assertion.py's
# ATTRIBUTION_VERBS, whose check reads only the clause's own chain of clauses).
SAYING_VERBS = frozenset({"say", "tell", "claim", "report", "state", "write", "announce",
                          "insist", "argue", "believe", "think", "suggest", "allege", "add",
                          "note", "explain", "declare"})
# Nouns whose clause is someone's statement or belief: "my understanding that ...", "an essay
# on how ...".
REPORTING_NOUNS = frozenset({"understanding", "essay", "claim", "belief", "view", "opinion",
                             "report", "rumour", "rumor", "idea", "theory", "argument", "hope",
                             "impression", "assumption", "suggestion", "allegation",
                             "speculation", "letter", "statement"})


def reported_indirectly(verb: Token) -> bool:
    """A statement the text only reports, found through a noun or a phrase: "It is my
    understanding that the Gov will order ...", "an essay on how the UN is accepting ...",
    ""NASA will develop a vehicle derived from boosters," said the letter" (the fact's verb
    is in a phrase inside the reported clause). A relative clause on the way is the writer's
    own description of its noun ("reported that Tennant, who was then the league's adviser,
    ...") and stops the search."""
    node = verb
    for governor in verb.ancestors:
        dep = node.dep_
        if dep == "relcl":
            return False
        if dep == "ccomp" and governor.lemma_.lower() in SAYING_VERBS:
            return True
        if dep in ("ccomp", "pcomp", "acl"):
            nouns = [governor, *(c for c in governor.children if c.dep_ == "attr")]
            if governor.pos_ == "ADP":
                nouns.append(governor.head)
            if any(n.lemma_.lower() in REPORTING_NOUNS for n in nouns):
                return True
        node = governor
    return False
