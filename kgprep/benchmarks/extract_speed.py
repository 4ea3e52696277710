"""The extract stage's words/s against a bare spaCy ``nlp.pipe`` on WikiText-2, one process."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from kgprep.benchmarks.common import config_with_limit

# Extract-stage words/s over bare nlp.pipe words/s: issue #14's bar, which replaced the
# earlier 0.9 once the stage also resolves references and checks every fact.
SPEED_TARGET = 0.85


# Documents per chunk in the paired measurement: a few seconds of parsing a side, so both
# sides of a pair see the same VM speed.
PAIRED_CHUNK = 40


def paired_chunks(nlp: Any, documents: list[Any], cfg: Any, chunk: int = PAIRED_CHUNK
                  ) -> tuple[float, float]:
    """(bare seconds, core seconds) summed over chunks of ``documents``: each chunk through a
    bare ``nlp.pipe`` and through ``process_documents`` (the stage's parse, extraction and
    Arrow rows, without its reading, writing or one-time loads) one right after the other,
    in alternating order, so that the VM's drift over minutes falls on both sides alike."""
    from kgprep.extract.parse import count_words, process_documents

    bare = core = 0.0
    for number, start in enumerate(range(0, len(documents), chunk)):
        part = documents[start : start + chunk]
        texts = [d.text for d in part]
        for side in ("bare", "core") if number % 2 == 0 else ("core", "bare"):
            started = time.perf_counter()
            if side == "bare":
                sum(count_words(doc) for doc in nlp.pipe(texts, batch_size=cfg.batch_size))
                bare += time.perf_counter() - started
            else:
                process_documents(nlp, part, cfg)
                core += time.perf_counter() - started
    return bare, core


def bench_speed(shared: Path, model: str, limit: int, repeats: int = 2) -> bool:
    """The extract stage's words/s against a bare ``nlp.pipe`` with the same components, one
    process each. The VM's speed drifts by 10-15% over minutes (single rounds here have
    differed by 30%; its CPU time drifts with the wall clock), so the two run interleaved,
    ``repeats`` rounds, and each side keeps its fastest round (as ``bench_pipeline`` does)."""
    from kgprep.extract import run_extract
    from kgprep.extract.corpus import iter_records
    from kgprep.extract.parse import count_words, load_nlp
    from kgprep.extract.records import Document

    corpus = shared / "data" / "corpus" / "wikitext-2" / "valid.txt"
    with tempfile.TemporaryDirectory() as tmp:
        raw = {
            "name": "bench", "work_dir": str(Path(tmp) / "work"),
            "input": {"paths": [str(corpus)], "format": "text", "part_size": 500},
            "extract": {"spacy_model": model},
            "run": {"workers": 1},
        }
        # The same first `limit` paragraphs for both sides.
        cfg = config_with_limit(raw, Path(tmp), limit)
        documents = [r for r in iter_records(cfg.input, cfg.base_dir) if isinstance(r, Document)]
        texts = [d.text for d in documents]
        nlp = load_nlp(model)
        print(f"\nSpeed on {corpus.name}: {len(texts):,} documents, 1 process, model {model}, "
              f"{repeats} interleaved rounds, each side's fastest kept")
        print(f"  components on: {', '.join(nlp.pipe_names)}")
        disabled = [n for n in nlp.component_names if n not in nlp.pipe_names]
        print(f"  components disabled: {', '.join(disabled) or '(none: the extractor reads all)'}")
        # Warm-up so neither side pays for first-call allocations.
        for _ in nlp.pipe(texts[:20]):
            pass
        bare_wall: list[float] = []
        stage_wall: list[float] = []
        for round_number in range(1, repeats + 1):
            started = time.perf_counter()
            words = sum(count_words(doc)
                        for doc in nlp.pipe(texts, batch_size=cfg.extract.batch_size))
            bare_wall.append(time.perf_counter() - started)
            shutil.rmtree(cfg.work_path, ignore_errors=True)  # each round parses everything
            started = time.perf_counter()
            report = run_extract(cfg)  # in this process (1 worker), its own pipeline loaded
            stage_wall.append(time.perf_counter() - started)
            stage_words = int(report.counts["words"])
            print(f"  round {round_number}: bare {bare_wall[-1]:.1f} s, stage "
                  f"{stage_wall[-1]:.1f} s: {bare_wall[-1] / stage_wall[-1]:.3f}")
        paired_bare, paired_core = paired_chunks(nlp, documents, cfg.extract)
        del nlp
    bare = words / min(bare_wall)
    stage = stage_words / min(stage_wall)
    ratio = stage / bare
    print(f"  bare nlp.pipe   {bare:10,.0f} words/s  ({words:,} words, {min(bare_wall):.1f} s)")
    print(f"  extract stage   {stage:10,.0f} words/s  ({stage_words:,} words, "
          f"{min(stage_wall):.1f} s, {report.counts['triples']:,} triples)")
    ok = ratio >= SPEED_TARGET
    print(f"  ratio stage/bare: {ratio:.3f} (target >= {SPEED_TARGET}: "
          f"{'met' if ok else 'MISSED'})")
    print(f"  paired chunks of {PAIRED_CHUNK} documents, the two sides one right after the "
          f"other: bare {paired_bare:.1f} s, stage core (parse, extract, rows) "
          f"{paired_core:.1f} s: {paired_bare / paired_core:.3f}")
    return ok
