"""Language and duplicates: documents skipped with a reason, counted, switchable, the same for
every worker count; text-mode ids unique (issue #15, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kgprep.cli import main
from kgprep.core.config import ConfigError, InputConfig, load_config
from kgprep.extract.corpus import iter_records
from kgprep.extract.records import Document, Skip
from kgprep.extract.screen import text_key
from tests.conftest import write_pipeline
from tests.test_batch import artifacts

GERMAN = ("Die Stadt liegt am Ufer des Flusses und hat viele alte Kirchen, die im Mittelalter "
          "gebaut wurden.")
FRENCH = "Le chat mange la souris dans la cuisine pendant que les enfants dorment."
ENGLISH = ["Marie Curie discovered polonium in Paris.", "NASA launched the Hubble telescope.",
           "Alexander Fleming discovered penicillin in London.",
           "Guido van Rossum created the Python programming language."]


def _corpus(path: Path) -> None:
    docs = [("e0", ENGLISH[0]), ("de", GERMAN), ("e1", ENGLISH[1]),
            ("dup-e0", "  Marie Curie   discovered polonium\nin Paris.  "), ("fr", FRENCH),
            ("e2", ENGLISH[2]), ("dup-e2", ENGLISH[2]), ("e3", ENGLISH[3]), ("dup-de", GERMAN)]
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in docs))


def _screened(tmp_path: Path, **kwargs) -> list:
    _corpus(tmp_path / "c.jsonl")
    cfg = InputConfig(paths=[str(tmp_path / "c.jsonl")], **kwargs)
    return list(iter_records(cfg, str(tmp_path)))


def test_duplicates_and_other_languages_are_skipped_with_their_reason(tmp_path):
    records = _screened(tmp_path)
    kept = [r.doc_id for r in records if isinstance(r, Document)]
    skips = {r.doc_id: r.reason for r in records if isinstance(r, Skip)}
    assert kept == ["e0", "e1", "e2", "e3"]
    assert skips == {"de": "language:de", "fr": "language:fr", "dup-e0": "duplicate-of:e0",
                     "dup-e2": "duplicate-of:e2", "dup-de": "duplicate-of:de"}
    assert next(r for r in records if isinstance(r, Skip)).position == "line 2"


def test_both_screens_can_be_switched_off_or_widened(tmp_path):
    def kept(**kwargs) -> list[str]:
        return [r.doc_id for r in _screened(tmp_path, **kwargs) if isinstance(r, Document)]

    assert kept(deduplicate=False) == ["e0", "e1", "dup-e0", "e2", "dup-e2", "e3"]
    assert kept(languages=[]) == ["e0", "de", "e1", "fr", "e2", "e3"]
    assert kept(languages=["en", "de"]) == ["e0", "de", "e1", "e2", "e3"]
    assert kept(deduplicate=False, languages=[]) == [
        "e0", "de", "e1", "dup-e0", "fr", "e2", "dup-e2", "e3", "dup-de"]
    # Short, name-heavy English is not confidently another language: kept at the default
    # threshold, skipped when any guess is enough.
    assert "e0" not in kept(language_min_confidence=0.0)


def test_text_in_another_script_is_skipped_however_unsure_the_identifier_is(tmp_path):
    # py3langid gives these 0.81 and 0.61: under the 0.9 threshold.
    chinese = "北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。"
    russian = "Москва — столица России, крупнейший по численности населения город страны."
    quoting = ("Du Fu wrote the poem 春望 (Spring View) in 757, while the city of Chang'an was "
               "held by the rebels.")
    docs = [("zh", chinese), ("ru", russian), ("en", quoting), ("short", "東京 Tokyo")]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in docs))

    def screened(languages: list[str]) -> dict[str, str]:
        cfg = InputConfig(paths=[str(path)], languages=languages)
        return {r.doc_id: r.reason if isinstance(r, Skip) else "kept"
                for r in iter_records(cfg, str(tmp_path))}

    assert screened(["en"]) == {"zh": "language:zh", "ru": "language:ru", "en": "kept",
                                "short": "kept"}  # too few letters to judge by script
    # A wanted language in another script turns the script test off.
    assert screened(["en", "ru"]) == {"zh": "kept", "ru": "kept", "en": "kept",
                                      "short": "kept"}


@pytest.mark.parametrize(("languages", "by_script"), [
    (["en"], True), (["en", "de", "vi", "tr"], True),
    # Another script, several scripts, or a code not known to be Latin: no script test.
    (["en", "tt"], False), (["yue"], False), (["sr"], False), (["az"], False), (["xx"], False),
])
def test_only_languages_known_to_be_latin_turn_the_script_test_on(languages, by_script):
    from kgprep.extract.scripts import all_latin

    assert all_latin(languages) is by_script


def test_text_key_is_the_hash_of_whitespace_collapsed_text_in_any_window():
    text = "  alpha  beta\n\tgamma " * 1000
    expected = text_key(" ".join(text.split()), window=1 << 20)
    for window in (1, 7, 64, 5000):
        assert text_key(text, window=window) == expected
    assert text_key("a b") != text_key("ab")


def test_unknown_language_codes_are_config_errors(tmp_path):
    path = write_pipeline(tmp_path, 'name="x"\nwork_dir="w"\n[input]\npaths=["."]\n'
                          'languages=["english"]\n')
    with pytest.raises(ConfigError, match=r"'input\.languages'"):
        load_config(path)
    with pytest.raises(ConfigError, match=r"'input\.languages'.*'zz'"):
        _screened(tmp_path, languages=["zz"])


def _pipeline(tmp: Path, corpus: Path, workers: int, extra: str = "") -> Path:
    return write_pipeline(tmp, f"""
