"""Alignment, role painting, packing and role validation on small, hand-checkable inputs."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgprep.core.io import sha256_file
from kgprep.core.schemas import TRIPLE_TYPE, shard_schema
from kgprep.shards.align import ROLE_FLAGS, align_spans, paint_first, paint_or, token_bounds
from kgprep.shards.annotate import ROLES_MANIFEST, DocTokens, GraphLookup, Markup, annotate_part
from kgprep.shards.rows import pack_rows, rows_to_table, unpacked_rows, write_stream
from kgprep.shards.tokenizer import KG_TOKENS, train_byte_level_bpe
from kgprep.validate import check_row_roles, validate_shards
from tests.tokenizers_for_tests import KINDS

S, P, O = ROLE_FLAGS["subject"], ROLE_FLAGS["predicate"], ROLE_FLAGS["object"]  # noqa: E741

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


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 30), st.lists(st.tuples(st.integers(-3, 35), st.integers(-3, 35),
                                              st.sampled_from([1, 2, 4, 3, 5, 128])),
                                    max_size=12))
def test_paint_or_is_the_union_of_every_covering_range(n, ranges):
    expected = [0] * n
    for start, end, flags in ranges:  # the rule written as a plain loop over triples and tokens
        for token in range(max(start, 0), min(end, n)):
            expected[token] |= flags
    starts, ends, flags = (np.array([r[i] for r in ranges], np.int64) for i in range(3))
    got = paint_or(n, starts, ends, flags, np.uint8)
    assert got.dtype == np.uint8 and got.tolist() == expected


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


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 9), st.lists(st.tuples(st.integers(1, 12), st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3),
              st.booleans()), max_size=4)), min_size=1, max_size=4))
def test_packed_roles_are_the_union_of_each_rows_triples(seq_len, layout):
    """Whatever the documents and row cuts, every row's roles pass validate's check: triples
    dropped at a row boundary leave no role behind."""
    docs = []
    for d, (n, raw) in enumerate(layout):
        spans = []
        for a, ls, gap, lo_, empty_pred in raw:
            a = min(a, n - 1)
            s_end = min(a + 1 + ls, n)
            o_start = min(s_end + gap, n - 1)
            o_end = min(o_start + 1 + lo_, n)
            pred = [s_end - 1, s_end - 1] if empty_pred else [a, o_end]
            spans.append([a, s_end, *pred, o_start, o_end])
        docs.append(doc(f"d{d}", n, spans))
    cols, _ = pack_rows(docs, seq_len, eos_id=0, pad_id=99)
    role = cols["role"].reshape(-1, seq_len)
    ids = cols["input_ids"].reshape(-1, seq_len)
    loss = cols["loss_mask"].reshape(-1, seq_len)
    for r, triples in enumerate(cols["triples"]):
        assert check_row_roles(role[r], loss[r], ids[r], cols["n_tokens"][r], triples, None) \
            is None


# Hand-built extract records: documents, triples and a tokenizer that know nothing of the
# extractor, so these tests hold whatever it currently emits.
TEXTS = ["Alice knows Bob who likes Carol.", "Paris, capital of France, is old and big."]


def find(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def arg(text: str, span: tuple[int, int]) -> dict:
    return {"start": span[0], "end": span[1], "head_start": span[0], "head_end": span[1],
            "key": text[span[0]:span[1]].lower(), "type": "CONCEPT", "kind": "concept"}


def record(text: str, subj: tuple[int, int], pred: tuple[int, int], obj: tuple[int, int],
           lemma: str, confidence: float = 0.9, no_edge_reason: str | None = None) -> dict:
    return {"sentence": 0, "subj": arg(text, subj), "obj": arg(text, obj),
            "pred": {"start": pred[0], "end": pred[1], "lemma": lemma, "key": lemma,
                     "label": None},
            "extra_args": [], "negated": False, "confidence": confidence, "rule": "test",
            "no_edge_reason": no_edge_reason}


def docs_table(docs: list[tuple[str, list[dict]]]) -> pa.Table:
    return pa.table({
        "doc_id": [f"doc{i}" for i in range(len(docs))],
        "text": [text for text, _ in docs],
        "sentences": pa.array([[{"start": 0, "end": len(text)}] for text, _ in docs],
                              pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32())]))),
        "triples": pa.array([triples for _, triples in docs], pa.list_(TRIPLE_TYPE)),
    })


def two_roles_doc() -> tuple[str, list[dict]]:
    text = TEXTS[0]
    return text, [record(text, find(text, "Alice"), find(text, "knows"), find(text, "Bob"), "know"),
                  record(text, find(text, "Bob"), find(text, "likes"), find(text, "Carol"),
                         "like")]


def implicit_doc(pred_at: int) -> tuple[str, list[dict]]:
    """An implicit "be" (empty predicate span at ``pred_at``), a non-fact, a low-confidence
    triple, and a fact whose subject covers no character."""
    text = TEXTS[1]
    return text, [
        record(text, find(text, "Paris"), (pred_at, pred_at), find(text, "capital of France"),
               "be"),
        record(text, find(text, "Paris"), find(text, "is"), find(text, "old"), "be",
               no_edge_reason="generic"),
        record(text, find(text, "France"), find(text, "is"), find(text, "big"), "be",
               confidence=0.1),
        record(text, (3, 3), find(text, "is"), find(text, "big"), "be"),
    ]


LOOKUP = GraphLookup({"alice": 0, "bob": 1, "carol": 2, "paris": 3, "capital of france": 4},
                     {"know": 0, "like": 1, "be": 2}, {(0, 0, 1): 7})


@pytest.fixture(scope="module")
def kg_tokenizer(tmp_path_factory):
    from tokenizers import Tokenizer

    path = train_byte_level_bpe(TEXTS * 20, 300, tmp_path_factory.mktemp("kgtok") / "t.json",
                                KG_TOKENS)
    return path, Tokenizer.from_file(str(path))


def tokens_of(tokenizer, text: str, span: tuple[int, int]) -> list[int]:
    enc = tokenizer.encode(text, add_special_tokens=False)
    return [i for i, (a, b) in enumerate(enc.offsets) if a < span[1] and b > span[0]]


def test_a_token_in_two_triples_carries_both_roles(kg_tokenizer):
    _, tokenizer = kg_tokenizer
    text, triples = two_roles_doc()
    (doc_tokens,), unaligned = annotate_part(docs_table([(text, triples)]), tokenizer, LOOKUP,
                                             min_confidence=0.5)
    assert unaligned == 0 and doc_tokens.triple_index.tolist() == [0, 1]
    expected = {"Alice": S, "knows": P, "Bob": S | O, "likes": P, "Carol": O}
    for phrase, flags in expected.items():
        tokens = tokens_of(tokenizer, text, find(text, phrase))
        assert tokens and all(doc_tokens.role[i] == flags for i in tokens), phrase
    # Subnet and entity stay "first triple wins": Bob is the first triple's object.
    bob = tokens_of(tokenizer, text, find(text, "Bob"))
    assert {int(doc_tokens.entity[i]) for i in bob} == {1}
    assert {int(doc_tokens.subnet[i]) for i in bob} == {7}
    cols, _ = pack_rows([doc_tokens], 64, eos_id=0, pad_id=0)
    assert cols["role"][: len(doc_tokens.ids)].tolist() == doc_tokens.role.tolist()


# After "Paris", inside its token, and (an odd offset) inside a word after the object.
@pytest.mark.parametrize("pred_at", [5, 2, 38])
def test_an_implicit_predicate_tags_nothing_and_its_triple_is_kept(kg_tokenizer, pred_at):
    _, tokenizer = kg_tokenizer
    text, triples = implicit_doc(pred_at)
    (doc_tokens,), unaligned = annotate_part(docs_table([(text, triples)]), tokenizer, LOOKUP,
                                             min_confidence=0.5)
    # Only facts are annotated: the non-fact and the low-confidence triple are neither kept nor
    # unaligned; the fact whose subject covers nothing is unaligned; the implicit one is kept.
    assert unaligned == 1
    assert doc_tokens.triple_index.tolist() == [0]
    (spans,) = doc_tokens.spans
    assert spans[2] == spans[3] and spans[0] <= spans[2] < spans[5]
    assert not (doc_tokens.role & P).any()
    for phrase, flags in {"Paris": S, "capital of France": O, "old": 0, "big": 0}.items():
        tokens = tokens_of(tokenizer, text, find(text, phrase))
        assert all(doc_tokens.role[i] == flags for i in tokens), phrase
    cols, stats = pack_rows([doc_tokens], 64, eos_id=0, pad_id=0)
    (row_triple,) = cols["triples"][0]
    assert row_triple["pred_start"] == row_triple["pred_end"] and stats["triples"] == 1


def test_markup_of_an_implicit_predicate_has_no_predicate_tokens(kg_tokenizer):
    _, tokenizer = kg_tokenizer
    markup = Markup(*(tokenizer.token_to_id(t) for t in KG_TOKENS))
    text, triples = implicit_doc(5)
    (doc_tokens,), _ = annotate_part(docs_table([(text, triples)]), tokenizer, LOOKUP, markup,
                                     min_confidence=0.5)
    ids = doc_tokens.ids.tolist()
    kg, rel, obj = ids.index(markup.kg), ids.index(markup.rel), ids.index(markup.obj)
    assert obj == rel + 1
    assert set(doc_tokens.role[kg + 1:rel].tolist()) == {S}
    assert set(doc_tokens.role[obj + 1:ids.index(markup.end)].tolist()) == {O}


def write_mini_shards(work, tokenizer_path, docs: list[tuple[str, list[dict]]], tokenizer,
                      seq_len: int = 32):
    """A work dir with one extract part and its shards, written by the stage's functions."""
    (work / "extract").mkdir(parents=True)
    (work / "shards").mkdir()
    (work / "tokenizer.json").write_bytes(tokenizer_path.read_bytes())
    table = docs_table(docs)
    pq.write_table(table, work / "extract" / "part-00000.parquet")
    doc_tokens, _ = annotate_part(table, tokenizer, LOOKUP, min_confidence=0.5)
    cols, stats = pack_rows(doc_tokens, seq_len, eos_id=0, pad_id=0)
    shard = rows_to_table(cols, shard_schema(seq_len, "packed"), seq_len, "packed")
    write_manifest(work, shard, stats, seq_len)
    return shard


