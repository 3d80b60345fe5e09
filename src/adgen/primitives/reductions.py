"""Reductions: ``sum`` and ``mean`` over all or some axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Primitive, Sym, call, define, template


def spread(g: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    """The adjoint ``g`` of a reduction of ``x``, broadcast back to ``x``'s shape."""
    if axis is not None and not keepdims:
        g = call("expand_reduced", g, x, axis=axis)
    return call("broadcast_like", g, x)


define(Primitive(
    "sum", template("np.sum(_0)"), ("x",), attrs={"axis": None, "keepdims": False},
    jvp=lambda ts, out, x, **a: call("sum", ts[0], **a),
    vjps=(lambda g, out, x, axis, keepdims: spread(g, x, axis, keepdims),),
    callables=(np.sum,),
    doc="sum over all elements or the given axes",
))

define(Primitive(
    "mean", template("np.mean(_0)"), ("x",), attrs={"axis": None, "keepdims": False},
    jvp=lambda ts, out, x, **a: call("mean", ts[0], **a),
    vjps=(
        lambda g, out, x, axis, keepdims: call("broadcast_like", g / call("size", x), x)
        if axis is None else spread(g, x, axis, keepdims) * (call("size", out) /
                                                              call("size", x)),
    ),
    callables=(np.mean,),
    doc="mean over all elements or the given axes",
))

define(Primitive(
    "size", template("np.size(_0)"), ("x",), differentiable=False, callables=(np.size,),
    doc="number of elements (not differentiable)",
))
