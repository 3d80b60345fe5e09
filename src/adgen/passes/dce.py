"""Dead code elimination: drop ops (and ``if`` results) that nothing uses.

Uses are counted over the whole function, because a reverse sweep may read a
value a forward branch defined (Python scoping is per function, and the branch
that defined it is the one whose adjoint runs).
"""

from __future__ import annotations

from collections import Counter

from ..ir import Block, Function, Op, Var
from ..primitives import PRIMITIVES


def _count(block: Block, uses: Counter[str]) -> None:
    for op in block.ops:
        for a in op.args:
            if isinstance(a, Var):
                uses[a.name] += 1
        for b in op.blocks:
            _count(b, uses)
    for v in block.results:
        if isinstance(v, Var):
            uses[v.name] += 1


def _prune(block: Block, uses: Counter[str]) -> bool:
    changed = False
    kept: list[Op] = []
    for op in block.ops:
        for b in op.blocks:
            changed |= _prune(b, uses)
        if op.prim == "if":
            live = [k for k, r in enumerate(op.results) if uses[r]]
            if len(live) != len(op.results):
                op.results = [op.results[k] for k in live]
                for b in op.blocks:
                    b.results = [b.results[k] for k in live]
                changed = True
            if not op.results and not any(b.ops for b in op.blocks):
                changed = True
                continue
            kept.append(op)
            continue
        if op.blocks or PRIMITIVES[op.prim].effect or any(uses[r] for r in op.results):
            kept.append(op)
            continue
        changed = True
    block.ops = kept
    return changed


def run(fn: Function) -> Function:
    """Remove unused pure ops and unused ``if`` results until nothing changes."""
    while True:
        uses: Counter[str] = Counter()
        _count(fn.body, uses)
        if not _prune(fn.body, uses):
            return fn
