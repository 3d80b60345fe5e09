"""Move reads of an array above the write that replaces it, so the write can be in place.

Contract: in each block, for every ``y1 = setitem(y, ...)``, the later pure
ops of the same block that read ``y`` and do not depend on ``y1`` (nor on an
op that stays after the write: an effect, a loop, or something depending on
``y1``) move to just before the write, in their order, together with the
pure ops between the two that they depend on. Values do not change (pure ops
read nothing but their operands); what changes is that ``y`` is then dead
after the write, which :mod:`adgen.backend.inplace` needs to write in place.

Before (the adjoint of ``y[i] = v``: zero ``by`` at i, gather ``by[i]``)::

    by3 = setitem(by2, 0.0, i)
    t10 = gather_written(by2, i)
    bv = mul(t10, 2.0)

After::

    t10 = gather_written(by2, i)
    by3 = setitem(by2, 0.0, i)
    bv = mul(t10, 2.0)
"""

from __future__ import annotations

from ..ir import Block, Function, Op, Var
from ..primitives import PRIMITIVES


def run(fn: Function) -> Function:
    """Reorder every block of ``fn`` as described above."""
    _block(fn.body)
    return fn


def _pure(op: Op) -> bool:
    return not op.blocks and not PRIMITIVES[op.prim].effect


def _block(block: Block) -> None:
    for op in block.ops:
        for inner in op.blocks:
            _block(inner)
    k = 0
    while k < len(block.ops):
        op = block.ops[k]
        if op.prim == "setitem" and isinstance(op.args[0], Var):
            moved = _hoist(block.ops, k, op.args[0].name)
            k += moved
        k += 1


def _hoist(ops: list[Op], k: int, base: str) -> int:
    """Move the reads of ``base`` after ``ops[k]`` to before it; return how many moved."""
    write = ops[k]
    tainted = set(write.results)
    free: list[Op] = []  # pure ops after the write that do not depend on it
    for op in ops[k + 1 :]:
        reads = {a.name for a in op.args if isinstance(a, Var)}
        if _pure(op) and not reads & tainted:
            free.append(op)
        else:
            tainted.update(op.results)
    readers = [op for op in free if any(isinstance(a, Var) and a.name == base for a in op.args)]
    if not readers:
        return 0
    # Close under dependencies among the free ops.
    by_result = {r: op for op in free for r in op.results}
    chosen: set[int] = set()
    todo = list(readers)
    while todo:
        op = todo.pop()
        if id(op) in chosen:
            continue
        chosen.add(id(op))
        todo.extend(
            by_result[a.name] for a in op.args if isinstance(a, Var) and a.name in by_result
        )
    hoisted = [op for op in ops[k + 1 :] if id(op) in chosen]
    rest = [op for op in ops[k + 1 :] if id(op) not in chosen]
    ops[k:] = [*hoisted, write, *rest]
    return len(hoisted)
