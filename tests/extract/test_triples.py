"""The extractor on sentences the team wrote, asserting the exact triples."""

from __future__ import annotations

import pytest

from kgprep.extract.keys import find_acronyms
from kgprep.extract.triples import extract_triples


def run(nlp, text: str):
    doc = nlp(text)
    triples, counters = extract_triples(doc)
    return doc, triples, counters


def keys(triples):
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"]) for t in triples]


def test_svo_with_spans(nlp):
    doc, triples, _ = run(nlp, "Marie Curie discovered polonium.")
    assert keys(triples) == [("marie curie", "discover", "polonium")]
    t = triples[0]
    assert doc.text[t["subj"]["start"]:t["subj"]["end"]] == "Marie Curie"
    assert doc.text[t["pred"]["start"]:t["pred"]["end"]] == "discovered"
    assert doc.text[t["obj"]["start"]:t["obj"]["end"]] == "polonium"
    assert t["rule"] == "svo" and 0 < t["confidence"] <= 1
    assert t["negated"] is False and t["modality"] is None and t["attributed_to"] is None


def test_verb_preposition_object_with_time_as_extra_argument(nlp):
    doc, triples, _ = run(nlp, "Obama was born in Hawaii in 1961.")
    assert keys(triples) == [("obama", "born in", "hawaii"),
                             ("obama", "born in", "1961^^xsd:gYear")]
    t = triples[0]
    assert doc.text[t["pred"]["start"]:t["pred"]["end"]] == "was born in"
    assert [(doc.text[a["start"]:a["end"]], a["prep"]) for a in t["extra_args"]] == [
        ("in 1961", "in")
    ]


def test_copula_with_of_phrase(nlp):
    doc, triples, _ = run(nlp, "Paris is the capital of France.")
    assert keys(triples) == [("paris", "capital of", "france")]
    assert doc.text[triples[0]["pred"]["start"]:triples[0]["pred"]["end"]] == "is the capital of"


def test_apposition_gives_its_own_triple(nlp):
    _, triples, _ = run(nlp, "Tim Cook, the CEO of Apple, lives in California.")
    assert sorted(keys(triples)) == [("tim cook", "ceo of", "apple"),
                                     ("tim cook", "live in", "california")]


def test_relative_clause_subject_is_the_antecedent(nlp):
    _, triples, _ = run(nlp, "The company, which makes phones, is based in Cupertino.")
    assert ("company", "make", "phone") in keys(triples)
    assert all(t["subj"]["key"] not in ("which", "that") for t in triples)


def test_conjoined_subjects_and_objects_split(nlp):
    _, triples, _ = run(nlp, "Alice and Bob founded Acme and Initech.")
    assert sorted(keys(triples)) == [("alice", "found", "acme"), ("alice", "found", "initech"),
                                     ("bob", "found", "acme"), ("bob", "found", "initech")]


def test_passive_with_agent_is_stated_actively(nlp):
    _, triples, _ = run(nlp, "The vaccine was developed by Pfizer.")
    assert keys(triples) == [("pfizer", "develop", "vaccine")]
    assert triples[0]["rule"] == "passive_agent"


def test_passives_with_and_without_agent_share_the_relation_key(nlp):
    # Active, passive with agent, passive without agent: one relation key, "develop".
    _, active, _ = run(nlp, "Pfizer developed the vaccine.")
    _, passive, _ = run(nlp, "The vaccine was developed by Pfizer.")
    _, agentless, _ = run(nlp, "The vaccine was developed in Germany.")
    assert keys(active) == keys(passive) == [("pfizer", "develop", "vaccine")]
    # The passive participle keeps the relation readable ("born in", not "bear in").
    assert keys(agentless) == [("vaccine", "developed in", "germany")]


def test_place_and_time_become_extra_arguments(nlp):
    doc, triples, _ = run(nlp, "Pfizer bought Wyeth in New York in 2009.")
    assert keys(triples) == [("pfizer", "buy", "wyeth")]
    extras = [(doc.text[a["start"]:a["end"]], a["prep"]) for a in triples[0]["extra_args"]]
    assert extras == [("in New York", "in"), ("in 2009", "in")]


