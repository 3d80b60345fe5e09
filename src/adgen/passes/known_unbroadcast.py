"""``unbroadcast(g, like)`` with both shapes known is a plain ``np.sum`` over the broadcast axes.

Contract: where :mod:`adgen.analysis.types` knows the whole shapes of ``g``
and ``like`` and they differ, ``unbroadcast(g, like)`` (a run-time helper
that compares shapes) becomes ``sum(g, axis=lead)`` for the leading axes
``like`` lacks, then ``sum(..., axis=ones, keepdims=True)`` for the axes
where ``like`` has length 1 and ``g`` does not: exactly what the helper
computes for those shapes. A ``like`` of shape ``()`` sums everything.

Before (``g`` of shape (64, 10), ``b2`` of shape (10,))::

    bb2 = unbroadcast(g, b2)

After::

    bb2 = sum(g, axis=0)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Function, Op, Value, Var, walk
from ..ir.names import Namer
from .rewriting import namer_for, replace_ops


def run(fn: Function) -> Function:
    """Write the unbroadcasts of known shapes as sums (see the module docstring)."""
    if not any(op.prim == "unbroadcast" for op in walk(fn.body)):
        return fn
    types = Types(fn)
    namer = namer_for(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim == "unbroadcast":
            g, like = (types.of(a) for a in op.args)
            if g.known and like.known and g.shape != like.shape and g.kind == "array":
                ops = _sums(op, g.shape, like.shape, namer)  # type: ignore[arg-type]
                if ops is not None:
                    kept.extend(ops)
                    return
        kept.append(op)

    return replace_ops(fn, step)


def _sums(op: Op, g: tuple[int, ...], like: tuple[int, ...], namer: Namer) -> list[Op] | None:
    lead = len(g) - len(like)
    if lead < 0:
        return None
    rest = g[lead:]
    if any(d != n and n != 1 for d, n in zip(rest, like)):
        return None  # would not broadcast: leave the helper to say so
    ones = tuple(k for k, (d, n) in enumerate(zip(rest, like)) if n == 1 and d != 1)
    steps: list[tuple[tuple[int, ...], bool]] = []
    if lead:
        steps.append((tuple(range(lead)), False))
    if ones:
        steps.append((ones, True))
    if not steps:
        return None
    out: list[Op] = []
    value: Value = op.args[0]
    for k, (axes, keep) in enumerate(steps):
        name = op.results[0] if k == len(steps) - 1 else namer.fresh("t")
        axis = axes[0] if len(axes) == 1 else axes
        attrs = {"axis": axis, "keepdims": True} if keep else {"axis": axis}
        out.append(Op([name], "sum", [value], attrs, op.loc, [], op.tag))
        value = Var(name)
    return out
