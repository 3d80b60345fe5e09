"""Joining arrays and converting dtypes.

Joins (``np.concatenate([a, b])``, ``np.stack``, ``np.array([a, b])``) take
their operands from a list written in the call; the adjoint of each operand is
its part of the result (``join_part``). A conversion keeps the derivative when
it goes to a floating dtype, drops it for integers and booleans, and refuses
complex dtypes.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..errors import DifferentiationError
from .core import (
    Primitive,
    Sym,
    call,
    define,
    dtype_expr,
    dtype_kind,
    listed_template,
    template,
)
from .helpers import joined


def keeps_derivative(dtype: Any) -> bool:
    if dtype_kind(dtype) == "c":
        raise DifferentiationError(
            "adgen does not differentiate complex numbers: a conversion to a complex dtype "
            "of a differentiated value is refused; keep real and imaginary parts as two "
            "real arrays"
        )
    return dtype_kind(dtype) == "f"


def conversion(
    name: str,
    emit: Any,
    callables: tuple[Any, ...],
    doc: str,
    methods: tuple[str, ...] = (),
    of_list: str | None = None,
    **facts: Any,
) -> None:
    """A dtype conversion or copy: the identity on derivatives, unless to integers.

    The tangent is converted (or copied) as the value is, except that
    ``np.asarray`` without a dtype passes it through.
    """

    def jvp(ts: list[Sym | None], out: Sym, x: Sym, dtype: Any) -> Sym | None:
        if not keeps_derivative(dtype):
            return None
        if name == "asarray" and dtype is None:
            return ts[0]
        return call(name, ts[0], dtype=dtype)

    define(
        Primitive(
            name,
            emit,
            ("x",),
            attrs={"dtype": None},
            jvp=jvp,
            vjps=(lambda g, out, x, dtype: g if keeps_derivative(dtype) else None,),
            callables=callables,
            methods=methods,
            of_list=of_list,
            shape_of=0,
            doc=doc,
            **facts,
        )
    )


def _emit_astype(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.Call(
        func=ast.Attribute(value=args[0], attr="astype", ctx=ast.Load()),
        args=[dtype_expr(attrs.get("dtype"))],
        keywords=[],
    )


conversion(
    "astype",
    _emit_astype,
    (),
    "x.astype(dtype): differentiable to a float dtype, not to an integer one",
    methods=("astype",),
    fresh_array=True,
)
conversion(
    "copy",
    template("np.array(_0)"),
    (np.array, np.copy),
    "np.array(x), np.copy(x), x.copy(): a copy",
    methods=("copy",),
    of_list="array",
    fresh_array=True,
)
conversion(
    "asarray",
    template("np.asarray(_0)"),
    (np.asarray, np.asanyarray),
    "np.asarray(x)",
    of_list="array",
    same_order=True,
    view="maybe",
)


def _float_vjp(g: Sym, out: Sym, x: Sym) -> Sym:
    return call("reshape_like", g, x)


define(
    Primitive(
        "float",
        template("float(_0)"),
        ("x",),
        jvp=lambda ts, out, x: call("float", ts[0]),
        vjps=(_float_vjp,),
        callables=(float,),
        doc="float(x): a Python float from a number or a one-element array",
    )
)

define(
    Primitive(
        "int",
        template("int(_0)"),
        ("x",),
        differentiable=False,
        callables=(int,),
        int_result=True,
        doc="int(x) (not differentiable)",
    )
)


# ------------------------------------------------------------------ joins


def _join_jvp(kind: str) -> Any:
    def jvp(ts: list[Sym | None], out: Sym, *xs: Sym, **attrs: Any) -> Sym | None:
        if not keeps_derivative(attrs.get("dtype")):
            return None
        parts = [t if t is not None else _zeros_like(x) for t, x in zip(ts, xs, strict=True)]
        if kind == "array":
            return call("array", *parts, **attrs)
        return joined(kind, parts, attrs.get("axis"))

    return jvp


def _zeros_like(x: Sym) -> Any:
    value = getattr(x.v, "value", None)
    if type(value) in (int, float):
        return 0.0
    return call("zeros_like", x)


def _join_vjp(kind: str) -> Any:
    def vjp(
        g: Sym, out: Sym, *xs: Sym, position: int, axis: Any = 0, dtype: Any = None
    ) -> Sym | None:
        if not keeps_derivative(dtype):
            return None
        return call("join_part", g, *xs, index=position, join=kind, axis=axis)

    return vjp


for _name, _attrs, _doc in [
    ("array", {"dtype": None}, "np.array([a, b, ...]): an array of arrays or numbers"),
    ("concatenate", {"axis": 0}, "np.concatenate([a, b, ...], axis)"),
    ("stack", {"axis": 0}, "np.stack([a, b, ...], axis): joined along a new axis"),
    ("hstack", {}, "np.hstack([a, b, ...]): joined along columns (1-D: along axis 0)"),
    ("vstack", {}, "np.vstack([a, b, ...]): joined along rows"),
    ("dstack", {}, "np.dstack([a, b, ...]): joined along the third axis"),
    ("column_stack", {}, "np.column_stack([a, b, ...]): 1-D arrays as columns"),
]:
    define(
        Primitive(
            _name,
            listed_template(f"np.{_name}"),
            ("arrays",),
            attrs=_attrs,
            jvp=_join_jvp(_name),
            vjps=(_join_vjp(_name),),
            callables=() if _name == "array" else (getattr(np, _name),),
            variadic=True,
            listed=True,
            fresh_array=True,
            doc=_doc,
        )
    )
