"""The adjoint of an ``if``: an ``if`` on the same condition.

Each branch of the adjoint holds the adjoint of the same forward branch and
yields the adjoints of the outer values that either branch reads (a branch
that does not read one yields what it had, or a zero)::

    y = if(c)                         by1, bx1 = if(c)
      then(): t = sin(x); yield t       then(): bx = mul(by, cos(x)); yield bx
      else(): yield 0.0        ->       else(): bx0 = zero(x); yield bx0

The adjoint branch reads its forward branch's values directly (Python's
scoping lets it). Inside a loop that is not enough, since the loop must tape
them: the plan makes the forward ``if`` yield them (see ``tapes``).
"""

from __future__ import annotations

from ...ir import Block, If, Op, Value, Var
from ...ir.util import reads, rename
from ..common import emit_one, stem
from .adjoints import AdjointState


def adjoint_if(rev: AdjointState, op: If, adj: dict[str, Value]) -> list[Op]:
    """The adjoint of ``op``, accumulating into ``adj``; [] if no result is active."""
    slots = [k for k, r in enumerate(op.results) if r in adj and r in rev.act]
    if not slots and not rev.keeps_tapes_balanced(op):
        return []
    tapes = [k for k, r in enumerate(op.results) if r in rev.tapes]
    branches = []
    for branch in (op.then, op.orelse):
        for k in tapes:  # a branch yields a tape: its adjoint tape is the result's
            y = branch.results[k]
            if isinstance(y, Var):
                rev.tapes[y.name] = rev.tapes[op.results[k]]
        local: dict[str, Value] = {}
        seed_ops: list[Op] = []
        for k in slots:
            y = branch.results[k]
            if isinstance(y, Var) and y.name in rev.act:
                rev.accumulate(local, y.name, adj[op.results[k]], seed_ops, op.loc)
        ops = seed_ops + rev.sweep(branch.ops, local)
        branches.append((local, ops, set(rev.plan.defines(branch))))
    if rev.loop_depth:
        for b, (_, ops, inner) in enumerate(branches):
            _export(rev, op, b, ops, inner)
    outer = sorted({n for local, _, inner in branches for n in local if n not in inner})
    results = [rev.namer.fresh(rev.bname(n)) for n in outer]
    blocks = []
    for local, ops, _ in branches:
        yields: list[Value] = []
        for n in outer:
            if n not in local:
                yields.append(adj[n] if n in adj else rev.zero(Var(n), ops))
            elif n in adj:
                add, total = emit_one(
                    rev.namer, rev.add(n), [adj[n], local[n]], rev.bname(n), "adjoint", op.loc
                )
                ops.append(add)
                yields.append(total)
            else:
                yields.append(local[n])
        blocks.append(Block([], ops, yields))
    for n, r in zip(outer, results):
        adj[n] = Var(r)
        rev.link(r, n)
    return [If.new(results, op.cond, blocks[0], blocks[1], loc=op.loc, tag="adjoint")]


def _export(rev: AdjointState, op: If, branch: int, ops: list[Op], inner: set[str]) -> None:
    """Plan that ``op`` yields the values of its branch ``branch`` that the adjoint
    ``ops`` read, and make ``ops`` read those results instead."""
    params = set(op.blocks[branch].params)
    mapping: dict[str, Value] = {}
    for name in sorted((reads(ops) & inner) - params):
        new = rev.namer.fresh(stem(rev.namer, name))
        rev.plan.export(op, branch, name, new)
        mapping[name] = Var(new)
    rename(ops, mapping)