def test_relative_clause_with_that(nlp):
    _, triples, _ = run(nlp, "Fleming found the mould that killed the bacteria.")
    assert ("mould", "kill", "bacteria") in keys(triples)
    assert ("fleming", "find", "mould") in keys(triples)


def test_auxiliaries_are_in_the_predicate_span_not_the_key(nlp):
    doc, triples, _ = run(nlp, "The bridge has been rebuilt by engineers.")
    assert keys(triples) == [("engineer", "rebuild", "bridge")]
    assert doc.text[triples[0]["pred"]["start"]:triples[0]["pred"]["end"]] == "has been rebuilt"


def test_open_ie_mode_keeps_clauses_intransitives_and_unresolved_pronouns(nlp):
    doc = nlp("This finding indicated that organic compounds could carry current. He slept.")
    graph_only, _ = extract_triples(doc)
    open_ie, counters = extract_triples(doc, open_ie=True)
    rules = {t["rule"] for t in open_ie}
    assert {"clause", "intransitive"} <= rules
    assert all(t["obj"] is not None and t["obj"]["key"] for t in graph_only)
    clause = next(t for t in open_ie if t["rule"] == "clause")
    assert doc.text[clause["pred"]["start"]:clause["pred"]["end"]] == "indicated that"
    assert doc.text[clause["obj"]["start"]:clause["obj"]["end"]] == (
        "organic compounds could carry current")
    assert counters["pronouns_dropped"] == 0


def test_negation_and_modality_are_fields(nlp):
    _, triples, _ = run(nlp, "Aspirin does not cure cancer. Aspirin may reduce fever.")
    assert keys(triples) == [("aspirin", "cure", "cancer"), ("aspirin", "reduce", "fever")]
    assert [t["negated"] for t in triples] == [True, False]
    assert [t["modality"] for t in triples] == [None, "may"]


def test_attribution_is_recorded(nlp):
    _, triples, _ = run(nlp, "Researchers claim that coffee prevents cancer.")
    assert keys(triples) == [("coffee", "prevent", "cancer")]
    assert triples[0]["attributed_to"] == "researcher"  # the speaker, not the verb "claim"
    _, triples, _ = run(nlp, "Reuters reported that Pfizer bought Seagen.")
    assert keys(triples) == [("pfizer", "buy", "seagen")]
    assert triples[0]["attributed_to"] == "reuters"
    assert triples[0]["no_edge_reason"] == "reported"  # a claim, not a fact of the graph


def test_pronoun_resolves_to_the_last_person(nlp):
    doc, triples, _ = run(nlp, "Marie Curie discovered polonium. She won the Nobel Prize.")
    assert keys(triples)[1] == ("marie curie", "win", "nobel prize")
    assert doc.text[triples[1]["subj"]["start"]:triples[1]["subj"]["end"]] == "She"


def test_unresolvable_pronoun_is_dropped_and_counted(nlp):
    _, triples, counters = run(nlp, "He painted the fence.")
    assert triples == []
    assert counters["pronouns_dropped"] == 1


def test_acronym_shares_the_long_form_key(nlp):
    doc, triples, _ = run(
        nlp, "The Food and Drug Administration (FDA) approved the drug. The FDA regulates vaccines."
    )
    assert find_acronyms(doc) == {"fda": "food and drug administration"}
    assert {t["subj"]["key"] for t in triples} == {"food and drug administration"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("The old stone bridges crossed rivers.", "old stone bridge"),
     ("My brother's car hit a wall.", "car")],
)
def test_keys_keep_compounds_and_adjectives_and_drop_determiners(nlp, text, expected):
    _, triples, _ = run(nlp, text)
    assert triples[0]["subj"]["key"] == expected


