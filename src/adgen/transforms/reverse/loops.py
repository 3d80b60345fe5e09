"""The adjoint of a loop: a loop over the same iterations in reverse order.

It carries the adjoints of the carried values, and accumulators for the
adjoints of the outer values the body reads. Each iteration first pops what
the forward iteration kept: the plan (``tapes``) makes the forward loop push
exactly the values of the iteration that the adjoint body reads. A ``for``
over a range runs its range backwards; a ``while``, or a loop that can
``break``, is counted by the forward loop and its adjoint runs that many
times::

    x2 = for_range(0, n, 1, x0)           bx3, ba3 = for_range(0, n, 1, bx, ba0,
      body(i, x1):                                             reverse=True)
        t = sin(x1)              ->         body(i1, bx1, ba1):
        x = mul(a, t)                         x3, t1 = tape_pop(tape)
        yield x                               ...adjoint of the body...
                                              yield bx2, ba2
"""

from __future__ import annotations

from ...ir import Block, Const, ForRange, Loop, Op, Value, Var
from ...ir.util import reads, rename
from ...primitives import PRIMITIVES
from ..common import emit_one, stem
from .adjoints import AdjointState
from .tapes import Counter


def adjoint_loop(rev: AdjointState, op: Loop, adj: dict[str, Value]) -> list[Op]:
    """The adjoint of ``op``, accumulating into ``adj``; [] if no result is seeded.

    Plans the forward loop's tape (and iteration count) in ``rev.plan``.
    """
    carried, inits, nexts = op.carried, op.inits, op.yields
    slots = [j for j, c in enumerate(carried) if c in rev.act]
    if not any(op.results[j] in adj for j in slots) and not rev.keeps_tapes_balanced(op):
        return []
    counted = not isinstance(op, ForRange) or op.exits
    namer = rev.namer
    out: list[Op] = []
    # Adjoints of the carried values, as parameters of the reverse body.
    bparams = [namer.fresh(rev.bname(carried[j])) for j in slots]
    binits = [
        adj[op.results[j]] if op.results[j] in adj else rev.zero(Var(op.results[j]), out)
        for j in slots
    ]
    local: dict[str, Value] = {}
    body: list[Op] = []
    for j, bp in zip(slots, bparams):
        nxt = nexts[j]
        if isinstance(nxt, Var) and nxt.name in rev.act:
            rev.accumulate(local, nxt.name, Var(bp), body, op.loc)
    rev.loop_depth += 1
    try:
        for block in reversed(op.blocks):  # a while's body, then its head
            body.extend(rev.sweep(block.ops, local))
    finally:
        rev.loop_depth -= 1
    body_defs = [n for b in op.blocks for n in rev.plan.defines(b)]
    inner = set(body_defs)
    outer = sorted(n for n in local if n not in inner)
    # Next adjoints of the carried values (for the previous iteration).
    bnexts = [
        local[carried[j]] if carried[j] in local else rev.zero(Var(carried[j]), body) for j in slots
    ]
    accs = [namer.fresh(rev.bname(n)) for n in outer]
    acc_inits = [adj[n] if n in adj else rev.zero(Var(n), out) for n in outer]
    acc_nexts = [
        _accumulate_outer(rev, op, body, n, acc, local[n], n in adj) for n, acc in zip(outer, accs)
    ]
    # A carried array the adjoint reads only for its shape, and that the body
    # changes only by indexed writes, has its initial value's shape: read that.
    _shape_from_init(op, body, carried, inits, nexts)
    # Values of the iteration the adjoint reads: taped by the forward loop.
    index = op.index if isinstance(op, ForRange) else None
    read = reads(body)
    needed = [n for n in body_defs if n in read and (n != index or counted)]
    if needed:
        tape = namer.fresh("tape")
        popped = {n: namer.fresh(stem(namer, n)) for n in needed}
        for n, p in popped.items():
            rev.link(p, n)
        rev.plan.tape(op, tape, needed)
        mapping = {n: Var(p) for n, p in popped.items()}
        rename(body, mapping)
        bnexts = [mapping.get(v.name, v) if isinstance(v, Var) else v for v in bnexts]
        body.insert(
            0, Op(list(popped.values()), "tape_pop", [Var(tape)], {}, op.loc, tag="adjoint")
        )
    if counted:
        counter = Counter(namer.fresh("n_iter"), namer.fresh("n_iter"), namer.fresh("n_iter"))
        rev.plan.count(op, counter)
        rindex = namer.fresh("_")
        bounds: list[Value] = [Const(0), Var(counter.total), Const(1)]
        backwards = False
    else:
        assert isinstance(op, ForRange)
        rindex = namer.fresh(stem(namer, op.index))
        rename(body, {op.index: Var(rindex)})
        bounds = list(op.bounds)
        backwards = not op.reverse
    results = [namer.fresh(rev.bname(carried[j])) for j in slots] + [
        namer.fresh(rev.bname(n)) for n in outer
    ]
    for j, r, bp in zip(slots, results, bparams):
        rev.link(r, carried[j])
        rev.link(bp, carried[j])
    for n, r, acc in zip(outer, results[len(slots) :], accs):
        rev.link(r, n)
        rev.link(acc, n)
    block = Block([rindex, *bparams, *accs], body, [*bnexts, *acc_nexts])
    out.append(
        ForRange.new(
            results,
            bounds,
            [*binits, *acc_inits],
            block,
            reverse=backwards,
            loc=op.loc,
            tag="adjoint",
        )
    )
    for n, r in zip(outer, results[len(slots) :]):
        adj[n] = Var(r)
    for j, r in zip(slots, results):
        init = inits[j]
        if isinstance(init, Var) and init.name in rev.act:
            rev.accumulate(adj, init.name, Var(r), out, op.loc)
    return out


