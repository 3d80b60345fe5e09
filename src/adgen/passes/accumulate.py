"""Sum adjoints of one indexed array in place instead of in fresh zeros.

Contract: ``scatter_add(g1, x, i) + scatter_add(g2, x, j)``, where both
scatters have that one use, becomes ``index_add(scatter_add(g1, x, i), g2,
j)``: the second adds into the first, a fresh array nothing else reads, in
place. Chains of such sums become chains of ``index_add``.

Before::

    t1 = scatter_add(g1, x, i)
    t2 = scatter_add(g2, x, j)
    bx = add(t1, t2)

After::

    t1 = scatter_add(g1, x, i)
    bx = index_add(t1, g2, j)
"""

from __future__ import annotations

from ..ir import Function, Op, Value, Var, walk
from .uses import Uses


def run(fn: Function) -> Function:
    """Apply the rewrite to every ``add`` of two scatters into the same array."""
    uses = Uses(fn)
    for op in walk(fn.body):
        if op.prim == "add":
            _merge(op, uses)
    return fn


def _scattered_into(v: Value, defs: dict[str, Op]) -> Value | None:
    """The array ``v`` is the adjoint of, if ``v`` is built by scatter_add/index_add."""
    while isinstance(v, Var) and v.name in defs:
        op = defs[v.name]
        if op.prim == "scatter_add":
            return op.args[1]
        if op.prim != "index_add":
            return None
        v = op.args[0]
    return None


def _merge(op: Op, uses: Uses) -> bool:
    for i in (0, 1):
        acc = uses.single(op.args[i], "scatter_add") or uses.single(op.args[i], "index_add")
        other = uses.single(op.args[1 - i], "scatter_add")
        if acc is None or other is None:
            continue
        like = _scattered_into(op.args[i], uses.defs)
        if like is None or like != other.args[1]:
            continue
        op.prim = "index_add"
        op.args = [op.args[i], other.args[0], *other.args[2:]]
        op.attrs = dict(other.attrs)
        return True
    return False
