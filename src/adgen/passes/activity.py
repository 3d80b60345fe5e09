"""Activity analysis: which values carry derivatives.

A value is *varied* if it depends, through differentiable operands, on a
parameter we differentiate with respect to; it is *useful* if an output
depends on it that way. Only values that are both (the *active* ones) get
tangents or adjoints.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..ir import Block, Function, Op, Var
from ..primitives import PRIMITIVES


def diff_positions(op: Op) -> list[int]:
    """Indices of the operands ``op`` is differentiable in."""
    return PRIMITIVES[op.prim].diff_positions(len(op.args))


def varied(fn: Function, wrt: Iterable[str]) -> set[str]:
    """Names that depend differentiably on the parameters ``wrt``."""
    out = set(wrt)

    def visit(block: Block) -> None:
        for op in block.ops:
            if any(isinstance(op.args[i], Var) and op.args[i].name in out
                   for i in diff_positions(op)):
                out.update(op.results)

    visit(fn.body)
    return out


def useful(fn: Function) -> set[str]:
    """Names that an output depends on differentiably."""
    out = {v.name for v in fn.body.results if isinstance(v, Var)}
    for op in reversed(fn.body.ops):
        if any(r in out for r in op.results):
            for i in diff_positions(op):
                if isinstance(op.args[i], Var):
                    out.add(op.args[i].name)
    return out


def active(fn: Function, wrt: Iterable[str]) -> set[str]:
    """Names that need derivatives when differentiating ``fn`` with respect to ``wrt``."""
    return varied(fn, wrt) & useful(fn)
