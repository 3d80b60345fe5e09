"""Arithmetic operators and comparisons: ``+ - * / ** -x`` and ``< <= > >= == !=``."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Primitive, Sym, call, define, from_partials, template


def unbroadcast(g: Sym, like: Sym) -> Sym:
    return call("unbroadcast", g, like)


def broadcast_like(t: Sym, like: Sym) -> Sym:
    return call("broadcast_like", t, like)


def _add_jvp(ts: list[Sym | None], out: Sym, x: Sym, y: Sym) -> Sym | None:
    tx, ty = ts
    if tx is not None and ty is not None:
        return tx + ty
    return broadcast_like(tx if tx is not None else ty, out)  # type: ignore[arg-type]


def _sub_jvp(ts: list[Sym | None], out: Sym, x: Sym, y: Sym) -> Sym | None:
    tx, ty = ts
    if tx is not None and ty is not None:
        return tx - ty
    return broadcast_like(tx if tx is not None else -ty, out)  # type: ignore[operator]


define(
    Primitive(
        "add",
        template("_0 + _1"),
        ("x", "y"),
        int_closed=True,
        float_result="any",
        jvp=_add_jvp,
        vjps=(lambda g, out, x, y: unbroadcast(g, x), lambda g, out, x, y: unbroadcast(g, y)),
        callables=(np.add, operator.add),
        elementwise=True,
        doc="x + y",
    )
)

define(
    Primitive(
        "sub",
        template("_0 - _1"),
        ("x", "y"),
        int_closed=True,
        float_result="any",
        jvp=_sub_jvp,
        vjps=(lambda g, out, x, y: unbroadcast(g, x), lambda g, out, x, y: unbroadcast(-g, y)),
        callables=(np.subtract, operator.sub),
        elementwise=True,
        doc="x - y",
    )
)

define(
    Primitive(
        "mul",
        template("_0 * _1"),
        ("x", "y"),
        int_closed=True,
        float_result="any",
        jvp=from_partials(lambda t, out, x, y: t * y, lambda t, out, x, y: x * t),
        vjps=(
            lambda g, out, x, y: unbroadcast(g * y, x),
            lambda g, out, x, y: unbroadcast(x * g, y),
        ),
        callables=(np.multiply, operator.mul),
        elementwise=True,
        doc="x * y",
    )
)

define(
    Primitive(
        "div",
        template("_0 / _1"),
        ("x", "y"),
        float_result="always",
        jvp=from_partials(lambda t, out, x, y: t / y, lambda t, out, x, y: -(out * t / y)),
        vjps=(
            lambda g, out, x, y: unbroadcast(g / y, x),
            lambda g, out, x, y: unbroadcast(-(g * out / y), y),
        ),
        callables=(np.divide, np.true_divide, operator.truediv),
        elementwise=True,
        doc="x / y",
    )
)


def _number(v: Sym) -> Any:
    """The Python number ``v`` is a constant of, or None."""
    value = getattr(v.v, "value", None)
    return value if type(value) in (int, float) else None


def _dpow_dx(out: Sym, x: Sym, y: Sym) -> Sym:
    # y * x ** (y - 1), which is 0 where y == 0 (x ** 0 is constant), also at x == 0.
    k = _number(y)
    if k == 0:
        return call("zeros_like", out)
    if k is not None:
        return y * x ** (y - 1)
    return y * x ** (y - 1 + call("eq", y, 0))


def _dpow_dy(out: Sym, x: Sym, y: Sym) -> Sym:
    # out * log(x); at x == 0 (where out is 0 for y > 0) the derivative is 0.
    k = _number(x)
    if k == 0:
        return call("zeros_like", out)
    if k is not None:
        return out * call("log", x)
    return out * call("log", x + call("eq", x, 0))


def binary(
    name: str,
    dx: Callable[[Sym, Sym, Sym], Sym],
    dy: Callable[[Sym, Sym, Sym], Sym],
    callables: tuple[Any, ...],
    doc: str,
    emit: str | None = None,
    modules: tuple[str, ...] = (),
    float_result: str = "",
) -> Primitive:
    """Define ``f(x, y)`` from its partials ``dx(out, x, y)`` and ``dy(out, x, y)``.

    Each partial, broadcast with its operand, must have the result's shape.
    """
    return define(
        Primitive(
            name,
            template(emit or f"np.{name}(_0, _1)"),
            ("x", "y"),
            jvp=from_partials(
                lambda t, out, x, y: t * dx(out, x, y),
                lambda t, out, x, y: t * dy(out, x, y),
            ),
            vjps=(
                lambda g, out, x, y: unbroadcast(g * dx(out, x, y), x),
                lambda g, out, x, y: unbroadcast(g * dy(out, x, y), y),
            ),
            callables=callables,
            elementwise=True,
            modules=modules,
            float_result=float_result,
            doc=doc,
        )
    )


binary(
    "pow",
    _dpow_dx,
    _dpow_dy,
    (np.power, operator.pow, pow),
    "x ** y; the exponent may be an array or an active value",
    emit="_0 ** _1",
    float_result="any",
)
binary(
    "float_power",
    _dpow_dx,
    _dpow_dy,
    (np.float_power, math.pow),
    "x ** y computed in double precision",
    float_result="always",
)

define(
    Primitive(
        "neg",
        template("-_0"),
        ("x",),
        jvp=lambda ts, out, x: -ts[0],
        vjps=(lambda g, out, x: -g,),
        callables=(np.negative, operator.neg),
        shape_of=0,
        int_closed=True,
        float_result="first",
        doc="-x",
    )
)

define(
    Primitive(
        "pos",
        template("+_0"),
        ("x",),
        jvp=lambda ts, out, x: ts[0],
        vjps=(lambda g, out, x: g,),
        callables=(np.positive, operator.pos),
        shape_of=0,
        int_closed=True,
        float_result="first",
        doc="+x",
    )
)

for _name, _sym, _np, _op in [
    ("lt", "<", np.less, operator.lt),
    ("le", "<=", np.less_equal, operator.le),
    ("gt", ">", np.greater, operator.gt),
    ("ge", ">=", np.greater_equal, operator.ge),
    ("eq", "==", np.equal, operator.eq),
    ("ne", "!=", np.not_equal, operator.ne),
]:
    define(
        Primitive(
            _name,
            template(f"_0 {_sym} _1"),
            ("x", "y"),
            differentiable=False,
            elementwise=True,
            callables=(_np, _op),
            boolean=True,
            index_array=True,
            doc=f"x {_sym} y (not differentiable)",
        )
    )


def _remainder_jvp(ts: list[Sym | None], out: Sym, x: Sym, y: Sym, quotient: str) -> Sym:
    tx, ty = ts
    part = None if ty is None else -(ty * call(quotient, x / y))
    if tx is None:
        return part  # type: ignore[return-value]
    return broadcast_like(tx, out) if part is None else tx + part


for _name, _quotient, _callables in [
    ("remainder", "floor", (np.remainder, np.mod, operator.mod)),
    ("fmod", "trunc", (np.fmod, math.fmod)),
]:
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0, _1)"),
            ("x", "y"),
            jvp=lambda ts, out, x, y, q=_quotient: _remainder_jvp(ts, out, x, y, q),
            vjps=(
                lambda g, out, x, y: unbroadcast(g, x),
                lambda g, out, x, y, q=_quotient: unbroadcast(-(g * call(q, x / y)), y),
            ),
            callables=_callables,
            elementwise=True,
            doc=f"x - {_quotient}(x / y) * y: derivative 1 in x, -{_quotient}(x / y) in y",
        )
    )

define(
    Primitive(
        "floordiv",
        template("_0 // _1"),
        ("x", "y"),
        differentiable=False,
        callables=(np.floor_divide, operator.floordiv),
        int_closed=True,
        doc="x // y (piecewise constant: zero derivative)",
    )
)
