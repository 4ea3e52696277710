"""The WebNLG benchmark's candidates writer, on a hand-built rdf/ and graph tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kgprep.benchmarks.webnlg import BASE_IRI, build_dev, candidates_xml, read_facts, report
from kgprep.core.io import write_parquet
from kgprep.graph.rdf import iri
from tests.conftest import SHARED

LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DOUBLE = "<http://www.w3.org/2001/XMLSchema#double>"


def _e(key: str) -> str:
    return f"<{iri(BASE_IRI, 'entity', key)}>"


def _r(key: str) -> str:
    return f"<{iri(BASE_IRI, 'relation', key)}>"


def _g(doc_id: str) -> str:
    return f"<{iri(BASE_IRI, 'doc', doc_id)}>"


def _work(tmp_path: Path) -> Path:
    """Two documents with facts (one with a literal object), one with only labels."""
    work = tmp_path / "work"
    (work / "rdf").mkdir(parents=True)
    quads = [
        # doc-1: an entity fact, a typed literal and an untyped literal object.
        f"{_e('aarhus airport')} {_r('have runway length')} \"2702.0\"^^{DOUBLE} {_g('doc-1')} .",
        f"{_e('aarhus airport')} {_r('serve')} {_e('aarhus')} {_g('doc-1')} .",
        f"{_e('aarhus airport')} {_r('be nickname')} \"AAR & co\" {_g('doc-1')} .",
        f"{_e('aarhus airport')} {LABEL} \"aarhus airport\" {_g('doc-1')} .",
        f"{_e('aarhus')} {LABEL} \"aarhus\" {_g('doc-1')} .",
        # doc-3: its labels only, no fact.
        f"{_e('nobody')} {LABEL} \"nobody\" {_g('doc-3')} .",
        # doc-2 (the % in its key is percent-encoded in the IRI).
        f"{_e('a & b')} {_r('own')} {_e('50% stake')} {_g('doc-2')} .",
    ]
    (work / "rdf" / "part-00000.nq").write_text("\n".join(quads) + "\n", encoding="utf-8")
    nodes = [("aarhus airport", "Aarhus Airport"), ("aarhus", "Aarhus"),
             ("nobody", "Nobody"), ("a & b", "A & B"), ("50% stake", "50% stake")]
    relations = [("have runway length", "has runway length"), ("serve", "serves"),
                 ("be nickname", "is nicknamed"), ("own", "owns")]
    for name, rows, kind in (("nodes", nodes, "entity"), ("relations", relations, "relation")):
        write_parquet(work / "graph" / f"{name}.parquet", pa.table({
            "key": [k for k, _ in rows], "label": [label for _, label in rows],
            "iri": [iri(BASE_IRI, kind, k) for k, _ in rows]}))
    return work


def test_candidates_keep_entry_order_labels_literals_and_empty_entries(tmp_path):
    facts = read_facts(_work(tmp_path))
    # Reference order is not the graphs' order; doc-9 has no graph at all. A document's facts
    # come in the order of their subject, relation and object IRIs.
    entries = [("Id1", "doc-2"), ("Id2", "doc-3"), ("Id3", "doc-1"), ("Id4", "doc-9")]
    xml, cut = candidates_xml(entries, facts)
    assert cut == 0
    assert xml == """<benchmark>
  <entries>
    <entry eid="Id1">
      <generatedtripleset>
        <gtriple>A &amp; B | owns | 50% stake</gtriple>
      </generatedtripleset>
    </entry>
    <entry eid="Id2">
      <generatedtripleset>
      </generatedtripleset>
    </entry>
    <entry eid="Id3">
      <generatedtripleset>
        <gtriple>Aarhus Airport | is nicknamed | AAR &amp; co</gtriple>
        <gtriple>Aarhus Airport | has runway length | 2702.0</gtriple>
        <gtriple>Aarhus Airport | serves | Aarhus</gtriple>
      </generatedtripleset>
    </entry>
    <entry eid="Id4">
      <generatedtripleset>
      </generatedtripleset>
    </entry>
  </entries>
</benchmark>
"""


def test_candidates_cap_counts_the_entries_cut(tmp_path):
    facts = read_facts(_work(tmp_path))
    xml, cut = candidates_xml([("Id1", "doc-1"), ("Id2", "doc-2")], facts, max_candidates=1)
    assert cut == 1
    assert xml.count("<gtriple>") == 2
    assert "is nicknamed | AAR &amp; co" in xml  # the first in the graph's IRI order


def test_report_compares_ent_type_f1_with_the_target(capsys):
    def row(f1: float) -> dict[str, float]:
        return {"Precision": f1, "Recall": f1, "F1": f1}

    scores = {"Total_scores": {k: row(0.5) for k in ("Exact", "Partial", "Strict", "Ent_type")}}
    assert report(scores)
    scores["Total_scores"]["Ent_type"] = row(0.3)
    assert not report(scores)
    assert "MISSED" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED / "tools" / "webnlg-text2rdf" / "make_dev.py").is_file(),
                    reason="../shared (WebNLG dev and its scorer) is absent")
def test_build_dev_keeps_a_spread_of_entries_paired_with_their_texts(tmp_path):
    import json
    import xml.etree.ElementTree as ET

    full = build_dev(SHARED, tmp_path / "full", 0)
    dev = build_dev(SHARED, tmp_path / "dev", 5)
    step = len(full.entries) // 5
    assert dev.entries == [full.entries[i * len(full.entries) // 5] for i in range(5)]
    assert dev.entries[1] == (f"Id{step + 1}", f"webnlg-dev-{step + 1}")
    assert [e.get("eid") for e in ET.parse(dev.reference).getroot().iter("entry")] == [
        eid for eid, _ in dev.entries]
    lines = dev.corpus.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [d for _, d in dev.entries]
