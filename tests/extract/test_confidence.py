"""The confidence model and the labelled graph facts it is fitted on."""

from __future__ import annotations

import json

import pytest

from kgprep.confidence_train import (
    LABELS,
    LABELS_DIR,
    curve,
    labelled,
    read_jsonl,
    reliability,
    split_of,
)
from kgprep.extract.confidence import ConfidenceModel


def test_confidence_is_the_logistic_of_the_weighted_sum_and_round_trips():
    model = ConfidenceModel({"rule=svo": 2.0, "sentence_len": -1.0}, -2.0)
    assert model.confidence({"rule=svo": 1.0}) == pytest.approx(0.5)
    assert model.confidence({"rule=svo": 1.0, "sentence_len": 2.0}) == pytest.approx(0.1192,
                                                                                      abs=1e-4)
    assert model.confidence({"unknown": 1.0}) == pytest.approx(0.1192, abs=1e-4)
    again = ConfidenceModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again == model


def test_fit_is_calibrated_out_of_fold_and_recommends_a_cut_only_when_it_ranks():
    """On rows whose true chance of being correct is known, the fitted confidence matches it:
    facts given about 0.8 are correct about 80% of the time."""
    import random

    from kgprep.confidence_train import fit

    rng = random.Random(3)
    rows = []
    for n in range(1200):
        kind = n % 3  # three kinds of fact, correct 20%, 50% and 85% of the time
        chance = (0.2, 0.5, 0.85)[kind]
        rows.append({"split": "train", "features": {f"kind={kind}": 1.0},
                     "label": "correct" if rng.random() < chance else "wrong"})
    rows.append({"split": "heldout", "features": {"kind=0": 1.0}, "label": "correct"})
    model, threshold = fit(rows)
    assert "1200 labelled train-split triples" in model.source
    for kind, chance in enumerate((0.2, 0.5, 0.85)):
        assert model.confidence({f"kind={kind}": 1.0}) == pytest.approx(chance, abs=0.06)
    assert threshold in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8)  # the cut keeps only the 85% kind
    noise = [{**r, "features": {"same": 1.0}} for r in rows]
    assert fit(noise)[1] == 0.0  # a model that cannot rank recommends keeping every fact


def test_shipped_model_is_fitted_and_sets_the_default_threshold():
    from importlib import resources

    from kgprep.core.config import GraphConfig

    model = ConfidenceModel.default()
    assert "train-split" in model.source and "Platt calibration" in model.source
    shipped = json.loads(resources.files("kgprep.models").joinpath("confidence.json").read_text())
    # The config default is the fit's recommendation, never a value read off the held-out set.
    assert GraphConfig().min_confidence == shipped["recommended_min_confidence"]


def test_labelled_set_is_complete_split_by_document_and_large_enough():
    pool = read_jsonl(LABELS_DIR / "pool.jsonl")
    rows = labelled()
    assert len(rows) == len(pool)  # every graph fact the current rules find has a label
    assert len(read_jsonl(LABELS_DIR / "labels.jsonl")) >= 400
    assert {r["label"] for r in rows} <= set(LABELS)
    for r in rows:
        assert r["split"] == split_of(r["doc_id"])
    held = {r["doc_id"] for r in rows if r["split"] == "heldout"}
    train = {r["doc_id"] for r in rows if r["split"] == "train"}
    assert held and train and not held & train
    sources = {r["source"] for r in rows}
    assert sources == {"wikitext", "ud_ewt", "carb"}


def test_curve_counts_precision_and_yield():
    model = ConfidenceModel({"good": 4.0}, 0.0)
    rows = [{"features": {"good": 1.0}, "label": "correct"},
            {"features": {"good": 1.0}, "label": "wrong"},
            {"features": {}, "label": "useless"}]
    points = {t: (p, y, n) for t, p, y, n in curve(rows, 10, model)}
    assert points[0.0] == (pytest.approx(1 / 3), pytest.approx(0.3), 3)
    assert points[0.9] == (pytest.approx(0.5), pytest.approx(0.2), 2)


def test_auc_lower_bound_separates_a_ranking_from_noise():
    import numpy as np

    from kgprep.confidence_train import auc_lower_bound

    y = np.array([0, 1] * 60)
    ranking = y * 0.6 + np.linspace(0, 0.5, len(y))  # mostly ordered by the label
    noise = np.random.default_rng(1).random(len(y))
    assert auc_lower_bound(y, ranking) > 0.7
    assert auc_lower_bound(y, noise) <= 0.5
    assert auc_lower_bound(y, ranking) == auc_lower_bound(y, ranking)  # seeded


def test_reliability_compares_mean_confidence_with_the_share_correct_per_band():
    model = ConfidenceModel({"a": 10.0, "b": -10.0}, 0.0)  # 0.9999 and 0.0000
    rows = [{"features": {"a": 1.0}, "label": "correct"},
            {"features": {"a": 1.0}, "label": "wrong"},
            {"features": {"b": 1.0}, "label": "useless"}]
    assert reliability(rows, model) == [
        (0.0, 0.5, 1, pytest.approx(0.0), 0.0),
        (0.8, 1.0, 2, pytest.approx(1.0, abs=1e-3), 0.5)]
