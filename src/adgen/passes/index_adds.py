"""Two additions into one accumulator at one index are one: ``acc[i] += g1 + g2``.

Contract: ``index_add(index_add(acc, g1, *index), g2, *index)`` with the same
index operands and kinds, where the inner result has that one use, becomes
``index_add(acc, add(g1, g2), *index)``. For a basic index that is
``acc[i] += g1 + g2``; for an integer array index ``np.add.at`` of the sum,
the same additions in another order.

Before::

    t1 = index_add(bx, g1, i)
    t2 = index_add(t1, g2, i)

After::

    t3 = add(g1, g2)
    t2 = index_add(bx, t3, i)
"""

from __future__ import annotations

from ..ir import Block, Function, Op, Var
from ..ir.names import Namer
from .rewriting import namer_for
from .uses import Uses


def run(fn: Function) -> Function:
    """Merge the repeated index_adds of ``fn`` (see the module docstring)."""
    uses = Uses(fn)
    namer: list[Namer] = []
    _block(fn.body, uses, namer, fn)
    return fn


def _block(block: Block, uses: Uses, namer: list[Namer], fn: Function) -> None:
    out: list[Op] = []
    for op in block.ops:
        for inner in op.blocks:
            _block(inner, uses, namer, fn)
        inner_op = uses.single(op.args[0], "index_add") if op.prim == "index_add" else None
        if (
            inner_op is not None
            and inner_op.args[2:] == op.args[2:]
            and inner_op.attrs == op.attrs
            and inner_op in out
        ):
            if not namer:
                namer.append(namer_for(fn))
            total = namer[0].fresh("t")
            out.remove(inner_op)
            out.append(Op([total], "add", [inner_op.args[1], op.args[1]], {}, op.loc, tag=op.tag))
            op.args = [inner_op.args[0], Var(total), *op.args[2:]]
            uses.defs[op.results[0]] = op
        out.append(op)
    block.ops = out
