"""Drop reshaping helpers applied to values that already have the wanted shape.

Contract: an op whose primitive the table marks ``reshaper``
(``unbroadcast``, ``broadcast_like``, ``reshape_like``) is removed when
:mod:`adgen.analysis.shapes` proves its two operands share a shape, or
:mod:`adgen.analysis.types` knows both shapes and they are equal (code
specialised to its arguments' shapes: two scalars, two arrays of (3, 4)), and
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

from ..analysis.shapes import scalar_const, shape_classes
from ..analysis.types import Types
from ..ir import Function, Op, Value
from ..primitives import PRIMITIVES
from .rewriting import replace_ops


def run(fn: Function) -> Function:
    """Remove the reshapes that the shape classes of ``fn`` prove redundant."""
    shapes = shape_classes(fn)
    types = Types(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if (
            PRIMITIVES[op.prim].reshaper
            and (shapes.same(op.args[0], op.args[1]) or types.same_shape(op.args[0], op.args[1]))
        ) or (op.prim == "unbroadcast" and scalar_const(op.args[0])):
            rename[op.results[0]] = op.args[0]
        else:
            kept.append(op)

    return replace_ops(fn, step)
