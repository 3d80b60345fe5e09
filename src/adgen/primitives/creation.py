"""Array creation, shapes and attributes as values.

Array creation is not differentiable, except ``np.full`` and ``np.full_like``
in their fill value, and ``np.linspace`` in its end points.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..errors import DifferentiationError
from .arith import unbroadcast
from .conversions import keeps_derivative
from .core import (
    UNKNOWN,
    Primitive,
    Sym,
    Ty,
    call,
    call_template,
    const_expr,
    define,
    dtype_kind,
    template,
)


def _created_shape(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    """The type of ``np.zeros(shape)`` and the like, from the shape operand."""
    shape = args[0]
    if shape.kind == "int":
        return Ty("array", (shape.value,))
    if shape.kind == "tuple" and shape.value is not None:
        return Ty("array", tuple(shape.value))
    return UNKNOWN


def _shape_of_value(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x = args[0]
    if x.shape is None:
        return Ty("tuple")
    return Ty("tuple", (len(x.shape),), x.shape if x.known else None)


def _len(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x = args[0]
    if x.kind == "array" and x.shape:
        return Ty("int", (), x.shape[0])
    return Ty("int", ())


def creation(name: str, operands: tuple[str, ...] | None, attrs: dict[str, Any], doc: str) -> None:
    """An array-creating function (not differentiable).

    With ``operands`` None it is variadic: every positional argument is an
    operand (``np.arange(n)``, ``np.arange(a, b, step)``).
    """
    define(
        Primitive(
            name,
            call_template(f"np.{name}"),
            operands or ("args",),
            attrs=attrs,
            differentiable=False,
            variadic=operands is None,
            callables=(getattr(np, name),),
            fresh_array=True,
            shape_rule=_created_shape if operands == ("shape",) else None,
            doc=f"{doc} (not differentiable)",
        )
    )


creation("zeros", ("shape",), {"dtype": None}, "an array of zeros")
creation("ones", ("shape",), {"dtype": None}, "an array of ones")
creation("empty", ("shape",), {"dtype": None}, "an array left uninitialised")
creation("eye", ("N",), {"M": None, "k": 0, "dtype": None}, "a matrix with ones on a diagonal")
creation("identity", ("n",), {"dtype": None}, "an identity matrix")


def _arange_refused(ts: list[Sym | None], out: Sym, *args: Sym, **attrs: Any) -> None:
    # np.arange(stop) and the stop of np.arange(start, stop[, step]) only set the count:
    # their derivative is zero almost everywhere. Start and step move every value.
    if len(ts) > 1 and any(t is not None for i, t in enumerate(ts) if i != 1):
        raise DifferentiationError(
            "np.arange with a differentiated start or step is not supported; write "
            "start + step * np.arange(n) instead"
        )
    return None


def _arange_vjp(g: Sym, out: Sym, *args: Sym, position: int, **attrs: Any) -> None:
    if len(args) > 1 and position != 1:
        _arange_refused([g] * len(args), out, *args)
    return None


define(
    Primitive(
        "arange",
        call_template("np.arange"),
        ("args",),
        attrs={"dtype": None},
        jvp=_arange_refused,
        vjps=(_arange_vjp,),
        variadic=True,
        callables=(np.arange,),
        fresh_array=True,
        doc="evenly spaced values in an interval, by step (differentiable in nothing: the stop "
        "sets only the count; a differentiated start or step is refused)",
    )
)


def _linspace_dtype(dtype: Any) -> None:
    if dtype is not None and dtype_kind(dtype) != "f":
        raise DifferentiationError(
            "np.linspace with a non-float dtype has no derivative; "
            "leave dtype out (or use a float dtype)"
        )


def _linspace_jvp(
    ts: list[Sym | None], out: Sym, start: Sym, stop: Sym, *rest: Sym, **attrs: Any
) -> Sym | None:
    # linspace is linear in (start, stop) jointly: its tangent is the linspace of the tangents.
    _linspace_dtype(attrs.get("dtype"))
    if ts[0] is None and ts[1] is None:
        return None
    ta = ts[0] if ts[0] is not None else call("zeros_like", start)
    tb = ts[1] if ts[1] is not None else call("zeros_like", stop)
    return call("linspace", ta, tb, *rest, **attrs)


def _linspace_vjp(
    g: Sym, out: Sym, start: Sym, stop: Sym, *rest: Sym, position: int, **attrs: Any
) -> Sym | None:
    if position > 1:
        return None  # num: an integer count
    _linspace_dtype(attrs.get("dtype"))
    both = start + stop
    ones, zeros = call("ones_like", both), call("zeros_like", both)
    # The weight of start (or stop) in each value, shaped like the result.
    w = call("linspace", *((ones, zeros) if position == 0 else (zeros, ones)), *rest, **attrs)
    return unbroadcast(
        call("sum", g * w, axis=attrs.get("axis", 0)), start if position == 0 else stop
    )


define(
    Primitive(
        "linspace",
        call_template("np.linspace"),
        ("start", "stop", "num"),
        attrs={"num": 50, "endpoint": True, "dtype": None, "axis": 0},
        jvp=_linspace_jvp,
        vjps=(_linspace_vjp, _linspace_vjp, _linspace_vjp),
        variadic=True,
        callables=(np.linspace,),
        fresh_array=True,
        doc="evenly spaced values in an interval, by count (linear in start and stop)",
    )
)

for _name in ("zeros_like", "ones_like", "empty_like"):
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            attrs={"dtype": None},
            differentiable=False,
            callables=(getattr(np, _name),),
            shape_of=0,
            fresh_array=True,
            doc="an array shaped like x (not differentiable)",
        )
    )

define(
    Primitive(
        "full",
        template("np.full(_0, _1)"),
        ("shape", "fill_value"),
        attrs={"dtype": None},
        jvp=lambda ts, out, shape, v, dtype: (
            call("broadcast_to", ts[1], call("shape", out)) if keeps_derivative(dtype) else None
        ),
        vjps=(
            None,
            lambda g, out, shape, v, dtype: unbroadcast(g, v) if keeps_derivative(dtype) else None,
        ),
        callables=(np.full,),
        doc="an array filled with fill_value (differentiable in fill_value)",
    )
)

define(
    Primitive(
        "full_like",
        template("np.full_like(_0, _1)"),
        ("x", "fill_value"),
        attrs={"dtype": None},
        jvp=lambda ts, out, x, v, dtype: (
            call("broadcast_like", ts[1], out) if keeps_derivative(dtype) else None
        ),
        vjps=(
            None,
            lambda g, out, x, v, dtype: unbroadcast(g, v) if keeps_derivative(dtype) else None,
        ),
        callables=(np.full_like,),
        shape_of=0,
        doc="an array shaped like x filled with fill_value (differentiable in fill_value)",
    )
)

define(
    Primitive(
        "shape",
        template("np.shape(_0)"),
        ("x",),
        differentiable=False,
        callables=(np.shape,),
        shape_rule=_shape_of_value,
        doc="np.shape(x), x.shape (not differentiable)",
    )
)

define(
    Primitive(
        "ndim",
        template("np.ndim(_0)"),
        ("x",),
        differentiable=False,
        callables=(np.ndim,),
        int_result=True,
        scalar_result=True,
        doc="np.ndim(x), x.ndim (not differentiable)",
    )
)

define(
    Primitive(
        "len",
        template("len(_0)"),
        ("x",),
        differentiable=False,
        callables=(len,),
        int_result=True,
        scalar_result=True,
        shape_rule=_len,
        doc="len(x) (not differentiable)",
    )
)

define(
    Primitive(
        "make_tuple",
        lambda args, attrs: ast.Tuple(elts=list(args), ctx=ast.Load()),
        ("items",),
        differentiable=False,
        variadic=True,
        doc="a tuple of non-differentiable values (shapes)",
    )
)

define(
    Primitive(
        "item",
        lambda args, attrs: ast.Subscript(
            value=args[0], slice=const_expr(attrs.get("index", 0)), ctx=ast.Load()
        ),
        ("x",),
        attrs={"index": 0},
        differentiable=False,
        doc="an element of a tuple at a constant index (not differentiable)",
    )
)


def _attribute_refused(name: str) -> None:
    raise DifferentiationError(
        f"the attribute .{name} of a differentiated value has no derivative rule in adgen; "
        "compute it with NumPy functions instead"
    )


define(
    Primitive(
        "attr",
        lambda args, attrs: ast.Attribute(value=args[0], attr=attrs["name"], ctx=ast.Load()),
        ("obj",),
        attrs={"name": ""},
        jvp=lambda ts, out, obj, name: _attribute_refused(name),
        vjps=(lambda g, out, obj, name: _attribute_refused(name),),
        doc="obj.name for an object that is not differentiated (self.w in a method); "
        "refused on a differentiated value",
    )
)
