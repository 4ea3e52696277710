"""A held-out corpus of bad input, written from the issue and from real pretraining corpora.

Each kind below writes its files into its own directory of one corpus and says what must become
of its records: processed, rejected (with a reason matching a pattern) or skipped. The whole corpus
goes through ``kgprep run`` once; then every record must be accounted for, the conservation line
must add up, the exit code must be the documented one, ``validate`` must pass, and a rerun must
change nothing. The kinds were listed from the README's promises before the reader was read, so
they test the contract, not the implementation.
"""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import json
import lzma
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from tests.conftest import ROOT, write_pipeline

PART_SIZE = 16

# ---------------------------------------------------------------------------------------------
# Text that language identification reads as English, each sentence distinct (dedup is on).

_PEOPLE = ["Marie Curie", "Alan Turing", "Ada Lovelace", "Niels Bohr", "Rosalind Franklin",
           "Charles Darwin", "Isaac Newton", "Lise Meitner", "Grace Hopper", "Enrico Fermi"]
_PLACES = ["Paris", "London", "Vienna", "Boston", "Chicago", "Toronto", "Dublin", "Madrid",
           "Oslo", "Sydney"]
_THINGS = ["the city library", "a famous observatory", "the national museum",
           "an old university", "the royal society", "a small laboratory"]
_counter = itertools.count()


