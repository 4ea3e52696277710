"""The paired speed measurement: every document goes through both sides, chunk by chunk."""

from __future__ import annotations

from kgprep.benchmarks import extract_speed
from kgprep.core.config import ExtractConfig
from kgprep.extract.records import Document


def test_paired_chunks_time_both_sides_on_every_chunk(nlp, monkeypatch):
    import kgprep.extract.parse as parse

    seen: list[tuple[str, list[str]]] = []
    real_core = parse.process_documents

    def core(nlp, documents, cfg):
        seen.append(("core", [d.doc_id for d in documents]))
        return real_core(nlp, documents, cfg)

    monkeypatch.setattr(parse, "process_documents", core)
    documents = [Document(f"d{i}", f"Paris is the capital of France {i} times.", "test")
                 for i in range(5)]
    bare, stage = extract_speed.paired_chunks(nlp, documents, ExtractConfig(), chunk=2)
    assert bare > 0 and stage > 0
    assert seen == [("core", ["d0", "d1"]), ("core", ["d2", "d3"]), ("core", ["d4"])]
