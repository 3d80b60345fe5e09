"""The fast call path of a gradient or JVP: one small function, written for one signature.

After a derivative's first call with arguments of given shapes,
:class:`adgen.calling.Derivative` answers later calls with the same
signature through the function :func:`gradient_path` (or :func:`jvp_path`)
returns. It is Python source generated for that signature and exec'd, so
that each check is one comparison on a local name rather than a loop over
arguments: it checks exactly what :func:`signature` would (the type of each
argument, the dtype and shape of each array), that nothing was recompiled or
rebound since (``stamp`` and ``moved``), calls the generated derivative, and
gives each gradient its argument's type as the general path does. Anything else returns
:data:`MISS`, and the caller takes the general path, which never gives a
different answer, only a slower one.

For the numba backend it calls the numba dispatcher itself (unless an
argument is a 0-d array, which the wrapper converts); a numba error returns
:data:`MISS`, so that the wrapper (:class:`adgen.backend.numba_runtime.NumbaFunction`)
reports it or falls back.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import cache, custom
from .runtime import gradient_like

#: What a fast path returns when it does not answer the call.
MISS = object()

_F8 = np.dtype(np.float64)
_NUMBERS = (float, int, bool, np.float64, np.float32, np.int64)
_NUMBER_NAMES = {t.__name__: t for t in _NUMBERS}  # signature() names them so


def signature(args: Sequence[Any]) -> tuple[Any, ...] | None:
    """The signature of each argument (see :func:`adgen.cache.split_signature`): its
    shape for a Python float or a float64 array of at least one axis, ``(shape,
    kind)`` for other numbers and arrays, "tree" for a container, None for anything
    else."""
    out: list[Any] = []
    for a in args:
        t = type(a)
        if t is np.ndarray:
            dtype = a.dtype
            if dtype.kind == "c":
                out.append(None)
            elif dtype is _F8 and a.ndim:
                out.append(a.shape)
            else:
                out.append((a.shape, dtype.str))
        elif t is float:
            out.append(())
        elif t in _NUMBERS:
            out.append(((), t.__name__))
        elif t in (tuple, list, dict):
            out.append("tree")  # never equal to a shape: containers take their own path
        else:
            out.append(None)
    return tuple(out)


def _cell_guard(entry: cache.Compiled, f: Any) -> tuple[tuple[Any, Any], ...]:
    """(cell, value) of each closure cell the generated code reads at call time."""
    closure = getattr(f, "__closure__", None) or ()
    return tuple((closure[i], closure[i].cell_contents) for i, _ in entry.cells)


def _cells_moved(guard: tuple[tuple[Any, Any], ...]) -> bool:
    return any(cell.cell_contents is not value for cell, value in guard)


class _GlobalsGuard:
    """The module globals a compiled entry read when it was built: ``moved()`` says
    whether any was rebound since (then the fast path steps aside to recompile)."""

    __slots__ = ("deps", "globals")

    def __init__(self, entry: cache.Compiled, f: Any) -> None:
        self.globals = getattr(f, "__globals__", {})
        self.deps = entry.global_deps

    def moved(self) -> bool:
        g = self.globals
        return any(g.get(n, o) is not o for n, o in self.deps)


def guards(entry: cache.Compiled, f: Any) -> Callable[[], bool] | None:
    """A check that the closure cells or globals ``entry`` depends on moved, or None."""
    cells = _cell_guard(entry, f)
    if not entry.global_deps:
        return (lambda: _cells_moved(cells)) if cells else None
    g = _GlobalsGuard(entry, f)
    if not cells:
        return g.moved
    return lambda: g.moved() or _cells_moved(cells)


def _check(name: str, sig: Any, env: dict[str, Any]) -> str:
    """A condition true when argument ``name`` does not have signature ``sig``."""
    if sig == ():
        return f"type({name}) is not float"
    if isinstance(sig, tuple) and all(isinstance(d, int) for d in sig):  # float64, >= 1 axis
        env[f"shape_{name}"] = sig
        return (
            f"type({name}) is not ndarray or {name}.dtype is not F8 or {name}.shape != shape_{name}"
        )
    shape, kind = sig
    if shape == () and kind in _NUMBER_NAMES:  # a number of another type than float
        env[f"type_{name}"] = _NUMBER_NAMES[kind]
        return f"type({name}) is not type_{name}"
    env[f"shape_{name}"], env[f"dtype_{name}"] = shape, kind  # another dtype, or 0-d
    return (
        f"type({name}) is not ndarray or {name}.dtype.str != dtype_{name} "
        f"or {name}.shape != shape_{name}"
    )


def _convert(g: str, x: str, sig: Any) -> str:
    """Source that gives gradient ``g`` the type of argument ``x`` (signature ``sig``)."""
    if sig == () or sig == ((), "float64"):  # gradient_like makes both a float
        return f"    if type({g}) is not float:\n        {g} = float({g})\n"
    return (
        f"    if type({g}) is not ndarray or {g}.dtype is not {x}.dtype "
        f"or not {g}.flags.writeable:\n        {g} = gradient_like({g}, {x})\n"
    )


def _is_array(sig: Any) -> bool:
    """Whether signature ``sig`` (not a plain float64 one) is an array's ``(shape, dtype)``."""
    return (
        isinstance(sig, tuple)
        and len(sig) == 2
        and isinstance(sig[1], str)
        and sig[1][:1] in ("<", ">", "|", "=")
    )


