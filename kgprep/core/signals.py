"""SIGTERM, as a batch scheduler or ``kill`` sends it, stops a run the way Ctrl-C does.

Python's default for SIGTERM ends the process at once: no ``kgprep: error:`` line, no lock
released, no ``finally`` run. Raised as an exception instead, it unwinds like Ctrl-C, so the
finished parts stay done and the next run of the same command resumes."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived. A KeyboardInterrupt, so that no ``except Exception`` (a reader turning
    a failure into a reject) can swallow it, and every cleanup for Ctrl-C runs for it too."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"signal {signum}")


@contextlib.contextmanager
def sigterm_handler_kept() -> Iterator[None]:
    """Put the SIGTERM handler back after a library that sets its own (``ray.init``: exit 15
    with no line) has run inside."""
    previous = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside: SIGTERM raises Terminated in the main thread; the handler before is put
    back after (a caller that is not the main thread cannot set handlers: left as is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
