"""The report's entity lookup page: one offline HTML file (inline JSON, a little plain JavaScript).

``collect_lookup`` reads the graph's nodes and relations and the extract parts into a bounded,
JSON-ready dict: the most frequently stated entities, their graph facts (``kgprep.core.facts``, the
rule the graph, RDF and shards share), and for each fact the documents and sentences stating it.
``render_lookup`` writes the page. Limits keep the page a sane size on a large corpus; the page
states them.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kgprep.core.facts import fact_mask
from kgprep.core.io import read_parquet


@dataclass(frozen=True)
class LookupLimits:
    entities: int = 500  # most frequently stated entities listed
    facts_per_entity: int = 40  # most often stated first
    sentences_per_fact: int = 3  # first in corpus order


# What the page needs of each extract triple: column name -> path in the triple struct.
_FIELDS = {"sentence": ["sentence"], "subj": ["subj", "key"], "pred": ["pred", "key"],
           "obj": ["obj", "key"], "kind": ["obj", "kind"], "value": ["obj", "value"],
           "unit": ["obj", "unit"], "name": ["obj", "name"], "negated": ["negated"],
           "s0": ["subj", "start"], "s1": ["subj", "end"], "o0": ["obj", "start"],
           "o1": ["obj", "end"]}


def _facts_of_part(part: Path, min_confidence: float, wanted: set[str]) -> tuple[
        list[dict[str, Any]], pa.Table]:
    """The part's graph facts with a listed entity as subject or object, and its documents."""
    docs = read_parquet(part, columns=["doc_id", "text", "sentences", "triples"])
    triples = pc.list_flatten(docs["triples"])
    parents = np.asarray(pc.list_parent_indices(docs["triples"]), np.int64)
    if isinstance(triples, pa.ChunkedArray):
        triples = triples.combine_chunks() if triples.num_chunks else pa.array(
            [], docs.schema.field("triples").type.value_type)
    mask = fact_mask(triples, min_confidence)
    keys = pa.array(sorted(wanted), pa.string())
    listed = (pc.is_in(pc.struct_field(triples, ["subj", "key"]), value_set=keys)
              .to_numpy(zero_copy_only=False)
              | pc.is_in(pc.struct_field(triples, ["obj", "key"]), value_set=keys)
              .to_numpy(zero_copy_only=False))
    rows = np.flatnonzero(mask & listed)
    picked = triples.take(pa.array(rows, pa.int64()))
    columns: dict[str, list[Any]] = {"doc_index": parents[rows].tolist()}
    for name, path in _FIELDS.items():
        columns[name] = pc.struct_field(picked, path).to_pylist()
    out = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                      strict=True)]
    return out, docs.select(["doc_id", "text", "sentences"])


