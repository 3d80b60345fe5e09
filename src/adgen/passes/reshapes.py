"""Drop reshaping helpers applied to values that already have the wanted shape.

Contract: an op whose primitive the table marks ``reshaper``
(``unbroadcast``, ``broadcast_like``, ``reshape_like``) is removed when
:mod:`adgen.analysis.shapes` proves its two operands share a shape, and
``unbroadcast`` of a number constant is that constant (a scalar adjoint
belongs to a scalar result: nothing to sum). Uses read the operand instead.

Before (``g`` is the adjoint of ``y = sin(x)``, so shaped like ``x``)::

    t1 = mul(g, t0)
    bx = unbroadcast(t1, x)

After::

    t1 = mul(g, t0)
    (bx is t1)
"""

from __future__ import annotations

from ..analysis.shapes import Shapes, scalar_const, shape_classes
from ..ir import Block, Function, Op, Value
from ..ir.util import substitute
from ..primitives import PRIMITIVES


def run(fn: Function) -> Function:
    """Remove the reshapes that the shape classes of ``fn`` prove redundant."""
    _visit(fn.body, shape_classes(fn), {})
    return fn


def _visit(block: Block, shapes: Shapes, rename: dict[str, Value]) -> None:
    kept: list[Op] = []
    for op in block.ops:
        op.args = [substitute(a, rename) for a in op.args]
        for inner in op.blocks:
            _visit(inner, shapes, rename)
        if PRIMITIVES[op.prim].reshaper and shapes.same(op.args[0], op.args[1]):
            rename[op.results[0]] = op.args[0]
            continue
        if op.prim == "unbroadcast" and scalar_const(op.args[0]):
            rename[op.results[0]] = op.args[0]
            continue
        kept.append(op)
    block.ops = kept
    block.results = [substitute(v, rename) for v in block.results]
