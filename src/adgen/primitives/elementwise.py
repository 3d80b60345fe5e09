"""Elementwise functions of one array, and ``maximum``, ``minimum``, ``where``.

A unary elementwise function ``y = f(x)`` is given by its derivative
``f'(x)`` written in terms of ``y`` and ``x``: the JVP is ``t * f'(x)`` and the
VJP ``g * f'(x)``, so both rules come from one formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .arith import unbroadcast
from .core import Primitive, Sym, call, define, template


def sqrt(x: Any) -> Sym:
    return call("sqrt", x)


def unary(
    name: str,
    derivative: Callable[[Sym, Sym], Sym],
    callables: tuple[Any, ...],
    doc: str,
    emit: str | None = None,
) -> Primitive:
    """Define an elementwise primitive from its derivative ``derivative(out, x)``."""
    return define(Primitive(
        name,
        template(emit or f"np.{name}(_0)"),
        ("x",),
        jvp=lambda ts, out, x: ts[0] * derivative(out, x),
        vjps=(lambda g, out, x: g * derivative(out, x),),
        callables=callables,
        shape_of=0,
        doc=doc,
    ))


unary("sin", lambda y, x: call("cos", x), (np.sin, math.sin), "sine")
unary("cos", lambda y, x: -call("sin", x), (np.cos, math.cos), "cosine")
unary("tan", lambda y, x: 1 + y**2, (np.tan, math.tan), "tangent")
unary("arcsin", lambda y, x: 1 / sqrt(1 - x**2), (np.arcsin, math.asin), "inverse sine")
unary("arccos", lambda y, x: -1 / sqrt(1 - x**2), (np.arccos, math.acos), "inverse cosine")
unary("arctan", lambda y, x: 1 / (1 + x**2), (np.arctan, math.atan), "inverse tangent")
unary("sinh", lambda y, x: call("cosh", x), (np.sinh, math.sinh), "hyperbolic sine")
unary("cosh", lambda y, x: call("sinh", x), (np.cosh, math.cosh), "hyperbolic cosine")
unary("tanh", lambda y, x: 1 - y**2, (np.tanh, math.tanh), "hyperbolic tangent")
unary("exp", lambda y, x: y, (np.exp, math.exp), "exponential")
unary("log", lambda y, x: 1 / x, (np.log, math.log), "natural logarithm")
unary("log1p", lambda y, x: 1 / (1 + x), (np.log1p, math.log1p), "log(1 + x)")
unary("expm1", lambda y, x: y + 1, (np.expm1, math.expm1), "exp(x) - 1")
unary("sqrt", lambda y, x: 0.5 / y, (np.sqrt, math.sqrt), "square root")
unary("square", lambda y, x: 2 * x, (np.square,), "x ** 2")
unary("abs", lambda y, x: call("sign", x), (np.abs, np.absolute, abs), "absolute value",
      emit="np.abs(_0)")

define(Primitive(
    "sign", template("np.sign(_0)"), ("x",), differentiable=False, callables=(np.sign,),
    shape_of=0, doc="sign (zero derivative)",
))


def _select(cond: Sym, a: Sym | None, b: Sym | None) -> Sym | None:
    if a is None and b is None:
        return None
    return call("where", cond, 0.0 if a is None else a, 0.0 if b is None else b)


define(Primitive(
    "where", template("np.where(_0, _1, _2)"), ("condition", "x", "y"),
    jvp=lambda ts, out, c, x, y: _select(c, ts[1], ts[2]),
    vjps=(
        None,
        lambda g, out, c, x, y: unbroadcast(call("where", c, g, 0.0), x),
        lambda g, out, c, x, y: unbroadcast(call("where", c, 0.0, g), y),
    ),
    callables=(np.where,),
    elementwise=True,
    doc="elementwise choice; not differentiable in the condition",
))


def _extremum(name: str, emit: str, callables: tuple[Any, ...], pick_x: str, doc: str) -> None:
    """``maximum``/``minimum``: the derivative follows the chosen operand; ties go to x."""

    def first(x: Sym, y: Sym) -> Sym:
        return call(pick_x, x, y)

    define(Primitive(
        name, template(emit), ("x", "y"),
        jvp=lambda ts, out, x, y: _select(first(x, y), ts[0], ts[1]),
        vjps=(
            lambda g, out, x, y: unbroadcast(call("where", first(x, y), g, 0.0), x),
            lambda g, out, x, y: unbroadcast(call("where", first(x, y), 0.0, g), y),
        ),
        callables=callables,
        elementwise=True,
        doc=doc,
    ))


_extremum("maximum", "np.maximum(_0, _1)", (np.maximum,), "ge", "elementwise maximum")
_extremum("minimum", "np.minimum(_0, _1)", (np.minimum,), "le", "elementwise minimum")
