"""A loop-carried value the body passes on unchanged is its initial value throughout.

Contract: a carried slot of a ``for_range`` or ``while`` whose next value is
the carried parameter itself keeps its initial value: reads of the parameter
inside the loop, and of the loop's result after it, read the initial value
instead, and the slot stays (DCE drops it once nothing reads it). Typical:
the adjoint of a loop's result read by every iteration (``bcost = 1.0``).

Before::

    bT2, bc2 = for_range(0, n, 1, 0.0, 1.0, reverse=True)
      body(i, bT1, bc1):
        t = mul(bc1, dt)
        ...
        yield bT3, bc1

After::

    bT2, bc2 = for_range(0, n, 1, 0.0, 1.0, reverse=True)
      body(i, bT1, bc1):
        t = mul(1.0, dt)
        ...
        yield bT3, bc1
    (bc2 is 1.0)
"""

from __future__ import annotations

from ..analysis.activity import loop_slots
from ..ir import Block, Function, Op, Var
from ..ir.util import rename


def run(fn: Function) -> Function:
    """Replace the invariant carried values of ``fn``'s loops by their initial values."""
    mapping: dict = {}
    loops: list[tuple[Op, list[int]]] = []
    _block(fn.body, mapping, loops)
    if mapping:
        rename(fn.body.ops, mapping)
        fn.body.results = [
            mapping.get(v.name, v) if isinstance(v, Var) else v for v in fn.body.results
        ]
        for op, slots in loops:  # the slot itself still passes its parameter on
            carried, _, _ = loop_slots(op)
            body = op.blocks[-1]
            for k in slots:
                body.results[k] = Var(carried[k])
    return fn


def _block(block: Block, mapping: dict, loops: list[tuple[Op, list[int]]]) -> None:
    for op in block.ops:
        for inner in op.blocks:
            _block(inner, mapping, loops)
        if op.prim in ("for_range", "while"):
            _loop(op, mapping, loops)


def _loop(op: Op, mapping: dict, loops: list[tuple[Op, list[int]]]) -> None:
    carried, inits, nexts = loop_slots(op)
    slots = []
    for k, (c, init, n, r) in enumerate(zip(carried, inits, nexts, op.results)):
        if isinstance(n, Var) and n.name == c:
            init = mapping.get(init.name, init) if isinstance(init, Var) else init
            mapping[c] = init
            mapping[r] = init
            slots.append(k)
    if slots:
        loops.append((op, slots))
