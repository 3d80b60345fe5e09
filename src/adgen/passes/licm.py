"""Loop-invariant code motion: compute once, before the loop, what every iteration recomputes.

Contract: a pure op (no effect, no blocks, not ``no_cse``) in the body of a
``for_range`` whose operands are all defined outside the loop (or by ops
already moved) moves to just before the loop. Only loops known to run at
least once move anything: bounds whose values :mod:`adgen.analysis.types`
knows (constants, ``x.shape[0]`` of an argument of known shape), so that an
op that would raise (a division by zero, an index out of range) raises
exactly when it did. Inner loops go first, so invariants move out as far as
they can. The pipeline runs it before differentiation: the moved value is
then read by the reverse sweep from outside both loops, never taped.

Before (``R``, ``C`` numbers, ``n`` = 1000 known)::

    T2 = for_range(0, n, 1, T0)
      body(t, T1):
        t6 = mul(R, C)
        t7 = div(T1, t6)
        ...

After::

    t6 = mul(R, C)
    T2 = for_range(0, n, 1, T0)
      body(t, T1):
        t7 = div(T1, t6)
        ...
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Block, ForRange, Function, Op, Var
from ..ir.util import walk
from ..primitives import PRIMITIVES


def run(fn: Function) -> Function:
    """Move the loop invariants of ``fn`` out of its loops (see the module docstring)."""
    if not any(isinstance(op, ForRange) for op in walk(fn.body)):
        return fn
    _block(fn.body, Types(fn))
    return fn


def _runs(loop: ForRange, types: Types) -> bool:
    """Whether ``loop`` is known to run at least once."""
    start, stop, step = (types.of(b).value for b in loop.bounds)
    if not all(isinstance(v, int) for v in (start, stop, step)) or step == 0:
        return False
    return len(range(start, stop, step)) > 0


def _block(block: Block, types: Types) -> None:
    out: list[Op] = []
    for op in block.ops:
        for inner in op.blocks:
            _block(inner, types)
        if isinstance(op, ForRange) and _runs(op, types):
            out.extend(_hoist(op))
        out.append(op)
    block.ops = out


def _movable(op: Op) -> bool:
    prim = PRIMITIVES[op.prim]
    return not op.blocks and not prim.effect and not prim.no_cse and bool(op.results)


def _hoist(loop: ForRange) -> list[Op]:
    body = loop.body
    inside = set(body.params) | {r for op in walk(body) for r in op.results}
    moved: list[Op] = []
    kept: list[Op] = []
    for op in body.ops:
        reads = {a.name for a in op.args if isinstance(a, Var)}
        if _movable(op) and not reads & inside:
            moved.append(op)
            inside.difference_update(op.results)
        else:
            kept.append(op)
    body.ops = kept
    return moved
