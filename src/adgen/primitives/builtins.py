"""Python builtins and ``math`` functions that the other primitive modules lack.

Conversions (``float`` is differentiable, ``int``/``bool``/``round`` are not),
``len``, list and range construction, ``math.atan2``/``math.hypot`` (also
``np.arctan2``/``np.hypot``), and :func:`stop_gradient`.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from .arith import unbroadcast
from .core import Primitive, Sym, call, define, from_partials, template


def stop_gradient(x: Any) -> Any:
    """``x`` itself; adgen treats the result as a constant (its derivative is zero).

    Use it to hold part of a computation fixed, for example a target that
    should not be differentiated: ``loss = (y - stop_gradient(y_target)) ** 2``.
    """
    return x


define(Primitive(
    "stop_gradient", lambda args, attrs: args[0], ("x",), differentiable=False,
    callables=(stop_gradient,), shape_of=0,
    doc="x, with a zero derivative (adgen.stop_gradient)",
))

define(Primitive(
    "float", template("float(_0)"), ("x",),
    jvp=lambda ts, out, x: call("float", ts[0]),
    vjps=(lambda g, out, x: call("reshape_like", g, x),),
    callables=(float,),
    doc="float(x) of a number or a one-element array",
))

for _name, _text, _callables in [
    ("int", "int(_0)", (int,)),
    ("bool", "bool(_0)", (bool,)),
    ("len", "len(_0)", (len,)),
    ("round", "round(_0)", (round,)),
    ("int_floor", "int(np.floor(_0))", (math.floor,)),
    ("int_ceil", "int(np.ceil(_0))", (math.ceil,)),
    ("int_trunc", "int(_0)", (math.trunc,)),
]:
    define(Primitive(
        _name, template(_text), ("x",), differentiable=False, callables=_callables,
        doc=f"{_text.replace('_0', 'x')} (not differentiable)",
    ))

define(Primitive(
    "make_list", lambda args, attrs: ast.List(elts=list(args), ctx=ast.Load()), ("items",),
    differentiable=False, variadic=True,
    doc="a list of non-differentiable values (indices, shapes)",
))

define(Primitive(
    "make_range", lambda args, attrs: ast.Call(
        func=ast.Name(id="range", ctx=ast.Load()), args=list(args), keywords=[]),
    ("start",), differentiable=False, variadic=True,
    doc="range(...) used as a value (an index, a length)",
))


def _atan2_dy(out: Sym, y: Sym, x: Sym) -> Sym:
    return x / (x * x + y * y)


def _atan2_dx(out: Sym, y: Sym, x: Sym) -> Sym:
    return -y / (x * x + y * y)


define(Primitive(
    "arctan2", template("np.arctan2(_0, _1)"), ("y", "x"),
    jvp=from_partials(lambda t, out, y, x: t * _atan2_dy(out, y, x),
                      lambda t, out, y, x: t * _atan2_dx(out, y, x)),
    vjps=(lambda g, out, y, x: unbroadcast(g * _atan2_dy(out, y, x), y),
          lambda g, out, y, x: unbroadcast(g * _atan2_dx(out, y, x), x)),
    callables=(np.arctan2, math.atan2),
    elementwise=True,
    doc="the angle of the point (x, y): math.atan2(y, x), np.arctan2(y, x)",
))

define(Primitive(
    "hypot", template("np.hypot(_0, _1)"), ("x", "y"),
    jvp=from_partials(lambda t, out, x, y: t * (x / out), lambda t, out, x, y: t * (y / out)),
    vjps=(lambda g, out, x, y: unbroadcast(g * (x / out), x),
          lambda g, out, x, y: unbroadcast(g * (y / out), y)),
    callables=(np.hypot,),
    elementwise=True,
    doc="sqrt(x**2 + y**2) without overflow: np.hypot, math.hypot of two values",
))
