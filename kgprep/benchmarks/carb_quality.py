"""Extraction quality on the CaRB dev split, against OpenIE-5's predictions scored alike."""

from __future__ import annotations

import time
from pathlib import Path

# Issue #14 item 9: CaRB dev F1 stays >= 0.50; the AUC bar is the benchmark's own older one.
CARB_TARGETS = {"f1": 0.50, "auc": 0.28}


def bench_carb(shared: Path, model: str) -> bool:
    from kgprep.carb import parse_predictions, read_gold, read_predictions, score, tab_lines
    from kgprep.evaluate import extract_sentences, read_sentences
    from kgprep.extract.parse import load_nlp

    carb = shared / "data" / "carb"
    gold = read_gold(carb / "gold" / "dev.tsv")
    nlp = load_nlp(model)
    started = time.perf_counter()
    lines: list[str] = []
    for sentence, tuples in extract_sentences(nlp, read_sentences(carb / "dev.txt")):
        lines.extend(tab_lines(sentence, tuples))
    seconds = time.perf_counter() - started
    ours = score(gold, parse_predictions(lines))
    reference = score(gold, read_predictions(carb / "openie5_dev.tab"))
    print(f"CaRB dev ({ours.gold_sentences} sentences, {ours.gold_tuples} gold tuples); "
          f"kgprep extracted {len(lines):,} tuples in {seconds:.1f} s")
    print(f"  {'system':<22}{'AUC':>7}{'P':>7}{'R':>7}{'F1':>7}")
    for name, s in (("kgprep", ours), ("OpenIE-5 (reference)", reference)):
        print(f"  {name:<22}{s.auc:7.3f}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}")
    print(f"  ratio kgprep/OpenIE-5: F1 {ours.f1 / reference.f1:.2f}x, "
          f"AUC {ours.auc / reference.auc:.2f}x")
    ok = ours.f1 >= CARB_TARGETS["f1"] and ours.auc >= CARB_TARGETS["auc"]
    print(f"  target F1 >= {CARB_TARGETS['f1']} and AUC >= {CARB_TARGETS['auc']}: "
          f"{'met' if ok else 'MISSED'}")
    return ok
