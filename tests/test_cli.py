from __future__ import annotations

import fcntl
import subprocess
import sys

import pytest

from kgprep.cli import build_parser, main
from kgprep.io import work_dir_lock
from tests.conftest import sample_pipeline


@pytest.mark.parametrize("command", ["run", "extract", "graph", "subnets", "shards", "validate",
                                     "inspect"])
def test_every_command_has_explanatory_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert len(out.split()) > 30


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
         f"from kgprep.io import work_dir_lock; import time\n"
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