name = "screen"
work_dir = "{tmp / 'work'}"
[input]
paths = ["{corpus}"]
part_size = 2
{extra}
[shards]
vocab_size = 1000
seq_len = 64
[run]
workers = {workers}
""")


def test_skips_are_counted_written_and_the_same_for_every_worker_count(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    _corpus(corpus)
    works = {}
    for workers in (1, 2):
        run_dir = tmp_path / f"w{workers}"
        run_dir.mkdir()
        assert main(["run", str(_pipeline(run_dir, corpus, workers))]) == 0
        works[workers] = run_dir / "work"
    out = capsys.readouterr().out
    assert artifacts(works[1]) == artifacts(works[2])  # skipped.jsonl included
    stats = json.loads((works[1] / "stats" / "extract.json").read_text())
    counts = stats["counts"]
    assert (counts["records_read"], counts["documents"], counts["skipped"]) == (9, 4, 5)
    assert counts["  skipped: duplicate"] == 3
    assert counts["  skipped: language:de"] == counts["  skipped: language:fr"] == 1
    assert stats["conservation"] == ("records read 9 = processed 4 + rejected 0 + skipped 5 "
                                     "(duplicate 3, language:de 1, language:fr 1)")
    assert stats["conservation"] in out
    skipped = [json.loads(line) for line in
               (works[1] / "extract" / "skipped.jsonl").read_text().splitlines()]
    assert [s["doc_id"] for s in skipped] == ["de", "dup-e0", "fr", "dup-e2", "dup-de"]
    # Skipped records are not rejected ones: --strict passes (extract alone: a corpus this small
    # gives no subnetwork, which --strict would make exit code 6).
    assert main(["extract", str(_pipeline(tmp_path / "w1", corpus, 1)), "--strict"]) == 0


def test_text_mode_duplicate_paragraphs_keep_distinct_ids_end_to_end(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n\n".join([ENGLISH[0], ENGLISH[1], ENGLISH[0], ENGLISH[0]]) + "\n")
    assert main(["run", str(_pipeline(tmp_path, corpus, 1, "deduplicate = false"))]) == 0
    ids = [i for f in sorted((tmp_path / "work" / "extract").glob("part-*.parquet"))
           for i in pq.read_table(f, columns=["doc_id"])["doc_id"].to_pylist()]
    assert len(ids) == len(set(ids)) == 4
    manifest = json.loads((tmp_path / "work" / "shards" / "manifest.json").read_text())
    assert manifest["totals"]["documents"] == 4
