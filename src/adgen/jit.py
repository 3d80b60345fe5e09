"""The numba backend's build: the pipeline's numba source, exec'd, wrapped in ``numba.njit``.

:func:`build` is what :mod:`adgen.cache` calls for a request with
``backend="numba"``. The pipeline emits source for numba
(:mod:`adgen.backend.numba`) after refusing what numba cannot compile; this
module execs it (from a file when numba should cache the machine code on
disk, since numba caches only functions whose source is a file), compiles
every generated function with ``numba.njit``, and wraps the derivative so
that a compile failure on the first call names the user's line. With
``fallback="numpy"`` a refusal, or a failure to compile, warns and builds
the NumPy backend's derivative instead.

numba is imported only here, on first use (``backend.numba_runtime``), so
that adgen imports without it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import re
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import DifferentiationError

BACKENDS = ("numpy", "numba")
FALLBACKS = (None, "numpy")


class NumbaRefusal(DifferentiationError):
    """Numba cannot compile this derivative (raised before any source is run)."""


def check_options(backend: str, fallback: str | None) -> None:
    """Refuse an unknown backend or fallback with the choices."""
    if backend not in BACKENDS:
        raise DifferentiationError(
            f"backend must be one of {', '.join(map(repr, BACKENDS))}, not {backend!r}"
        )
    if fallback not in FALLBACKS:
        raise DifferentiationError(f"fallback must be None or 'numpy', not {fallback!r}")


def unavailable() -> str | None:
    """Why numba cannot be used here, or None if it can."""
    if importlib.util.find_spec("numba") is None:
        return (
            "numba is not installed (pip install adgen[numba]); it supports Python "
            f"{sys.version_info.major}.{sys.version_info.minor} only from some release on"
        )
    return None


def _numpy(request: Any) -> Any:
    return dataclasses.replace(request, backend="numpy", fallback=None, jit_cache=False)


def _warn(reason: str) -> None:
    warnings.warn(
        f"adgen: the numba backend cannot compile this derivative ({reason}); "
        "using the NumPy backend",
        RuntimeWarning,
        stacklevel=4,
    )


def build(request: Any, build_python: Callable[..., Any]) -> Any:
    """The compiled entry for a numba ``request``; ``build_python(request, load)``
    runs the pipeline and loads the source (``load(source, name, ns)`` execs it)."""
    reason = unavailable()
    if reason is not None:
        if request.fallback == "numpy":
            _warn(reason)
            return build_python(_numpy(request), None)
        raise NumbaRefusal(f"backend='numba': {reason}")
    try:
        entry = build_python(request, _loader(request.jit_cache))
    except NumbaRefusal as exc:
        if request.fallback != "numpy":
            raise
        _warn(str(exc))
        return build_python(_numpy(request), None)
    from .backend import numba_runtime as rt

    ns = entry.func.__globals__
    names = re.findall(r"^def (\w+)\(", entry.source, flags=re.M)
    rt.compile_source(ns, names, cache=request.jit_cache)
    fallback = None
    if request.fallback == "numpy":

        def fallback(*args: Any) -> Any:
            return build_python(_numpy(request), None).func(*args)

    func = rt.NumbaFunction(ns[entry.emitted.name], entry.emitted.line_locs, fallback)
    func._adgen_ir = entry.ir  # type: ignore[attr-defined]
    entry.func = func
    # numba freezes the arrays it reads as globals into the machine code: pin the
    # entry to the closure's arrays (another array recompiles) rather than rebinding.
    closure = getattr(request.func, "__closure__", None) or ()
    entry.pinned += tuple((i, closure[i].cell_contents) for i, _ in entry.cells)
    entry.cells = ()
    return entry


def cache_dir() -> Path:
    """Where generated modules for numba's disk cache go (numba writes beside them)."""
    base = os.environ.get("ADGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "adgen"
    )
    return Path(base) / "numba"


def _loader(to_file: bool) -> Callable[[str, str, dict[str, Any]], dict[str, Any]] | None:
    """None (exec from a string) unless numba should cache on disk: then the source
    is written to a file named by its digest and run from there."""
    if not to_file:
        return None

    def load(source: str, filename: str, ns: dict[str, Any]) -> dict[str, Any]:
        digest = hashlib.sha1(source.encode()).hexdigest()[:16]
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"adgen_{digest}.py"
        if not path.exists() or path.read_text(encoding="utf-8") != source:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(source, encoding="utf-8")
            os.replace(tmp, path)
        # A module numba can import by name when it loads the cached code again.
        name = f"adgen_numba_{digest}"
        module = types.ModuleType(name)
        module.__dict__.update(ns)
        module.__dict__.update(__name__=name, __file__=str(path))
        sys.modules[name] = module
        exec(compile(source, str(path), "exec"), module.__dict__)
        ns.update(module.__dict__)
        return ns

    return load
