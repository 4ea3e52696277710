"""Alignment and packing on small, hand-checkable inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgprep.align import align_spans, paint_first, token_bounds
from kgprep.shards import DocTokens, pack_rows, unpacked_rows
from kgprep.tokenizer import train_byte_level_bpe
from tests.tokenizers_for_tests import KINDS

CORPUS = ["The Sun is a star.", "Café société naïve 東京 🚀 emoji.", "Tabs\tand   spaces\n\nhere."]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 30), st.lists(st.tuples(st.integers(0, 35), st.integers(0, 35),
                                              st.integers(0, 9)), max_size=12))
def test_paint_first_gives_each_token_its_first_covering_range(n, ranges):
    expected = np.full(n, -1, np.int32)
    for start, end, value in ranges:  # the rule written as a loop: earlier ranges keep tokens
        for token in range(start, min(end, n)):
            if expected[token] == -1:
                expected[token] = value
    starts, ends, values = (np.array([r[i] for r in ranges], np.int64) for i in range(3))
    got = paint_first(n, starts, ends, values, -1, np.int32)
    assert got.dtype == np.int32 and got.tolist() == expected.tolist()


@pytest.fixture(scope="module")
def bpe(tmp_path_factory):
    from tokenizers import Tokenizer

    path = train_byte_level_bpe(CORPUS * 20, 300, tmp_path_factory.mktemp("tok") / "t.json")
    return Tokenizer.from_file(str(path))


@pytest.fixture(scope="module", params=sorted(KINDS))
def any_tokenizer(request, tmp_path_factory):
    from tokenizers import Tokenizer

    path = tmp_path_factory.mktemp(request.param) / "tokenizer.json"
    KINDS[request.param](CORPUS * 20, path, 400)
    return Tokenizer.from_file(str(path))


def test_bpe_training_is_deterministic(tmp_path):
    a = train_byte_level_bpe(CORPUS * 20, 300, tmp_path / "a.json").read_bytes()
    b = train_byte_level_bpe(CORPUS * 20, 300, tmp_path / "b.json").read_bytes()
    assert a == b


def test_align_spans_known_case(bpe):
    text = "The Sun is a star."
    enc = bpe.encode(text, add_special_tokens=False)
    starts, ends = token_bounds(enc.offsets)
    first, last = align_spans(starts, ends, np.array([4]), np.array([7]))
    assert bpe.decode(enc.ids[first[0]:last[0]]).strip() == "Sun"


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ab cé\u0301 \t\n東🚀.,")), min_size=1, max_size=40
    ),
    data=st.data(),
)
def test_alignment_covers_and_is_minimal(any_tokenizer, text, data):
    enc = any_tokenizer.encode(text, add_special_tokens=False)
    offsets = np.asarray(enc.offsets).reshape(-1, 2)
    s = data.draw(st.integers(0, len(text) - 1))
    e = data.draw(st.integers(s + 1, len(text)))
    starts, ends = token_bounds(enc.offsets)
    first, last = (int(x[0]) for x in align_spans(starts, ends, np.array([s]), np.array([e])))
    # Every non-empty token overlapping the span is inside the range (coverage) ...
    overlapping = [i for i, (a, b) in enumerate(offsets) if a < e and b > s and b > a]
    for i in overlapping:
        assert first <= i < last
    # ... and the range's end tokens overlap the span (minimality).
    if first < last:
        assert offsets[first][1] > s
        assert offsets[last - 1][0] < e


def doc(doc_id: str, n: int, spans: list[list[int]]) -> DocTokens:
    k = len(spans)
    return DocTokens(
        doc_id=doc_id, ids=np.arange(10, 10 + n, dtype=np.uint32),
        role=np.ones(n, np.uint8), entity=np.full(n, 5, np.int32), subnet=np.full(n, 1, np.int16),
        loss_mask=np.ones(n, np.uint8),
        spans=np.array(spans, np.int64).reshape(k, 6),
        ids_info=np.tile(np.array([[1, 2, 3, 0]]), (k, 1)),
        negated=np.zeros(k, bool), confidence=np.full(k, 0.5, np.float32),
        triple_index=np.arange(k),
    )


def test_pack_rows_eos_padding_docs_and_boundary_drops():
    docs = [doc("a", 5, [[0, 1, 1, 2, 2, 3]]),
            doc("b", 6, [[0, 1, 1, 2, 4, 6], [3, 4, 4, 5, 5, 6]])]
    cols, stats = pack_rows(docs, seq_len=4, eos_id=0, pad_id=99)
    # a: tokens 0-4, EOS at 5; b: tokens 6-11, EOS at 12; 13 tokens -> 4 rows, 3 pads.
    assert stats == {"rows": 4, "tokens": 13, "dropped_at_boundary": 1, "triples": 2}
    assert cols["input_ids"][5] == 0 and cols["input_ids"][12] == 0
    assert cols["input_ids"][13:].tolist() == [99, 99, 99]
    assert cols["n_tokens"] == [4, 4, 4, 1]
    assert cols["docs"][1] == [{"doc_id": "a", "start": 0, "end": 1},
                               {"doc_id": "b", "start": 2, "end": 4}]
    # b's second triple sits at global 9..12 -> row 2, offsets 1..4.
    (t,) = cols["triples"][2]
    assert (t["subj_start"], t["obj_end"], t["triple_index"]) == (1, 4, 1)
    assert cols["role"][5] == 0 and cols["entity"][5] == -1  # EOS carries no annotation


def test_unpacked_rows_one_document_each():
    cols, stats = unpacked_rows([doc("a", 3, []), doc("b", 2, [[0, 1, 1, 2, 0, 1]])], eos_id=0)
    assert stats["rows"] == 2 and cols["n_tokens"] == [4, 3]
    assert cols["input_ids"][1].tolist() == [10, 11, 0]
