"""A CaRB scorer, written from the rules restated in the benchmark's REFERENCE.md.

Pure functions: gold and predicted tuples in, AUC and the best-F1 point out. Matching is lenient
whitespace-token overlap on binarised tuples; the curve runs over every distinct confidence.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PTB_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{",
                "-RCB-": "}"}
FORMS_OF_BE = ("be", "is", "am", "are", "was", "were", "been", "being")
SAID_RELATIONS = ("said", "told", "added", "adds", "says")
_PUNCT = set(string.punctuation)


@dataclass(frozen=True)
class Tuple:
    relation: str
    args: tuple[str, ...]
    confidence: float = 1.0


@dataclass(frozen=True)
class CarbScore:
    auc: float
    precision: float
    recall: float
    f1: float
    threshold: float
    gold_sentences: int
    gold_tuples: int
    predicted_tuples: int


def sentence_key(sentence: str) -> str:
    """The matching key: no spaces, PTB brackets restored, ASCII punctuation removed."""
    key = sentence.replace(" ", "")
    for escaped, bracket in PTB_BRACKETS.items():
        key = key.replace(escaped, bracket)
    return "".join(ch for ch in key if ch not in _PUNCT)


def _by_key(by_sentence: dict[str, list[Tuple]]) -> dict[str, list[Tuple]]:
    """Re-key by the matching key. Two sentences with one key: the later one wins, as in CaRB."""
    return {sentence_key(sentence): tuples for sentence, tuples in by_sentence.items()}


def read_gold(path: Path) -> dict[str, list[Tuple]]:
    """Gold tuples: sentence, relation, arg1, arg2, ...; context arguments ("C: ") dropped."""
    by_sentence: dict[str, list[Tuple]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.strip().split("\t")
        if len(fields) < 2:
            continue
        args = tuple(a.strip() for a in fields[2:] if "C: " not in a)
        by_sentence.setdefault(fields[0].strip(), []).append(Tuple(fields[1].strip(), args))
    return _by_key(by_sentence)


def read_predictions(path: Path) -> dict[str, list[Tuple]]:
    """The tab format: sentence, confidence, relation, arg1, arg2, ..."""
    return parse_predictions(path.read_text(encoding="utf-8").splitlines())


def parse_predictions(lines: Iterable[str]) -> dict[str, list[Tuple]]:
    """Tab-format lines, read as CaRB reads them (a stripped line loses empty trailing args)."""
    by_sentence: dict[str, list[Tuple]] = {}
    for line in lines:
        fields = line.strip().split("\t")
        if len(fields) < 3:
            continue
        by_sentence.setdefault(fields[0], []).append(
            Tuple(fields[2], tuple(fields[3:]), float(fields[1]))
        )
    return _by_key(by_sentence)


def binarise(t: Tuple) -> tuple[str, ...]:
    if len(t.args) >= 2:
        return (t.args[0], " ".join(t.args[1:]))
    return t.args


def _overlap(gold_words: list[str], predicted_words: list[str]) -> int:
    """Gold words found in the prediction, each predicted word used once."""
    remaining = list(predicted_words)
    matched = 0
    for word in gold_words:
        if word in remaining:
            matched += 1
            remaining.remove(word)
    return matched


def _lenient(gold_rel: str, gold_args: tuple[str, ...], pred_rel: str,
             pred_args: tuple[str, ...]) -> tuple[float, float]:
    predicted_words = pred_rel.split()
    gold_words = gold_rel.split()
    p_num, p_den = 0, len(predicted_words)
    r_num, r_den = 0, len(gold_words)
    matched = _overlap(gold_words, predicted_words)
    # An unmatched "be" in the prediction stands for any form of be in the gold relation.
    unmatched_be = predicted_words.count("be") > gold_words.count("be")
    if unmatched_be and any(form in gold_words for form in FORMS_OF_BE):
        matched += 1
    if matched == 0:
        return (0.0, 0.0)
    p_num += matched
    r_num += matched
    for i, gold_arg in enumerate(gold_args):
        gold_arg_words = gold_arg.split()
        r_den += len(gold_arg_words)
        if i >= len(pred_args):
            if i < 2:
                return (0.0, 0.0)
            continue
        pred_arg_words = pred_args[i].split()
        p_den += len(pred_arg_words)
        m = _overlap(gold_arg_words, pred_arg_words)
        p_num += m
        r_num += m
    return (p_num / p_den if p_den else 0.0, r_num / r_den if r_den else 0.0)


def match(gold: Tuple, predicted: Tuple) -> tuple[float, float]:
    """(precision, recall) of a prediction against one gold tuple."""
    gold_args = binarise(gold)
    straight = _lenient(gold.relation, gold_args, predicted.relation, binarise(predicted))
    if not any(verb in gold.relation for verb in SAID_RELATIONS):
        return straight
    swapped: tuple[str, ...]
    if len(predicted.args) >= 2:
        swapped = (" ".join(predicted.args[1:]), predicted.args[0])
    else:
        swapped = predicted.args
    return max(straight, _lenient(gold.relation, gold_args, predicted.relation, swapped))


def _greedy_precision(scores: list[list[tuple[float, float]]], kept: list[int]) -> float:
    """Sum of precisions over a greedy one-to-one matching by highest precision."""
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    total = 0.0
    for _ in range(min(len(scores), len(kept))):
        best, best_row, best_col = -1.0, -1, -1
        for i, row in enumerate(scores):
            if i in used_rows:
                continue
            for j in kept:
                if j not in used_cols and row[j][0] > best:
                    best, best_row, best_col = row[j][0], i, j
        used_rows.add(best_row)
        used_cols.add(best_col)
        total += best
    return total


def score(gold: dict[str, list[Tuple]], predicted: dict[str, list[Tuple]]) -> CarbScore:
    thresholds = sorted({t.confidence for tuples in predicted.values() for t in tuples})
    n = len(thresholds)
    index = {c: i for i, c in enumerate(thresholds)}
    p_num = [0.0] * n
    p_den = [0] * n
    r_num = [0.0] * n
    r_den = [0] * n
    for key, gold_tuples in gold.items():
        preds = predicted.get(key, [])
        scores = [[match(g, p) for p in preds] for g in gold_tuples]
        # Thresholds between two of this sentence's confidences keep the same predictions.
        done = 0
        for conf in sorted({p.confidence for p in preds}):
            upto = index[conf] + 1
            kept = [j for j, p in enumerate(preds) if p.confidence >= conf]
            recall = sum(max(row[j][1] for j in kept) for row in scores)
            precision = _greedy_precision(scores, kept)
            for c in range(done, upto):
                p_num[c] += precision
                p_den[c] += len(kept)
                r_num[c] += recall
                r_den[c] += len(gold_tuples)
            done = upto
        for c in range(done, n):
            r_den[c] += len(gold_tuples)
    precisions = [a / b if b else 1.0 for a, b in zip(p_num, p_den, strict=True)]
    recalls = [a / b if b else 0.0 for a, b in zip(r_num, r_den, strict=True)]
    f1s = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precisions, recalls, strict=True)]
    best = max(range(n), key=lambda i: (f1s[i], -i)) if n else -1
    # Trapezoid area under (recall, precision), with the point (0, 1) added.
    xs = [*recalls, 0.0]
    ys = [*precisions, 1.0]
    auc = abs(sum((xs[i + 1] - xs[i]) * (ys[i + 1] + ys[i]) / 2 for i in range(len(xs) - 1)))
    return CarbScore(
        auc=auc,
        precision=precisions[best] if n else 0.0,
        recall=recalls[best] if n else 0.0,
        f1=f1s[best] if n else 0.0,
        threshold=thresholds[best] if n else 0.0,
        gold_sentences=len(gold),
        gold_tuples=sum(len(v) for v in gold.values()),
        predicted_tuples=sum(len(predicted.get(k, [])) for k in gold),
    )


def tab_lines(sentence: str, tuples: Iterable[Tuple]) -> list[str]:
    """kgprep extractions in the CaRB tab format, one line each."""
    return ["\t".join([sentence, f"{t.confidence:.4f}", t.relation, *t.args]) for t in tuples]
