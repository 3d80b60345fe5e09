"""Tape only what cannot be had otherwise: no value twice, no cheap reads.

Contract: for a tape pushed once per iteration of a forward ``for_range`` and
popped once per iteration of a reversed ``for_range`` over the same bounds
(neither can ``break``; both loops in the function's top-level block, the
forward one first), a slot is dropped from the push and the pop when

- it holds the same value as an earlier slot (the pop's result is renamed to
  that slot's), or
- its value can be recomputed in the reverse loop from values live there:
  the loop index (the reverse loop's index has the same value at the
  matching iteration), constants, values defined outside the forward loop,
  through at most :data:`MAX_OPS` cheap pure ops (``x[i]``, ``i + 1``, a
  comparison). The ops are copied after the pop, reading the reverse index.

A slot that holds a number (shape ``()``, known from the call's shapes) may also
be recomputed from the values of other slots that stay on the tape, through at
most :data:`MAX_OPS` ops of :data:`_SCALAR`: for ``t = r * y`` with ``y`` taped,
the reverse loop computes ``r * y`` from the popped ``y`` rather than storing
and loading ``t``.

When the forward loop's own results are used nowhere (a ``grad`` that leaves
the value out) and every slot it pushes can be recomputed through at most
:data:`MAX_OPS_TAPING_ONLY` pure arithmetic ops, all are: the forward loop then
did nothing but tape, and ``dce`` drops it, so the sweep reads its inputs once
instead of twice and the tape is never allocated.

What was computed is unchanged: the same ops run on the same values (SSA
values are never changed in place; the backend decides in-place writes
after this pass, seeing the new reads).

Before::

    for_range(0, n, 1):   body(i):  t4 = getitem(x, i); ... tape_push(tape, t4, t6, t4)
    for_range(0, n, 1, reverse=True):  body(j):  a, b, c = tape_pop(tape); ...

After::

    ... tape_push(tape, t6)
    ...  body(j):  b = tape_pop(tape); a = getitem(x, j); (c is a)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.types import Types
from ..ir import Const, ForRange, Function, Op, Value, Var
from ..ir.names import Namer
from ..ir.util import count_uses, rename, substitute
from .rewriting import namer_for

#: How many ops a recomputed slot may cost.
MAX_OPS = 3
_CHEAP = frozenset({"getitem", "add", "sub", "mul", "neg", "lt", "le", "gt", "ge", "eq", "ne"})
#: The budget per slot when recomputing every slot removes a loop that only tapes.
MAX_OPS_TAPING_ONLY = 12
_ARITHMETIC = _CHEAP | {"div", "pow", "square", "abs", "exp", "log", "sin", "cos", "sqrt"}


@dataclass(frozen=True)
class _Budget:
    """What one recomputed slot may cost: its op count, and which primitives."""

    ops: int
    prims: frozenset[str]


_NARROW = _Budget(MAX_OPS, _CHEAP)
#: What a number may be recomputed with from other slots.
_SCALAR = _Budget(MAX_OPS, _CHEAP | {"div", "pow", "square"})
_WIDE = _Budget(MAX_OPS_TAPING_ONLY, _ARITHMETIC)


def run(fn: Function) -> Function:
    """Drop the tape slots of ``fn`` that are duplicates or cheap to recompute."""
    top = fn.body.ops
    loops = [op for op in top if isinstance(op, ForRange) and not op.exits]
    namer: Namer | None = None
    uses = count_uses(fn.body)
    types: Types | None = None
    for fwd in loops:
        if fwd.reverse:
            continue
        pushes = [op for op in fwd.body.ops if op.prim == "tape_push"]
        found = {id(p): _reverse_loop(loops, top, fwd, p.args[0]) for p in pushes}
        budget = _NARROW
        if pushes and _taping_only(fwd, uses, pushes, found):
            budget = _WIDE
        for push in pushes:
            rev = found[id(push)]
            if rev is None:
                continue
            namer = namer or namer_for(fn)
            types = types or Types(fn)
            _shrink(fwd, rev, push, namer, budget)
            _from_other_slots(fwd, rev, push, namer, uses, types)
    return fn


def _taping_only(
    fwd: ForRange,
    uses: dict[str, int],
    pushes: list[Op],
    found: dict[int, tuple[ForRange, Op] | None],
) -> bool:
    """Whether ``fwd``'s results are unused and every slot it pushes that the reverse
    loop reads can be recomputed within the wide budget (then recomputing them all
    leaves the loop dead: ``dce`` drops the slots nothing reads)."""
    if any(uses.get(r, 0) for r in fwd.results):
        return False
    defs, inner = _forward_values(fwd)
    for push in pushes:
        rev = found[id(push)]
        if rev is None:
            return False
        for value, result in zip(push.args[1:], rev[1].results):
            if uses.get(result, 0) and _recompute(value, fwd, defs, inner, _WIDE) is None:
                return False
    return True


def _forward_values(fwd: ForRange) -> tuple[dict[str, Op], set[str]]:
    """The op defining each value of ``fwd``'s body, and every name local to it (its
    parameters too): what :func:`_recompute` may not read from outside."""
    defs = {r: op for op in fwd.body.ops for r in op.results}
    return defs, set(fwd.body.params) | set(defs)


def _reverse_loop(
    loops: list[ForRange], top: list[Op], fwd: ForRange, tape: Value
) -> tuple[ForRange, Op] | None:
    """The reversed loop that pops ``tape`` once per iteration, and its pop."""
    if not isinstance(tape, Var):
        return None
    uses = [op for op in _walk_all(top) if tape in op.args and op.prim in ("tape_push", "tape_pop")]
    if len(uses) != 2:
        return None
    for rev in loops:
        if not rev.reverse or top.index(rev) < top.index(fwd) or rev.bounds != fwd.bounds:
            continue
        pops = [op for op in rev.body.ops if op.prim == "tape_pop" and op.args[0] == tape]
        if len(pops) == 1:
            return rev, pops[0]
    return None


def _walk_all(ops: list[Op]) -> list[Op]:
    out = []
    for op in ops:
        out.append(op)
        for b in op.blocks:
            out.extend(_walk_all(b.ops))
    return out


def _shrink(
    fwd: ForRange, found: tuple[ForRange, Op], push: Op, namer: Namer, budget: _Budget
) -> None:
    rev, pop = found
    defs, inner = _forward_values(fwd)
    keep_args: list[Value] = [push.args[0]]
    keep_results: list[str] = []
    renames: dict[str, Value] = {}
    recomputed: list[Op] = []
    seen: dict[Value, str] = {}
    for value, result in zip(push.args[1:], pop.results):
        if value in seen:
            renames[result] = Var(seen[value])
            continue
        ops = _recompute(value, fwd, defs, inner, budget)
        if ops is None:
            keep_args.append(value)
            keep_results.append(result)
            seen[value] = result
            continue
        copied, out = _copy(ops, value, fwd, rev, namer)
        recomputed.extend(copied)
        renames[result] = out
        seen[value] = out.name if isinstance(out, Var) else result
    if not renames:
        return
    push.args = keep_args
    pop.results = keep_results
    at = rev.body.ops.index(pop) + 1
    rev.body.ops[at:at] = recomputed
    rename(rev.body.ops, renames)
    rev.body.results = [
        renames.get(v.name, v) if isinstance(v, Var) else v for v in rev.body.results
    ]
    if not keep_results:
        rev.body.ops.remove(pop)
        fwd.body.ops.remove(push)


def _recompute(
    value: Value,
    fwd: ForRange,
    defs: dict[str, Op],
    inner: set[str],
    budget: _Budget,
    available: frozenset[str] = frozenset(),
) -> list[Op] | None:
    """The forward ops that recompute ``value`` from outside values and the index, or
    None if it cannot be had cheaply (a carried value, an effect, too many ops).
    Forward values named in ``available`` (slots that stay taped) count as given."""
    ops: list[Op] = []

    def visit(v: Value) -> bool:
        if isinstance(v, Const) or not isinstance(v, Var):
            return True
        if v.name == fwd.index or v.name not in inner or v.name in available:
            return True
        op = defs.get(v.name)
        if op is None or op.prim not in budget.prims or op.blocks or len(op.results) != 1:
            return False
        if op in ops:
            return True
        if not all(visit(a) for a in op.args):
            return False
        ops.append(op)
        return len(ops) <= budget.ops

    if not isinstance(value, Var) or value.name not in defs or not visit(value):
        return None
    return ops


def _copy(
    ops: list[Op],
    value: Var,
    fwd: ForRange,
    rev: ForRange,
    namer: Namer,
    popped: dict[str, str] | None = None,
) -> tuple[list[Op], Value]:
    """Copies of ``ops`` reading the reverse index, and the popped copies of the
    forward values ``popped`` maps to them; and the copy of ``value``."""
    mapping: dict[str, Value] = {fwd.index: Var(rev.index)}
    mapping.update({k: Var(v) for k, v in (popped or {}).items()})
    out = []
    for op in ops:
        new = Op([namer.fresh("t")], op.prim, list(op.args), dict(op.attrs), op.loc, [], "adjoint")
        rename([new], mapping)
        mapping[op.results[0]] = Var(new.results[0])
        out.append(new)
    return out, mapping[value.name]


def _from_other_slots(
    fwd: ForRange,
    found: tuple[ForRange, Op],
    push: Op,
    namer: Namer,
    uses: dict[str, int],
    types: Types,
) -> None:
    """Recompute the numbers of ``push`` that are cheap functions of its other slots
    (see the module doc); the slots they read stay on the tape."""
    rev, pop = found
    if pop not in rev.body.ops:  # every slot was recomputed
        return
    defs, inner = _forward_values(fwd)
    slots = [
        (v, r) for v, r in zip(push.args[1:], pop.results) if isinstance(v, Var) and uses.get(r)
    ]
    popped = {v.name: r for v, r in slots}
    pinned: set[str] = set()
    dropped: dict[str, Value] = {}
    recomputed: list[Op] = []
    for value, result in slots:
        if value.name in pinned or not types.scalar(value):
            continue
        available = frozenset(n for n in popped if n != value.name and n not in dropped)
        ops = _recompute(value, fwd, defs, inner, _SCALAR, available)
        if not ops or not all(types.scalar(Var(op.results[0])) for op in ops):
            continue
        reads = {
            a.name for op in ops for a in op.args if isinstance(a, Var) and a.name in available
        }
        copied, out = _copy(ops, value, fwd, rev, namer, {n: popped[n] for n in reads})
        recomputed.extend(copied)
        pinned |= reads
        dropped[value.name] = out
        rename(rev.body.ops, {result: out})  # later copies read it under its new name
        rev.body.results = [substitute(v, {result: out}) for v in rev.body.results]
    if not dropped:
        return
    keep = [
        (v, r)
        for v, r in zip(push.args[1:], pop.results)
        if not (isinstance(v, Var) and v.name in dropped)
    ]
    push.args = [push.args[0], *(v for v, _ in keep)]
    pop.results = [r for _, r in keep]
    at = rev.body.ops.index(pop) + 1
    rev.body.ops[at:at] = recomputed