def collect_lookup(work: Path, min_confidence: float,
                   limits: LookupLimits = LookupLimits()) -> dict[str, Any]:
    """The lookup page's data. Entities are the graph's nodes with the most fact mentions (ties:
    key order); a fact is (subject, relation, object, negated) with all the triples stating it
    counted, and the first ``sentences_per_fact`` of them kept with their character spans."""
    graph = work / "graph"
    nodes = read_parquet(graph / "nodes.parquet", columns=["key", "label", "type", "freq",
                                                           "doc_freq"])
    relations = read_parquet(graph / "relations.parquet", columns=["key", "label"])
    node_keys = nodes["key"].to_pylist()
    node_label = dict(zip(node_keys, nodes["label"].to_pylist(), strict=True))
    relation_label = dict(zip(relations["key"].to_pylist(), relations["label"].to_pylist(),
                              strict=True))
    freq = nodes["freq"].to_numpy()
    order = np.lexsort((np.arange(len(freq)), -freq))[: limits.entities]
    listed = [node_keys[i] for i in order]
    entity_index = {key: i for i, key in enumerate(listed)}

    facts: dict[tuple[str, str, str, bool], dict[str, Any]] = {}
    sentences: dict[tuple[str, int], int] = {}
    sentence_text: list[str] = []
    doc_index: dict[str, int] = {}
    for part in sorted((work / "extract").glob("part-*.parquet")):
        rows, docs = _facts_of_part(part, min_confidence, set(listed))
        doc_ids = docs["doc_id"].to_pylist()
        for row in rows:
            literal = row["kind"] == "literal"
            key = (row["subj"], row["pred"], row["obj"], bool(row["negated"]))
            fact = facts.setdefault(key, {"count": 0, "docs": set(), "seen": [],
                                          "literal": literal, "object_text": _literal(row)})
            doc_id = doc_ids[row["doc_index"]]
            fact["count"] += 1
            fact["docs"].add(doc_id)
            if len(fact["seen"]) >= limits.sentences_per_fact:
                continue
            span = docs["sentences"][row["doc_index"]][row["sentence"]].as_py()
            where = (doc_id, row["sentence"])
            if where not in sentences:
                sentences[where] = len(sentence_text)
                text = docs["text"][row["doc_index"]].as_py()
                sentence_text.append(text[span["start"]:span["end"]])
            start = span["start"]
            fact["seen"].append([doc_index.setdefault(doc_id, len(doc_index)), sentences[where],
                                 row["s0"] - start, row["s1"] - start,
                                 row["o0"] - start, row["o1"] - start])

    def side(key: str) -> list[Any]:
        return [node_label.get(key, key), entity_index.get(key, -1)]

    ranked = sorted(facts.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
    per_entity: dict[str, list[int]] = {key: [] for key in listed}
    kept: list[tuple[tuple[str, str, str, bool], dict[str, Any]]] = []
    for key, fact in ranked:
        owners = [k for k in dict.fromkeys((key[0], key[2])) if k in per_entity
                  and len(per_entity[k]) < limits.facts_per_entity]
        if not owners:
            continue
        for owner in owners:
            per_entity[owner].append(len(kept))
        kept.append((key, fact))
    # Only the sentences and documents the kept facts cite go into the page.
    used_sentences = sorted({seen[1] for _, fact in kept for seen in fact["seen"]})
    sentence_map = {old: new for new, old in enumerate(used_sentences)}
    used_docs = sorted({seen[0] for _, fact in kept for seen in fact["seen"]})
    doc_map = {old: new for new, old in enumerate(used_docs)}
    doc_names = {i: d for d, i in doc_index.items()}
    labels, types, docs_freq = (nodes["label"].to_pylist(), nodes["type"].to_pylist(),
                                nodes["doc_freq"].to_numpy())
    return {
        "limits": {"entities": limits.entities, "facts_per_entity": limits.facts_per_entity,
                   "sentences_per_fact": limits.sentences_per_fact},
        "graph_entities": len(node_keys),
        "min_confidence": min_confidence,
        "entities": [[labels[i], types[i] or "", int(freq[i]), int(docs_freq[i]),
                      per_entity[node_keys[i]]] for i in order],
        "facts": [[side(s), relation_label.get(p, p),
                   [fact["object_text"], -1] if fact["literal"] else side(o),
                   int(negated), fact["count"], len(fact["docs"]),
                   [[doc_map[d], sentence_map[t], *spans] for d, t, *spans in fact["seen"]]]
                  for (s, p, o, negated), fact in kept],
        "docs": [doc_names[i] for i in used_docs],
        "sentences": [sentence_text[i] for i in used_sentences],
    }


def _literal(row: dict[str, Any]) -> str:
    """A literal object as the graph stores it: its value and unit, else its name as written."""
    if row["kind"] != "literal":
        return ""
    value = row["value"] or row["name"] or ""
    return f"{value} {row['unit']}" if row["unit"] else value


def _script_json(data: dict[str, Any]) -> str:
    """JSON safe inside a <script> element: no '<' can close it or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lookup-data").textContent);
  var input = document.getElementById("q");
  var matches = document.getElementById("matches");
  var detail = document.getElementById("detail");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function entityLink(side) {
    if (side[1] < 0) return el("span", side[0]);
    var a = el("a", side[0]);
    a.href = "#" + encodeURIComponent(data.entities[side[1]][0]);
    return a;
  }
  // A sentence with the subject and object spans marked (character offsets in the sentence).
  function sentence(text, spans) {
    var p = el("p", null, "sentence");
    var marks = [[spans[0], spans[1], "subj"], [spans[2], spans[3], "obj"]]
      .filter(function (m) { return m[0] >= 0 && m[1] > m[0] && m[1] <= text.length; })
      .sort(function (a, b) { return a[0] - b[0]; });
    if (marks.length === 2 && marks[1][0] < marks[0][1]) marks = [marks[0]];
    var at = 0;
    marks.forEach(function (m) {
      p.appendChild(document.createTextNode(text.slice(at, m[0])));
      p.appendChild(el("mark", text.slice(m[0], m[1]), m[2]));
      at = m[1];
    });
    p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }
  function show(index) {
    var entity = data.entities[index];
    detail.textContent = "";
    detail.appendChild(el("h2", entity[0]));
    detail.appendChild(el("p", (entity[1] ? entity[1] + " · " : "") + entity[2] +
      " fact mentions in " + entity[3] + " documents; " + entity[4].length + " facts shown",
      "note"));
    var table = el("table");
    var head = el("tr");
    ["subject", "relation", "object", "stated", "documents and sentences"].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(head);
    entity[4].forEach(function (f) {
      var fact = data.facts[f];
      var row = el("tr");
      var cell = el("td"); cell.appendChild(entityLink(fact[0])); row.appendChild(cell);
      row.appendChild(el("td", (fact[3] ? "not " : "") + fact[1], "relation"));
      cell = el("td"); cell.appendChild(entityLink(fact[2])); row.appendChild(cell);
      row.appendChild(el("td", fact[4] + "× in " + fact[5] + " doc" + (fact[5] === 1 ? "" : "s")));
      cell = el("td");
      fact[6].forEach(function (seen) {
        cell.appendChild(el("div", data.docs[seen[0]], "doc"));
        cell.appendChild(sentence(data.sentences[seen[1]], seen.slice(2)));
      });
      row.appendChild(cell);
      table.appendChild(row);
    });
    detail.appendChild(table);
  }
  function search() {
    var q = input.value.trim().toLowerCase();
    matches.textContent = "";
    var shown = 0;
    for (var i = 0; i < data.entities.length && shown < 30; i++) {
      if (q && data.entities[i][0].toLowerCase().indexOf(q) < 0) continue;
      var li = el("li");
      var a = el("a", data.entities[i][0]);
      a.href = "#" + encodeURIComponent(data.entities[i][0]);
      li.appendChild(a);
      li.appendChild(el("span", " " + data.entities[i][2], "count"));
      matches.appendChild(li);
      shown++;
    }
    if (!shown) matches.appendChild(el("li", "no listed entity matches", "note"));
  }
  function fromHash() {
    var name = decodeURIComponent(location.hash.slice(1));
    for (var i = 0; i < data.entities.length; i++) {
      if (data.entities[i][0] === name) { show(i); return; }
    }
    if (data.entities.length) show(0);
    else detail.textContent = "The graph has no entities.";
  }
  input.addEventListener("input", search);
  window.addEventListener("hashchange", fromHash);
  search();
  fromHash();
})();
"""


def render_lookup(name: str, data: dict[str, Any]) -> str:
    """The lookup page: self-contained, no network access, readable offline."""
    limits = data["limits"]
    listed, total = len(data["entities"]), data["graph_entities"]
    which = (f"All {total:,} entities of the graph" if listed == total else
             f"The {listed:,} most frequently stated entities of the graph's {total:,}")
    note = (f"{which} (the page lists at most {limits['entities']:,}); up to "
            f"{limits['facts_per_entity']} facts per entity, most often stated first, and up to "
            f"{limits['sentences_per_fact']} sentences per fact. Only graph facts: both arguments "
            f"identify something and the confidence is at least {data['min_confidence']:g}.")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>kgprep entity lookup: {html.escape(name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
.layout {{ display: flex; gap: 1.5em; align-items: flex-start; }}
.side {{ width: 17em; flex: none; }} #detail {{ flex: 1; min-width: 0; }}
#q {{ width: 100%; padding: 4px; font-size: 1em; box-sizing: border-box; }}
#matches {{ list-style: none; padding: 0; }} #matches li {{ margin: 2px 0; }}
.count, .note, .doc {{ color: #666; font-size: 0.85em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top;
  font-size: 0.9em; }}
.relation {{ color: #1f6b3a; }} .sentence {{ margin: 0 0 0.5em; }}
mark.subj {{ background: #cfe2f7; }} mark.obj {{ background: #f9dccf; }}
</style></head><body>
<h1>Entity lookup: {html.escape(name)}</h1>
<p class="note">{html.escape(note)} <a href="index.html">Back to the report.</a></p>
<div class="layout"><div class="side">
<input id="q" type="search" placeholder="search an entity by name" aria-label="entity name">
<ul id="matches"></ul></div>
<div id="detail"></div></div>
<script type="application/json" id="lookup-data">{_script_json(data)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
