"""What may be differentiated: checks run on arguments and results before trusting them.

A derivative with respect to something that has none (a string, ``None``, an
integer, an object adgen does not know) must never come back as a silent
``0.0`` or ``1.0``. :func:`check_differentiable` is called on every ``wrt``
argument (every leaf of a container argument) before generated code runs;
:func:`check_result` refuses a function whose result is a constant that is
not a number (``return None``, a string) when it is compiled, and
:func:`check_value` a value that turns out not to be numeric when it is computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DifferentiationError
from .ir import Const, Function, flatten_structure
from .runtime_xp import is_float_array

#: Types of the values a derivative may be taken with respect to.
FLOATS = (float, complex, np.floating, np.complexfloating)


def describe(value: Any) -> str:
    """A short phrase naming what ``value`` is, for error messages."""
    if value is None:
        return "None"
    if isinstance(value, (str, bytes)):
        return f"a {type(value).__name__} ({value[:40]!r})"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    t = type(value)
    if t.__module__ != "builtins" or t is object:
        name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
        return f"an object of type {name}"
    article = "an" if t.__name__[0] in "aeiou" else "a"
    return f"{article} {t.__name__} ({value!r:.40})"


def check_real(name: str, value: Any) -> None:
    """Refuse complex values: adgen differentiates real-valued code only."""
    if isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c"
    ):
        raise DifferentiationError(
            f"the argument {name!r} is complex ({np.asarray(value).dtype}): adgen does not "
            "differentiate complex numbers; pass the real and imaginary parts as two real "
            "arguments"
        )


def check_differentiable(name: str, value: Any) -> None:
    """Refuse ``value`` (the argument ``name``) unless it is a float or a float array.

    Containers are taken apart before this is called: ``name`` is then the
    path of a leaf (``params['w']``).
    """
    check_real(name, value)
    if isinstance(value, FLOATS):
        return
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return
        if value.dtype.kind in "iub":
            raise DifferentiationError(
                f"cannot differentiate with respect to {name!r}: it is an array of dtype "
                f"{value.dtype}, which has no derivative; convert it with .astype(float)"
            )
    if is_float_array(value):  # a Dask, PyTorch, CuPy... array of floats
        return
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        raise DifferentiationError(
            f"cannot differentiate with respect to {name!r}: it is an integer or boolean "
            f"({value!r}), which has no derivative; pass a float (e.g. {name}=float(...)) "
            "or leave it out of wrt"
        )
    raise DifferentiationError(
        f"cannot differentiate with respect to {name!r}: it is {describe(value)}, which "
        "has no derivative. Pass a float or a float array there; containers (tuples, lists, "
        "dicts, NamedTuples, dataclasses, classes given to adgen.register_pytree) are "
        "taken apart into theirs. Leave other arguments out of wrt"
    )


def check_result(fn: Function) -> None:
    """Refuse ``fn`` if a result it returns is a constant that is not a number."""
    for _, index in flatten_structure(fn.result_structure()):
        value = fn.body.results[index]
        if isinstance(value, Const) and not isinstance(value.value, (int, float, complex)):
            raise DifferentiationError(
                f"{fn.name} returns {describe(value.value)}, which has no derivative; "
                "return the number or array to differentiate"
            )


def check_value(fname: str, value: Any) -> None:
    """Refuse a computed result that is not numeric (a derivative of it means nothing)."""
    if type(value) in (float, np.ndarray, np.float64):
        return
    if (
        isinstance(value, (str, bytes))
        or value is None
        or (isinstance(value, np.ndarray) and value.dtype.kind not in "biufc")
    ):
        raise DifferentiationError(
            f"{fname} returned {describe(value)}, which has no derivative; "
            "return the number or array to differentiate"
        )