def _differentiable(sig: Any) -> bool:
    """Whether an argument of signature ``sig`` is a float (Python's or NumPy's float64)
    or a floating array (the fast path differentiates nothing else)."""
    if sig == () or sig == ((), "float64") or all(isinstance(d, int) for d in sig):
        return True
    return _is_array(sig) and np.dtype(sig[1]).kind == "f"


def _answerable(shapes: tuple[Any, ...], positions: tuple[int, ...]) -> bool:
    """Whether a fast path can check arguments of ``shapes`` (no containers, no other
    objects) and differentiate with respect to those at ``positions``."""
    return not any(s is None or s == "tree" for s in shapes) and all(
        _differentiable(shapes[p]) for p in positions
    )


def _header(
    names: list[str],
    sigs: list[Any],
    func: Callable[..., Any],
    stamp: tuple[int, int],
    moved: Callable[[], bool] | None,
) -> tuple[list[str], dict[str, Any]]:
    """The first lines of a fast path over arguments ``names`` of signatures ``sigs``:
    the checks, then ``out = call(...)``; and the names the lines read."""
    env: dict[str, Any] = {
        "MISS": MISS,
        "F8": _F8,
        "ndarray": np.ndarray,
        "gradient_like": gradient_like,
        "epochs": cache.EPOCH,
        "versions": custom.VERSION,
        "moved": moved,
    }
    env["call"], env["CallError"] = _callee(func, sigs)
    epoch, version = stamp
    checks = [_check(n, s, env) for n, s in zip(names, sigs)]
    if moved is not None:
        checks.append("moved()")
    unpack = ", ".join(names) + ("," if len(names) == 1 else "")
    lines = [
        "def fast(args):",
        f"    if len(args) != {len(names)} or epochs[0] != {epoch} or versions[0] != {version}:",
        "        return MISS",
        f"    {unpack} = args",
        "    if " + " or ".join(f"({c})" for c in checks) + ":",
        "        return MISS",
        "    try:",
        f"        out = call({', '.join(names)})",
        "    except CallError:",
        "        return MISS",
    ]
    return lines, env


def _made(source: str, env: dict[str, Any]) -> Callable[[tuple[Any, ...]], Any]:
    exec(compile(source, "<adgen fast path>", "exec"), env)
    fast = env["fast"]
    fast.__doc__ = source
    return fast


def gradient_path(
    func: Callable[..., Any],
    shapes: tuple[Any, ...],
    positions: tuple[int, ...],
    stamp: tuple[int, int],
    moved: Callable[[], bool] | None,
    *,
    wrt_tuple: bool,
    with_value: bool,
    value_free: bool,
) -> Callable[[tuple[Any, ...]], Any] | None:
    """The fast path of ``grad``/``value_and_grad`` for arguments of ``shapes`` (see
    the module doc), or None where only the general path can answer.

    ``func`` is the generated derivative; it returns ``(value, gradient)``, or the
    gradient alone when ``value_free``; ``positions`` are the ``wrt`` arguments'.
    """
    if not _answerable(shapes, positions):
        return None
    names = [f"a{k}" for k in range(len(shapes))]
    lines, env = _header(names, list(shapes), func, stamp, moved)
    lines.append("    value = None" if value_free else "    value, out = out")
    grads = [f"g{k}" for k in range(len(positions))]
    if wrt_tuple:
        lines += [
            f"    if type(out) is not tuple or len(out) != {len(positions)}:",
            "        return MISS",
            f"    {', '.join(grads)}{',' if len(grads) == 1 else ''} = out",
        ]
    else:
        lines.append("    g0 = out")
    body = "".join(_convert(g, names[p], shapes[p]) for g, p in zip(grads, positions))
    result = f"({', '.join(grads)},)" if wrt_tuple else "g0"
    source = "\n".join(lines) + "\n" + body
    source += f"    return (value, {result})\n" if with_value else f"    return {result}\n"
    return _made(source, env)


def jvp_path(
    func: Callable[..., Any],
    shapes: tuple[Any, ...],
    positions: tuple[int, ...],
    stamp: tuple[int, int],
    moved: Callable[[], bool] | None,
) -> Callable[[tuple[Any, ...]], Any] | None:
    """The fast path of a JVP for primals of ``shapes`` and, after them, one tangent
    per ``wrt`` argument of its argument's signature (see the module doc)."""
    if not _answerable(shapes, positions):
        return None
    names = [f"a{k}" for k in range(len(shapes))] + [f"t{k}" for k in range(len(positions))]
    sigs = [*shapes, *(shapes[p] for p in positions)]
    lines, env = _header(names, sigs, func, stamp, moved)
    return _made("\n".join(lines) + "\n    return out\n", env)


class _NeverRaised(Exception):
    """Stands for the numba error class where ``func`` is no numba function."""


def _callee(func: Callable[..., Any], shapes: tuple[Any, ...]) -> tuple[Any, type]:
    """What the fast path calls, and the exceptions that send it to the general path:
    a numba function's dispatcher itself, when no argument is a 0-d array."""
    rt = sys.modules.get("adgen.backend.numba_runtime")  # not imported: no numba function
    if rt is None or not isinstance(func, rt.NumbaFunction) or func._call is not func.dispatcher:
        return func, _NeverRaised
    if any(s != () and _is_array(s) and s[0] == () for s in shapes):
        return func, _NeverRaised  # a 0-d array: the wrapper makes it a number
    return func.dispatcher, rt.NumbaError
