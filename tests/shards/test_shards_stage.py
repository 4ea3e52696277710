"""The shards stage under each tokenizer family and layout, on the sample pipeline's work dir."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer

from kgprep.cli import main
from kgprep.core.config import load_config
from kgprep.core.facts import fact_mask
from kgprep.core.io import read_arrow_stream
from kgprep.validate import validate_shards
from tests.conftest import sample_pipeline
from tests.tokenizers_for_tests import llama2_bpe, metaspace_bpe, wordpiece


def rerun_shards(sample_run: Path, tmp: Path, shards: str) -> Path:
    """Copy the sample work dir and rerun only the shards stage with other settings."""
    shutil.copytree(sample_run, tmp / "work")
    shutil.rmtree(tmp / "work" / "shards")
    pipeline = sample_pipeline(tmp, shards=shards)
    assert main(["shards", str(pipeline)]) == 0
    return tmp / "work"


def graph_facts(work: Path, pipeline: Path) -> int:
    """How many extracted triples are graph facts: the triples the shards stage annotates."""
    min_confidence = load_config(pipeline).graph.min_confidence
    return sum(int(fact_mask(pq.read_table(f, columns=["triples"])["triples"].combine_chunks()
                             .flatten(), min_confidence).sum())
               for f in sorted((work / "extract").glob("part-*.parquet")))


def corpus_texts(work: Path) -> list[str]:
    return [t for f in sorted((work / "extract").glob("part-*.parquet"))
            for t in pq.read_table(f, columns=["text"])["text"].to_pylist()]


@pytest.mark.parametrize("kind", ["wordpiece", "metaspace_bpe", "llama2_bpe"])
def test_user_tokenizers_of_other_families(sample_run, tmp_path, kind):
    build = {"wordpiece": wordpiece, "metaspace_bpe": metaspace_bpe, "llama2_bpe": llama2_bpe}[kind]
    tok_path = build(corpus_texts(sample_run), tmp_path / f"{kind}.json")
    work = rerun_shards(sample_run, tmp_path, f'tokenizer = "{tok_path}"\nseq_len = 256')
    m = json.loads((work / "shards" / "manifest.json").read_text())
    tokenizer = Tokenizer.from_file(str(tok_path))
    expected_eos = "[SEP]" if kind == "wordpiece" else "</s>"
    expected_pad = "[PAD]" if kind == "wordpiece" else "<pad>"
    assert m["tokenizer"]["eos_id"] == tokenizer.token_to_id(expected_eos)
    assert m["tokenizer"]["pad_id"] == tokenizer.token_to_id(expected_pad)
    result = validate_shards(work / "shards")
    assert result.ok, result.errors[:5]
    # Every graph fact (and nothing else) is in a row, dropped at a boundary, or unaligned.
    totals = m["totals"]
    assert result.checked["triples_aligned"] == totals["triples"] > 0
    assert (totals["triples"] + totals["triples_dropped_at_boundary"]
            + totals["triples_unaligned"]) == graph_facts(work, tmp_path / "pipeline.toml")


def test_configured_special_tokens_and_a_bad_one(sample_run, tmp_path, capsys):
    tok_path = wordpiece(corpus_texts(sample_run), tmp_path / "wp.json")
    work = rerun_shards(sample_run, tmp_path,
                        f'tokenizer = "{tok_path}"\neos_token = "[CLS]"')
    m = json.loads((work / "shards" / "manifest.json").read_text())
    assert m["tokenizer"]["eos_token"] == "[CLS]"
    pipeline = sample_pipeline(tmp_path, shards=f'tokenizer = "{tok_path}"\n'
                               'eos_token = "<nope>"')
    assert main(["shards", str(pipeline)]) != 0
    assert "shards.eos_token" in capsys.readouterr().err


def test_a_trained_bpe_carries_the_configured_special_tokens(sample_run, tmp_path):
    work = rerun_shards(sample_run, tmp_path, 'eos_token = "</s>"\npad_token = "<pad>"')
    m = json.loads((work / "shards" / "manifest.json").read_text())
    tokenizer = Tokenizer.from_file(str(work / "tokenizer" / "tokenizer.json"))
    assert (m["tokenizer"]["eos_token"], m["tokenizer"]["pad_token"]) == ("</s>", "<pad>")
    assert m["tokenizer"]["eos_id"] == tokenizer.token_to_id("</s>")
    assert m["tokenizer"]["pad_id"] == tokenizer.token_to_id("<pad>")
    assert tokenizer.encode("a</s>b").tokens.count("</s>") == 1  # special: never split
    assert validate_shards(work / "shards").ok


def test_a_cut_short_trained_tokenizer_is_trained_again(sample_run, tmp_path):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = sample_pipeline(tmp_path)
    path = tmp_path / "work" / "tokenizer" / "tokenizer.json"
    kept = path.read_bytes()
    path.write_bytes(kept[: len(kept) // 2])
    assert main(["shards", str(pipeline)]) == 0
    assert path.read_bytes() == kept


def test_unpacked_layout_one_document_a_row(sample_run, tmp_path):
    work = rerun_shards(sample_run, tmp_path, 'packing = "none"')
    assert validate_shards(work / "shards").ok
    rows = [r for f in sorted((work / "shards").glob("shard-*.arrow"))
            for r in read_arrow_stream(f).to_pylist()]
    assert len(rows) == 125
    assert all(len(r["docs"]) == 1 and len(r["input_ids"]) == r["n_tokens"] for r in rows)
    table = read_arrow_stream(next((work / "shards").glob("shard-*.arrow")))
    assert table.schema.field("input_ids").type == pa.list_(pa.uint32())


def test_shards_are_cut_at_shard_bytes(sample_run, tmp_path):
    work = rerun_shards(sample_run, tmp_path, "shard_bytes = 20000")
    m = json.loads((work / "shards" / "manifest.json").read_text())
    # 512-token rows take about 6 kB of token columns: three rows a shard at most.
    assert len(m["shards"]) > 2
    assert all(s["rows"] <= 3 for s in m["shards"])
    assert sum(s["rows"] for s in m["shards"]) == m["totals"]["rows"]
    assert validate_shards(work / "shards").ok


def test_linearized_knowledge_markup(sample_run, tmp_path):
    work = rerun_shards(sample_run, tmp_path, 'linearize = "append"')
    m = json.loads((work / "shards" / "manifest.json").read_text())
    markup = m["markup_tokens"]
    assert set(markup) == {"<kg>", "<rel>", "<obj>", "</kg>"}
    tokenizer = Tokenizer.from_file(str(work / m["tokenizer"]["path"]))
    result = validate_shards(work / "shards")
    assert result.ok, result.errors[:5]
    table = read_arrow_stream(work / "shards" / m["shards"][0]["file"])
    row = table.to_pylist()[0]
    ids, roles, loss = row["input_ids"], row["role"], row["loss_mask"]
    kg = ids.index(markup["<kg>"])
    end = ids.index(markup["</kg>"], kg)
    block = ids[kg:end + 1]
    assert all(loss[i] == 0 for i in range(kg, end + 1))  # markup is out of the LM loss
    text = tokenizer.decode(block, skip_special_tokens=False)
    assert text.startswith("<kg>") and "<rel>" in text and "<obj>" in text
    rel, obj = ids.index(markup["<rel>"], kg), ids.index(markup["<obj>"], kg)
    # Markup tokens carry the flag of the phrase they spell (subject 1, predicate 2, object 4);
    # an implicit predicate has no tokens between <rel> and <obj>.
    assert set(roles[kg + 1:rel]) == {1} and set(roles[rel + 1:obj]) <= {2}
    assert set(roles[obj + 1:end]) == {4}
    assert all(e >= 0 for e in row["entity"][kg + 1:rel])
    # Text tokens keep the loss; the first sentence precedes its markup.
    assert all(loss[i] == 1 for i in range(kg))
    assert m["totals"]["tokens"] > json.loads(
        (sample_run / "shards" / "manifest.json").read_text())["totals"]["tokens"]
