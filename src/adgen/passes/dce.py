"""Dead code elimination: drop ops (and ``if`` results) that nothing uses.

Carried slots of a ``for_range`` that nothing reads go too. Uses are counted
over the whole function, because a reverse sweep may read a
value a forward branch defined (Python scoping is per function, and the branch
that defined it is the one whose adjoint runs). Taped values whose popped
copies nothing reads stop being taped; an empty tape goes.

The function's own code is kept when it may raise, because the derivative must raise
what the function raises: in forward mode (no adjoint ops) every primal op stays, as the
JVP returns the function's value anyway; in reverse mode the reverse transform tags
``"kept"`` the ops the function itself never used (see
:mod:`adgen.transforms.reverse.dead`), and primal ops given ``None`` or a string stay.

Before::

    t1 = sin(x)
    t2 = cos(x)      # never read
    r = mul(t1, t1)

After::

    t1 = sin(x)
    r = mul(t1, t1)
"""

from __future__ import annotations

from collections import Counter

from ..ir import Block, Const, Function, Op, Var
from ..ir.util import count_uses
from ..primitives import PRIMITIVES


def _may_raise(op: Op) -> bool:
    """A primal op given ``None`` or a string (``None + 1.0``, ``np.sin("a")``) most likely
    raises in the user's function, and then the derivative must raise too: keep it even
    when unused. (A legitimate use, such as ``None`` in an index, only costs an op.)"""
    return op.tag == "" and any(
        isinstance(a, Const) and (a.value is None or isinstance(a.value, (str, bytes)))
        for a in op.args
    )


def _prune(block: Block, uses: Counter[str], keep_primal: bool = False) -> bool:
    changed = False
    kept: list[Op] = []
    for op in block.ops:
        for b in op.blocks:
            changed |= _prune(b, uses, keep_primal)
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
        if op.prim == "for_range" and not (keep_primal and op.tag == ""):
            changed |= _prune_slots(op, uses)
        if op.prim == "for_range" and not op.results and not op.blocks[0].ops:
            changed = True  # a loop left with nothing to do (it only taped, say)
            continue
        if (
            op.blocks
            or PRIMITIVES[op.prim].effect
            or any(uses[r] for r in op.results)
            or _may_raise(op)
            or (keep_primal and op.tag == "")
            or op.tag == "kept"
        ):
            kept.append(op)
            continue
        changed = True
    block.ops = kept
    return changed


def _prune_slots(op: Op, uses: Counter[str]) -> bool:
    """Drop the carried slots of a ``for_range`` nothing reads: the result is unused
    and the parameter is read by nothing but its own next value (``yield s``), or
    by pure ops whose results only make that next value (``s = s + x[i] ** 2``
    in a gradient, which does not return the sum)."""
    body = op.blocks[0]
    carried = body.params[1:]
    dead = []
    for k, (c, r) in enumerate(zip(carried, op.results)):
        if not uses[r] and _feeds_only_itself(body, k, c, uses):
            dead.append(k)
    if not dead:
        return False
    keep = [k for k in range(len(carried)) if k not in dead]
    op.args = op.args[:3] + [op.args[3 + k] for k in keep]
    body.params = [body.params[0]] + [carried[k] for k in keep]
    tail = body.results[len(carried) :]
    body.results = [body.results[k] for k in keep] + tail
    op.results = [op.results[k] for k in keep]
    return True


def _feeds_only_itself(body: Block, k: int, c: str, uses: Counter[str]) -> bool:
    """Whether carried value ``c`` (slot ``k``) and what pure ops compute from it are
    read by nothing but those ops and the slot's own next value."""
    chain = {c}
    reads: Counter[str] = Counter()
    for op in body.ops:
        read = [a.name for a in op.args if isinstance(a, Var) and a.name in chain]
        if not read:
            continue
        if (
            op.blocks
            or PRIMITIVES[op.prim].effect
            or op.tag == "kept"
            or _may_raise(op)
            or len(op.results) != 1
        ):
            return False  # pruning would keep it, reading the slot: the slot stays
        reads.update(read)
        chain.add(op.results[0])
    reads.update(v.name for v in body.results[k : k + 1] if isinstance(v, Var))
    return all(uses[v] == reads[v] for v in chain)


def _tape_ops(block: Block, out: list[Op]) -> list[Op]:
    for op in block.ops:
        if op.prim in ("tape_push", "tape_pop"):
            out.append(op)
        for b in op.blocks:
            _tape_ops(b, out)
    return out


def _prune_tapes(fn: Function, uses: Counter[str]) -> bool:
    """Stop taping values whose popped copies nothing reads.

    A tape may itself be pushed onto an outer tape and popped under a new
    name; pushes and pops are matched through those renamings.
    """
    ops = _tape_ops(fn.body, [])
    same: dict[str, str] = {}

    def find(n: str) -> str:
        while same.get(n, n) != n:
            n = same[n]
        return n

    pushes = [op for op in ops if op.prim == "tape_push"]
    pops = [op for op in ops if op.prim == "tape_pop"]
    for push in pushes:
        for pop in pops:
            if push.args[0] == pop.args[0]:
                for a, r in zip(push.args[1:], pop.results):
                    if isinstance(a, Var):
                        ra, rr = find(a.name), find(r)
                        if ra != rr:
                            same[rr] = ra
    changed = False
    drop: set[int] = set()
    by_tape: dict[str, tuple[list[Op], list[Op]]] = {}
    for op in ops:
        key = find(op.args[0].name)  # type: ignore[union-attr]
        by_tape.setdefault(key, ([], []))[op.prim == "tape_pop"].append(op)
    for tape_pushes, tape_pops in by_tape.values():
        if not tape_pops or not tape_pushes:
            continue
        width = len(tape_pops[0].results)
        dead = [k for k in range(width) if all(not uses[p.results[k]] for p in tape_pops)]
        if not dead:
            continue
        changed = True
        keep = [k for k in range(width) if k not in dead]
        for p in tape_pops:
            p.results = [p.results[k] for k in keep]
        for p in tape_pushes:
            p.args = [p.args[0], *(p.args[1 + k] for k in keep)]
        if not keep:  # an empty tape is not worth keeping
            drop.update(id(p) for p in tape_pushes + tape_pops)
    if drop:
        _remove(fn.body, drop)
    return changed


def _remove(block: Block, drop: set[int]) -> None:
    block.ops = [op for op in block.ops if id(op) not in drop]
    for op in block.ops:
        for b in op.blocks:
            _remove(b, drop)


def _has_adjoints(block: Block) -> bool:
    return any(op.tag == "adjoint" or any(_has_adjoints(b) for b in op.blocks) for op in block.ops)


def run(fn: Function) -> Function:
    """Remove unused pure ops, ``if`` results and taped values until nothing changes."""
    keep_primal = not _has_adjoints(fn.body)
    while True:
        uses = count_uses(fn.body)
        changed = _prune(fn.body, uses, keep_primal)
        changed |= _prune_tapes(fn, uses)
        if not changed:
            return fn
