"""Reductions and scans: sum, mean, prod, max, min, var, std, cumsum, cumprod, sort.

A reduction over ``axis`` (None: all axes) with ``keepdims`` has an adjoint
that spreads the result's adjoint back over the reduced axes (:func:`spread`).
``max`` and ``min`` share the adjoint equally among the elements that tie for
the extremum. The derivatives of ``cumprod``, and the second derivative of
``prod``, divide by x and so need x without zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import UNKNOWN, Primitive, Sym, Ty, call, define, template


def restore(y: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    """A reduction's result ``y`` with the reduced axes of ``x`` back, as length 1."""
    if axis is not None and not keepdims:
        return call("expand_reduced", y, x, axis=axis)
    return y


def spread(g: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    """The adjoint ``g`` of a reduction of ``x``, broadcast back to ``x``'s shape."""
    return call("broadcast_like", restore(g, x, axis, keepdims), x)


REDUCE = {"axis": None, "keepdims": False}


def reduced_shape(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    """The type of a reduction of ``args[0]`` over ``axis`` (all axes if None)."""
    x, axis, keep = args[0], attrs.get("axis"), attrs.get("keepdims", False)
    if axis is None and not keep:
        return Ty("?", ())
    if x.kind != "array" or x.shape is None:
        return UNKNOWN
    n = len(x.shape)
    axes = range(n) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    gone = {a % n for a in axes}
    if keep:
        return Ty("array", tuple(1 if k in gone else d for k, d in enumerate(x.shape)))
    shape = tuple(d for k, d in enumerate(x.shape) if k not in gone)
    return Ty("array", shape) if shape else Ty("?", ())


def _size(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x = args[0]
    if x.known and x.shape is not None:
        n = 1
        for d in x.shape:
            n *= d  # type: ignore[operator]
        return Ty("int", (), n)
    return Ty("int", ())


def _reduces_all(attrs: dict[str, Any]) -> bool:
    """Whether a reduction with ``attrs`` reduces to a scalar (no axis, no keepdims)."""
    return attrs.get("axis") is None and not attrs.get("keepdims")


define(
    Primitive(
        "sum",
        template("np.sum(_0)"),
        ("x",),
        attrs=dict(REDUCE),
        jvp=lambda ts, out, x, **a: call("sum", ts[0], **a),
        vjps=(lambda g, out, x, axis, keepdims: spread(g, x, axis, keepdims),),
        callables=(np.sum,),
        methods=("sum",),
        scalar_result=_reduces_all,
        float_result="first",
        shape_rule=reduced_shape,
        doc="sum over all elements or the given axes",
    )
)


def _count(x: Sym) -> Sym:
    """``x.size``, but 1 for an empty ``x``: the mean of an empty array is NaN and its
    adjoint an empty array, which must not raise ZeroDivisionError on the way."""
    return call("maximum", call("size", x), 1)


define(
    Primitive(
        "mean",
        template("np.mean(_0)"),
        ("x",),
        attrs=dict(REDUCE),
        jvp=lambda ts, out, x, **a: call("mean", ts[0], **a),
        vjps=(
            lambda g, out, x, axis, keepdims: (
                call("broadcast_like", g / _count(x), x)
                if axis is None
                else spread(g, x, axis, keepdims) * (call("size", out) / _count(x))
            ),
        ),
        callables=(np.mean,),
        methods=("mean",),
        scalar_result=_reduces_all,
        float_result="always",
        shape_rule=reduced_shape,
        doc="mean over all elements or the given axes",
    )
)

define(
    Primitive(
        "prod",
        template("np.prod(_0)"),
        ("x",),
        attrs=dict(REDUCE),
        jvp=lambda ts, out, x, axis, keepdims: call(
            "sum", ts[0] * call("prod_others", x, axis=axis), axis=axis, keepdims=keepdims
        ),
        vjps=(
            lambda g, out, x, axis, keepdims: (
                spread(g, x, axis, keepdims) * call("prod_others", x, axis=axis)
            ),
        ),
        callables=(np.prod,),
        methods=("prod",),
        shape_rule=reduced_shape,
        doc="product over all elements or the given axes (exact where x has zeros)",
    )
)


def ties(out: Sym, x: Sym, axis: Any, keepdims: bool) -> tuple[Sym, Sym]:
    """Where x attains the extremum ``out`` of a reduction, and how many elements tie."""
    at = call("eq", x, restore(out, x, axis, keepdims))
    return at, call("sum", at, axis=axis, keepdims=keepdims)


def _extremum_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    at, count = ties(out, x, axis, keepdims)
    return call("sum", call("where", at, ts[0], 0.0), axis=axis, keepdims=keepdims) / count


def _extremum_vjp(g: Sym, out: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    at, count = ties(out, x, axis, keepdims)
    return call("where", at, restore(g / count, x, axis, keepdims), 0.0)


for _name, _callables, _doc in [
    ("max", (np.max, np.amax), "largest element"),
    ("min", (np.min, np.amin), "smallest element"),
]:
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            attrs=dict(REDUCE),
            jvp=_extremum_jvp,
            vjps=(_extremum_vjp,),
            callables=_callables,
            methods=(_name,),
            shape_rule=reduced_shape,
            doc=f"{_doc} over all or the given axes; ties share the derivative equally",
        )
    )


def _dof(out: Sym, x: Sym, ddof: Any) -> Sym:
    """The number of elements each result averages over, less ``ddof``."""
    return call("size", x) / call("size", out) - ddof


def _var_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any, ddof: Any, keepdims: bool) -> Sym:
    centred = x - call("mean", x, axis=axis, keepdims=True)
    return call("sum", centred * ts[0], axis=axis, keepdims=keepdims) * (2 / _dof(out, x, ddof))


def _var_vjp(g: Sym, out: Sym, x: Sym, axis: Any, ddof: Any, keepdims: bool) -> Sym:
    centred = x - call("mean", x, axis=axis, keepdims=True)
    return restore(g * (2 / _dof(out, x, ddof)), x, axis, keepdims) * centred


VAR = {"axis": None, "ddof": 0, "keepdims": False}


def _nonzero(out: Sym) -> Sym:
    """``out`` with its zeros replaced by 1.

    Where a standard deviation is 0 every centred value is 0 (always so for one
    element or a length-1 axis), so the derivative there is 0, not 0 / 0.
    """
    return call("where", call("eq", out, 0.0), 1.0, out)


define(
    Primitive(
        "var",
        template("np.var(_0)"),
        ("x",),
        attrs=dict(VAR),
        jvp=_var_jvp,
        vjps=(_var_vjp,),
        callables=(np.var,),
        methods=("var",),
        doc="variance over all or the given axes, dividing by N - ddof",
    )
)

define(
    Primitive(
        "std",
        template("np.std(_0)"),
        ("x",),
        attrs=dict(VAR),
        jvp=lambda ts, out, x, **a: _var_jvp(ts, out, x, **a) / (2 * _nonzero(out)),
        vjps=(lambda g, out, x, **a: _var_vjp(g / (2 * _nonzero(out)), out, x, **a),),
        callables=(np.std,),
        methods=("std",),
        doc="standard deviation over all or the given axes, dividing by N - ddof",
    )
)


# ------------------------------------------------------------------ scans


def reverse_cumsum(g: Sym, x: Sym, axis: Any) -> Sym:
    """The adjoint of ``np.cumsum(x, axis)``: sums from the end, shaped like x."""
    total = call("flip", call("cumsum", call("flip", g, axis=axis), axis=axis), axis=axis)
    return total if axis is not None else call("reshape_like", total, x)


def _flat(x: Sym, axis: Any) -> Sym:
    """x as a scan over ``axis`` sees it (flattened for axis None)."""
    return call("ravel", x) if axis is None else x


define(
    Primitive(
        "cumsum",
        template("np.cumsum(_0)"),
        ("x",),
        attrs={"axis": None},
        jvp=lambda ts, out, x, axis: call("cumsum", ts[0], axis=axis),
        vjps=(lambda g, out, x, axis: reverse_cumsum(g, x, axis),),
        callables=(np.cumsum,),
        methods=("cumsum",),
        doc="cumulative sum along axis (of the flattened x for axis None)",
    )
)

define(
    Primitive(
        "cumprod",
        template("np.cumprod(_0)"),
        ("x",),
        attrs={"axis": None},
        jvp=lambda ts, out, x, axis: out * call("cumsum", ts[0] / x, axis=axis),
        vjps=(lambda g, out, x, axis: reverse_cumsum(g * out, x, axis) / x,),
        callables=(np.cumprod,),
        methods=("cumprod",),
        doc="cumulative product along axis; its derivative needs x without zeros",
    )
)


# ---------------------------------------------------------------- sorting


def _sort_vjp(g: Sym, out: Sym, x: Sym, axis: Any) -> Sym:
    inverse = call("argsort", call("argsort", x, axis=axis), axis=axis)
    back = call("take_along_axis", g, inverse, axis=axis)
    return back if axis is not None else call("reshape_like", back, x)


define(
    Primitive(
        "sort",
        template("np.sort(_0)"),
        ("x",),
        attrs={"axis": -1},
        jvp=lambda ts, out, x, axis: call(
            "take_along_axis", ts[0], call("argsort", x, axis=axis), axis=axis
        ),
        vjps=(_sort_vjp,),
        callables=(np.sort,),
        doc="x sorted along axis; the derivative permutes the tangent the same way",
    )
)


def _emit_take_along_axis(args: list[Any], attrs: dict[str, Any]) -> Any:
    # Written out even at its default: NumPy before 2.3 requires axis.
    return template("np.take_along_axis(_0, _1, _axis)", {"axis": -1})(args, attrs)


define(
    Primitive(
        "take_along_axis",
        _emit_take_along_axis,
        ("arr", "indices"),
        attrs={"axis": -1},
        jvp=lambda ts, out, arr, indices, axis: call("take_along_axis", ts[0], indices, axis=axis),
        vjps=(
            lambda g, out, arr, indices, axis: call(
                "take_along_axis_adjoint", g, arr, indices, axis=axis
            ),
            None,
        ),
        callables=(np.take_along_axis,),
        doc="elements of arr picked along an axis by an index array",
    )
)

for _name, _attrs, _doc in [
    ("argsort", {"axis": -1}, "the indices that sort x"),
    ("argmax", dict(REDUCE), "the index of the largest element"),
    ("argmin", dict(REDUCE), "the index of the smallest element"),
    ("any", dict(REDUCE), "whether any element is true"),
    ("all", dict(REDUCE), "whether all elements are true"),
    ("count_nonzero", dict(REDUCE), "the number of non-zero elements"),
]:
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            attrs=_attrs,
            differentiable=False,
            callables=(getattr(np, _name),),
            methods=(_name,) if _name != "count_nonzero" else (),
            index_array=_name == "argsort",
            boolean=_name in ("any", "all"),
            doc=f"{_doc} (not differentiable)",
        )
    )

define(
    Primitive(
        "size",
        template("np.size(_0)"),
        ("x",),
        differentiable=False,
        callables=(np.size,),
        int_result=True,
        scalar_result=True,
        shape_rule=_size,
        doc="number of elements (not differentiable)",
    )
)
