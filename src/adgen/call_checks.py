"""Checks of a derivative's call: missing, misshapen and mistyped tangents and cotangents.

Each takes the :class:`adgen.calling.Derivative` called (``d``) and raises a
:class:`DifferentiationError` that says which argument is missing or misshapen,
before any generated code runs where it can.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import trees
from .arguments import describe
from .errors import DifferentiationError
from .ir import flatten_structure

if TYPE_CHECKING:
    from . import cache


def _tree_shapes(value: Any) -> Any:
    """The shapes of a value's leaves, nested as its tuples, lists and dicts."""
    if isinstance(value, (tuple, list)):
        return tuple(_tree_shapes(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _tree_shapes(v)) for k, v in value.items())
    return np.shape(value)


def _real_kind(value: Any) -> str:
    """The dtype kind of a NumPy array or number ("f" for another library's array, whose
    own dtypes its code checks)."""
    if type(value) is np.ndarray:
        return value.dtype.kind
    if isinstance(value, (int, float, complex, np.generic)):
        return np.asarray(value).dtype.kind
    return "f"


def _at(value: Any, path: tuple[int, ...]) -> Any:
    """The part of nested tuples ``value`` at ``path``."""
    for k in path:
        value = value[k]
    return value


def explain_cotangent(
    d: Any, args: tuple[Any, ...], kw: dict[str, Any], exc: Exception | None
) -> None:
    """A VJP raised: when its cotangent is not shaped like the function's output,
    say so instead (checked only then: it runs the function on copies)."""
    if d.kind != "vjp" or not args or isinstance(exc, DifferentiationError):
        return
    *primals, cotangent = args  # the partial's own arguments (d._lead) included
    try:
        out = d._func(*copy.deepcopy(primals), **copy.deepcopy(kw))
    except Exception:
        return  # the function raises too: its exception stands
    if _tree_shapes(out) != _tree_shapes(cotangent):
        raise DifferentiationError(
            f"vjp: the cotangent has shape {_tree_shapes(cotangent)}, but "
            f"{getattr(d.primal, '__name__', 'the function')} returns a value of "
            f"shape {_tree_shapes(out)}; pass a cotangent shaped like the output"
        ) from exc


def check_extra(d: Any, args: Sequence[Any], kw: dict[str, Any], n_extra: int) -> None:
    """Refuse a call that leaves out the cotangent (vjp) or tangents (jvp)."""
    params = d._params()
    defaults = getattr(d._func, "__defaults__", None) or ()
    required = [p for p in params[: len(params) - len(defaults)] if p not in kw]
    required = required[len(d._lead) :]
    given = len(args) - len(d._lead)
    if given >= len(required) + n_extra:
        return
    what = (
        "the cotangent (shaped like its result)"
        if d.kind == "vjp"
        else f"one tangent per wrt argument ({', '.join('d' + n for n in d.wrt_names)})"
    )
    raise DifferentiationError(
        f"{d.__name__} takes the arguments of {d._fname} "
        f"({', '.join(required) or 'none required'}), then {what}; it was given "
        f"{given} positional argument(s): "
        f"{'the ' + ('cotangent is' if d.kind == 'vjp' else 'tangents are')} missing"
        if given >= len(required)
        else f"{d.__name__} takes the arguments of {d._fname} "
        f"({', '.join(required)}), then {what}; it was given only {given} "
        "positional argument(s)"
    )


def check_tangent(d: Any, name: str, t: Any, x: Any) -> None:
    """Refuse a tangent that is not a real number or array shaped like its argument
    (a tuple or list tangent for an array argument is the wrong structure)."""
    if isinstance(t, (str, bytes)) or t is None or trees.is_container(t):
        raise DifferentiationError(
            f"jvp: the tangent for {name!r} is {describe(t)}; pass a float array "
            f"shaped like {name!r}"
        )
    if _real_kind(t) not in "iuf":
        raise DifferentiationError(
            f"jvp: the tangent for {name!r} is {describe(t)}, which is not a real "
            f"number; pass a float array shaped like {name!r}"
            + (" (adgen differentiates real-valued code only)" if _real_kind(t) == "c" else "")
        )
    if np.shape(t) != np.shape(x):
        raise DifferentiationError(
            f"jvp: the tangent for {name!r} has shape {np.shape(t)}, but {name!r} "
            f"has shape {np.shape(x)}; pass one tangent per wrt argument, shaped like it"
        )


