from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from kgprep.cli import EXIT_CODES, build_parser, main
from kgprep.core.io import work_dir_lock
from kgprep.core.stage import amount
from tests.conftest import corrupted_copy, one_error_line, sample_pipeline


@pytest.mark.parametrize("command", ["run", "extract", "graph", "subnets", "shards", "validate",
                                     "inspect", "query", "report", "cost", "eval"])
def test_every_command_has_explanatory_help(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal's width
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert len(out.split()) > 30
    assert "exit codes" in out
    assert max(len(line) for line in out.splitlines()) <= 100  # descriptions wrapped


def test_module_entry_point_and_exit_codes_in_help():
    out = subprocess.run([sys.executable, "-m", "kgprep", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "exit codes" in out and "extract" in out


def test_locked_work_dir_exits_4(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    with work_dir_lock(tmp_path / "work"):
        assert main(["extract", str(pipeline)]) == 4
    assert "in use by another kgprep run" in capsys.readouterr().err


def test_lock_is_released_when_the_holder_dies(tmp_path):
    work = tmp_path / "work"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"from kgprep.core.io import work_dir_lock; import time\n"
         f"with work_dir_lock(__import__('pathlib').Path({str(work)!r})):\n"
         f"    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with open(work / ".lock") as fh, pytest.raises(OSError):
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    holder.kill()
    holder.wait()
    with work_dir_lock(work):
        pass


def test_missing_upstream_exits_3(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    assert main(["shards", str(pipeline)]) == 3
    assert "run the earlier stages first" in capsys.readouterr().err


# --- one exit-code table, one error line ------------------------------------------------------

README = Path(__file__).resolve().parent.parent / "README.md"


def exit_code(argv: list[str]) -> int:
    """main's exit code; argparse's errors leave through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def readme_exit_codes() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("\nExit codes"):].split("\n\n")[1]
    rows = re.findall(r"^\| `(\d+)` \| (.+) \|$", table, flags=re.MULTILINE)
    return [(int(code), meaning.replace("`", "")) for code, meaning in rows]


def test_readme_and_help_show_the_same_exit_code_table(capsys):
    assert readme_exit_codes() == list(EXIT_CODES)
    assert [code for code, _ in EXIT_CODES] == [0, 1, 2, 3, 4, 5, 6, 130, 143]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for code, meaning in EXIT_CODES:
        assert f"{code} {meaning}" in shown


def test_row_0_success_prints_no_error(tmp_path, capsys):
    assert main(["run", str(sample_pipeline(tmp_path)), "--dry-run"]) == 0
    assert capsys.readouterr().err == ""


def test_row_1_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(
        tmp_path, monkeypatch, capsys):
    def broken(*args: object) -> None:
        raise ZeroDivisionError("division by zero\nwith a second line")

    monkeypatch.setattr("kgprep.cost.estimate", broken)
    pipeline = str(sample_pipeline(tmp_path))
    assert main(["cost", pipeline, "--tokens", "1000"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert line == ("kgprep: error: ZeroDivisionError: division by zero with a second line "
                    "(rerun with --debug for the traceback)")
    for argv in (["--debug", "cost", pipeline, "--tokens", "1000"],
                 ["cost", pipeline, "--tokens", "1000", "--debug"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "Traceback" in err and "in broken" in err
        assert err.splitlines()[-1] == line


def test_row_1_validate_lists_problems_on_stdout_and_ends_in_one_error_line(sample_run, tmp_path,
                                                                            capsys):
    copy = corrupted_copy(sample_run, tmp_path)
    assert main(["validate", str(copy / "shards")]) == 1
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert re.fullmatch(r"kgprep: error: validate found \d+ problems? in .* \(listed on stdout\)",
                        line)
    assert "shard-00000-000.arrow" in captured.out and "FAILED" in captured.out


@pytest.mark.parametrize("argv, named", [
    (["run", "{pipeline}", "--set", "graph.x=1"], "graph.x"),
    (["run", "{pipeline}", "--workers", "many"], "--workers"),
    (["frobnicate"], "frobnicate"),
    (["inspect", "{work}/shards", "--shard", "99"], "--shard"),
    (["inspect", "{work}/shards", "--start", "-5"], "--start"),
    (["inspect", "{work}/shards", "--start", "100000"], "--start 100000 is past the last row"),
    (["inspect", "{work}/shards", "--rows", "0"], "--rows"),
    (["cost", "{pipeline}", "--tokens", "-5"], "--tokens"),
    (["run", "{pipeline}", "--workers", "-2"], "--workers"),
    (["subnets", "{pipeline}", "--workers", "2"], "--workers"),  # subnets has no workers
    (["run", "{pipeline}", "--set", "input.text_field=''"], "input.text_field"),
    (["run", "{pipeline}", "--set", "input.paths.0=x"], "config key 'input.paths' is a value"),
    (["run", "{pipeline}", "--set", "shards=5"], "config key 'shards' must be a table"),
])
def test_row_2_command_line_and_config_errors(argv, named, sample_run, tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    assert exit_code([a.format(pipeline=pipeline, work=sample_run) for a in argv]) == 2
    assert named in one_error_line(capsys.readouterr().err)


def test_row_3_a_missing_upstream_artifact(tmp_path, capsys):
    assert main(["graph", str(sample_pipeline(tmp_path))]) == 3
    assert "run the earlier stages first" in one_error_line(capsys.readouterr().err)


def test_row_4_a_locked_work_dir(tmp_path, capsys):
    pipeline = sample_pipeline(tmp_path)
    with work_dir_lock(tmp_path / "work"):
        assert main(["extract", str(pipeline)]) == 4
    assert "in use by another kgprep run" in one_error_line(capsys.readouterr().err)


def test_row_5_strict_and_rejected_records(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "a", "text": "Marie Curie was born in Warsaw in Poland."}\n'
                      "{not json\n", encoding="utf-8")
    pipeline = sample_pipeline(tmp_path)
    assert main(["extract", str(pipeline), "--strict", "--set",
                 f'input.paths=["{corpus}"]']) == 5
    line = one_error_line(capsys.readouterr().err)
    assert "1 input records were rejected (--strict)" in line
    assert (tmp_path / "work" / "extract" / "rejects.jsonl").read_text().count("\n") == 1


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("kgprep: warning: ")]


def test_row_6_an_empty_result_warns_and_strict_makes_it_exit_6(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "a", "text": "Hello there. Thanks a lot!"}\n', encoding="utf-8")
    pipeline = sample_pipeline(tmp_path)
    paths = f'input.paths=["{corpus}"]'
    assert main(["extract", str(pipeline), "--set", paths]) == 0
    err = capsys.readouterr().err
    assert _warnings(err) == ["kgprep: warning: extract: no triples in 1 document (2 sentences):"
                              " the graph and the shards' annotations will be empty"]
    assert "error" not in err
    # Up to date, the stage still says it; --strict turns it into exit 6 with one error line.
    assert main(["extract", str(pipeline), "--set", paths, "--strict"]) == 6
    error = one_error_line(capsys.readouterr().err)
    assert error.startswith("kgprep: error: extract: no triples in 1 document (2 sentences)")


def test_row_6_a_graph_with_every_fact_below_the_threshold(tmp_path, capsys):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "a", "text": "Marie Curie was born in Warsaw."}\n',
                      encoding="utf-8")
    pipeline = sample_pipeline(tmp_path)
    settings = ["--set", f'input.paths=["{corpus}"]', "--set", "graph.min_confidence=1.0"]
    assert main(["extract", str(pipeline), *settings]) == 0
    assert _warnings(capsys.readouterr().err) == []
    assert main(["graph", str(pipeline), *settings, "--strict"]) == 6
    error = one_error_line(capsys.readouterr().err)
    assert error.startswith("kgprep: error: graph: the graph has no edges: 1 triple, 0 facts "
                            "(graph.min_confidence 1.0); no fact: below graph.min_confidence 1")
    stats = json.loads((tmp_path / "work" / "stats" / "graph.json").read_text())
    assert error == f"kgprep: error: graph: {stats['warnings'][0]} (--strict)"


def test_row_130_interrupted_in_process(tmp_path, monkeypatch, capsys):
    def interrupted(cfg: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("kgprep.extract.STAGE.run", interrupted)
    assert main(["extract", str(sample_pipeline(tmp_path))]) == 130
    line = one_error_line(capsys.readouterr().err)
    assert line == "kgprep: error: interrupted; rerun the same command to resume"


def signalled(script: str, signum: int, **popen: Any) -> tuple[int, str]:
    """Run ``script`` in a new Python, send it ``signum`` once it prints "working"; its exit
    code and stderr."""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "working"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, err


def test_row_130_sigint_to_a_running_kgprep(tmp_path):
    pipeline = sample_pipeline(tmp_path)
    # A stage that waits, so the signal arrives while kgprep is at work.
    script = textwrap.dedent(f"""
        import sys, time
        import kgprep.extract
        def waiting(cfg):
            print("working", flush=True)
            time.sleep(120)
        kgprep.extract.STAGE.run = waiting
        from kgprep.cli import main
        sys.exit(main(["extract", {str(pipeline)!r}]))
    """)
    # As from a terminal: a suite started in the background (nohup, `cmd &` in a script) passes
    # SIGINT on ignored, and Python then never raises KeyboardInterrupt.
    returncode, err = signalled(script, signal.SIGINT,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert returncode == 130
    assert one_error_line(err) == "kgprep: error: interrupted; rerun the same command to resume"


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_row_143_sigterm_stops_a_run_cleanly_and_the_rerun_resumes(tmp_path, engine):
    if engine == "ray":
        pytest.importorskip("ray")  # ray.init sets a SIGTERM handler of its own
    pipeline = sample_pipeline(tmp_path, workers=2, extra=f'engine = "{engine}"')  # under [run]
    # As a scheduler at a time limit: SIGTERM once the workers have returned a first part.
    script = textwrap.dedent(f"""
        import sys, time
        import kgprep.engines.{engine} as engine
        mapped = engine.map_{engine}
        def announced(*args, **kwargs):
            for index, result in enumerate(mapped(*args, **kwargs)):
                if index == 0:
                    print("working", flush=True)
                    time.sleep(60)
                yield result
        engine.map_{engine} = announced
        from kgprep.cli import main
        sys.exit(main(["extract", {str(pipeline)!r}]))
    """)
    returncode, err = signalled(script, signal.SIGTERM)
    assert returncode == 143
    if engine == "ray":  # Ray logs its start on stderr first
        err = err.splitlines()[-1]
    assert one_error_line(err) == ("kgprep: error: terminated (SIGTERM); rerun the same command "
                                   "to resume")
    work = tmp_path / "work"
    assert not (work / "extract" / "manifest.json").exists()
    assert main(["extract", str(pipeline)]) == 0  # the lock was let go; the run resumes
    assert (work / "extract" / "manifest.json").is_file()


def test_dry_run_counts_a_corrupt_shards_marker_as_not_done(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    markers = sorted((tmp_path / "work" / "shards").glob("part-*.done.json"))
    assert len(markers) == 2
    markers[0].write_text('{"config_hash": ')  # a write cut short
    assert main(["shards", str(sample_pipeline(tmp_path)), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "shards: 1 parts done with this config; others would run" in captured.out


@pytest.mark.parametrize("command", ["validate", "inspect"])
def test_a_directory_that_holds_no_shards_is_named_not_a_key_error(sample_run, tmp_path,
                                                                   capsys, command):
    for target, code, said in ((sample_run / "extract", 3, "its manifest is the extract stage's"),
                               (sample_run / "graph", 3, "is not a shards directory"),
                               (sample_pipeline(tmp_path), 3, "is a file, not a shards")):
        assert main([command, str(target)]) == code
        assert said in one_error_line(capsys.readouterr().err)
    shutil.copytree(sample_run, tmp_path / "work")
    (tmp_path / "work" / "shards" / "manifest.json").write_text("{")  # a write cut short
    assert main([command, str(tmp_path / "work" / "shards")]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "shards/manifest.json is not valid JSON" in line and "rerun the shards stage" in line


@pytest.mark.parametrize("damage, argv, named", [
    # A manifest cut short: cost and report named a JSONDecodeError, not the file.
    ("shards/manifest.json", ["cost", "{pipeline}"], "shards/manifest.json is not valid JSON"),
    ("shards/manifest.json", ["report", "{pipeline}"], "shards/manifest.json is not valid JSON"),
    # A shard cut short: inspect and report named an ArrowInvalid, not the file.
    ("shards/shard-00000-000.arrow", ["inspect", "{work}/shards"],
     "shard-00000-000.arrow is not a readable Arrow stream"),
    ("shards/shard-00000-000.arrow", ["report", "{pipeline}"],
     "shard-00000-000.arrow is not a readable Arrow stream"),
    ("graph/nodes.parquet", ["report", "{pipeline}"],
     "graph/nodes.parquet is not a readable Parquet file"),
])
def test_a_damaged_artifact_is_named_with_exit_3(sample_run, tmp_path, capsys, damage, argv,
                                                 named):
    shutil.copytree(sample_run, tmp_path / "work")
    damaged = tmp_path / "work" / damage
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    pipeline = sample_pipeline(tmp_path)
    argv = [a.format(pipeline=pipeline, work=tmp_path / "work") for a in argv]
    assert main(argv) == 3
    line = one_error_line(capsys.readouterr().err)
    assert named in line and "rerun the stage that wrote it" in line


def test_the_stage_that_wrote_a_damaged_file_rewrites_it(sample_run, tmp_path, capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    nodes = tmp_path / "work" / "graph" / "nodes.parquet"
    intact = nodes.read_bytes()
    nodes.write_bytes(intact[: len(intact) // 2])
    assert main(["graph", str(sample_pipeline(tmp_path))]) == 0
    assert nodes.read_bytes() == intact


def test_reading_commands_warn_when_the_outputs_are_an_earlier_runs(sample_run, tmp_path,
                                                                    capsys):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = str(sample_pipeline(tmp_path))
    readers = (["cost", pipeline], ["report", pipeline], ["query", pipeline, "ASK { ?s ?p ?o }"])
    for argv in readers:  # the outputs are this config's: nothing to say
        assert main(argv) == 0
        assert "warning" not in capsys.readouterr().err
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "a", "text": ""}\n')
    assert main(["extract", pipeline, "--set", f'input.paths=["{empty}"]']) == 3
    capsys.readouterr()
    for argv in readers:  # the older graph and shards are still there, and still read
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert err.startswith(f"kgprep: warning: {tmp_path / 'work'}/extract is out of date"), err
        assert "an earlier run" in err


def test_validate_and_inspect_warn_when_the_shards_are_an_earlier_runs(sample_run, tmp_path,
                                                                       capsys):
    work = tmp_path / "work"
    shutil.copytree(sample_run, work)
    shards = str(work / "shards")
    commands = (["validate", shards], ["inspect", shards, "--rows", "1"])
    for argv in commands:  # built from the graph beside them: nothing to say
        assert main(argv) == 0
        assert "warning" not in capsys.readouterr().err
    graph_manifest = work / "graph" / "manifest.json"
    graph_manifest.write_text(graph_manifest.read_text() + " ")  # a graph run since
    for argv in commands:
        assert main(argv) == 0  # the shards themselves are sound
        assert capsys.readouterr().err.startswith(
            f"kgprep: warning: {work}/graph changed after these shards were built")
    (work / "extract" / "manifest.json").unlink()  # an extract that stopped part way
    assert main(["validate", shards]) == 0
    assert "extract has no manifest (its last run did not finish)" in capsys.readouterr().err


# --- validate on a missing directory, argument errors as JSON, a missing input (issue #15) ---


@pytest.mark.parametrize("target", ["absent/shards", "work-without-shards"])
def test_row_3_validate_on_a_missing_shards_directory(tmp_path, capsys, target):
    (tmp_path / "work-without-shards").mkdir()
    assert main(["validate", str(tmp_path / target)]) == 3
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert str(tmp_path / target) in line and "shards" in line
    assert captured.out == ""  # no "FAILED: ... ()" report of a validation that never ran


@pytest.mark.parametrize("argv, named", [
    (["--log-format", "json", "frobnicate"], "frobnicate"),
    (["--log-format=json", "run", "{pipeline}", "--workers", "many"], "--workers"),
    (["--log-format", "json", "run"], "pipeline"),
])
def test_argument_errors_follow_the_json_log_format(argv, named, tmp_path, capsys):
    import json

    pipeline = sample_pipeline(tmp_path)
    assert exit_code([a.format(pipeline=pipeline) for a in argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    event = json.loads(err[0])
    assert event["event"] == "error" and event["exit_code"] == 2
    assert event["kind"] == "config error" and named in event["message"]
    # Without the flag, or with a bad value for it, the same error is the text line.
    text_argv = [a for a in argv if a not in ("--log-format", "json", "--log-format=json")]
    assert exit_code([a.format(pipeline=pipeline) for a in text_argv]) == 2
    assert named in one_error_line(capsys.readouterr().err)
    assert exit_code(["--log-format", "xml", "run", str(pipeline)]) == 2
    assert "--log-format" in one_error_line(capsys.readouterr().err)


def test_row_3_a_missing_input_path(tmp_path, capsys):
    import json

    missing = tmp_path / "absent.jsonl"
    pipeline = sample_pipeline(tmp_path)
    for as_json in (False, True):
        argv = ["--log-format", "json"] if as_json else []
        assert main([*argv, "extract", str(pipeline), "--set",
                     f'input.paths=["{missing}"]']) == 3
        err = capsys.readouterr().err
        message = json.loads(err)["message"] if as_json else one_error_line(err)
        assert "input.paths[0]" in message and str(missing) in message
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize(("n", "expected"), [(0, "0 rows"), (1, "1 row"), (2, "2 rows"),
                                             (12345, "12,345 rows")])
def test_counts_in_messages_agree_with_their_noun(n, expected):
    assert amount(n, "row") == expected


def test_a_reader_that_leaves_early_neither_fails_nor_cuts_short_the_run(tmp_path):
    # `kgprep run | head`: head exits after ten lines; the run must still finish its work.
    pipeline = sample_pipeline(tmp_path)
    finished = tmp_path / "finished"
    script = textwrap.dedent(f"""
        import pathlib, sys
        import kgprep.extract
        def chatty(cfg):
            for i in range(100_000):
                print("summary line", i)
            pathlib.Path({str(finished)!r}).write_text("done")
            raise SystemExit(0)
        kgprep.extract.STAGE.run = chatty
        from kgprep.cli import main
        sys.exit(main(["extract", {str(pipeline)!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("summary line 0")
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (0, "")
    assert finished.read_text() == "done"


def test_a_reader_gone_before_a_short_buffered_output_is_no_failure(tmp_path):
    # A few lines stay in stdout's buffer until the command returns: that last flush must not
    # fail either (block-buffered, as stdout to a pipe is unless PYTHONUNBUFFERED is set).
    script = textwrap.dedent("""
        import sys, time
        import kgprep.cli
        def short(args):
            time.sleep(1)  # the reader has left by now
            print("one line")
            return 0
        kgprep.cli.cmd_validate = short  # the parser takes it when main builds it
        sys.exit(kgprep.cli.main(["validate", "somewhere"]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    proc.stdout.close()
    try:
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (0, "")


def test_commands_that_never_parse_do_not_import_spacy(sample_run, tmp_path):
    # Importing spaCy (and through thinc, torch) costs seconds and makes Ctrl-C at start-up
    # land inside a library's import.
    shutil.copytree(sample_run, tmp_path / "work")
    script = textwrap.dedent(f"""
        import sys
        from kgprep.cli import main
        codes = [main(["graph", {str(sample_pipeline(tmp_path))!r}, "--dry-run"]),
                 main(["validate", {str(sample_run / "shards")!r}, "--no-alignment"])]
        loaded = sorted(n for n in ("spacy", "thinc", "torch") if n in sys.modules)
        print(codes, loaded)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "[0, 0] []", out.stderr


def test_a_stage_run_alone_on_an_out_of_date_upstream_is_exit_3(sample_run, tmp_path, capsys):
    # Shards built on a graph older than its config (or than extract) would say nothing of it.
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = str(sample_pipeline(tmp_path))
    assert main(["shards", pipeline, "--dry-run"]) == 0
    capsys.readouterr()
    for command in ("subnets", "shards"):
        assert main([command, pipeline, "--set", "graph.min_confidence=0.3"]) == 3
        line = one_error_line(capsys.readouterr().err)
        assert f"{tmp_path / 'work'}/graph is out of date" in line and "kgprep graph" in line
    assert main(["graph", pipeline, "--set", "graph.min_confidence=0.3"]) == 0
    capsys.readouterr()
    assert main(["shards", pipeline, "--set", "graph.min_confidence=0.3"]) == 3
    assert "/subnets is out of date" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("damaged", ["extract/part-00000.parquet", "shards/shard-00000-000.arrow"])
def test_a_cut_short_output_is_redone_by_the_next_run(sample_run, tmp_path, capsys, damaged):
    shutil.copytree(sample_run, tmp_path / "work")
    pipeline = str(sample_pipeline(tmp_path))
    path = tmp_path / "work" / damaged
    whole = path.read_bytes()
    path.write_bytes(whole[:100])  # a disk that filled up, a copy cut short
    assert main(["run", pipeline]) == 0
    capsys.readouterr()
    assert path.read_bytes() == whole
    assert main(["validate", str(tmp_path / "work" / "shards")]) == 0