def _accumulate_outer(
    rev: AdjointState, op: Loop, body: list[Op], name: str, acc: str, part: Value, seeded: bool
) -> Value:
    """Add one iteration's adjoint ``part`` of the outer value ``name`` into its
    accumulator ``acc``; return the accumulator's next value."""
    built = None if seeded else _scatters(body, part, name)
    if built is None:
        add, total = emit_one(
            rev.namer, rev.add(name), [Var(acc), part], rev.bname(name), "adjoint", op.loc
        )
        body.append(add)
        return total
    # The accumulator starts as zeros of our own: add each scattered part into
    # it in place instead of building zero arrays every iteration.
    result: Value = Var(acc)
    for s in built:
        body.remove(s)
    for s in built:
        if s.prim == "scatter_add":
            add, result = emit_one(
                rev.namer,
                "index_add",
                [result, s.args[0], *s.args[2:]],
                rev.bname(name),
                "adjoint",
                op.loc,
                **s.attrs,
            )
            body.append(add)
    return result


def _scatters(ops: list[Op], value: Value, like: str, readers_ok: int = 0) -> list[Op] | None:
    """The ops that build ``value`` as a sum of ``scatter_add(g, like, ...)`` (the
    scatters, then the adds), if nothing else in ``ops`` reads what they compute."""
    if not isinstance(value, Var):
        return None
    op = next((o for o in ops if o.results == [value.name]), None)
    if op is None:
        return None
    readers = sum(1 for o in ops for a in o.args if a == value)
    if any(value.name in reads(b.ops) or value in b.results for o in ops for b in o.blocks):
        return None
    if op.prim == "scatter_add" and op.args[1] == Var(like) and readers == readers_ok:
        return [op]
    if op.prim == "add" and readers == readers_ok:
        parts = []
        for a in op.args:
            inner = _scatters(ops, a, like, 1)
            if inner is None:
                return None
            parts.extend(inner)
        return parts + [op]
    return None


def _shape_only(ops: list[Op], name: str) -> bool:
    """Whether ``ops`` read ``name`` only where a helper wants a shape."""
    for o in ops:
        for k, a in enumerate(o.args):
            if a == Var(name) and k not in PRIMITIVES[o.prim].shape_only:
                return False
        for b in o.blocks:
            if not _shape_only(b.ops, name) or Var(name) in b.results:
                return False
    return True


def _shape_from_init(
    op: Loop, body: list[Op], carried: list[str], inits: list[Value], nexts: list[Value]
) -> None:
    """Make ``body`` read a carried array's initial value where it reads the
    carried array only for its shape and the loop only writes into it by index."""
    defs = {r: o for b in op.blocks for o in b.ops for r in o.results}
    for c, init, nxt in zip(carried, inits, nexts):
        if not isinstance(init, Var) or not _shape_only(body, c):
            continue
        v = nxt
        while isinstance(v, Var) and v.name in defs and defs[v.name].prim == "setitem":
            v = defs[v.name].args[0]
        if v == Var(c):
            rename(body, {c: init})
