"""`kgprep validate`'s alignment check under each tokenizer family: byte-level BPE, WordPiece,
Metaspace BPE and the Llama-2 / Mistral layout ("▁" from the normaliser). Correct spans pass,
a changed token fails."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tokenizers import Tokenizer

from kgprep.cli import main
from kgprep.core.io import read_arrow_stream, sha256_file
from kgprep.shards.align import align_spans, token_bounds
from kgprep.validate import SpanComparer, validate_shards
from tests.shards.test_shards_stage import corpus_texts, rerun_shards
from tests.tokenizers_for_tests import KINDS

SENTENCE = "Robert Koch met Zoë Saldaña in Zürich, on 3 May; 東京 (Tokyo) too."
WORDS = ["Robert", "Robert Koch", "Koch", "met", "Zoë Saldaña", "Zürich", "3 May", "東京",
         "Tokyo", "too"]


@pytest.fixture(scope="module", params=sorted(KINDS))
def family(request, tmp_path_factory) -> tuple[str, Tokenizer]:
    texts = [json.loads(line)["text"] for line in
             (Path(__file__).parents[2] / "data" / "sample" / "corpus.jsonl").open()]
    path = KINDS[request.param](texts, tmp_path_factory.mktemp(request.param) / "tok.json")
    return request.param, Tokenizer.from_file(str(path))


def token_span(tokenizer: Tokenizer, text: str, phrase: str) -> tuple[list[int], int, int]:
    """The ids of ``text`` and the token range the shards stage gives ``phrase`` in it."""
    enc = tokenizer.encode(text, add_special_tokens=False)
    start = text.index(phrase)
    first, last = align_spans(*token_bounds(enc.offsets), np.array([start]),
                              np.array([start + len(phrase)]))
    return enc.ids, int(first[0]), int(last[0])


@pytest.mark.parametrize("phrase", WORDS)
def test_every_family_matches_its_own_spans(family, phrase):
    # Llama-2's normaliser prepends "▁" and its decoder strips the first space: "Robert" at the
    # start of a text was reported as "decode to 'Robert', span text is 'Robert'".
    _, tokenizer = family
    comparer = SpanComparer(tokenizer)
    ids, first, last = token_span(tokenizer, SENTENCE, phrase)
    assert comparer.matches(ids, first, last, phrase)


def test_a_span_one_token_off_does_not_match(family):
    _, tokenizer = family
    comparer = SpanComparer(tokenizer)
    ids, first, last = token_span(tokenizer, SENTENCE, "Robert Koch")
    assert not comparer.matches(ids, first, last + 1, "Robert Koch")
    assert not comparer.matches(ids, first + 1, last + 1, "Robert Koch")
    assert not comparer.matches(ids, first, last, "Robert Kochs")


def test_space_marks_are_read_from_the_tokenizer(family):
    # Each family spells a space its own way; the comparison drops exactly that spelling.
    kind, tokenizer = family
    form = SpanComparer(tokenizer).form
    assert form(" Robert  Koch\n") == "robertkoch"
    assert form("Robert▁Koch") == ("robertkoch" if kind in ("metaspace_bpe", "llama2_bpe")
                                   else "robert▁koch")
    assert form("Zoë") == ("zoe" if kind == "wordpiece" else "zoë")  # BERT strips accents


def _first_text_token(table: pa.Table, comparer: SpanComparer) -> tuple[int, int, str]:
    """A row, one of its subject tokens that shows text, and that subject's decoded text."""
    for row, (ids, triples) in enumerate(zip(table["input_ids"].to_pylist(),
                                             table["triples"].to_pylist(), strict=True)):
        for t in triples:
            for i in range(t["subj_start"], t["subj_end"]):
                if comparer.form(comparer.decoded(ids, i, i + 1)):
                    return row, i, comparer.decoded(ids, t["subj_start"], t["subj_end"])
    raise AssertionError("no subject token shows text")


def _other_letter(tokenizer: Tokenizer, comparer: SpanComparer, shown: str) -> int:
    """The first token id that decodes to a single ASCII letter other than ``shown``."""
    for i in range(tokenizer.get_vocab_size()):
        form = comparer.form(comparer.decoded([i], 0, 1))
        if len(form) == 1 and form.isascii() and form.isalpha() and form != shown:
            return i
    raise AssertionError("no single-letter token")


def change_one_token(shards: Path, tokenizer: Tokenizer) -> str:
    """Replace one subject token of the first shard by another letter, keeping the manifest's
    checksums true, so only the alignment check can see it; returns the subject's text."""
    manifest_path = shards / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["shards"][0]
    path = shards / entry["file"]
    table = read_arrow_stream(path)
    comparer = SpanComparer(tokenizer)
    row, token, subject = _first_text_token(table, comparer)
    column = table["input_ids"].to_pylist()
    shown = comparer.form(comparer.decoded(column[row], token, token + 1))
    column[row][token] = _other_letter(tokenizer, comparer, shown)
    index = table.schema.get_field_index("input_ids")
    table = table.set_column(index, table.schema.field(index),
                             pa.array(column, table.schema.field(index).type))
    # A new file renamed over the old one: the table still maps the old file's pages.
    changed = path.with_suffix(".changed")
    with pa.OSFile(str(changed), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    changed.replace(path)
    entry["bytes"], entry["sha256"] = path.stat().st_size, sha256_file(path)
    manifest_path.write_text(json.dumps(manifest))
    return subject


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_validate_passes_each_family_and_catches_one_changed_token(sample_run, tmp_path, kind,
                                                                   capsys):
    if kind == "byte_level":  # the sample run's own tokenizer
        work = tmp_path / "work"
        shutil.copytree(sample_run, work)
        tok_path = work / json.loads((work / "shards" / "manifest.json").read_text())[
            "tokenizer"]["path"]
    else:
        tok_path = KINDS[kind](corpus_texts(sample_run), tmp_path / f"{kind}.json")
        work = rerun_shards(sample_run, tmp_path, f'tokenizer = "{tok_path}"\nseq_len = 256')
    capsys.readouterr()
    assert main(["validate", str(work / "shards")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^OK: .*triples_aligned=[1-9]", out, re.M), out

    subject = change_one_token(work / "shards", Tokenizer.from_file(str(tok_path)))
    result = validate_shards(work / "shards")
    assert result.errors, "a changed subject token must fail validation"
    assert all(re.search(r"row \d+: subj tokens \d+\.\.\d+ decode to .*, span text is ", e)
               for e in result.errors), result.errors
    assert SpanComparer(Tokenizer.from_file(str(tok_path))).form(subject) in result.errors[0]
    assert main(["validate", str(work / "shards")]) == 1  # README: validate found problems
    shown = capsys.readouterr()
    assert "subj tokens" in shown.out + shown.err and "OK: " not in shown.out
