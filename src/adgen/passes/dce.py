"""Dead code elimination: drop ops whose results nothing uses."""

from __future__ import annotations

from ..ir import Block, Function, Var, free_uses
from ..primitives import PRIMITIVES


def run(fn: Function) -> Function:
    """Remove ops without effects whose results are never used (nested blocks too)."""
    _clean(fn.body, set())
    return fn


def _clean(block: Block, live_after: set[str]) -> set[str]:
    """Prune ``block`` in place; return the names it reads from outside."""
    live = set(live_after) | {v.name for v in block.results if isinstance(v, Var)}
    kept = []
    for op in reversed(block.ops):
        if not PRIMITIVES[op.prim].effect and not any(r in live for r in op.results):
            continue
        kept.append(op)
        for inner in op.blocks:
            _clean(inner, set())
        live.update(a.name for a in op.args if isinstance(a, Var))
        for inner in op.blocks:
            live.update(free_uses(inner))
    kept.reverse()
    block.ops = kept
    return live
