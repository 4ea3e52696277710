"""The triple record the extractor produces, as typed dictionaries.

These are the rows of the ``triples`` column of ``extract/part-*.parquet`` (README, "Extract
records"); Arrow stores them as structs with these fields.
"""

from __future__ import annotations

from typing import TypedDict


class ArgumentRecord(TypedDict):
    start: int  # character span of the whole argument in the document
    end: int
    head_start: int  # character span of the name or phrase that identifies it
    head_end: int
    key: str  # identity key: a name as written, lower-cased; a typed value for literals
    type: str  # NER label, PRON, CONCEPT, ...
    kind: str  # entity | concept | literal, or why it identifies nothing
    mention: str  # the text as written in the sentence
    name: str  # the surface name labels are made of ("Du Fu" for a resolved "he")
    # how the key was found: pronoun | short_name | first_name | acronym | description |
    # appositive | called
    resolution: str | None
    value: str | None  # a literal's value
    datatype: str | None  # a literal's XSD datatype ("xsd:gYear")
    unit: str | None  # a quantity's unit


class PredicateRecord(TypedDict):
    start: int  # an implicit relation ("X, a poet,") has an empty span
    end: int
    lemma: str
    key: str  # readable relation key ("born in"), the same for both voices
    label: str


class ExtraArgumentRecord(TypedDict):
    start: int
    end: int
    prep: str


class _TripleFields(TypedDict):
    sentence: int  # index of the sentence in the document
    subj: ArgumentRecord
    pred: PredicateRecord
    obj: ArgumentRecord | None  # None only in open-IE mode (intransitive predicates)
    extra_args: list[ExtraArgumentRecord]
    negated: bool
    modality: str | None
    attributed_to: str | None  # the speaker's key for reported speech
    confidence: float
    rule: str
    no_edge_reason: str | None  # why it gives no graph fact; None: a fact


class TripleRecord(_TripleFields, total=False):
    features: dict[str, float]  # only with keep_features (training the model); not stored
