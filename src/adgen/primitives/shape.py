"""Shape manipulation and array creation that is not differentiable."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from .core import Primitive, Sym, call, const_expr, define, template


def _emit_transpose(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    if attrs.get("axes") is None:
        return ast.Attribute(value=args[0], attr="T", ctx=ast.Load())
    return template("np.transpose(_0, _1)")([args[0], const_expr(attrs["axes"])], {})


def _transpose_vjp(g: Sym, out: Sym, x: Sym, axes: Any) -> Sym:
    if axes is None:
        return call("transpose", g)
    n = len(axes)
    inverse = tuple(int(i) for i in np.argsort([a % n for a in axes]))
    return call("transpose", g, axes=inverse)


define(Primitive(
    "transpose", _emit_transpose, ("x",), attrs={"axes": None},
    jvp=lambda ts, out, x, **a: call("transpose", ts[0], **a),
    vjps=(_transpose_vjp,),
    callables=(np.transpose,),
    doc="x.T, np.transpose(x, axes)",
))

define(Primitive(
    "reshape", template("np.reshape(_0, _1)"), ("x", "shape"),
    jvp=lambda ts, out, x, shape: call("reshape", ts[0], shape),
    vjps=(lambda g, out, x, shape: call("reshape_like", g, x), None),
    callables=(np.reshape,),
    doc="np.reshape(x, shape), x.reshape(...)",
))

for _name in ("zeros_like", "ones_like"):
    define(Primitive(
        _name, template(f"np.{_name}(_0)"), ("x",), differentiable=False,
        callables=(getattr(np, _name),), shape_of=0, doc="array creation (not differentiable)",
    ))

define(Primitive(
    "shape", template("np.shape(_0)"), ("x",), differentiable=False, callables=(np.shape,),
    doc="np.shape(x), x.shape (not differentiable)",
))

define(Primitive(
    "ndim", template("np.ndim(_0)"), ("x",), differentiable=False, callables=(np.ndim,),
    doc="np.ndim(x), x.ndim (not differentiable)",
))

define(Primitive(
    "make_tuple", lambda args, attrs: ast.Tuple(elts=list(args), ctx=ast.Load()), ("items",),
    differentiable=False, variadic=True, doc="a tuple of non-differentiable values (shapes)",
))

define(Primitive(
    "item", lambda args, attrs: ast.Subscript(
        value=args[0], slice=ast.Constant(attrs.get("index", 0)), ctx=ast.Load()),
    ("x",), attrs={"index": 0}, differentiable=False,
    doc="an element of a tuple at a constant index (not differentiable)",
))

define(Primitive(
    "attr", lambda args, attrs: ast.Attribute(value=args[0], attr=attrs["name"], ctx=ast.Load()),
    ("obj",), attrs={"name": ""}, differentiable=False,
    doc="obj.name for an object that is not differentiated (self.w in a method)",
))
