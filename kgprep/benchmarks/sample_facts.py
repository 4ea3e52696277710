"""Graph facts drawn at random from a corpus the team did not write, exactly as the graph gives
them: the README's table of twenty WikiText-2 facts, reproducible.

``python -m kgprep.benchmarks.sample_facts --shared ../shared`` writes the first ``--paragraphs``
paragraphs of WikiText-2 ``test.txt`` as documents (id ``wikitext-2/test.txt:<line>``), runs the
extract and graph stages on them with default settings, and prints ``--n`` graph facts drawn with
``--seed``: subject and object by their node labels, relation by its label, literal objects as
typed values, and the document.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from kgprep.confidence_train import wikitext_docs

ROOT = Path(__file__).resolve().parents[2]


def write_documents(shared: Path, paragraphs: int, out: Path) -> int:
    """The first ``paragraphs`` paragraphs of WikiText-2 test.txt as JSONL documents."""
    source = shared / "data" / "corpus" / "wikitext-2" / "test.txt"
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for doc_id, text in wikitext_docs(source):
            if count == paragraphs:
                break
            fh.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
            count += 1
    return count


def build_graph(documents: Path, tmp: Path) -> Path:
    """Extract and graph stages with default settings; returns the work dir."""
    from kgprep.cli import main

    pipeline = tmp / "facts.toml"
    pipeline.write_text(f'name = "facts"\nwork_dir = "{tmp / "work"}"\n[input]\n'
                        f'paths = ["{documents}"]\n', encoding="utf-8")
    for stage in ("extract", "graph"):
        if main([stage, str(pipeline)]) != 0:
            raise RuntimeError(f"kgprep {stage} failed on {documents}")
    return tmp / "work"


def graph_facts(work: Path, min_confidence: float | None = None
                ) -> list[tuple[str, str, str, str]]:
    """(subject label, relation label, object label or typed literal, document) for every graph
    fact, in document and triple order; by default at the ``graph.min_confidence`` the graph
    stage ran with (its manifest), else the default."""
    import pyarrow as pa

    from kgprep.core.config import GraphConfig

    if min_confidence is None:
        manifest = json.loads((work / "graph" / "manifest.json").read_text(encoding="utf-8"))
        min_confidence = float(manifest.get("min_confidence", GraphConfig().min_confidence))

    from kgprep.core.facts import fact_mask
    from kgprep.core.io import read_parquet

    def labels(file: str) -> dict[str, str]:
        table = read_parquet(work / "graph" / file, columns=["key", "label"])
        return dict(zip(table["key"].to_pylist(), table["label"].to_pylist(), strict=True))

    nodes, relations = labels("nodes.parquet"), labels("relations.parquet")
    facts: list[tuple[str, str, str, str]] = []
    for part in sorted((work / "extract").glob("part-*.parquet")):
        table = read_parquet(part, columns=["doc_id", "triples"])
        for doc_id, triples in zip(table["doc_id"].to_pylist(), table["triples"].to_pylist(),
                                   strict=True):
            if not triples:
                continue
            mask = fact_mask(pa.array(triples), min_confidence)
            for triple, is_fact in zip(triples, mask, strict=True):
                if is_fact:
                    facts.append((nodes[triple["subj"]["key"]],
                                  relations[triple["pred"]["key"]],
                                  _object(triple["obj"], nodes), doc_id))
    return facts


def _object(obj: dict[str, Any], nodes: dict[str, str]) -> str:
    if obj["kind"] == "literal":
        return f'"{obj["value"]}"^^{obj["datatype"]}'
    return nodes[obj["key"]]


def markdown(facts: list[tuple[str, str, str, str]]) -> str:
    lines = ["| subject | relation | object | document |", "|---|---|---|---|"]
    lines += [f"| {s} | {r} | {o} | `{d}` |" for s, r, o, d in facts]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kgprep.benchmarks.sample_facts",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--paragraphs", type=int, default=600)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if not (args.shared / "data" / "corpus" / "wikitext-2").is_dir():
        print(f"skipped: {args.shared}/data/corpus/wikitext-2 is absent")
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        read = write_documents(args.shared, args.paragraphs, tmp / "documents.jsonl")
        work = build_graph(tmp / "documents.jsonl", tmp)
        facts = graph_facts(work)
        literal = sum(1 for _, _, o, _ in facts if '"^^' in o)
        stats = json.loads((work / "stats" / "graph.json").read_text(encoding="utf-8"))
        print(f"{read} paragraphs of WikiText-2 test.txt: {stats['counts']['triples']:,} "
              f"triples -> {len(facts)} graph facts ({literal} literal); {args.n} drawn with "
              f"seed {args.seed}:\n")
        drawn = random.Random(args.seed).sample(facts, min(args.n, len(facts)))
        print(markdown(drawn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