def _reference_full_span(head) -> tuple[int, int]:
    """full_span's definition on spaCy Tokens: the head's subtree without the excluded
    dependents, the contiguous run around the head, punctuation trimmed at both ends."""
    from kgprep.extract.arguments import SPAN_EXCLUDED, SPAN_EXCLUDED_BELOW

    allowed = set()

    def walk(tok, excluded) -> None:
        allowed.add(tok.i)
        for child in tok.children:
            if child.dep_ not in excluded:
                walk(child, SPAN_EXCLUDED_BELOW)

    walk(head, SPAN_EXCLUDED)
    start = end = head.i
    while start - 1 in allowed:
        start -= 1
    while end + 1 in allowed:
        end += 1
    while start < end and head.doc[start].is_punct:
        start += 1
    while end > start and head.doc[end].is_punct:
        end -= 1
    return start, end + 1


def test_document_index_matches_token_level_definitions(nlp):
    """The array-built index finds the same tokens and full spans as walking spaCy Tokens."""
    from kgprep.extract.arguments import DocIndex, full_span

    text = ("The Food and Drug Administration (FDA), a US agency, approved the drug, which "
            "doctors and nurses had wanted. It is the capital of France and Spain. "
            "Paris, the city of lights, was founded by the Parisii, who fished, in 250 BC. "
            "She said that he would not come, but Ada Lovelace wrote the first program.")
    doc = nlp(text)
    index = DocIndex.of(doc)
    assert index.predicates == [t.i for t in doc if t.pos_ == "VERB" or (
        t.pos_ == "AUX" and (t.dep_ == "ROOT" or any(c.dep_ == "attr" for c in t.children)))]
    assert index.subjects == [t.i for t in doc if t.dep_ in ("nsubj", "nsubjpass")
                              and t.pos_ in ("NOUN", "PROPN")]
    assert index.appositions == [t.i for t in doc if t.dep_ == "appos"
                                 and t.head.pos_ in ("NOUN", "PROPN")]
    assert {i for i in index.has_conjuncts if doc[i].dep_ != "conj"} == {
        t.i for t in doc if t.dep_ != "conj" and t.conjuncts}
    assert index.appositions and index.has_conjuncts  # the text exercises both
    for head in doc:
        span = full_span(head, index)
        assert (span.start, span.end) == _reference_full_span(head), head.text


def test_document_index_reads_sentences_as_spacy_does(nlp):
    """The index's per-sentence entities, commas and quote marks are what spaCy's own
    ``Span.ents`` and a token walk give, also for an entity that runs past its sentence's end
    (``Span.ents`` stops at the first such entity)."""
    from spacy.tokens import Doc

    from kgprep.extract.arguments import QUOTE_MARKS, DocIndex, in_sentence

    words = ["Ada", "met", "Bob", "in", "New", "York", ".", "City", "Hall", ",", "\u201c",
             "Paris", "\u201d", "and", "``", "Rome", "''", "wait", "."]
    sent_starts = [True] + [False] * 6 + [True] + [False] * 11
    ents = ["B-PERSON", "O", "B-PERSON", "O", "B-GPE", "I-GPE", "I-GPE", "I-GPE", "O", "O",
            "O", "B-GPE", "O", "O", "O", "B-GPE", "O", "O", "O"]
    doc = Doc(nlp.vocab, words=words, sent_starts=sent_starts, ents=ents)
    index = DocIndex.of(doc)
    sentences = list(doc.sents)
    assert len(sentences) == 2 and doc.ents[2].end > sentences[0].end  # the case under test
    for sent in sentences:
        assert index.sentence_ents(sent) == tuple(sent.ents)
        assert in_sentence(index.commas, sent) == [t.i for t in sent if t.text == ","]
        assert in_sentence(index.quote_marks, sent) == [t.i for t in sent
                                                        if t.text in QUOTE_MARKS]
    assert len(index.quote_marks) == 4


