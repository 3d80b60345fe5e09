"""Elementwise functions: of one array, of two (``hypot``, ``maximum``...), ``where``, ``clip``.

A unary elementwise function ``y = f(x)`` is given by its derivative
``f'(x)`` written in terms of ``y`` and ``x``: the JVP is ``t * f'(x)`` and the
VJP ``g * f'(x)``, so both rules come from one formula. A binary one is given
by its two partial derivatives, each shaped like the broadcast result.
Piecewise-constant functions (``floor``, ``sign``, tests like ``isnan``) are
not differentiable: their derivative is zero wherever it exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .arith import binary, broadcast_like, unbroadcast
from .core import Primitive, Sym, call, define, sum_tangents, template

LN2 = math.log(2.0)
LN10 = math.log(10.0)


def sqrt(x: Any) -> Sym:
    return call("sqrt", x)


def _math(*names: str) -> tuple[Any, ...]:
    """The functions of the ``math`` module with these names that this Python has."""
    return tuple(getattr(math, n) for n in names if hasattr(math, n))


def unary(
    name: str,
    derivative: Callable[[Sym, Sym], Sym],
    callables: tuple[Any, ...],
    doc: str,
    emit: str | None = None,
    modules: tuple[str, ...] = (),
    float_result: str = "always",
) -> Primitive:
    """Define an elementwise primitive from its derivative ``derivative(out, x)``.

    Most such NumPy functions give floats even for integers (``float_result``).
    """
    return define(
        Primitive(
            name,
            template(emit or f"np.{name}(_0)"),
            ("x",),
            jvp=lambda ts, out, x: ts[0] * derivative(out, x),
            vjps=(lambda g, out, x: g * derivative(out, x),),
            callables=callables,
            shape_of=0,
            modules=modules,
            float_result=float_result,
            doc=doc,
        )
    )


unary("sin", lambda y, x: call("cos", x), (np.sin, math.sin), "sine")
unary("cos", lambda y, x: -call("sin", x), (np.cos, math.cos), "cosine")
unary("tan", lambda y, x: 1 + y**2, (np.tan, math.tan), "tangent")
unary("arcsin", lambda y, x: 1 / sqrt(1 - x**2), (np.arcsin, math.asin), "inverse sine")
unary("arccos", lambda y, x: -1 / sqrt(1 - x**2), (np.arccos, math.acos), "inverse cosine")
unary("arctan", lambda y, x: 1 / (1 + x**2), (np.arctan, math.atan), "inverse tangent")
unary("sinh", lambda y, x: call("cosh", x), (np.sinh, math.sinh), "hyperbolic sine")
unary("cosh", lambda y, x: call("sinh", x), (np.cosh, math.cosh), "hyperbolic cosine")
unary("tanh", lambda y, x: 1 - y**2, (np.tanh, math.tanh), "hyperbolic tangent")
unary(
    "arcsinh", lambda y, x: 1 / sqrt(x**2 + 1), (np.arcsinh, math.asinh), "inverse hyperbolic sine"
)
unary(
    "arccosh",
    lambda y, x: 1 / sqrt(x**2 - 1),
    (np.arccosh, math.acosh),
    "inverse hyperbolic cosine (x > 1)",
)
unary(
    "arctanh",
    lambda y, x: 1 / (1 - x**2),
    (np.arctanh, math.atanh),
    "inverse hyperbolic tangent (|x| < 1)",
)
unary(
    "deg2rad",
    lambda y, x: math.pi / 180,
    (np.deg2rad, np.radians, math.radians),
    "degrees to radians",
)
unary(
    "rad2deg",
    lambda y, x: 180 / math.pi,
    (np.rad2deg, np.degrees, math.degrees),
    "radians to degrees",
)
unary("exp", lambda y, x: y, (np.exp, math.exp), "exponential")
unary("exp2", lambda y, x: y * LN2, (np.exp2, *_math("exp2")), "2 ** x")
unary("log", lambda y, x: 1 / x, (np.log, math.log), "natural logarithm")
unary("log2", lambda y, x: 1 / (x * LN2), (np.log2, math.log2), "base-2 logarithm")
unary("log10", lambda y, x: 1 / (x * LN10), (np.log10, math.log10), "base-10 logarithm")
unary("log1p", lambda y, x: 1 / (1 + x), (np.log1p, math.log1p), "log(1 + x)")
unary("expm1", lambda y, x: y + 1, (np.expm1, math.expm1), "exp(x) - 1")
unary("sqrt", lambda y, x: 0.5 / y, (np.sqrt, math.sqrt), "square root")
unary(
    "cbrt",
    lambda y, x: 1 / (3 * y**2),
    (np.cbrt, *_math("cbrt")),
    "cube root (derivative infinite at 0)",
)
# These keep an integer operand's dtype.
unary("square", lambda y, x: 2 * x, (np.square,), "x ** 2", float_result="first")
unary(
    "reciprocal", lambda y, x: -(y**2), (np.reciprocal,), "1 / x (of floats)", float_result="first"
)
unary(
    "abs",
    lambda y, x: call("sign", x),
    (np.abs, np.absolute, abs),
    "absolute value",
    emit="np.abs(_0)",
    float_result="first",
)
unary("fabs", lambda y, x: call("sign", x), (np.fabs, math.fabs), "absolute value of floats")


def _sinc_derivative(y: Sym, x: Sym) -> Sym:
    # (cos(pi x) - sinc(x)) / x, and 0 at x = 0, without dividing by zero there.
    at_zero = call("eq", x, 0.0)
    safe_x = call("where", at_zero, 1.0, x)
    return call("where", at_zero, 0.0, (call("cos", math.pi * x) - y) / safe_x)


unary(
    "sinc",
    _sinc_derivative,
    (np.sinc,),
    "sin(pi x) / (pi x); exact to first order at 0, where its second derivative is taken as 0",
)


def piecewise_constant(
    name: str,
    callables: tuple[Any, ...],
    doc: str,
    emit: str | None = None,
    operands: tuple[str, ...] = ("x",),
    attrs: dict[str, Any] | None = None,
    methods: tuple[str, ...] = (),
    **facts: Any,
) -> None:
    """Define an elementwise function with zero derivative (floor, tests, logic).

    ``facts`` are further :class:`Primitive` fields (``index_array=True``).
    """
    define(
        Primitive(
            name,
            template(
                emit or f"np.{name}(" + ", ".join(f"_{i}" for i in range(len(operands))) + ")"
            ),
            operands,
            attrs=attrs or {},
            differentiable=False,
            callables=callables,
            methods=methods,
            elementwise=len(operands) > 1,
            shape_of=0 if len(operands) == 1 else None,
            doc=doc,
            **facts,
        )
    )


piecewise_constant("sign", (np.sign,), "sign (zero derivative)")
piecewise_constant("floor", (np.floor,), "round down (zero derivative)")
piecewise_constant("ceil", (np.ceil,), "round up (zero derivative)")
piecewise_constant("trunc", (np.trunc, np.fix), "round toward zero (zero derivative)")
piecewise_constant("rint", (np.rint,), "round to the nearest integer (zero derivative)")
piecewise_constant(
    "round",
    (np.round, np.around),
    "round to `decimals` (zero derivative)",
    attrs={"decimals": 0},
    methods=("round",),
)
piecewise_constant(
    "isfinite", (np.isfinite, math.isfinite), "finite test (not differentiable)", index_array=True
)
piecewise_constant(
    "isnan", (np.isnan, math.isnan), "NaN test (not differentiable)", index_array=True
)
piecewise_constant(
    "isinf", (np.isinf, math.isinf), "infinity test (not differentiable)", index_array=True
)
piecewise_constant("signbit", (np.signbit,), "sign bit test (not differentiable)")
piecewise_constant(
    "logical_not", (np.logical_not,), "logical not (not differentiable)", index_array=True
)
for _name in ("logical_and", "logical_or", "logical_xor"):
    piecewise_constant(
        _name,
        (getattr(np, _name),),
        f"{_name.replace('_', ' ')} (not differentiable)",
        operands=("x", "y"),
        index_array=True,
    )


# ------------------------------------------------------------------ binary


binary(
    "hypot",
    lambda out, x, y: x / out,
    lambda out, x, y: y / out,
    (np.hypot, math.hypot),
    "sqrt(x ** 2 + y ** 2) (math.hypot of two numbers)",
)
binary(
    "arctan2",
    lambda out, x, y: y / (x**2 + y**2),
    lambda out, x, y: -x / (x**2 + y**2),
    (np.arctan2, math.atan2),
    "the angle of the point (y, x): arctan2(x1=y, x2=x)",
)
binary(
    "logaddexp",
    lambda out, x, y: call("exp", x - out),
    lambda out, x, y: call("exp", y - out),
    (np.logaddexp,),
    "log(exp(x) + exp(y))",
)
binary(
    "logaddexp2",
    lambda out, x, y: call("exp2", x - out),
    lambda out, x, y: call("exp2", y - out),
    (np.logaddexp2,),
    "log2(2 ** x + 2 ** y)",
)


def _select(cond: Sym, a: Sym | None, b: Sym | None) -> Sym | None:
    if a is None and b is None:
        return None
    return call("where", cond, 0.0 if a is None else a, 0.0 if b is None else b)


def _select_like(cond: Sym, a: Sym | None, b: Sym | None, out: Sym) -> Sym | None:
    t = _select(cond, a, b)
    return None if t is None else broadcast_like(t, out)


define(
    Primitive(
        "where",
        template("np.where(_0, _1, _2)"),
        ("condition", "x", "y"),
        # The condition and a smaller operand may broadcast against the other operand: the
        # selected tangent is shaped like the result only after broadcasting to it.
        jvp=lambda ts, out, c, x, y: _select_like(c, ts[1], ts[2], out),
        vjps=(
            None,
            lambda g, out, c, x, y: unbroadcast(call("where", c, g, 0.0), x),
            lambda g, out, c, x, y: unbroadcast(call("where", c, 0.0, g), y),
        ),
        callables=(np.where,),
        elementwise=True,
        doc="elementwise choice; not differentiable in the condition",
    )
)


def _extremum(
    name: str, callables: tuple[Any, ...], first: Callable[[Sym, Sym, Sym], Sym], doc: str
) -> None:
    """``maximum``-like functions: the derivative follows the operand chosen.

    ``first(out, x, y)`` says where x is chosen; ties go to x.
    """
    define(
        Primitive(
            name,
            template(f"np.{name}(_0, _1)"),
            ("x", "y"),
            jvp=lambda ts, out, x, y: _select(first(out, x, y), ts[0], ts[1]),
            vjps=(
                lambda g, out, x, y: unbroadcast(call("where", first(out, x, y), g, 0.0), x),
                lambda g, out, x, y: unbroadcast(call("where", first(out, x, y), 0.0, g), y),
            ),
            callables=callables,
            elementwise=True,
            doc=doc,
        )
    )


_extremum("maximum", (np.maximum,), lambda out, x, y: x >= y, "elementwise maximum")
_extremum("minimum", (np.minimum,), lambda out, x, y: x <= y, "elementwise minimum")
# fmax and fmin pass over NaN: x is chosen exactly where the result is x.
_extremum(
    "fmax", (np.fmax,), lambda out, x, y: call("eq", out, x), "elementwise maximum ignoring NaN"
)
_extremum(
    "fmin", (np.fmin,), lambda out, x, y: call("eq", out, x), "elementwise minimum ignoring NaN"
)


def _clip_jvp(ts: list[Sym | None], out: Sym, a: Sym, lo: Sym, hi: Sym) -> Sym | None:
    ta, tlo, thi = ts
    parts = []
    if ta is not None:
        parts.append(call("where", call("eq", out, a), ta, 0.0))
    if tlo is not None:
        parts.append(broadcast_like(call("where", a < lo, tlo, 0.0), out))
    if thi is not None:
        parts.append(broadcast_like(call("where", a > hi, thi, 0.0), out))
    return sum_tangents(parts)


define(
    Primitive(
        "clip",
        template("np.clip(_0, _1, _2)"),
        ("a", "a_min", "a_max"),
        jvp=_clip_jvp,
        vjps=(
            lambda g, out, a, lo, hi: unbroadcast(call("where", call("eq", out, a), g, 0.0), a),
            lambda g, out, a, lo, hi: unbroadcast(call("where", a < lo, g, 0.0), lo),
            lambda g, out, a, lo, hi: unbroadcast(call("where", a > hi, g, 0.0), hi),
        ),
        callables=(np.clip,),
        methods=("clip",),
        elementwise=True,
        doc="a limited to [a_min, a_max] (either may be None); at a bound the derivative follows a",
    )
)
