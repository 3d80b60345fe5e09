"""Ahead-of-time generation: derivative functions written out as one standalone module.

:func:`resolve` (from :mod:`adgen.targets`) finds the function a target
such as ``model.py:loss`` or ``package.module:loss`` names;
:func:`generate_module` returns the text of a module holding the derivatives
of one or more targets, named as the public API promises:

* reverse mode: ``<func>_vjp(*params, cotangent)``, and unless the function
  returns a tuple ``<func>_value_and_grad(*params)`` and ``<func>_grad(*params)``
  (same results as ``adgen.vjp``, ``adgen.value_and_grad`` and ``adgen.grad``);
* forward mode: ``<func>_jvp(*params, *tangents)`` returning ``(value, tangent)``.

The module imports NumPy and nothing else from adgen's side: the runtime
helpers its functions call are copied into it. Free values the functions read
(module-level arrays and the like) are handled so the module stays readable
and honest about what it depends on:

* numbers were already folded into the code as literals by the frontend;
* a finite numeric array of at most :data:`EMBED_MAX` elements is embedded as
  an ``np.array(...)`` literal, a snapshot of its value at generation time;
* anything else is imported by name from the module that defines it
  (``from model import BIG``), which must then be importable wherever the
  generated module is imported. A value that is neither is an error.

The output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import ast
import contextlib
import pprint
import re
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import pipeline
from .backend.emit import Emitted
from .backend.numba import TAPE_HELPERS
from .backend.numba_aot import jit_decorate, numba_helper_source, numba_imports
from .errors import DifferentiationError, UnsupportedSyntaxError
from .ir import Function
from .jit import BACKENDS
from .pipeline import Kind, Request
from .primitives.core import const_expr
from .runtime import NOT_SCALAR, helper_source
from .runtime_xp import XP_HELPERS, XP_IMPORTS
from .signatures import WrtSpec, normalize_wrt
from .targets import (  # noqa: F401  (the targets ``adgen generate`` takes, re-exported)
    Target,
    TargetError,
    display_path,
    exc_line,
    load,
    load_file,
    load_module,
    parse_wrt,
    resolve,
    split_spec,
)
from .version import __version__

#: Largest numeric array (in elements) embedded as a literal; larger ones are imported.
EMBED_MAX = 64

MODES = ("forward", "reverse")


# ------------------------------------------------------------ generation


@dataclass
class Derivatives:
    """What one target contributes to a module: its functions and a header line."""

    target: Target
    mode: str
    wrt: tuple[str, ...]
    parts: list[Emitted]
    callees: list[Emitted] = field(default_factory=list)
    # "numba": the functions are emitted for numba and decorated with numba.njit.
    backend: str = "numpy"
    # Written against the array API (adgen generate --array-api), not NumPy.
    array_api: bool = False


#: Names the generated module defines besides the derivatives.
OWN_NAMES = ("gradient_like",)


def _signature(fn: Function) -> tuple[str, str]:
    """(parameters with defaults, plain argument list) of ``fn``."""
    params = list(fn.params)
    for k, d in enumerate(fn.defaults):
        i = len(params) - len(fn.defaults) + k
        params[i] = f"{params[i]}={ast.unparse(const_expr(d))}"
    return ", ".join(params), ", ".join(fn.params)


@contextlib.contextmanager
def located(target: Target) -> Iterator[None]:
    """Give errors that carry no location of their own the location of ``target``."""
    try:
        yield
    except (UnsupportedSyntaxError, TargetError):
        raise
    except DifferentiationError as exc:
        raise TargetError(" ".join(str(exc).split()), target.location) from None


def derivatives(
    target: Target,
    mode: str,
    wrt: WrtSpec = 0,
    backend: str = "numpy",
    array_api: bool = False,
) -> Derivatives:
    """The derivative functions of ``target`` in ``mode`` ("forward" or "reverse"),
    for ``backend`` ("numpy", or "numba": compiled by numba.njit when imported);
    ``array_api``: written against the array API (see :mod:`adgen.backend.array_api`)."""
    if mode not in MODES:
        raise DifferentiationError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    if backend not in BACKENDS:
        raise DifferentiationError(f"backend must be 'numpy' or 'numba', not {backend!r}")
    if array_api and backend == "numba":
        raise DifferentiationError(
            "--array-api and --backend numba do not go together: numba compiles NumPy code"
        )
    with located(target):
        return _derivatives(target, mode, wrt, backend, array_api)


def _derivatives(
    target: Target, mode: str, wrt: WrtSpec, backend: str, array_api: bool
) -> Derivatives:
    _, positions, as_tuple = normalize_wrt(target.func, wrt)
    primal = pipeline.lower(target.func)
    wrt_list = tuple(primal.params[p] for p in positions)
    base = target.name
    clash = ({*OWN_NAMES, f"{base}_value_and_grad"} & set(primal.params)) or (
        set(OWN_NAMES) & set(primal.freevars)
    )
    if clash:
        raise TargetError(
            f"{target.name} uses the name {clash.pop()!r}, which the generated "
            "module needs for itself; rename it",
            target.location,
        )
    parts: list[Emitted] = []
    # Functions the derivatives call (the user's helpers and their derivatives), once each.
    callees: dict[str, Emitted] = {}

    def part(kind: Kind, name: str) -> Function:
        # gradient_like (conform) has no numba version: numba's gradients are floats already.
        request = Request(
            primal,
            kind,
            wrt_list,
            as_tuple,
            conform=backend != "numba",
            name=name,
            backend=backend,
            array_api="array-API" if array_api else None,
        )
        state = pipeline.run(request)
        main, *called = state.emitted
        parts.append(main)
        for c in called:
            callees.setdefault(c.name, c)
        assert state.fn is not None
        return state.fn

    if mode == "forward":
        part("jvp", f"{base}_jvp")
    else:
        part("vjp", f"{base}_vjp")
        if not isinstance(primal.result_structure(), tuple):
            fn = part("grad", f"{base}_value_and_grad")
            params, args = _signature(fn)
            what = ", ".join(wrt_list)
            grad = (
                f"def {base}_grad({params}):\n"
                f'    """Gradient of {primal.name}({", ".join(primal.params)}) with respect '
                f'to {what}: {base}_value_and_grad without the value."""\n'
                f"    return {base}_value_and_grad({args})[1]\n"
            )
            parts.append(Emitted(f"{base}_grad", grad))
    return Derivatives(target, mode, wrt_list, parts, list(callees.values()), backend, array_api)