def write_manifest(work, shard: pa.Table, stats: dict, seq_len: int) -> None:
    path = work / "shards" / "shard-00000-000.arrow"
    write_stream(path, shard)
    counts = {"rows": stats["rows"], "tokens": stats["tokens"], "triples": stats["triples"]}
    manifest = {
        "seq_len": seq_len, "packing": "packed", "roles": ROLES_MANIFEST, "markup_tokens": {},
        "tokenizer": {"path": "tokenizer.json", "sha256": sha256_file(work / "tokenizer.json")},
        "totals": counts,
        "shards": [{"file": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path),
                    "parts": ["part-00000.parquet"], **counts}],
    }
    (work / "shards" / "manifest.json").write_text(json.dumps(manifest))


def with_column(table: pa.Table, name: str, values: list) -> pa.Table:
    field = table.schema.field(name)
    return table.set_column(table.schema.get_field_index(name), field,
                            pa.array(values, field.type))


def test_validate_checks_every_tokens_roles(kg_tokenizer, tmp_path):
    path, tokenizer = kg_tokenizer
    work = tmp_path / "work"
    shard = write_mini_shards(work, path, [two_roles_doc(), implicit_doc(5)], tokenizer)
    stats = {k: v for k, v in zip(("rows", "tokens", "triples"), (
        shard.num_rows, sum(shard["n_tokens"].to_pylist()),
        sum(len(t) for t in shard["triples"].to_pylist())), strict=True)}
    result = validate_shards(work / "shards")
    assert result.ok, result.errors
    assert result.checked["triples_aligned"] == 3
    assert result.checked["rows_role_checked"] == shard.num_rows
    roles = shard["role"].to_pylist()
    bob = tokens_of(tokenizer, TEXTS[0], find(TEXTS[0], "Bob"))[0]
    for token, value in ((bob, S), (bob, O), (bob, S | P | O), (0, 0), (1, S | P), (30, S)):
        mutated = [list(r) for r in roles]
        if mutated[0][token] == value:
            continue
        mutated[0][token] = value
        write_manifest(work, with_column(shard, "role", mutated), stats, 32)
        result = validate_shards(work / "shards")
        assert any(f"row 0: token {token} has role {value}" in e for e in result.errors), \
            result.errors
    # An implicit predicate given tokens in the row is an alignment error.
    triples = shard["triples"].to_pylist()
    t = next(t for ts in triples for t in ts
             if t["triple_index"] == 0 and t["pred_start"] == t["pred_end"])
    t["pred_end"] += 1
    write_manifest(work, with_column(shard, "triples", triples), stats, 32)
    errors = validate_shards(work / "shards").errors
    assert any("pred has an empty span in the text" in e for e in errors), errors


