"""Primitives of batched derivative code: a leading batch axis of tangents or cotangents.

:mod:`adgen.transforms.batching` rewrites a JVP or a VJP so that its tangent
(or cotangent) parameters carry one extra leading axis, a batch of directions
pushed (or pulled) through one call. Most ops keep their primitive with
shifted axes or a leading ``:`` in their index; the few primitives here do
what has no primitive of its own:

* ``batch_lift(v, ref)``: a value with no batch axis (a zero tangent, a
  constant) repeated along ``ref``'s batch axis, where batched values meet;
* ``batch_like(x, ref)``: a read-only view of ``x`` with ``ref``'s batch axis
  in front, for operands read only for their shape (``unbroadcast(g, like)``);
* ``batch_unbroadcast(g, like)``: ``unbroadcast`` that keeps the batch axis;
* ``batch_align(t, *others, batched=...)``: ``t``'s example axes padded on the
  left with axes of length one to the rank of the widest operand of an
  elementwise op (when the ranks are not known when compiling);
* ``batch_map(t, ..., prim=..., batched=...)``: any other primitive, applied
  to one example at a time and stacked: exact for every primitive, slower.

None of them is differentiated: batched code is the last derivative taken.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..runtime import helper
from .core import PRIMITIVES, Primitive, call_template, define, template


@helper
def batch_lift(v, ref):
    """``v`` repeated along the leading (batch) axis of ``ref``: a new, writable array."""
    return np.array(np.broadcast_to(v, np.shape(ref)[:1] + np.shape(v)))


@helper
def batch_like(x, ref):
    """A read-only view of ``x`` with the leading (batch) axis of ``ref`` in front."""
    return np.broadcast_to(x, np.shape(ref)[:1] + np.shape(x))


@helper
def batch_unbroadcast(g, like, like_batched=False):
    """Batched ``g`` summed down to the shape of an example of ``like`` (the adjoint of
    broadcasting, as ``unbroadcast``), its batch axis kept."""
    shape = np.shape(like)[1:] if like_batched else np.shape(like)
    lead = np.ndim(g) - 1 - len(shape)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(1, 1 + lead)))
    kept = tuple(i + 1 for i, n in enumerate(shape) if n == 1 and np.shape(g)[i + 1] != 1)
    if kept:
        g = np.sum(g, axis=kept, keepdims=True)
    return g


@helper
def batch_align(t, *others, batched=()):
    """``t`` (batched) with axes of length one inserted after its batch axis, up to
    the rank of an example of the widest of ``others`` (those flagged in ``batched``
    have a batch axis of their own), so that NumPy's broadcasting from the right
    lines up the example axes, not the batch axis."""
    rank = 0
    for k, other in enumerate(others):
        rank = max(rank, np.ndim(other) - (1 if k < len(batched) and batched[k] else 0))
    own = np.ndim(t) - 1
    if own >= rank:
        return t
    shape = np.shape(t)
    return np.reshape(t, shape[:1] + (1,) * (rank - own) + shape[1:])


@helper
def batch_map(f, batched, *args):
    """``f`` applied to one example at a time (row ``i`` of each argument flagged in
    ``batched``, the others whole), the results stacked along a new leading axis."""
    n = next(len(a) for a, b in zip(args, batched) if b)
    rows = [f(*(a[i] if b else a for a, b in zip(args, batched))) for i in range(n)]
    return np.stack(rows)


def _emit_map(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    """``batch_map(lambda a0, a1: <the primitive on a0, a1>, flags, *args)``: the lambda
    reads only its own parameters, so no name of the function can be shadowed."""
    name = attrs.get("prim")
    flags = tuple(attrs.get("batched", ()))
    params = [f"a{k}" for k in range(len(args))]
    if name is None:  # the generic form, as the table's checks call it
        body: ast.expr = ast.Constant(None)
    else:
        inner = PRIMITIVES[name]
        inner_attrs = dict(attrs.get("inner", ()))
        if name == "attr":
            inner_attrs = {**inner.attrs, **inner_attrs}
        body = inner.emit([ast.Name(id=p, ctx=ast.Load()) for p in params], inner_attrs)
    fn = ast.Lambda(
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=p) for p in params],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=body,
    )
    return ast.Call(
        func=ast.Name(id="batch_map", ctx=ast.Load()),
        args=[fn, ast.Tuple(elts=[ast.Constant(f) for f in flags], ctx=ast.Load()), *args],
        keywords=[],
    )


define(
    Primitive(
        "batch_lift",
        template("batch_lift(_0, _1)"),
        ("v", "ref"),
        differentiable=False,
        helpers=("batch_lift",),
        shape_only=(1,),
        fresh_array=True,
        doc="v repeated along the batch axis of ref (batched derivatives)",
    )
)

define(
    Primitive(
        "batch_like",
        template("batch_like(_0, _1)"),
        ("x", "ref"),
        differentiable=False,
        helpers=("batch_like",),
        shape_only=(1,),
        view="view",
        doc="a read-only view of x with the batch axis of ref in front (batched derivatives)",
    )
)

define(
    Primitive(
        "batch_unbroadcast",
        call_template("batch_unbroadcast"),
        ("g", "like"),
        attrs={"like_batched": False},
        differentiable=False,
        helpers=("batch_unbroadcast",),
        shape_only=(1,),
        doc="batched g summed to the shape of an example of like (batched derivatives)",
    )
)

define(
    Primitive(
        "batch_align",
        call_template("batch_align"),
        ("t",),
        attrs={"batched": ()},
        differentiable=False,
        variadic=True,
        helpers=("batch_align",),
        doc="t's example axes padded to the rank of the others (batched derivatives)",
    )
)

define(
    Primitive(
        "batch_map",
        _emit_map,
        ("x",),
        attrs={"prim": None, "inner": (), "batched": ()},
        differentiable=False,
        variadic=True,
        helpers=("batch_map",),
        doc="a primitive applied to one example of a batch at a time (batched derivatives)",
    )
)

#: The primitives of batched code (see adgen.primitives.constant: none is differentiated).
BATCH_PRIMITIVES = ("batch_lift", "batch_like", "batch_unbroadcast", "batch_align", "batch_map")