# Graph facts: triples whose arguments both identify something and that the text asserts.
def facts(triples):
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"]) for t in triples
            if t["no_edge_reason"] is None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A place and its state, a list, a parenthesised year: commas and brackets, no apposition
        # (the place and its state give a place-chain fact instead).
        ("Muhammad Ali was born in Louisville, Kentucky, in 1942.",
         [("muhammad ali", "born in", "louisville"), ("muhammad ali", "born in", "1942^^xsd:gYear"),
          ("louisville", "located in", "kentucky")]),
        ("She visited Paris, Rome, and Berlin.", []),
        ("Royal Rumble (2003) was held in Boston.", [("royal rumble", "held in", "boston")]),
        # A descriptive apposition: an implicit "is a" with no surface token.
        ("Du Fu, a Chinese poet, visited Chang'an.",
         [("du fu", "visit", "chang'an"), ("du fu", "is a", "chinese poet")]),
        ("Barack Obama, the president of the United States, visited Paris.",
         [("barack obama", "visit", "paris"), ("barack obama", "president of", "united states")]),
        # A plural or group description after coordinated names describes them all.
        ("Jim Smith and Jim Berkley , a gay couple , welcome Lester Burnham .",
         [("jim smith", "welcome", "lester burnham"),
          ("jim berkley", "welcome", "lester burnham")]),
    ],
)
def test_appositions_only_where_a_description_is_set_off(nlp, text, expected):
    _, triples, _ = run(nlp, text)
    assert facts(triples) == expected


def test_implicit_relation_has_an_empty_predicate_span(nlp):
    _, triples, _ = run(nlp, "Du Fu, a Chinese poet, visited Chang'an.")
    (appos,) = [t for t in triples if t["rule"] == "apposition"]
    assert appos["pred"]["start"] == appos["pred"]["end"]


def test_time_is_not_the_object_and_the_complement_is(nlp):
    _, triples, _ = run(nlp, "Ned Yost was named manager of the Royals on May 13.")
    assert facts(triples) == [("ned yost", "named manager of", "royals")]


def test_passive_agent_is_stated_actively_with_the_active_key(nlp):
    _, triples, _ = run(nlp, "Snow White was produced by Walt Disney Productions.")
    assert facts(triples) == [("walt disney productions", "produce", "snow white")]


def test_reduced_relative_with_agent_is_stated_actively(nlp):
    # "Microsoft, founded by Bill Gates, ...": the participle is passive without "was".
    _, triples, _ = run(nlp, "Microsoft, founded by Bill Gates, is based in Redmond.")
    assert facts(triples) == [("bill gates", "found", "microsoft"),
                              ("microsoft", "based in", "redmond")]
    assert triples[0]["rule"] == "passive_agent"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("The company, Caterpillar Inc., was founded in California.",
      [("caterpillar inc.", "founded in", "california")]),
     ("Armin van Buuren works with the musician Andrew Rayel.",
      [("armin van buuren", "work with", "andrew rayel")])],
)
def test_a_description_stands_for_the_name_beside_it(nlp, text, expected):
    _, triples, _ = run(nlp, text)
    assert facts(triples) == expected
    described = triples[0]["subj"] if "caterpillar" in text.lower() else triples[0]["obj"]
    assert described["resolution"] == "appositive"


def test_a_description_before_its_name_gives_the_apposition_fact(nlp):
    _, triples, _ = run(nlp, "The CEO of Apple, Tim Cook, lives in California.")
    assert sorted(facts(triples)) == [("tim cook", "ceo of", "apple"),
                                      ("tim cook", "live in", "california")]


@pytest.mark.parametrize(
    "text",
    # A name of another type than the description can refer to: the film, not the city.
    ["He was inspired by how the film Paris , Texas ( 1984 ) presented America .",
     # Coordinated names: no "is a", and no one name stands for the description.
     "The company is funded by the two space businessmen, Walter Kistler and Bob Citron.",
     # A list with a name among its items.
     "Supplements include green tea extract, CLA, chromium and fiber."],
)
def test_no_name_stands_for_a_description_of_another_type_or_a_list(nlp, text):
    _, triples, _ = run(nlp, text)
    assert all(t["subj"]["resolution"] != "appositive" for t in triples)
    assert [t for t in triples if t["rule"] == "apposition"] == []


@pytest.mark.parametrize(
    "text",
    ["Sonic the Hedgehog was developed by Sonic Team and published by Sega.",
     "Sonic the Hedgehog is a video game developed by Sonic Team and published by Sega."],
)
def test_a_participle_coordinated_with_a_passive_is_passive(nlp, text):
    # "and published by Sega": Sega published the game; the game published nothing.
    _, triples, _ = run(nlp, text)
    assert [k for k in facts(triples) if k[1] != "is a"] == [
        ("sonic team", "develop", "sonic the hedgehog"),
        ("sega", "publish", "sonic the hedgehog")]


