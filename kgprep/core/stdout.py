"""Standard output that its reader may close early (``kgprep inspect ... | head``).

Python turns the closed pipe into a BrokenPipeError at the next write, which would end a
batch run part-way through for the sake of its summary. Here the first such error points the
output at the null device instead (so the interpreter's last flush cannot fail either) and the
command carries on to its own exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO


class PipeTolerantOutput:
    """A text stream that forwards to ``stream`` and stops writing once its reader is gone."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.reader_gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def tolerate_closed_stdout() -> Iterator[None]:
    """While inside, ``sys.stdout`` survives its reader leaving. A stream with no file
    descriptor (a test's capture, a notebook) is left as it is."""
    stream = sys.stdout
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    tolerant = PipeTolerantOutput(stream)
    sys.stdout = tolerant
    try:
        yield
    finally:
        tolerant.flush()  # what is still buffered: the interpreter's own flush would fail
        sys.stdout = stream
