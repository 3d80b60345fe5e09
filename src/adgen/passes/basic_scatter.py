"""``scatter_add(g, x, index)`` with a basic index into a float argument is zeros, written.

Contract: where every part of the index is known (by :mod:`adgen.analysis.types`)
to be an int, a slice or None, no position repeats, and where ``x`` is a
parameter the call gives a floating array (``kind_link``), the helper call
becomes ``zeros_array(x)`` and ``setitem`` of ``g`` into it: the same array
(zeros of ``x``'s float dtype, ``g`` at ``index``), written ``bx[:-1] = g`` on
the fresh zeros, without the helper's run-time tests.

Before (the adjoint of ``x[:-1]``)::

    bx = scatter_add(g, x, None, -1, None, kinds='s')

After::

    t4 = zeros_array(x)
    bx = setitem(t4, g, None, -1, None, kinds='s')
"""

from __future__ import annotations

from ..analysis.types import Types, linked_kinds
from ..ir import Function, Op, Value, Var, walk
from .rewriting import namer_for, replace_ops


def run(fn: Function) -> Function:
    """Write the basic scatters into float arguments as described above."""
    floating = {p for p, k in linked_kinds(fn).items() if k != "float"}
    if not floating or not any(op.prim == "scatter_add" for op in walk(fn.body)):
        return fn
    types = Types(fn)
    namer = namer_for(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim == "scatter_add" and op.args[1] in [Var(p) for p in floating]:
            parts, k = [], 2
            for kind in op.attrs.get("kinds", "v"):
                parts.append(None if kind == "s" else op.args[k])
                k += 3 if kind == "s" else 1
            if all(p is None or types.of(p).kind in ("int", "none") for p in parts):
                zeros = namer.claim(op.results[0])  # its family: one Python name
                kept.append(Op([zeros], "zeros_array", [op.args[1]], {}, op.loc, tag=op.tag))
                op.prim = "setitem"
                op.args = [Var(zeros), op.args[0], *op.args[2:]]
        kept.append(op)

    return replace_ops(fn, step)