def _array_literal(value: np.ndarray) -> str | None:
    """``np.array(...)`` source for a small finite numeric array, else None."""
    if value.dtype.kind not in "biufc" or value.size > EMBED_MAX:
        return None
    if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
        return None
    data = value.tolist()
    dtype = f'dtype="{value.dtype.name}"'
    one_line = f"np.array({data!r}, {dtype})"
    if len(one_line) <= 80:
        return one_line
    body = pprint.pformat(data, width=84, compact=True)
    inner = "\n".join("    " + line for line in body.splitlines())
    return f"np.array(\n{inner},\n    {dtype},\n)"


def _home(name: str, obj: Any, funcs: Sequence[Callable[..., Any]]) -> str | None:
    """The module ``obj`` can be imported from as ``name``, or None."""
    for f in funcs:
        g = getattr(f, "__globals__", {})
        if g.get(name, None) is obj:
            module = g.get("__name__")
            if module and module != "__main__" and not module.startswith("_adgen_target_"):
                return module
        for v in g.values():
            if isinstance(v, types.ModuleType) and getattr(v, name, None) is obj:
                return v.__name__
    return None


def _describe_value(obj: Any) -> str:
    if isinstance(obj, np.ndarray):
        return f"array of shape {obj.shape} and dtype {obj.dtype}"
    return type(obj).__name__


def _free_values(groups: Sequence[Derivatives]) -> tuple[list[str], list[str]]:
    """(import lines, constant definitions) for the free values the parts read."""
    seen: dict[str, Any] = {}
    owners: dict[str, Derivatives] = {}
    for d in groups:
        for p in (*d.parts, *d.callees):
            for name, obj in p.freevars.items():
                if name in seen and seen[name] is not obj:
                    raise TargetError(
                        f"{owners[name].target.name} and {d.target.name} read different "
                        f"values called {name!r}; generate them into separate modules",
                        d.target.location,
                    )
                seen[name] = obj
                owners[name] = d
    imports: dict[str, list[str]] = {}
    consts: list[str] = []
    for name, obj in seen.items():
        d = owners[name]
        literal = _array_literal(obj) if isinstance(obj, np.ndarray) else None
        if literal is not None:
            consts.append(
                f"# {name}: {_describe_value(obj)}, copied from "
                f"{display_path(d.target.func.__code__.co_filename)}"
            )
            consts.append(f"{name} = {literal}")
            continue
        home = _home(name, obj, [g.target.func for g in groups])
        if home is None:
            raise TargetError(
                f"{d.target.name} reads {name!r} ({_describe_value(obj)}), which is neither "
                f"a small numeric array adgen can copy (at most {EMBED_MAX} elements) nor "
                "a module-level name the generated module could import; make it a "
                "module-level global of an importable module, or pass it as a parameter",
                d.target.location,
            )
        imports.setdefault(home, []).append(name)
    lines = [f"from {m} import {', '.join(sorted(ns))}" for m, ns in sorted(imports.items())]
    return lines, consts


