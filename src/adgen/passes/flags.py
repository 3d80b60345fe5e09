"""Turn ``if`` results that only record the condition into plain ops.

Contract: an ``if`` result that is ``True`` in the then-branch and ``False``
in the else-branch is the condition's truth value: it becomes the condition
itself when the table marks its primitive ``boolean``, else ``truth(c)``;
the reverse pattern becomes ``not_(c)``. The ``if`` loses that result.

Before::

    c = lt(x, 0.0)
    f = if c: yield True  else: yield False

After::

    c = lt(x, 0.0)
    (f is c)
"""

from __future__ import annotations

from ..ir import Const, Function, Op, Value, Var, walk
from ..primitives import PRIMITIVES
from .rewriting import replace_ops


def run(fn: Function) -> Function:
    """Replace flag results of every ``if`` as above."""
    defs = {r: op.prim for op in walk(fn.body) for r in op.results}

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim == "if":
            _flag_results(op, kept, rename, defs)
        kept.append(op)

    return replace_ops(fn, step)


def _flag_results(op: Op, kept: list[Op], rename: dict[str, Value], defs: dict[str, str]) -> None:
    then_block, else_block = op.blocks
    cond = op.args[0]
    keep = []
    for k, r in enumerate(op.results):
        a, b = then_block.results[k], else_block.results[k]
        if a == Const(True) and b == Const(False):
            if isinstance(cond, Var) and cond.name in defs and PRIMITIVES[defs[cond.name]].boolean:
                rename[r] = cond
            else:
                kept.append(Op([r], "truth", [cond], {}, op.loc, tag=op.tag))
        elif a == Const(False) and b == Const(True):
            kept.append(Op([r], "not_", [cond], {}, op.loc, tag=op.tag))
        else:
            keep.append(k)
    op.results = [op.results[k] for k in keep]
    for blk in op.blocks:
        blk.results = [blk.results[k] for k in keep]
