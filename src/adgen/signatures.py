"""The parameters of a function as adgen's derivatives take them, and ``wrt``.

A derivative takes its function's positional parameters, then ``*args`` as one
tuple, keyword-only parameters, and ``**kwargs`` as one dict
(:func:`signature_names`); ``wrt`` names some of them by index or name
(:func:`normalize_wrt`).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError, DifferentiationError
from .wrappers import unwrap

WrtSpec = int | str | Sequence[int | str]


def param_names(f: Any) -> list[str]:
    """The names of the parameters of ``f`` (a function, method or derivative object)."""
    given = getattr(f, "_adgen_params", None)
    if given is not None:
        return list(given)
    if getattr(type(f), "_adgen_derivative", False):  # an adgen.calling.Derivative
        if f.kind in ("grad", "value_and_grad") and getattr(f._func, "__code__", None):
            # Its parameters are its function's (compiling it here would not know the
            # types of the arguments, which isinstance and methods may need).
            return param_names(f._func)[len(f._lead) :]
        try:
            return f._ir().params[len(f._lead) :]
        except DifferentiationError:
            if getattr(f._func, "__code__", None) is None:
                raise
            # Not compilable without knowing its containers (d["w"] of a dict
            # argument): its parameters as the derivative takes them.
            extra = ["d" + w for w in f.wrt_names] if f.kind == "jvp" else ["cotangent"]
            return param_names(f._func)[len(f._lead) :] + extra
    func, lead, _ = unwrap(f)
    if func is not f:
        return param_names(func)[len(lead) :]
    ir = getattr(f, "_adgen_ir", None)
    if ir is not None:
        return list(ir.params)
    if not callable(f):
        raise ArgumentError(f"adgen differentiates functions, not {type(f).__name__}")
    # functools.wraps wrappers are resolved before this (adgen.wrappers).
    code = getattr(f, "__code__", None)
    if code is None:
        raise ArgumentError(f"adgen differentiates Python functions, not {f!r}")
    return signature_names(code)


def signature_names(code: Any) -> list[str]:
    """Parameter names in the order derivatives take them: positional ones, ``*args``
    (one tuple), keyword-only ones, ``**kwargs`` (one dict)."""
    n, k = code.co_argcount, code.co_kwonlyargcount
    names = list(code.co_varnames[:n])
    at = n + k
    if code.co_flags & inspect.CO_VARARGS:
        names.append(code.co_varnames[at])
        at += 1
    names += code.co_varnames[n : n + k]
    if code.co_flags & inspect.CO_VARKEYWORDS:
        names.append(code.co_varnames[at])
    return names


def is_plain(code: Any) -> bool:
    """Whether ``code`` has positional parameters only (no *args, keyword-only, **kwargs)."""
    return not (
        code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    )


def normalize_wrt(f: Any, wrt: WrtSpec) -> tuple[tuple[str, ...], tuple[int, ...], bool]:
    """(names, positions, given as a tuple) of the parameters in ``wrt``."""
    params = param_names(f)
    is_tuple = isinstance(wrt, (tuple, list))
    items = list(wrt) if is_tuple else [wrt]  # type: ignore[arg-type]
    if not items:
        raise DifferentiationError("wrt is empty: name at least one parameter")
    names: list[str] = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str, np.integer)):
            raise DifferentiationError(f"wrt must be parameter indices or names, not {w!r}")
        if isinstance(w, str):
            if w not in params:
                raise DifferentiationError(
                    f"wrt={w!r}: {getattr(f, '__name__', 'the function')} has no parameter "
                    f"{w!r}; its parameters are {', '.join(params) or '(none)'}"
                )
            names.append(w)
        else:
            i = int(w)
            code = getattr(unwrap(f)[0], "__code__", None)
            if not params and code is not None and code.co_flags & inspect.CO_VARARGS:
                raise DifferentiationError(
                    f"wrt={i}: {getattr(f, '__name__', 'the function')} takes only *args, "
                    "and adgen differentiates with respect to named parameters; give it "
                    "named ones (a decorator that only passes its arguments through, made "
                    "with functools.wraps, is differentiated as the function it wraps)"
                )
            if not -len(params) <= i < len(params):
                raise DifferentiationError(
                    f"wrt={i}: {getattr(f, '__name__', 'the function')} takes "
                    f"{len(params)} parameter(s) ({', '.join(params)})"
                )
            names.append(params[i])
    if len(set(names)) != len(names):
        raise DifferentiationError(f"wrt names a parameter twice: {wrt!r}")
    return tuple(names), tuple(params.index(n) for n in names), is_tuple