def test_validate_refuses_the_old_role_codes(kg_tokenizer, tmp_path):
    path, tokenizer = kg_tokenizer
    work = tmp_path / "work"
    write_mini_shards(work, path, [two_roles_doc()], tokenizer)
    manifest = json.loads((work / "shards" / "manifest.json").read_text())
    manifest["roles"] = {"none": 0, "subject": 1, "predicate": 2, "object": 3}
    (work / "shards" / "manifest.json").write_text(json.dumps(manifest))
    assert any("older kgprep" in e for e in validate_shards(work / "shards").errors)


def test_markup_roles_are_checked(kg_tokenizer):
    _, tokenizer = kg_tokenizer
    markup = Markup(*(tokenizer.token_to_id(t) for t in KG_TOKENS))
    text, triples = two_roles_doc()
    (doc_tokens,), _ = annotate_part(docs_table([(text, triples)]), tokenizer, LOOKUP, markup,
                                     min_confidence=0.5)
    by_name = dict(zip(KG_TOKENS, (markup.kg, markup.rel, markup.obj, markup.end), strict=True))
    seq_len = 16  # rows cut inside the markup: a row may start mid-phrase
    cols, _ = pack_rows([doc_tokens], seq_len, eos_id=0, pad_id=0)
    role = cols["role"].reshape(-1, seq_len)
    ids = cols["input_ids"].reshape(-1, seq_len)
    loss = cols["loss_mask"].reshape(-1, seq_len)
    assert (loss[:, :] == 0).any()
    for r, row_triples in enumerate(cols["triples"]):
        args = (loss[r], ids[r], cols["n_tokens"][r], row_triples, by_name)
        assert check_row_roles(role[r], *args) is None
        for i in np.flatnonzero((loss[r] == 0) & (np.arange(seq_len) < cols["n_tokens"][r])):
            others = [f for f in (S, P, O) if f != role[r][i]]
            for value in [0, S | O, *others] if role[r][i] else [S]:
                mutated = role[r].copy()
                mutated[i] = value
                assert check_row_roles(mutated, *args) is not None, (r, i, value)