def _names(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _needs(modules: Sequence[str], imports: Sequence[str], numpy: bool) -> list[str]:
    """The docstring lines that say what the module imports (what it really does)."""
    others = sorted(
        {m.partition(".")[0] for m in modules}
        | {line.split()[1] for line in imports if line.startswith("from ")}
    )
    others = [m for m in others if m != "numpy"]
    if not others:
        needs = "only NumPy" if numpy else "no module at all"
        return [f"The module needs {needs}: the helpers its functions call are at the end."]
    first = "NumPy and " if numpy else ""
    return [
        f"The module imports {first}{_names(others)}, as the differentiated code does;",
        "the helpers its functions call are at the end.",
    ]


def generate_module(groups: Sequence[Derivatives], command: str | None = None) -> str:
    """The text of a standalone module holding the parts of every group."""
    public = [p.name for d in groups for p in d.parts]
    exported = sorted(public)
    if len(set(public)) != len(public):
        dup = next(n for n in public if public.count(n) > 1)
        raise TargetError(
            f"two targets would both define {dup}; generate them into separate modules"
        )
    header = [f"# Generated by adgen {__version__}. Do not edit: regenerate instead."]
    for d in groups:
        header.append(f"# From {d.target.spec}: {d.mode} mode, with respect to {', '.join(d.wrt)}.")
    if command:
        header.append(f"# Command: {command}")
    doc = [f'"""Derivatives of {_names([d.target.name for d in groups])}, generated by adgen.', ""]
    modes = {d.mode for d in groups}
    if "reverse" in modes:
        doc += [
            "<func>_vjp(*params, cotangent) returns the gradient of <cotangent, result>;",
            "<func>_grad(*params) the gradient of a function with a scalar result, and",
            "<func>_value_and_grad(*params) its value too.",
        ]
    if "forward" in modes:
        doc += [
            "<func>_jvp(*params, *tangents) returns (value, directional derivative),",
            "with one tangent per parameter differentiated, shaped like it.",
        ]
    imports, consts = _free_values(groups)
    modules = sorted(set().union(*(p.modules for d in groups for p in (*d.parts, *d.callees))))
    names = ", ".join(f'"{n}"' for n in exported)
    if len(names) <= 76:
        body = ["", f"__all__ = [{names}]"]
    else:
        body = ["", "__all__ = ["] + [f'    "{n}",' for n in exported] + ["]"]
    numba = any(d.backend == "numba" for d in groups)

    def code(p: Emitted) -> str:
        return jit_decorate(p.source.rstrip("\n")) if numba else p.source.rstrip("\n")

    for d in groups:
        for p in d.parts:
            body += ["", "", code(p)]
    seen: set[str] = set()
    for d in groups:
        for p in d.callees:
            if p.name in seen:
                raise TargetError(
                    f"two targets call different functions named {p.name}; "
                    "generate them into separate modules"
                )
            seen.add(p.name)
            body += ["", "", code(p)]
    helpers = set().union(*(p.helpers for d in groups for p in (*d.parts, *d.callees)))
    array_api = any(d.array_api for d in groups)
    if helpers:
        body += [
            "",
            "",
            "# Helpers called by the functions above.",
            "",
            helper_source(helpers - TAPE_HELPERS, XP_HELPERS if array_api else None).rstrip("\n"),
        ]
        if numba:
            body += ["", "", numba_helper_source(helpers, NOT_SCALAR).rstrip("\n")]
    # NumPy is imported only where the code uses it (a scalar derivative may not).
    text = "\n".join(body + consts)
    if array_api:  # (the comments that quote the NumPy source need no import)
        text = "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("#"))
    numpy = re.search(r"\bnp\.", text) is not None
    shim = ["array_api_compat"] if array_api else []
    needs = [*modules, *shim, *(["numba"] if numba else [])]
    doc += ["", *_needs(needs, imports, numpy), '"""']
    out = header + doc + [""] + (["import numpy as np"] if numpy else [])
    if array_api:  # the array-API shim, which finds each call's namespace
        out += XP_IMPORTS.rstrip("\n").split("\n")
    out += [f"import {m}" for m in modules]
    if numba:
        out += numba_imports()
    if imports:
        out += [""] + imports
    if consts:
        out += [""] + consts
    out += body
    return "\n".join(out) + "\n"
