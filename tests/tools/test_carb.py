"""The CaRB scorer: its rules on hand-checked cases, and the reference scores when data exists."""

from __future__ import annotations

import pytest

from kgprep.carb import (
    Tuple,
    match,
    parse_predictions,
    read_gold,
    read_predictions,
    score,
    sentence_key,
    tab_lines,
)
from kgprep.cli import main
from tests.conftest import SHARED

CARB = SHARED / "data" / "carb"


def test_sentence_key_ignores_spaces_ptb_brackets_and_punctuation():
    assert sentence_key("He said -LRB- twice -RRB- , `` yes '' .") == "Hesaidtwiceyes"


def test_lenient_match_counts_words_and_the_be_rule():
    gold = Tuple("was born in", ("Obama", "Hawaii"))
    assert match(gold, Tuple("born in", ("Obama", "Hawaii"))) == (1.0, pytest.approx(4 / 5))
    # "be" in the predicted relation stands for any form of be in the gold relation.
    assert match(Tuple("is", ("Paris", "the capital")), Tuple("be", ("Paris", "the capital"))) == (
        1.0, 1.0)
    # No relation word in common: no match at all.
    assert match(gold, Tuple("died at", ("Obama", "Hawaii"))) == (0.0, 0.0)
    # A missing second argument cannot match.
    assert match(gold, Tuple("was born in", ("Obama",))) == (0.0, 0.0)


def test_nary_tuples_are_binarised_on_both_sides():
    gold = Tuple("was born in", ("Obama", "Hawaii", "in 1961"))
    predicted = Tuple("was born in", ("Obama", "Hawaii in 1961"))
    assert match(gold, predicted) == (1.0, 1.0)


def test_said_relations_also_try_swapped_arguments():
    gold = Tuple("said", ("the minister", "taxes will rise"))
    swapped = Tuple("said", ("taxes will rise", "the minister"))
    assert match(gold, swapped) == (1.0, 1.0)
    assert match(Tuple("stated", gold.args), Tuple("stated", swapped.args))[0] < 1.0


def test_score_curve_and_best_f1_by_hand():
    gold = {"k": [Tuple("founded", ("Alice", "Acme")), Tuple("founded", ("Bob", "Acme"))]}
    predicted = {"k": [Tuple("founded", ("Alice", "Acme"), 0.9),
                       Tuple("sold", ("Carol", "Initech"), 0.5)]}
    s = score(gold, predicted)
    # Threshold 0.9: one prediction, exact for Alice; Bob's best recall is 2/3 (relation + Acme).
    # P = 1, R = (1 + 2/3) / 2. Threshold 0.5 adds a wrong prediction: P = 1/2, same R.
    assert s.precision == pytest.approx(1.0)
    assert s.recall == pytest.approx(5 / 6)
    assert s.f1 == pytest.approx(2 * (5 / 6) / (1 + 5 / 6))
    # AUC over (R, P) points (5/6, 1/2), (5/6, 1) and (0, 1).
    assert s.auc == pytest.approx(5 / 6)


def test_tab_lines_round_trip():
    lines = tab_lines("Alice founded Acme .", [Tuple("founded", ("Alice", "Acme"), 0.75)])
    assert lines == ["Alice founded Acme .\t0.7500\tfounded\tAlice\tAcme"]
    assert parse_predictions(lines) == {"AlicefoundedAcme": [Tuple("founded", ("Alice", "Acme"),
                                                                  0.75)]}


def test_eval_cli_scores_its_own_tab_file_identically(tmp_path, capsys):
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("Marie Curie discovered polonium .\nObama was born in Hawaii .\n")
    gold = tmp_path / "gold.tsv"
    gold.write_text("Marie Curie discovered polonium .\tdiscovered\tMarie Curie\tpolonium\n"
                    "Obama was born in Hawaii .\twas born in\tObama\tHawaii\n")
    tab = tmp_path / "out.tab"
    assert main(["eval", "carb", "--sentences", str(sentences), "--gold", str(gold),
                 "--write-tab", str(tab)]) == 0
    first = capsys.readouterr().out
    assert "F1 1.000" in first
    assert main(["eval", "carb", "--gold", str(gold), "--system", str(tab)]) == 0
    second = capsys.readouterr().out
    assert first.splitlines()[-1] == second.splitlines()[-1]


@pytest.mark.skipif(not CARB.is_dir(), reason="../shared/data/carb is absent")
def test_reproduces_the_reference_scores_of_openie5():
    s = score(read_gold(CARB / "gold" / "dev.tsv"), read_predictions(CARB / "openie5_dev.tab"))
    assert s.gold_sentences == 638 and s.gold_tuples == 2548
    assert s.auc == pytest.approx(0.242, abs=0.002)
    assert s.precision == pytest.approx(0.513, abs=0.002)
    assert s.recall == pytest.approx(0.407, abs=0.002)
    assert s.f1 == pytest.approx(0.454, abs=0.002)
