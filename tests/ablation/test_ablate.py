"""kgprep ablate: the factor from curves, the split, the variants' sequences, and a smoke run on
the sample pipeline whose bookkeeping is checked (disjoint split, one budget, factors that follow
from the curves), also in a process where spaCy, rdflib and networkx cannot be imported."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kgprep.ablation import curves as cv
from kgprep.ablation.data import (
    Doc,
    generated_linearised,
    is_heldout,
    pack,
    plain,
    read_docs,
    split_docs,
)
from kgprep.ablation.options import SIZES

ROOT = Path(__file__).resolve().parents[2]


# --- the efficiency factor on synthetic curves -------------------------------------------------

def test_tokens_to_reach_interpolates_between_measured_points():
    tokens = [0, 100, 200, 300]
    losses = [8.0, 6.0, 5.0, 4.0]
    assert cv.tokens_to_reach(tokens, losses, 5.0) == 200.0
    assert cv.tokens_to_reach(tokens, losses, 5.5) == pytest.approx(150.0)
    assert cv.tokens_to_reach(tokens, losses, 3.9) is None
    # The first crossing counts, even if the curve goes back up after it.
    assert cv.tokens_to_reach([0, 10, 20], [5.0, 3.0, 4.0], 3.5) == pytest.approx(7.5)


def test_efficiency_factor_of_a_twice_as_fast_curve_is_one_half():
    base_tokens = [0, 100, 200, 300, 400]
    base = [8.0, 7.0, 6.0, 5.0, 4.0]
    fast = [8.0, 6.0, 4.0, 3.0, 2.5]  # reaches the baseline's final 4.0 at 200 tokens
    assert cv.efficiency_factor(base_tokens, fast, base_tokens, base) == pytest.approx(0.5)
    assert cv.efficiency_factor(base_tokens, base, base_tokens, base) == pytest.approx(1.0)
    slow = [8.0, 7.5, 7.0, 6.5, 6.0]
    assert cv.efficiency_factor(base_tokens, slow, base_tokens, base) is None


def test_spread_and_within_spread():
    s = cv.summarise([0.5, 0.6, 0.7])
    assert s.mean == pytest.approx(0.6) and s.std == pytest.approx(0.1) and s.reached == 3
    assert not s.within_spread()  # 0.4 below 1 with a spread of 0.1: a measured saving
    assert s.within_spread(noise=0.5)  # the baseline's own seeds vary more than that
    near = cv.summarise([0.98, 1.01, 0.99])
    assert near.within_spread()
    missed = cv.summarise([0.8, None, 0.9])
    assert missed.mean is None and missed.reached == 2 and missed.within_spread()
    never = cv.summarise([None, None, None])
    assert never.mean is None and not never.within_spread()


def test_curve_errors():
    with pytest.raises(ValueError):
        cv.tokens_to_reach([0, 1], [1.0], 0.5)
    with pytest.raises(ValueError):
        cv.tokens_to_reach([0, 2, 1], [3.0, 2.0, 1.0], 0.5)


# --- documents, split, sequences ---------------------------------------------------------------

def _doc(ids: list[int], markup: list[bool], spans: list[list[int]]) -> Doc:
    n = len(ids)
    return Doc("d", np.array(ids, np.int64), np.zeros(n, np.uint8), np.full(n, -1, np.int64),
               np.full(n, -1, np.int64), np.array(markup, bool),
               np.array(spans, np.int64).reshape(-1, 6),
               np.array([[7, 8, 2]] * len(spans), np.int64).reshape(-1, 3))


def test_split_is_by_id_deterministic_and_disjoint():
    ids = [f"doc-{i}" for i in range(2000)]
    held = {i for i in ids if is_heldout(i, 0.1)}
    assert 150 < len(held) < 250
    assert held == {i for i in reversed(ids) if is_heldout(i, 0.1)}  # order does not matter
    docs = [_doc([1, 2], [False, False], []) for _ in ids]
    for doc, doc_id in zip(docs, ids, strict=True):
        doc.doc_id = doc_id
    train, heldout = split_docs(docs, 0.1)
    assert {d.doc_id for d in heldout} == held
    assert not {d.doc_id for d in train} & held
    assert len(train) + len(heldout) == len(ids)


def test_plain_strips_stored_markup_and_keeps_spans_on_their_tokens():
    # text: 10 11 12 . | markup 90 10 91 11 92 12 93 | text 13
    ids = [10, 11, 12, 5, 90, 10, 91, 11, 92, 12, 93, 13]
    markup = [False] * 4 + [True] * 7 + [False]
    doc = _doc(ids, markup, [[0, 1, 1, 2, 2, 3], [11, 12, 11, 11, 11, 12]])
    seq, spans = plain(doc)
    assert seq.ids.tolist() == [10, 11, 12, 5, 13]
    assert spans.tolist() == [[0, 1, 1, 2, 2, 3], [4, 5, 4, 4, 4, 5]]
    assert seq.text.all()


def test_generated_linearisation_follows_the_sentence_and_is_not_scored():
    ids = [10, 11, 12, 5, 13, 14, 5]  # token 5 ends a sentence
    doc = _doc(ids, [False] * 7, [[0, 1, 1, 2, 2, 3]])
    ends = np.zeros(100, bool)
    ends[5] = True
    seq = generated_linearised(doc, (90, 91, 92, 93), ends)
    assert seq.ids.tolist() == [10, 11, 12, 5, 90, 10, 91, 11, 92, 12, 93, 13, 14, 5]
    assert seq.ids[seq.text].tolist() == ids  # the text, in order, is all that is scored
    assert seq.role[4:11].tolist() == [0, 1, 0, 2, 0, 4, 0]
    assert seq.entity[5] == 7 and seq.entity[9] == 8


def test_pack_puts_eos_after_each_document_and_pads_unscored():
    a = plain(_doc([1, 2, 3], [False] * 3, []))[0]
    b = plain(_doc([4, 5], [False] * 2, []))[0]
    rows = pack([a, b], 4, eos_id=0, pad_id=9)
    assert rows.ids.tolist() == [[1, 2, 3, 0], [4, 5, 0, 9]]
    assert rows.text.tolist() == [[True] * 4, [True, True, True, False]]
    assert rows.meta == {"rows": 2, "positions": 8, "text_tokens": 7}


# --- a smoke run on the sample pipeline --------------------------------------------------------

SMOKE = replace(SIZES["smoke"], steps=8, evals=2, probe_facts=8, eval_tokens=1024)


@pytest.fixture(scope="module")
def smoke(sample_run, tmp_path_factory):
    """The ablation over a copy of only what it reads: shards, tokenizer, subnetwork names."""
    work = tmp_path_factory.mktemp("ablate") / "work"
    for part in ("shards", "tokenizer"):
        shutil.copytree(sample_run / part, work / part)
    (work / "subnets").mkdir()
    shutil.copy(sample_run / "subnets" / "subnets.parquet", work / "subnets")
    from kgprep.ablation.run import run_ablation

    results = run_ablation(work, SMOKE, "cpu", log=lambda _: None)
    return work, results


def test_smoke_bookkeeping(smoke):
    work, results = smoke
    on_disk = json.loads((work / "ablation" / "results.json").read_text())
    assert on_disk["variants"].keys() == results["variants"].keys()
    assert on_disk["variant_order"] == ["baseline", "role_loss", "linearised", "embeddings",
                                        "domain_prefix"]
    # The split: disjoint, by id, covering every document of the shards.
    split = on_disk["split"]
    train, held = set(split["train_ids"]), set(split["heldout_ids"])
    assert train and held and not train & held
    docs, _ = read_docs(work / "shards")
    assert train | held == {d.doc_id for d in docs}
    assert all(is_heldout(i, SMOKE.heldout_fraction) for i in held)
    # One budget: every run of every variant trained on the same number of positions.
    budget = SMOKE.steps * SMOKE.batch_size * SMOKE.seq_len
    assert on_disk["budget_tokens"] == budget
    base_runs = on_disk["variants"]["baseline"]["runs"]
    for name, entry in on_disk["variants"].items():
        assert entry["budget_tokens"] == budget, name
        assert len(entry["runs"]) == SMOKE.seeds
        for run, base in zip(entry["runs"], base_runs, strict=True):
            assert run["tokens"] == base["tokens"]
            assert run["tokens"][0] == 0 and run["tokens"][-1] == budget
        # The factor follows from the curves (seed by seed, against the same seed's baseline).
        expected = [cv.efficiency_factor(r["tokens"], r["heldout_loss"], b["tokens"],
                                         b["heldout_loss"])
                    for r, b in zip(entry["runs"], base_runs, strict=True)]
        assert entry["efficiency_per_seed"] == pytest.approx(expected)
        assert entry["efficiency_factor"] == (pytest.approx(float(np.mean(expected)))
                                              if None not in expected else None)
        assert entry["probe"]["train"]["n"] > 0 and entry["probe"]["heldout"]["n"] > 0
    assert on_disk["variants"]["baseline"]["efficiency_factor"] == pytest.approx(1.0)
    # Same seed, same start: every variant starts from the same held-out loss, but the
    # knowledge variants do not train to the same weights as the baseline.
    for entry in on_disk["variants"].values():
        assert [r["heldout_loss"][0] for r in entry["runs"]] == pytest.approx(
            [r["heldout_loss"][0] for r in base_runs], abs=0.05)
    assert on_disk["variants"]["role_loss"]["runs"][0]["heldout_loss"][-1] != \
        base_runs[0]["heldout_loss"][-1]
    # Fewer text tokens are seen where markup and prefixes take positions.
    assert on_disk["variants"]["linearised"]["runs"][0]["text_tokens"][-1] < \
        base_runs[0]["text_tokens"][-1]
    for plot in ("curves.png", "efficiency.png"):
        assert (work / "ablation" / plot).read_bytes()[:4] == b"\x89PNG"


def test_smoke_is_deterministic(smoke, tmp_path):
    work, results = smoke
    from kgprep.ablation.run import run_ablation

    again = run_ablation(work, replace(SMOKE, seeds=1), "cpu", ("baseline", "embeddings"),
                         log=lambda _: None)
    for name in ("baseline", "embeddings"):
        assert again["variants"][name]["runs"][0]["heldout_loss"] == \
            results["variants"][name]["runs"][0]["heldout_loss"]


def test_ablation_runs_without_spacy_rdflib_networkx(smoke):
    """The GPU recipe: the ablation's whole import chain, and a run, with the pipeline's stage
    dependencies unimportable."""
    work, _ = smoke
    blocked = ["spacy", "rdflib", "networkx", "datasets", "fsspec", "wordfreq", "scipy"]
    code = (f"import sys\nfor n in {blocked!r}: sys.modules[n] = None\n"
            "from kgprep.ablation.run import main\n"
            f"rc = main([{str(work)!r}, '--size', 'smoke', '--steps', '2', '--evals', '1', "
            "'--seeds', '1', '--probe-facts', '2', '--variants', 'baseline,domain_prefix'])\n"
            "bad = sorted(n for n in sys.modules if n.startswith('kgprep.') and n.split('.')[1] "
            "not in ('ablation',))\n"
            "print('KGPREP_MODULES', bad)\nsys.exit(rc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "KGPREP_MODULES []" in done.stdout
    assert "domain_prefix" in done.stdout


def test_cli_ablate_errors_are_one_line(tmp_path, capsys):
    from kgprep.cli import main
    from tests.conftest import one_error_line, sample_pipeline

    pipeline = sample_pipeline(tmp_path)
    assert main(["ablate", str(pipeline), "--size", "smoke"]) == 3  # no shards yet
    assert "run the pipeline first" in one_error_line(capsys.readouterr().err)
    assert main(["ablate", str(pipeline), "--variants", "baseline,magic"]) == 2
    assert "unknown variants" in one_error_line(capsys.readouterr().err)


def test_cli_ablate_writes_results_in_the_pipelines_work_dir(sample_run, tmp_path, capsys):
    from kgprep.cli import main
    from tests.conftest import sample_pipeline

    pipeline = sample_pipeline(tmp_path)
    for part in ("shards", "tokenizer", "subnets"):
        shutil.copytree(sample_run / part, tmp_path / "work" / part)
    assert main(["ablate", str(pipeline), "--size", "smoke", "--steps", "2", "--evals", "1",
                 "--seeds", "2", "--probe-facts", "2", "--variants", "baseline,role_loss"]) == 0
    out = capsys.readouterr().out
    results = json.loads((tmp_path / "work" / "ablation" / "results.json").read_text())
    assert results["variant_order"] == ["baseline", "role_loss"]
    assert results["size"]["steps"] == 2 and results["size"]["seeds"] == 2
    assert "role_loss" in out and "results.json" in out
