"""Triple confidence: a logistic model over parse features, learned from labelled triples.

The model ships in the package (``kgprep/models/confidence.json``: one weight per feature and a
bias, Platt-calibrated) and is re-trained by ``python -m kgprep.confidence_train`` from
``data/labels/``. Applying it needs no scikit-learn: a sum of weights and a logistic function.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported only where documents are parsed
    from spacy.tokens import Token

    from kgprep.extract.mentions import Mention

MODEL_RESOURCE = "confidence.json"


def _length_bucket(n: int) -> str:
    return "1" if n <= 1 else "2" if n == 2 else "3-4" if n <= 4 else "5+"


@dataclass(frozen=True)
class SentenceShape:
    """What the features read of the whole sentence, counted once per sentence, not per
    triple."""

    tokens: int
    commas: int
    names: int


def triple_features(rule: str, subj: Mention, obj: Mention | None, sentence: SentenceShape,
                    negated: bool, modality: str | None, verb: Token | None,
                    subj_head: Token | None = None, obj_head: Token | None = None
                    ) -> dict[str, float]:
    """Sparse features of one triple: indicator names -> 1.0, plus a few scaled numbers."""
    sentence_tokens = sentence.tokens
    features: dict[str, float] = {f"rule={rule}": 1.0}
    if subj.resolution == "pronoun" and subj_head is not None:
        features[f"subj_pronoun={subj_head.lower_}"] = 1.0
    # Parse difficulty: commas and names crowd a sentence; far arguments are misattached.
    features[f"commas={_length_bucket(sentence.commas + 1)}"] = 1.0
    features[f"names={_length_bucket(sentence.names + 1)}"] = 1.0
    if verb is not None:
        for side, head in (("subj", subj_head), ("obj", obj_head)):
            if head is not None:
                features[f"{side}_distance={_length_bucket(abs(head.i - verb.i))}"] = 1.0
        features[f"verb_root={verb.dep_ == 'ROOT'}"] = 1.0
    if obj_head is not None and obj is not None and obj.kind == "concept":
        dets = [c.lower_ for c in obj_head.lefts if c.dep_ == "det"]
        features[f"obj_det={dets[0] if dets else 'none'}"] = 1.0
    for side, m in (("subj", subj), ("obj", obj)):
        if m is None:
            features[f"{side}=none"] = 1.0
            continue
        features[f"{side}_kind={m.kind}"] = 1.0
        features[f"{side}_type={m.ent_type}"] = 1.0
        features[f"{side}_resolution={m.resolution or 'none'}"] = 1.0
        features[f"{side}_len={_length_bucket(m.core[1] - m.core[0])}"] = 1.0
        # A one-word person is a lone surname, a one-word place is usually enough: the type
        # decides what a short key is worth.
        features[f"{side}_type_words={m.ent_type}|{min(len(m.key.split()), 3)}"] = 1.0
        if m.datatype:
            features[f"{side}_datatype={m.datatype}"] = 1.0
    features["sentence_len"] = min(sentence_tokens, 80) / 40.0
    if negated:
        features["negated"] = 1.0
    if modality:
        features["modal"] = 1.0
    if verb is not None:
        features[f"verb_dep={verb.dep_}"] = 1.0
        features[f"verb_tag={verb.tag_}"] = 1.0
    if subj is not None and obj is not None:
        features[f"pair={subj.kind}-{obj.kind}"] = 1.0
    return features


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic model whose Platt calibration is folded into its weights and bias: the
    logistic of the weighted sum is already the calibrated probability of a correct fact."""

    weights: dict[str, float]
    bias: float
    source: str = ""

    def confidence(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * v for name, v in features.items())
        return round(1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))), 4)

    def to_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": dict(sorted(self.weights.items())),
                "source": self.source}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfidenceModel:
        return cls({k: float(v) for k, v in data["weights"].items()}, float(data["bias"]),
                   data.get("source", ""))

    @classmethod
    def default(cls) -> ConfidenceModel:
        return _shipped_model()


@lru_cache(maxsize=1)
def _shipped_model() -> ConfidenceModel:
    text = resources.files("kgprep.models").joinpath(MODEL_RESOURCE).read_text("utf-8")
    return ConfidenceModel.from_json(json.loads(text))
