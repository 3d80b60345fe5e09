"""``a * b + b * a`` is ``2 * (a * b)``: the adjoint of ``y * y`` computed once.

Contract: ``add(mul(a, b), mul(b, a))`` (either order of the two products),
each product with that one use, becomes ``mul(2, mul(a, b))``. Exact in
floating point: ``b * a`` is ``a * b``, and doubling is exact.

Before (the adjoint of ``y * y``)::

    t2 = mul(g, y)
    t3 = mul(y, g)
    by = add(t2, t3)

After::

    t2 = mul(g, y)
    by = mul(2, t2)
"""

from __future__ import annotations

from ..ir import Const, Function, walk
from .uses import Uses


def run(fn: Function) -> Function:
    """Double the symmetric sums of products in ``fn`` (see the module docstring)."""
    uses = Uses(fn)
    for op in walk(fn.body):
        if op.prim != "add" or len(op.args) != 2:
            continue
        p, q = (uses.single(a, "mul") for a in op.args)
        if p is None or q is None or len(p.args) != 2 or len(q.args) != 2:
            continue
        if p.args == q.args or p.args == q.args[::-1]:
            op.prim = "mul"
            op.args = [Const(2), op.args[0]]
    return fn
