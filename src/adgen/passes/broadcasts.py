"""An elementwise op broadcasts by itself: ``broadcast_like`` before it is not needed.

Contract: an operand ``b = broadcast_like(g, like)`` of an elementwise op is
replaced by ``g`` when another operand of that op is known to have ``like``'s
shape (the same shape class, or an equal shape known from the arguments'):
the op then broadcasts ``g`` to that shape itself, with the same result.
An elementwise op whose other operands are all scalars (number constants or
values known to have shape ``()``) is applied to ``g`` instead, and its
result broadcast: ``100.0 * broadcast_like(g, like)`` becomes
``broadcast_like(100.0 * g, like)``, so the broadcast moves on to where an
operand of ``like``'s shape removes it.

Before (the adjoint of ``np.mean(t7)``; ``t6`` has ``t7``'s shape)::

    t9 = broadcast_like(t8, t7)
    t10 = mul(t9, t6)

After::

    t10 = mul(t8, t6)
"""

from __future__ import annotations

from ..analysis.shapes import scalar_const, shape_classes
from ..analysis.types import Types
from ..ir import Function, Op, Value, Var, walk
from ..primitives import PRIMITIVES
from .rewriting import namer_for, replace_ops


def run(fn: Function) -> Function:
    """Drop the broadcasts elementwise ops make themselves (see the module docstring)."""
    defs = {
        op.results[0]: op
        for op in walk(fn.body)
        if op.prim == "broadcast_like" and len(op.results) == 1
    }
    if not defs:
        return fn
    shapes, types = shape_classes(fn), Types(fn)
    namer = namer_for(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if PRIMITIVES[op.prim].elementwise and not op.blocks and len(op.results) == 1:
            args = list(op.args)
            for k, a in enumerate(args):
                b = defs.get(a.name) if isinstance(a, Var) else None
                if b is None:
                    continue
                like = b.args[1]
                others = [o for j, o in enumerate(args) if j != k]
                if any(shapes.same(o, like) or types.same_shape(o, like) for o in others):
                    args[k] = b.args[0]
                elif others and all(scalar_const(o) or types.scalar(o) for o in others):
                    args[k] = b.args[0]
                    inner = namer.fresh("t")
                    kept.append(Op([inner], op.prim, args, dict(op.attrs), op.loc, [], op.tag))
                    moved = Op(
                        list(op.results),
                        "broadcast_like",
                        [Var(inner), like],
                        {},
                        op.loc,
                        [],
                        op.tag,
                    )
                    defs[op.results[0]] = moved
                    kept.append(moved)
                    return
            op.args = args
        kept.append(op)

    return replace_ops(fn, step)