def check_cotangent(d: Any, cot: Any, structure: Any, path: str = "") -> None:
    """Refuse a cotangent whose tuple structure is not the result's."""
    where = f"the cotangent{path}"
    if isinstance(structure, tuple):
        if not isinstance(cot, (tuple, list)) or len(cot) != len(structure):
            raise DifferentiationError(
                f"vjp: {where} must be a tuple of {len(structure)} (one per element of "
                f"{d._fname}'s result{path}), not {describe(cot)}"
            )
        for k, (c, s) in enumerate(zip(cot, structure)):
            check_cotangent(d, c, s, f"{path}[{k}]")
    elif isinstance(cot, (tuple, list, dict, str, bytes)) or cot is None:
        raise DifferentiationError(
            f"vjp: {where} is {describe(cot)}, but {d._fname}'s result{path} is one "
            "value: pass a float or an array shaped like it"
        )
    else:
        kind = _real_kind(cot)
        if kind not in "iuf":
            raise DifferentiationError(
                f"vjp: {where} is {describe(cot)}, which is not a real number: pass a "
                f"float or a float array shaped like {d._fname}'s result{path}"
                + (" (adgen differentiates real-valued code only)" if kind == "c" else "")
            )


def check_cotangent_shapes(d: Any, entry: cache.Compiled, primals: list[Any], cot: Any) -> None:
    """Refuse a cotangent not shaped like the result, even one that broadcasts (the
    generated code relies on its shape: a cotangent of shape (1,) for a result of
    shape (3,) would give a wrong gradient, not an error). Against the shapes the
    shape analysis knows (entry.result_shapes), else the result of one call of the
    function (on copies of the arguments) when no one sees that call (entry.quiet)."""
    expected: Any = entry.result_shapes
    if type(entry.result_structure) is int and expected is not None:  # the common case
        shape = cot.shape if type(cot) is np.ndarray else np.shape(cot)
        if shape == expected[0]:
            return
    leaves = flatten_structure(entry.result_structure)
    try:
        given = [np.shape(_at(cot, path)) for path, _ in leaves]
    except (TypeError, IndexError, KeyError):
        return  # not the result's structure: the caller says so
    if expected is not None and None not in expected:
        if all(g == e for g, e in zip(given, expected)):
            return
    elif entry.emitted.library is not None or not entry.quiet or not d._plain_signature():
        # Lazy or device arrays are not computed again here, nor is a function that
        # prints, logs or warns (it does so once per call), nor one taking *args or
        # **kwargs: the gradients' shapes are checked after the call instead.
        return
    else:
        try:
            out = d._func(*copy.deepcopy(primals))  # bound: one value per parameter
        except Exception:
            return  # the function raises: so will its VJP, with that error
        if d.has_aux and isinstance(out, tuple) and len(out) == 2:
            out = out[0]
        if entry.result_tree is not None:
            out = trees.to_nested_tuples(out, entry.result_tree)
        try:
            expected = [np.shape(_at(out, path)) for path, _ in leaves]
        except (TypeError, IndexError, KeyError):
            return
    for (path, _), g, e in zip(leaves, given, expected):
        if e is not None and g != e:
            where = "".join(f"[{k}]" for k in path)
            raise DifferentiationError(
                f"vjp: the cotangent{where} has shape {g}, but {d._fname}'s result"
                f"{where} has shape {e}; pass a cotangent shaped like the result "
                "(a cotangent that only broadcasts to it is refused: it would give a "
                "wrong gradient)"
            )