def test_a_participle_with_its_own_perfect_auxiliary_stays_active(nlp):
    _, triples, _ = run(nlp, "Google was founded by Larry Page and has acquired YouTube.")
    assert facts(triples) == [("larry page", "found", "google"), ("google", "acquire", "youtube")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Snow White is a film produced by Walt Disney Productions.",
      [("walt disney productions", "produce", "snow white")]),
     ("Paris is a city that lies on the Seine.", [("paris", "lie on", "seine")])],
)
def test_a_clause_on_the_class_noun_describes_the_subject(nlp, text, expected):
    # "X is a Y produced by Z": Z produced X; the class noun "film" is no argument.
    _, triples, _ = run(nlp, text)
    assert facts(triples) == expected


@pytest.mark.parametrize(
    "text",
    ["Snow White is not a film produced by Pixar Animation Studios.",
     "Snow White might be a film produced by Pixar Animation Studios.",
     "Smith said that Snow White is a film produced by Pixar Animation Studios."],
)
def test_a_denied_or_reported_class_lends_no_subject(nlp, text):
    _, triples, _ = run(nlp, text)
    assert ("pixar animation studios", "produce", "snow white") not in keys(triples)
    assert facts(triples) == []


def test_a_relative_pronoun_after_a_comma_does_not_take_the_copula_subject(nlp):
    # After a comma "which" may stand for the whole clause: Richmond is no industry trend.
    # (WikiText-2 valid, tokenised as there.)
    _, triples, _ = run(nlp, "Tim Richmond was one of the first drivers to change from open "
                             "wheel racing to <unk> stock cars full-time , which has since "
                             "become an industry trend .")
    assert [t for t in triples if t["obj"]["key"] == "industry trend"
            and t["subj"]["key"] == "tim richmond"] == []


def test_a_participle_after_a_comma_still_describes_the_copula_subject(nlp):
    _, triples, _ = run(nlp, "Crybaby is an album by the Melvins, released through Ipecac "
                             "Recordings in 2000.")
    assert ("crybaby", "released through", "ipecac recordings") in facts(triples)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Smith hoped that Pfizer would buy Seagen.", "hypothetical"),
     ("Smith recommended that Pfizer buy Seagen.", "hypothetical"),
     ("Analysts asked whether Pfizer bought Seagen.", "question"),
     ("If Pfizer buys Seagen, prices will rise.", "conditional"),
     ("Reuters reported that Pfizer bought Seagen.", "reported")],
)
def test_unasserted_clauses_give_no_fact(nlp, text, reason):
    _, triples, _ = run(nlp, text)
    assert [(keys([t])[0], t["no_edge_reason"]) for t in triples] == [
        (("pfizer", "buy", "seagen"), reason)]


def test_negation_and_modality_are_fields_of_one_relation(nlp):
    _, negated, _ = run(nlp, "Pfizer did not buy Seagen.")
    _, modal, _ = run(nlp, "Pfizer may buy Seagen.")
    assert keys(negated) == keys(modal) == [("pfizer", "buy", "seagen")]
    assert negated[0]["negated"] is True and modal[0]["modality"] == "may"


def test_identity_keys_keep_whole_names_and_named_possessors(nlp):
    _, triples, _ = run(nlp, "The Industrial Bank of Japan lent money to Giant Bicycle Inc.")
    assert triples[0]["subj"]["key"] == "industrial bank of japan"
    assert triples[0]["subj"]["name"] == "Industrial Bank of Japan"
    # "money" alone identifies nothing; with the verb it says the relation.
    assert (triples[0]["pred"]["key"], triples[0]["obj"]["key"]) == ("lend money to",
                                                                     "giant bicycle inc.")
    assert triples[0]["no_edge_reason"] is None
    _, triples, _ = run(nlp, "Mrs. Marcos's trial began in New York.")
    assert keys(triples) == [("marcos's trial", "begin in", "new york")]
    # The graph is entity-centric: a concept, even a specific one, is no subject of a fact.
    assert triples[0]["no_edge_reason"] == "subject:concept"


