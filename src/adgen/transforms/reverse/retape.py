"""Adjoints of tape ops: reverse mode over reverse-mode code (``grad(grad(f))``).

A tape is a stack: what a loop pushes, its adjoint loop pops in reverse
order. The adjoint of a tape is a tape of adjoints running the other way:
the adjoint of ``v1, v2 = tape_pop(T)`` pushes ``bv1, bv2`` onto ``bT``,
and the adjoint of ``tape_push(T, v1, v2)`` pops them back and adds them
into ``bv1`` and ``bv2``. The reverse sweep meets the pops first (they come
last in the forward code), so every push onto ``bT`` is matched, in reverse
order, by one of its pops::

    tape = tape_new()                  btape = tape_new()
    for ...: tape_push(tape, y)        for ... (reversed back):
    for ... reversed:            ->        tape_push(btape, by3)    # adjoint of the pop
        y3 = tape_pop(tape)            for ... reversed:
                                           by = tape_pop(btape)     # adjoint of the push

A tape is an object, not a number: its adjoint is never added to nor carried
through a loop; each tape has one adjoint tape, kept in ``AdjointState.tapes``
(a tape made inside a loop is pushed onto the loop's tape, and its adjoint
tape travels the same way, through the adjoint tape of the outer one). Only
the slots some pop's result is active in are kept on an adjoint tape.
"""

from __future__ import annotations

from ...errors import DifferentiationError
from ...ir import Op, Value, Var
from .adjoints import AdjointState


def create_adjoint_tapes(rev: AdjointState, ops: list[Op]) -> list[Op]:
    """``bT = tape_new()`` for the active tapes ``ops`` make (or pop) whose
    adjoint tape does not come from elsewhere (off another adjoint tape, or
    through an ``if``)."""
    info = rev.tape_info
    out: list[Op] = []
    if info is None:
        return out
    for op in ops:
        for r in op.results:
            if r in info.names and r in rev.act and r not in info.inherited and info.slots(r):
                name = rev.namer.fresh(rev.bname(r))
                rev.tapes[r] = Var(name)
                out.append(Op([name], "tape_new", [], {}, op.loc, tag="adjoint"))
    return out


def _active_slots(rev: AdjointState, op: Op) -> tuple[str, list[int]]:
    """The tape ``op`` pushes or pops, and its slots an adjoint tape keeps
    (none if the tape is not active)."""
    tape = op.args[0].name  # type: ignore[union-attr]
    if rev.tape_info is None or tape not in rev.act or not rev.tape_info.slots(tape):
        return tape, []
    if tape not in rev.tapes:
        raise DifferentiationError(
            "reverse mode over this reverse-mode code is not supported (a tape whose "
            "origin adgen cannot follow); use forward over reverse instead: "
            "adgen.jvp(adgen.grad(f)) or adgen.hessian(f)"
        )
    return tape, rev.tape_info.slots(tape)


def adjoint_pop(rev: AdjointState, op: Op, adj: dict[str, Value]) -> list[Op]:
    """``v = tape_pop(T)`` gets ``tape_push(bT, bv)``."""
    tape, slots = _active_slots(rev, op)
    if not slots:
        return []
    out: list[Op] = []
    values: list[Value] = [rev.tapes[tape]]
    for k in slots:
        r = op.results[k]
        if r in rev.tapes:
            values.append(rev.tapes[r])
        else:
            values.append(adj[r] if r in adj and r in rev.act else rev.zero(Var(r), out))
    out.append(Op([], "tape_push", values, {}, op.loc, tag="adjoint"))
    return out


def adjoint_push(rev: AdjointState, op: Op, adj: dict[str, Value]) -> list[Op]:
    """``tape_push(T, v)`` gets ``bv += tape_pop(bT)``."""
    tape, slots = _active_slots(rev, op)
    if not slots:
        return []
    values = [op.args[1 + k] for k in slots]
    names = [
        rev.namer.fresh(rev.bname(v.name) if isinstance(v, Var) and v.name not in adj else "t")
        for v in values
    ]
    out = [Op(names, "tape_pop", [rev.tapes[tape]], {}, op.loc, tag="adjoint")]
    for v, g in zip(values, names):
        if not (isinstance(v, Var) and v.name in rev.act):
            continue
        if rev.tape_info is not None and v.name in rev.tape_info.names:
            rev.tapes[v.name] = Var(g)
        else:
            rev.accumulate(adj, v.name, Var(g), out, op.loc)
    return out
