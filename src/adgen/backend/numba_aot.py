"""What a module written by ``adgen generate --backend numba`` adds for numba.

Its derivatives are decorated with ``numba.njit``. The runtime helpers they
call are copied into it as the NumPy backend copies them (so the names are
the same), followed by their numba versions: the ``overload`` implementations
of :mod:`adgen.backend.numba_runtime`, copied as source, with the type tests
they use; and the tape helpers the numba emission calls. So the module
imports NumPy and numba, never adgen.

This module does not import numba: it only reads source text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .numba import NUMBA_HELPERS, TAPE_HELPERS

__all__ = ["jit_decorate", "numba_helper_source", "numba_imports"]

_RUNTIME = Path(__file__).with_name("numba_runtime.py")
# The type tests the overloads call, defined before them in numba_runtime.
_PREDICATES = ("_scalar", "_scalar_like", "_array", "_unsupported", "_basic_index", "_int_vector")


def _definitions() -> dict[str, str]:
    """Top-level function name -> its source (decorators included), from numba_runtime."""
    text = _RUNTIME.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            out[node.name] = "\n".join(lines[start : node.end_lineno])
    return out


def _overload_of(source: str) -> str | None:
    match = re.match(r"@overload\(runtime\.(\w+)\)", source)
    return match.group(1) if match else None


def numba_helper_source(helpers: set[str], not_scalar: str) -> str:
    """Source of the numba versions of ``helpers`` (those the module's functions call,
    the NumPy versions already defined above it); ``not_scalar`` is the message of
    :data:`adgen.runtime.NOT_SCALAR`."""
    defs = _definitions()
    overloads = {_overload_of(src): src for src in defs.values() if _overload_of(src)}
    wanted = sorted(h for h in helpers if h in NUMBA_HELPERS)
    if "scatter_add" in wanted and "index_add" not in wanted:
        wanted.append("index_add")  # scatter_add's numba version calls it
    parts = []
    if wanted:
        parts.append(
            f"_NOT_SCALAR = {not_scalar!r} + (\n"
            '    ", but it returned an array; use vjp with a cotangent, or jacobian"\n)'
        )
        parts += [defs[p] for p in _PREDICATES]
        parts += [overloads[h].replace("runtime.", "") for h in wanted]
    parts += [defs[t] for t in sorted(TAPE_HELPERS & helpers)]
    return "\n\n\n".join(parts)


def jit_decorate(source: str) -> str:
    """``source`` (one generated function) decorated with ``numba.njit``."""
    return re.sub(r"^def ", "@numba.njit\ndef ", source, count=1, flags=re.M)


def numba_imports() -> list[str]:
    """The import lines the numba helpers need."""
    return ["import numba", "from numba import types", "from numba.extending import overload"]
