"""What every worker runs once when it starts, on any engine: die with the parent process,
prime pyarrow without pandas, keep torch out while a torch-free spaCy pipeline loads."""

from __future__ import annotations

import contextlib
import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any


def die_with_parent() -> None:
    """Ask Linux to kill this worker when the process that started it dies (even by SIGKILL)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queue closes
        pass

def model_needs_torch(model: str) -> bool:
    """Whether an installed spaCy pipeline package depends on torch (transformer pipelines)."""
    from importlib import metadata

    try:
        requirements = metadata.requires(model.replace("_", "-")) or []
    except metadata.PackageNotFoundError:
        return True  # a path or an unknown package: do not guess
    names = [re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() for r in requirements]
    return any(n in TORCH_PACKAGES for n in names)

TORCH_PACKAGES = frozenset({"torch", "spacy-transformers", "spacy-curated-transformers"})

class _HiddenModule:
    """A meta-path finder that refuses one module (a sys.modules entry of None would not do:
    Cython-compiled imports, like pyarrow's, read sys.modules directly and get None back)."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname == self.name or fullname.startswith(self.name + "."):
            raise ImportError(f"{fullname} is hidden while kgprep starts up")

@contextlib.contextmanager
def module_hidden(name: str, hide: bool = True) -> Iterator[None]:
    """While active, ``import name`` raises ImportError unless the module is loaded already;
    afterwards it imports normally for the rest of the process."""
    finder = _HiddenModule(name) if hide and name not in sys.modules else None
    if finder is not None:
        sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)

def torch_hidden(model: str) -> contextlib.AbstractContextManager[None]:
    """thinc imports torch whenever it is installed (about 1.7 s); while a pipeline that does not
    need torch is imported and loaded, torch reads as absent, so parsing starts that much sooner."""
    return module_hidden("torch", not model or not model_needs_torch(model))

def prime_pyarrow() -> None:
    """pyarrow imports pandas (about 0.35 s) the first time it builds an array, only to tell
    pandas inputs apart, and kgprep never passes any; so every stage process and worker primes it
    with pandas hidden. pyarrow still imports pandas when asked for pandas objects later."""
    with module_hidden("pandas"):
        import pyarrow as pa

        pa.array([0])


def worker_startup(model: str, setup_module: str, setup_name: str, args: tuple[Any, ...],
                   own_process: bool = True) -> None:
    """A worker's start-up, then the stage's ``setup`` (found by name, so torch can be kept out
    before the setup's module is imported). ``own_process``: a process this run spawned, which
    dies with it (Ray's actors are Ray's to end)."""
    if own_process:
        die_with_parent()
    prime_pyarrow()
    with torch_hidden(model):
        setup = getattr(importlib.import_module(setup_module), setup_name)
        setup(*args)