def test_short_name_and_description_resolve_to_the_full_name(nlp):
    _, triples, _ = run(nlp, "Barack Obama visited Paris. Obama met Angela Merkel in Berlin.")
    second = triples[1]["subj"]
    assert (second["key"], second["mention"], second["name"], second["resolution"]) == (
        "barack obama", "Obama", "Barack Obama", "short_name")
    _, triples, _ = run(nlp, "Giant Bicycle Inc. opened a factory in Kunshan. "
                             "The company hired Lee Chen.")
    subj = triples[-1]["subj"]
    assert (subj["key"], subj["mention"], subj["resolution"]) == (
        "giant bicycle inc.", "company", "description")
    _, triples, _ = run(nlp, "The company hired Lee Chen.")
    assert triples[0]["no_edge_reason"] == "subject:unresolved"


def test_a_surname_after_an_article_particle_joins_the_full_name(nlp):
    # Seen in UD EWT: "Zarqawi" and "Abu Musab al-Zarqawi" were two nodes of one document.
    _, triples, _ = run(nlp, "Abu Musab al-Zarqawi leads the group. Zarqawi is a Jordanian.")
    subj = triples[-1]["subj"]
    assert (subj["key"], subj["resolution"]) == ("abu musab al-zarqawi", "short_name")


def test_a_first_name_joins_the_one_full_name_that_starts_with_it(nlp):
    _, triples, _ = run(nlp, "Elliot See was born in Dallas. Elliot died in St. Louis.")
    subj = triples[-1]["subj"]
    assert (subj["key"], subj["mention"], subj["resolution"]) == (
        "elliot see", "Elliot", "first_name")
    assert triples[-1]["no_edge_reason"] is None
    # Two people of the document share the first name: it says neither.
    _, triples, _ = run(nlp, "George Bush met George Washington in Paris. George died in 1799.")
    subj = triples[-1]["subj"]
    assert (subj["key"], subj["resolution"], triples[-1]["no_edge_reason"]) == (
        "george", None, "subject:lone_name")


def test_ambiguous_pronoun_is_not_resolved(nlp):
    _, triples, counters = run(nlp, "Tom Smith met John Brown in Paris. He praised Kunshan.")
    assert facts(triples) == [("tom smith", "meet", "john brown")]
    assert counters["pronouns_dropped"] == 1


def test_date_beside_a_place_is_a_literal_fact_of_its_own(nlp):
    _, triples, _ = run(nlp, "Marie Curie was born in Warsaw on 7 November 1867.")
    assert facts(triples) == [("marie curie", "born in", "warsaw"),
                              ("marie curie", "born on", "1867-11-07^^xsd:date")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Aarhus Airport has a runway length of 2702.0.",
      [("aarhus airport", "runway length of", "2702.0^^xsd:decimal")]),
     # A bleached relation with no attribute reading gives no fact.
     ("Pfizer has a large laboratory.", [])],
)
def test_have_with_an_attribute(nlp, text, expected):
    _, triples, _ = run(nlp, text)
    assert facts(triples) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Microsoft may have bought Nokia.", "hedged"),
     ("Zelda Smith and Lugo Lozano moved to Paris.", None),
     ("General visited Paris.", "subject:generic"),
     ("The 17th Army landed in Java.", None)],
)
def test_hedges_titles_and_numbered_names(nlp, text, reason):
    _, triples, _ = run(nlp, text)
    assert triples and all(t["no_edge_reason"] == reason for t in triples)


def test_dates_and_measures_are_typed_literals(nlp):
    _, triples, _ = run(nlp, "The tower was completed in 1889.")
    assert triples[0]["no_edge_reason"] == "subject:unresolved"
    _, triples, _ = run(nlp, "The Eiffel Tower was completed in 1889.")
    (fact,) = triples
    assert (fact["subj"]["key"], fact["pred"]["key"]) == ("eiffel tower", "completed in")
    obj = fact["obj"]
    assert (obj["kind"], obj["value"], obj["datatype"]) == ("literal", "1889", "xsd:gYear")


def reasons(triples):
    return [(t["subj"]["key"], t["pred"]["key"], t["obj"]["key"], t["no_edge_reason"])
            for t in triples if t["obj"] is not None]


