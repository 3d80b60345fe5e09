"""The walk every replacing rewrite shares (not a pass).

:func:`replace_ops` visits a function's ops in program order, inner blocks
first, with every read already redirected by the replacements made so far;
``step(op, kept, rename)`` appends what stays in ``kept`` (the op itself,
or ops standing for it) and records in ``rename`` the values that replace
removed results.
"""

from __future__ import annotations

from collections.abc import Callable

from ..ir import Block, Function, Op, Value, all_names
from ..ir.names import Namer
from ..ir.util import substitute

Step = Callable[[Op, list[Op], dict[str, Value]], None]


def replace_ops(fn: Function, step: Step) -> Function:
    """Run ``step`` over every op of ``fn`` as described above."""
    _visit(fn.body, step, {})
    return fn


def _visit(block: Block, step: Step, rename: dict[str, Value]) -> None:
    kept: list[Op] = []
    for op in block.ops:
        op.args = [substitute(a, rename) for a in op.args]
        for inner in op.blocks:
            _visit(inner, step, rename)
        step(op, kept, rename)
    block.ops = kept
    block.results = [substitute(v, rename) for v in block.results]


def namer_for(fn: Function) -> Namer:
    """A :class:`Namer` for new values of ``fn``: it never hands out a name ``fn``
    defines, or one its ``shape_links`` still name (a link to a value a pass removed
    would otherwise give the new value that value's shape class)."""
    linked = {n for pair in fn.shape_links for n in pair}
    return Namer(all_names(fn) | linked)
