"""Load generated programs as real modules (so ``inspect.getsource`` works) and check them."""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import itertools
import os
import shutil
import sys
import tempfile
import threading
from types import ModuleType

from .gen import Program
from .oracle import Outcome, check

_DIR = tempfile.mkdtemp(prefix="adgen_fuzz_")
atexit.register(shutil.rmtree, _DIR, True)
_COUNTER = itertools.count()
_LOCK = threading.Lock()


def load(source: str) -> ModuleType:
    """Write ``source`` to a fresh file and import it under a fresh module name."""
    with _LOCK:
        n = next(_COUNTER)
    name = f"adgen_fuzz_prog_{os.getpid()}_{n}"
    path = os.path.join(_DIR, name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(program: Program, hessian: bool = False, seconds: float = 5.0) -> Outcome:
    """Check ``program``'s ``f`` at its inputs with the oracle (a program that does not
    compile as Python is ``invalid``)."""
    try:
        module = load(program.source)
        f = module.f
    except Exception as e:  # noqa: BLE001 - a shrinking step may break the program
        return Outcome("invalid", "load", repr(e))
    try:
        return check(f, program.args, seed=program.seed, hessian=hessian, seconds=seconds)
    finally:
        forget(module)


def forget(module: ModuleType) -> None:
    """Drop a loaded program's module and file (compiled derivatives stay cached)."""
    sys.modules.pop(module.__name__, None)
    if module.__file__:
        with contextlib.suppress(OSError):
            os.remove(module.__file__)