@pytest.mark.parametrize(("text", "expected"), [
    # A name the NER cut out of a longer one identifies something else.
    ("The Australian and New Zealand Army Corps landed at Anzac Cove.",
     [("new zealand army corps", "land at", "anzac cove", "subject:truncated_name")]),
    # ... and a title word joined by a hyphen is no title, so nothing is cut (eighth session).
    ("Gen-Probe Inc. acquired Chugai Pharmaceutical.",
     [("gen-probe inc.", "acquire", "chugai pharmaceutical", None)]),
    ("The Board of Muslim clerics promised immediate revenge.",
     [("board of muslim", "promise", "immediate revenge", "subject:truncated_name")]),
    # A generic-sounding name narrowed by a place the key lost.
    ("The Administrative Court in Berlin ruled against the ministry of finance.",
     [("administrative court", "rule against", "ministry of finance",
       "subject:narrowed_name")]),
    # One common word written as a name.
    ("The House adopted the Clean Air Act.",
     [("house", "adopt", "clean air act", "subject:generic_name")]),
    # ... also after "a" or "an", which no name takes (tenth session).
    ("I read an Article in Time magazine accusing the Iranian Government of starting a war.",
     [("article", "accuse", "iranian government", "subject:generic_name")]),
    # Part of a group said of the whole.
    ("Some Australians joined the Royal Navy.",
     [("australians", "join", "royal navy", "subject:quantified")]),
    # "the first X" with nothing saying among what.
    ("KOMO is the first television station.",
     [("komo", "is", "first television station", "object:incomplete_rank")]),
    # "X is Y" between two names: a name change or a part, not an identity.
    ("NY 93 is North Ridge Road.",
     [("ny 93", "is a", "north ridge road", "identity_between_names")]),
    # A relation that lost its content; "French West Africa" keeps the people's adjective the
    # NER cut from it (it was refused as a truncated name before).
    ("The Republic of Chad was part of French West Africa until 1960.",
     [("republic of chad", "be until", "1960^^xsd:gYear", "empty_relation"),
      ("republic of chad", "part of", "french west africa", None)]),
    ("Asahi became a training ship in 1914.",
     [("asahi", "become in", "1914^^xsd:gYear", "empty_relation"),
      ("asahi", "is a", "training ship", None)]),
    # A condition opened by an inverted auxiliary is not asserted.
    ("Had the Egyptians attacked Gibraltar, the British would have lost.",
     [("egyptians", "attack", "gibraltar", "conditional")]),
    # Positive controls: the checks leave plain facts alone.
    ("Chad is part of Africa.", [("chad", "part of", "africa", None)]),
    ("George Bush was in Santiago.", [("george bush", "be in", "santiago", None)]),
    ("Sheikh Ahmed Yassin founded Hamas.", [("ahmed yassin", "found", "hamas", None)]),
    ("Tom Smith met John Brown in Paris.", [("tom smith", "meet", "john brown", None)]),
    ("Paul Jones is originally from Boston.", [("paul jones", "be from", "boston", None)]),
    ("Paul Jones is British.", [("paul jones", "is a", "british", None)]),
    # What was told or described is in a complement the fact would lose.
    ("John Lennon told Ringo Starr to leave the band.",
     [("john lennon", "tell", "ringo starr", "content_lost")]),
    ("Jon Dolan described Kiss You as a highlight.",
     [("jon dolan", "describe", "kiss you", "content_lost")]),
    # Asked to do it is not doing it (object control), and keys that open each other.
    ("Mary Smith asked Tom Brown to visit Paris.",
     [("mary smith", "ask", "tom brown", "content_lost")]),
    # What an order, a classification or an open complement says of the object is the fact;
    # an "as" that says what the subject was is not.
    ("The Eighth Army ordered the 19th Infantry Regiment to move south.",
     [("eighth army", "order", "19th infantry regiment", "content_lost")]),
    ("The JMA classified the pressure area as a tropical depression.",
     [("jma", "classify", "pressure area", "content_lost")]),
    ("The Far East Command requested the US Navy to join the attack.",
     [("far east command", "request", "us navy", "content_lost")]),
    ("Tom Bradley joined the Midland Railway as a junior clerk.",
     [("tom bradley", "join", "midland railway", None)]),
    ("Barack Obama visited Paris as president.", [("barack obama", "visit", "paris", None)]),
    ("The Best Picture Award was based on the Best Picture Award of the Academy.",
     [("best picture award", "based on", "best picture award of the academy",
       "overlapping_arguments")]),
    # An "and" after the "of" of one name joins nothing; two names joined by "and" that the
    # NER took as one are one refused record, not one per conjunct.
    ("Jim Baker heads the Kentucky Association of Science Educators and Skeptics.",
     [("jim baker", "head", "kentucky association of science educators and skeptics", None)]),
    ("JTWC and PAGASA monitored the storm.",
     [("jtwc and pagasa", "monitor", "storm", "subject:coordinated")]),
    # ... but an "and" that joins a name before its "of" to another name joins two names.
    ("The Duke of York and Prince Harry visited Canada.",
     [("duke of york and prince harry", "visit", "canada", "subject:coordinated"),
      ("harry", "visit", "canada", "subject:lone_name")]),
    # Degree, praise and comparison do not specify a thing; a term's modifier does.
    ("Hurricane Katrina caused significant damage.",
     [("hurricane katrina", "cause", "significant damage", "object:generic")]),
    ("The Royal Navy returned with a larger force.",
     [("royal navy", "return with", "larger force", "object:generic")]),
    ("Mary Smith is an excellent host.",
     [("mary smith", "is a", "excellent host", "object:generic")]),
    ("Hurricane Katrina caused structural damage.",
     [("hurricane katrina", "cause", "structural damage", None)]),
    ("The Royal Navy sank a heavy cruiser.", [("royal navy", "sink", "heavy cruiser", None)]),
    ("Murray Gell-Mann studied the strong force.",
     [("murray gell-mann", "study", "strong force", None)]),
    ("NASA observed a massive star.", [("nasa", "observe", "massive star", None)]),
    # A name built on another is a different thing: the airport in its city, the car its maker.
    ("Agra Airport is in Agra.", [("agra airport", "be in", "agra", None)]),
    ("The Audi A1 is made by Audi.", [("audi", "make", "audi a1", None)]),
    # A bare number as the direct object: the counted noun was left out. A value a
    # preposition introduces stands ("fell to 825").
    ("France converted 28 of its ships.",
     [("france", "convert", "28^^xsd:decimal", "object:bare_count")]),
    ("The Dow Jones fell to 825.", [("dow jones", "fall to", "825^^xsd:decimal", None)]),
    ("Mary Smith worked at the Supreme Court of Canada in Ottawa.",
     [("mary smith", "work at", "supreme court of canada", None)]),
])
def test_precision_checks(nlp, text, expected):
    _, triples, _ = run(nlp, text)
    assert reasons(triples) == expected


def test_placeholder_keys_give_no_fact():
    from kgprep.extract.edge_checks import placeholder

    assert placeholder("plan 9", "provide", "codice_13 file system")
    assert placeholder("chad", "< unk > country in", "africa")
    assert not placeholder("chad", "part of", "africa")


def test_a_corpus_gap_subject_ends_the_pronoun_topic(nlp):
    """"... and <unk> decided ... He bought": "he" is most likely the unnamed person."""
    text = ("Alexander Hamilton founded the Bank of the United States. Hamilton recruited in "
            "Boston , and <unk> decided to move . He bought Liberty Bonds.")
    _, triples, _ = run(nlp, text)
    assert [k for k in keys(triples) if k[1] == "buy"] == []
    _, triples, _ = run(nlp, "Alexander Hamilton founded the Bank of the United States. "
                             "He bought Liberty Bonds.")
    assert ("alexander hamilton", "buy", "liberty bonds") in keys(triples)


def test_a_ship_name_alone_is_the_ship(nlp):
    _, triples, _ = run(nlp, "CSS Virginia was built in 1862. Virginia sank the USS Cumberland.")
    assert ("css virginia", "sink", "uss cumberland") in keys(triples)