def sentence() -> str:
    n = next(_counter)
    person, place = _PEOPLE[n % 10], _PLACES[(n // 10) % 10]
    thing = _THINGS[n % len(_THINGS)]
    return (f"{person} visited {place} in {1700 + n} and described {thing} in a long letter "
            f"to a friend who worked there.")


def english() -> str:
    return f"{sentence()} {sentence()}"


GERMAN = ("Die Stadt liegt an einem großen Fluss, und im Sommer fahren viele Menschen mit dem "
          "Schiff zu den Dörfern in den Bergen, wo sie wandern und frische Luft genießen.")
FRENCH = ("La ville se trouve au bord d'un grand fleuve, et en été beaucoup de gens prennent le "
          "bateau pour aller dans les villages de montagne où ils se promènent longtemps.")
RUSSIAN = ("Город стоит на берегу большой реки, и летом многие люди плывут на корабле в "
           "деревни в горах, где они гуляют и отдыхают на свежем воздухе.")
CHINESE = ("这座城市位于一条大河的岸边，夏天很多人乘船去山里的村庄散步，"
           "呼吸新鲜的空气，然后回家休息。")


# ---------------------------------------------------------------------------------------------
# Writers: small helpers that put bytes on disk the way real tools do.

def jsonl(records: list[object]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


def docs(kind: str, n: int) -> list[dict]:
    return [{"id": f"{kind}-{i}", "text": english()} for i in range(n)]


def zstd(data: bytes) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


def parquet(table: pa.Table, **kwargs) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **kwargs)
    return sink.getvalue()


def paragraphs(texts: list[str], newline: str = "\n") -> bytes:
    return (newline * 2).join(texts).encode("utf-8") + newline.encode()


def complete_gzip_lines(truncated: bytes) -> int:
    """Oracle: how many whole lines a streaming reader can recover from a truncated gzip."""
    data = zlib.decompressobj(wbits=31).decompress(truncated)
    return data.count(b"\n")


def complete_zstd_lines(truncated: bytes) -> range:
    """No streaming zstd decoder at hand returns a truncated frame's prefix (pyarrow's drops its
    last chunk), so: at most the lines written before the cut."""
    return range(0, 60)


# ---------------------------------------------------------------------------------------------
# The table of kinds.

Writer = Callable[[Path], object]


@dataclass(frozen=True)
class Kind:
    """One kind of bad input: its files live in ``corpus/<name>/``."""

    name: str
    write: Writer  # writes the kind's files into its directory; may return a processed count
    processed: int | range | None  # None: the writer returns it (truncated files)
    rejected: tuple[str, ...] = ()  # one regex per reject, matched against its reason
    skipped: tuple[str, ...] = ()  # one regex per skip


def put(name: str, data: bytes) -> Writer:
    def write(directory: Path) -> None:
        (directory / name).write_bytes(data)
    return write


def put_many(files: dict[str, bytes]) -> Writer:
    def write(directory: Path) -> None:
        for name, data in files.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_bytes(data)
    return write


def truncated(name: str, compress: Callable[[bytes], bytes],
              oracle: Callable[[bytes], int | range]) -> Writer:
    """60 records, compressed, the last third of the file lost (a killed download)."""
    def write(directory: Path) -> int | range:
        data = compress(jsonl(docs(directory.name, 60)))
        cut = data[: len(data) * 2 // 3]
        (directory / name).write_bytes(cut)
        return oracle(cut)
    return write


def long_document_lines() -> bytes:
    lines, size = [], 0
    while size < 150_000:  # over 100,000 characters: parsed in line-aligned pieces
        lines.append(sentence())
        size += len(lines[-1]) + 1
    return jsonl([{"id": "long-lines", "text": "\n".join(lines)}])


def long_document_one_line() -> bytes:
    # No newline and no sentence end in 120,000 characters: pieces must be cut somewhere else.
    words = ["the", "river", "flows", "past", "the", "old", "mill", "where", "farmers", "sell",
             "grain", "and", "bread", "to", "travellers", "who", "walk", "along", "the", "road"]
    text = " ".join(words[i % len(words)] for i in range(21_000))
    return jsonl([{"id": "long-one-line", "text": text}])


URL = "https://example.org/archive/" + "/".join(f"section{i:03d}" for i in range(30))
LONG_NAME = " ".join(f"Northwestern{i}" for i in range(20)) + " Foundation"
BUYERS = ["Boston Dynamics", "Acme Corporation", "Globex Industries", "Initech Systems"]


def dataset_dict(directory: Path) -> None:
    from datasets import Dataset, DatasetDict

    DatasetDict({
        "train": Dataset.from_list(docs("dataset_dict", 3)),
        "test": Dataset.from_list(docs("dataset_dict_test", 2)),
    }).save_to_disk(str(directory / "dd"))


def kinds() -> list[Kind]:
    surrogates = ('{"id": "sur-text", "text": "Alan \\ud800 Turing wrote a paper."}\n'
                  '{"id": "sur-\\udfff-id", "text": "Grace Hopper built a compiler in 1952."}\n'
                  '{"id": "sur-pair", "text": "Ada Lovelace liked \\ud83d\\ude00 notes about '
                  'engines and numbers."}\n')
    return [
        # --- compression and file-level damage
        Kind("jsonl_gz", put("a.jsonl.gz", gzip.compress(jsonl(docs("jsonl_gz", 3)))), 3),
        Kind("jsonl_zst", put("a.jsonl.zst", zstd(jsonl(docs("jsonl_zst", 3)))), 3),
        Kind("jsonl_bz2", put("a.jsonl.bz2", bz2.compress(jsonl(docs("jsonl_bz2", 2)))), 2),
        Kind("jsonl_xz", put("a.jsonl.xz", lzma.compress(jsonl(docs("jsonl_xz", 2)))), 2),
        Kind("txt_gz", put("a.txt.gz", gzip.compress(paragraphs([english() for _ in range(3)]))),
             3),
        Kind("txt_xz", put("a.txt.xz", lzma.compress(paragraphs([english() for _ in range(2)]))),
             2),
        Kind("parquet_gz", put("a.parquet.gz", gzip.compress(parquet(pa.Table.from_pylist(
            docs("parquet_gz", 3))))), 3),
        Kind("parquet_zst", put("a.parquet.zst", zstd(parquet(pa.Table.from_pylist(
            docs("parquet_zst", 2))))), 2),
        # Common Crawl WET files are concatenated gzip members.
        Kind("gzip_multimember", put("a.jsonl.gz", gzip.compress(jsonl(docs("mm1", 2)))
                                     + gzip.compress(jsonl(docs("mm2", 2)))), 4),
        Kind("corrupt_gzip", put("a.jsonl.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4), 0,
             rejected=(r"(?i)gzip|compress|corrupt|invalid|crc|header",)),
        Kind("truncated_gzip", truncated("a.jsonl.gz", gzip.compress, complete_gzip_lines), None,
             rejected=(r"(?i)truncat|end.of.stream|ended|eof|compress",)),
        Kind("truncated_zst", truncated("a.jsonl.zst", zstd, complete_zstd_lines), None,
             rejected=(r"(?i)truncat|end.of.stream|ended|eof|compress|zstd|frame",)),
        Kind("plain_named_gz", put("a.jsonl.gz", jsonl(docs("plain_named_gz", 2))), 0,
             rejected=(r"(?i)gzip|compress|not|magic|header",)),
        Kind("not_parquet", put("a.parquet", b"id,text\n1,hello world\n"), 0,
             rejected=(r"(?i)parquet|magic|footer|not",)),
        Kind("zero_row_parquet", put("a.parquet", parquet(pa.table(
            {"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}))), 0,
             rejected=(r"(?i)no records|empty|zero|no rows",)),
        Kind("empty_file", put_many({"a.jsonl": b"", "b.jsonl": jsonl(docs("empty_file", 1))}),
             1, rejected=(r"(?i)no records|empty",)),
        Kind("unknown_format", put("a.csv", b"id,text\n1,Paris is the capital of France.\n"), 0,
             rejected=(r"(?i)format",)),
        # A file whose last block was never written (crash): NUL padding after the records.
        Kind("nul_padded_tail", put("a.jsonl", jsonl(docs("nul_padded_tail", 2))
                                    + b"\x00" * 512 + b"\n"), 2,
             rejected=(r"(?i)invalid json|nul|control",)),
        # --- directory layouts
        Kind("hidden_file", put(".hidden.jsonl", jsonl(docs("hidden_file", 2))), 0),
        Kind("only_excluded", put("notes.skip", jsonl(docs("only_excluded", 2))), 0),
        Kind("nested_tree", put_many({
            "a/b/c/deep.jsonl": jsonl(docs("nested_tree", 2)),
            "a/b/also.txt": paragraphs([english()]),
            "drafts/draft.jsonl": jsonl(docs("nested_draft", 3)),  # exclude: nested_tree/drafts/*
            "empty_subdir/.keep": b"",
        }), 3),
        Kind("unicode_file_name", put("données été 2024.jsonl", jsonl(docs("unicode_name", 2))),
             2),
        Kind("many_small_files", put_many({f"f{i:02d}.jsonl": jsonl(docs(f"small{i}", 1))
                                          for i in range(30)}), 30),
        # --- record-level damage
        Kind("lone_surrogates", put("a.jsonl", surrogates.encode("ascii")), 1,
             rejected=(r"(?i)surrogate", r"(?i)surrogate")),
        Kind("invalid_json", put("a.jsonl", jsonl(docs("invalid_json", 1))
                                 + b'{not json\n{"id": "cut", "text": "Paris is\n'), 1,
             rejected=(r"(?i)invalid json", r"(?i)invalid json")),
        Kind("deeply_nested_json", put("a.jsonl", b"[" * 200_000 + b"]" * 200_000 + b"\n"
                                       + jsonl(docs("deep", 1))), 1,
             rejected=(r"(?i)invalid json|nest|deep|recursion",)),
        Kind("non_utf8", put("a.jsonl", jsonl(docs("non_utf8", 1))
                             + b'{"id": "latin1", "text": "caf\xe9 au lait"}\n'
                             + b'{"id": "cesu8", "text": "x\xed\xa0\x80y"}\n'), 1,
             rejected=(r"(?i)utf-?8", r"(?i)utf-?8|surrogate")),
        Kind("utf8_bom", put_many({"a.jsonl": b"\xef\xbb\xbf" + jsonl(docs("utf8_bom", 2)),
                                  "b.txt": b"\xef\xbb\xbf" + paragraphs([english()])}), 3),
        Kind("crlf", put_many({
            "a.jsonl": jsonl(docs("crlf", 2)).replace(b"\n", b"\r\n"),
            "b.txt": paragraphs([english() for _ in range(3)], newline="\r\n")}), 5),
        Kind("nul_in_text", put("a.jsonl", jsonl([{"id": "nul", "text": "Pfizer\x00 developed "
                                                   "the vaccine\x00 in a lab near Boston."}])), 1),
        Kind("not_an_object", put("a.jsonl", b'[1, 2]\n"just a string"\n42\nnull\ntrue\n'), 0,
             rejected=(r"(?i)object",) * 5),
        Kind("text_missing_or_not_string", put("a.jsonl", jsonl([
            {"id": "t-missing", "body": english()}, {"id": "t-null", "text": None},
            {"id": "t-number", "text": 42}, {"id": "t-list", "text": ["a", "b"]},
            {"id": "t-object", "text": {"en": "x"}}, {"id": "t-bool", "text": True}])), 0,
             rejected=(r"(?i)text",) * 6),
        Kind("id_variants", put("a.jsonl", jsonl([
            {"id": 12345, "text": english()}, {"id": None, "text": english()},
            {"text": english()}])), 3),
        # JSON allows U+2028, U+2029 and U+0085 raw in strings; str.splitlines() breaks on them.
        Kind("unicode_line_separators", put("a.jsonl", "".join(
            json.dumps({"id": f"sep-{i}", "text": sentence() + sep + sentence()},
                       ensure_ascii=False) + "\n"
            for i, sep in enumerate(["\u2028", "\u2029", "\x85"])).encode("utf-8")), 3),
        Kind("blank_lines_no_final_newline", put("a.jsonl", b"\n\n" + jsonl(docs("blank", 2))
                                                 + b"   \n\t\n" + jsonl(docs("blank_end", 1))
                                                 .rstrip(b"\n")), 3),
        Kind("dolma_style_metadata", put("a.jsonl", jsonl([{
            "id": "dolma-1", "text": english(), "source": "common-crawl", "added": "2024-01-01",
            "metadata": {"url": "https://example.org", "nested": {"a": [1, 2, {"b": None}]}}}])),
             1),
        Kind("parquet_bad_rows", put("a.parquet", parquet(pa.table({
            "id": ["pq-good", "pq-null", "pq-empty"],
            "text": [english(), None, ""]}))), 1,
             rejected=(r"(?i)text|null|missing|string", r"(?i)empty")),
        Kind("parquet_layouts", put("a.parquet", parquet(pa.table({
            "id": pa.array([f"pl-{i}" for i in range(5)]).dictionary_encode(),
            "text": pa.array([english() for _ in range(5)], pa.large_string())}),
            row_group_size=2)), 5),
        Kind("parquet_text_not_string", put("a.parquet", parquet(pa.table({
            "id": ["pi-1", "pi-2"], "text": [1, 2]}))), 0, rejected=(r"(?i)text|string",) * 2),
        Kind("text_mode_latin1", put("a.txt", paragraphs([english()]) + b"\n"
                                     + "Caf\xe9 cr\xe8me.\n".encode("latin-1")), 1,
             rejected=(r"(?i)utf-?8",)),
        # --- text content
        Kind("empty_and_whitespace_text", put("a.jsonl", jsonl([
            {"id": "e-empty", "text": ""}, {"id": "e-space", "text": "   \n\t \u3000 "},
            {"id": "e-control", "text": "\x01\x02\x03\x7f\x00"}])), 0,
             rejected=(r"(?i)empty",) * 3),
        Kind("control_characters", put("a.jsonl", jsonl([{
            "id": "ctl", "text": "\x1b[31mNASA\x1b[0m launched\x07 the Hubble telescope "
                                 "in 1990\x0c from a site in Florida."}])), 1),
        Kind("emoji_and_rtl", put("a.jsonl", jsonl([{
            "id": "emoji", "text": "The team from Tel Aviv (תל אביב) met the mayor of Cairo "
                                   "(القاهرة) 🎉🇮🇱 and they signed a long agreement about "
                                   "water 💧 and trade in the region."}])), 1),
        Kind("other_scripts", put("a.jsonl", jsonl([{"id": "ru", "text": RUSSIAN},
                                                    {"id": "zh", "text": CHINESE}])), 0,
             skipped=(r"^language:ru$", r"^language:zh$")),
        # Entities named by a 300-character URL and a 260-character name, dense enough to
        # give a community of their own (its file name is made from their labels).
        Kind("long_entity_names", put("a.jsonl", jsonl([
            {"id": f"url-{i}", "text": f"{LONG_NAME} acquired {URL} in {1990 + i}. "
                                       f"{BUYERS[i % 4]} bought {URL} in {2000 + i}. "
                                       f"{BUYERS[i % 4]} sued {LONG_NAME} in {1980 + i}. "
                                       f"{sentence()}"}
            for i in range(8)])), 8),
        # --- duplicates and other languages
        Kind("duplicates", put_many({
            "a.jsonl": jsonl([{"id": "dup-first", "text": "Rosalind Franklin studied the "
                               "structure of DNA in London in 1952."},
                              {"id": "dup-exact", "text": "Rosalind Franklin studied the "
                               "structure of DNA in London in 1952."},
                              {"id": "dup-space", "text": "  Rosalind Franklin studied the\n"
                               "structure of  DNA in\tLondon in 1952. "},
                              {"id": "cafe-nfc", "text": "The caf\u00e9 in Vienna served "
                               "Sigmund Freud every morning."},
                              {"id": "cafe-nfd", "text": "The cafe\u0301 in Vienna served "
                               "Sigmund Freud every morning."}]),
            "b.txt": paragraphs(["Rosalind Franklin studied the structure of DNA in London "
                                 "in 1952."])}), 2,
             skipped=(r"^duplicate-of:dup-first$",) * 3 + (r"^duplicate-of:cafe-nfc$",)),
        Kind("duplicate_ids", put("a.jsonl", jsonl([
            {"id": "same-id", "text": "Enrico Fermi built the first reactor in Chicago."},
            {"id": "same-id", "text": english()},  # another document under the same id
            {"id": "same-id", "text": "Enrico Fermi built the first reactor in Chicago."},
            {"id": "777", "text": english()}, {"id": 777, "text": english()}])), 2,
             rejected=(r"^duplicate id 'same-id'", r"^duplicate id '777'"),
             skipped=(r"^duplicate-of:same-id$",)),
        Kind("german_french", put("a.jsonl", jsonl([{"id": "de", "text": GERMAN},
                                                    {"id": "fr", "text": FRENCH}])), 0,
             skipped=(r"^language:de$", r"^language:fr$")),
        Kind("text_mode_duplicate_paragraphs", put("a.txt", paragraphs([
            "Niels Bohr taught physics in Copenhagen for many years.",
            "Lise Meitner explained nuclear fission with Otto Frisch.",
            "Niels Bohr taught physics in Copenhagen for many years."])), 2,
             skipped=(r"^duplicate-of:",)),
        # A DatasetDict saved with save_to_disk, found inside the searched tree: "train" only.
        Kind("dataset_dict", dataset_dict, 3),
        # --- size
        Kind("long_document_lines", put("a.jsonl", long_document_lines()), 1),
        Kind("long_document_one_line", put("a.jsonl", long_document_one_line()), 1),
    ]


# ---------------------------------------------------------------------------------------------
# Building the corpus and reading the run's accounts.

@dataclass
class Corpus:
    root: Path
    kinds: list[Kind]
    processed: dict[str, int | range]  # expected processed count per kind

    def expected(self, outcome: str) -> range:
        """Bounds on the run's total count of ``outcome`` (processed, rejected, skipped)."""
        if outcome == "processed":
            wants = [w if isinstance(w, range) else range(w, w + 1)
                     for w in self.processed.values()]
            return range(sum(w.start for w in wants), sum(w.stop - 1 for w in wants) + 1)
        n = sum(len(getattr(kind, outcome)) for kind in self.kinds)
        return range(n, n + 1)


def build_corpus(tmp: Path) -> Corpus:
    root = tmp / "corpus"
    table = kinds()
    processed = {}
    for kind in table:
        (root / kind.name).mkdir(parents=True)
        count = kind.write(root / kind.name)
        processed[kind.name] = kind.processed if kind.processed is not None else count
    return Corpus(root, table, processed)


def pipeline_for(tmp: Path, paths: list[Path]) -> Path:
    return write_pipeline(tmp, f"""
name = "bad"
work_dir = "{tmp / 'work'}"
[input]
paths = {json.dumps([str(p) for p in paths])}
part_size = {PART_SIZE}
exclude = ["*.skip", "nested_tree/drafts/*"]
[subnets]
domains_file = "{ROOT / 'data' / 'domains' / 'default.toml'}"
mode = "both"
[shards]
vocab_size = 2000
seq_len = 256
[run]
workers = 1
""")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def kind_of(source: str, names: set[str]) -> str:
    """The kind a record came from: its directory under the corpus."""
    parts = re.split(r"[/\\]", source)
    found = [p for p in parts if p in names]
    assert found, f"record from an unknown place: {source}"
    return found[0]


def processed_documents(work: Path) -> list[dict]:
    return [row for f in sorted((work / "extract").glob("part-*.parquet"))
            for row in pq.read_table(f, columns=["doc_id", "text", "source"]).to_pylist()]


def snapshot(work: Path) -> dict[str, bytes]:
    """Every artifact of the work dir (stats carry timings, the lock file is the lock)."""
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
            if p.is_file() and p.relative_to(work).parts[0] != "stats"
            and not p.name.startswith(".lock")}


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    """The held-out corpus through one ``kgprep run``; yields the corpus, work dir and output."""
    tmp = tmp_path_factory.mktemp("bad_inputs")
    corpus = build_corpus(tmp)
    pipeline = pipeline_for(tmp, [corpus.root])
    code = main(["run", str(pipeline)])
    return corpus, tmp / "work", pipeline, code


# ---------------------------------------------------------------------------------------------
# The tests.

def test_the_corpus_has_at_least_25_kinds():
    assert len(kinds()) >= 25


def test_the_run_succeeds_without_strict(bad_run):
    _, _, _, code = bad_run
    assert code == 0


def test_every_record_is_processed_rejected_or_skipped_as_its_kind_expects(bad_run):
    corpus, work, _, _ = bad_run
    names = {k.name for k in corpus.kinds}
    got_processed = Counter(kind_of(d["source"], names) for d in processed_documents(work))
    rejects = read_jsonl(work / "extract" / "rejects.jsonl")
    skipped = read_jsonl(work / "extract" / "skipped.jsonl")
    problems = []
    for kind in corpus.kinds:
        want = corpus.processed[kind.name]
        if got_processed[kind.name] not in (want if isinstance(want, range) else [want]):
            problems.append(f"{kind.name}: processed {got_processed[kind.name]}, want {want}")
        mine = sorted(r["reason"] for r in rejects if kind_of(r["source"], names) == kind.name)
        if not _match_all(kind.rejected, mine):
            problems.append(f"{kind.name}: rejects {mine}, want {list(kind.rejected)}")
        mine = sorted(s["reason"] for s in skipped if kind_of(s["source"], names) == kind.name)
        if not _match_all(kind.skipped, mine):
            problems.append(f"{kind.name}: skipped {mine}, want {list(kind.skipped)}")
    assert problems == []


def _match_all(patterns: tuple[str, ...], reasons: list[str]) -> bool:
    """Each reason matched by one pattern, each pattern used once (a bipartite matching)."""
    if len(patterns) != len(reasons):
        return False
    for perm in itertools.permutations(reasons):
        if all(re.search(p, r) for p, r in zip(patterns, perm, strict=True)):
            return True
    return False


def test_rejects_name_their_file_and_position(bad_run):
    corpus, work, _, _ = bad_run
    for reject in read_jsonl(work / "extract" / "rejects.jsonl"):
        assert str(corpus.root) in reject["source"] or "corpus/" in reject["source"], reject
        assert reject["reason"] and "position" in reject


CONSERVATION = re.compile(r"records read (\d+) = processed (\d+) \+ rejected (\d+) \((.*)\)"
                          r" \+ skipped (\d+) \((.*)\)$")


def _terms(text: str) -> dict[str, int]:
    """ "invalid JSON 5, language:fr 1" -> {"invalid JSON": 5, "language:fr": 1}"""
    return {name: int(n) for name, n in (t.rsplit(" ", 1) for t in text.split(", "))}


def test_the_conservation_line_adds_up(bad_run):
    corpus, work, _, _ = bad_run
    stats = json.loads((work / "stats" / "extract.json").read_text())
    line = CONSERVATION.match(stats["conservation"])
    assert line, stats["conservation"]
    read, processed, rejected, skipped = (int(line.group(i)) for i in (1, 2, 3, 5))
    assert read == processed + rejected + skipped
    # ... and each term is what the run wrote down, record by record.
    assert processed == len(processed_documents(work))
    assert rejected == len(read_jsonl(work / "extract" / "rejects.jsonl"))
    assert skipped == len(read_jsonl(work / "extract" / "skipped.jsonl"))
    assert sum(_terms(line.group(4)).values()) == rejected
    assert sum(_terms(line.group(6)).values()) == skipped
    assert _terms(line.group(4)) == stats["details"]["rejects_by_reason"]
    assert _terms(line.group(6)) == stats["details"]["skipped_by_reason"]
    # ... and what the corpus holds.
    assert processed in corpus.expected("processed")
    assert rejected in corpus.expected("rejected")
    assert skipped in corpus.expected("skipped")


def test_processed_text_is_whole_clean_and_ids_unique(bad_run):
    _, work, _, _ = bad_run
    documents = processed_documents(work)
    ids = [d["doc_id"] for d in documents]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    by_id = {d["doc_id"]: d for d in documents}
    assert by_id["nul"]["text"] == "Pfizer developed the vaccine in a lab near Boston."
    assert "\x00" not in "".join(d["text"] for d in documents)
    assert "\ud800" not in "".join(d["text"] for d in documents)
    assert len(by_id["long-lines"]["text"]) > 150_000  # never truncated
    assert len(by_id["long-one-line"]["text"]) > 100_000
    assert "\U0001F600" in by_id["sur-pair"]["text"]  # a valid surrogate-pair escape is kept
    skipped = read_jsonl(work / "extract" / "skipped.jsonl")
    for skip in skipped:  # every duplicate names a document that was processed
        if skip["reason"].startswith("duplicate-of:"):
            assert skip["reason"].removeprefix("duplicate-of:") in by_id


def test_small_files_are_grouped_into_full_parts(bad_run):
    _, work, _, _ = bad_run
    sizes = [pq.read_metadata(f).num_rows for f in sorted((work / "extract").glob("part-*"))
             if f.suffix == ".parquet"]
    assert sum(sizes) > 4 * PART_SIZE
    assert sum(1 for s in sizes if s != PART_SIZE) <= 1, sizes


def test_names_derived_from_data_are_bounded(bad_run):
    _, work, _, _ = bad_run
    subnets = pq.read_table(work / "subnets" / "subnets.parquet").to_pylist()
    # The long name leads a community, so its file name was made from a 260-character label.
    assert any("northwestern" in s["name"] for s in subnets), [s["name"] for s in subnets]
    assert all((work / "subnets" / f"{s['name']}.ttl").is_file() for s in subnets)
    names = [p.name for p in work.rglob("*")]
    assert max(len(n) for n in names) <= 64, max(names, key=len)


def test_validate_passes_on_the_shards(bad_run, capsys):
    _, work, _, _ = bad_run
    assert main(["validate", str(work / "shards")]) == 0


def _without_timestamp(files: dict[str, bytes]) -> dict[str, bytes]:
    """The shards manifest's ``created_utc`` is the one field a rerun may change (see below)."""
    out = dict(files)
    manifest = json.loads(out.pop("shards/manifest.json"))
    manifest.pop("created_utc")
    out["shards/manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return out


def test_rerun_changes_nothing_and_strict_exits_5(bad_run, capsys):
    _, work, pipeline, _ = bad_run
    before = snapshot(work)
    assert main(["run", str(pipeline)]) == 0
    assert _without_timestamp(snapshot(work)) == _without_timestamp(before)
    capsys.readouterr()
    assert main(["run", str(pipeline), "--strict"]) == 5
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kgprep: error:") and "reject" in err[0]
    assert _without_timestamp(snapshot(work)) == _without_timestamp(before)


def test_rerun_leaves_the_shards_manifest_byte_identical(bad_run):
    _, work, pipeline, _ = bad_run
    before = (work / "shards" / "manifest.json").read_bytes()
    time.sleep(1.1)  # created_utc has whole seconds
    assert main(["run", str(pipeline)]) == 0
    assert (work / "shards" / "manifest.json").read_bytes() == before


# ---------------------------------------------------------------------------------------------
# Empty input: exit 3 and one error line, --strict or not.

EMPTY_INPUTS: dict[str, Callable[[Path], Path]] = {
    "empty file": lambda d: (d / "empty.jsonl", (d / "empty.jsonl").write_bytes(b""))[0],
    "empty gzip": lambda d: (d / "e.jsonl.gz", (d / "e.jsonl.gz").write_bytes(
        gzip.compress(b"")))[0],
    "directory with no files": lambda d: (d / "nothing", (d / "nothing").mkdir())[0],
    "directory with only an excluded file": lambda d: (
        d / "excl", (d / "excl").mkdir(), (d / "excl" / "a.skip").write_bytes(
            jsonl(docs("excl", 1))))[0],
    "only blank lines": lambda d: (d / "blank.jsonl", (d / "blank.jsonl").write_bytes(
        b"\n  \n\t\n"))[0],
}


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("case", sorted(EMPTY_INPUTS))
def test_empty_input_is_exit_3_with_one_error_line(tmp_path, capsys, case, strict):
    path = EMPTY_INPUTS[case](tmp_path)
    pipeline = pipeline_for(tmp_path, [path])
    capsys.readouterr()
    code = main(["run", str(pipeline), *(["--strict"] if strict else [])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1 and err[0].startswith("kgprep: error:"), err
    assert path.name in err[0]


def test_include_and_exclude_select_files_in_a_nested_tree(tmp_path):
    tree = tmp_path / "tree"
    files = {
        "en/2024/a.jsonl.gz": gzip.compress(jsonl(docs("inc-a", 2))),
        "en/2024/b.jsonl": jsonl(docs("inc-b", 1)),
        "en/drafts/c.jsonl": jsonl(docs("inc-c", 1)),
        "de/d.jsonl": jsonl(docs("inc-d", 1)),
        "en/readme.md": b"# not data\n",
    }
    put_many(files)(tree)
    pipeline = write_pipeline(tmp_path, f"""
name = "tree"
work_dir = "{tmp_path / 'work'}"
[input]
paths = ["{tree}"]
include = ["en/*", "*.jsonl.gz"]
exclude = ["en/drafts/*", "*.md"]
[run]
workers = 1
""")
    assert main(["extract", str(pipeline)]) == 0
    ids = sorted(d["doc_id"] for d in processed_documents(tmp_path / "work"))
    assert ids == ["inc-a-0", "inc-a-1", "inc-b-0"]
