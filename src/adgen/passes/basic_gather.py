"""``gather_written(g, index)`` with a basic index is ``g[index]``.

Contract: ``gather_written`` differs from ``getitem`` only where an integer
array index repeats a position; where every part of the index is known (by
:mod:`adgen.analysis.types`) to be an int, a slice or None, it becomes
``getitem`` with the same operands, which the emitter writes ``g[index]``
and the alias analysis knows to be a scalar when it indexes every axis.

Before (the adjoint of ``v`` in ``y[i] = v``, ``i`` a loop index)::

    t10 = gather_written(by2, i)

After::

    t10 = getitem(by2, i)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Function, walk


def run(fn: Function) -> Function:
    """Turn the basic gathers of ``fn`` into reads (see the module docstring)."""
    ops = [op for op in walk(fn.body) if op.prim == "gather_written"]
    if not ops:
        return fn
    types = Types(fn)
    for op in ops:
        kinds = op.attrs.get("kinds", "v")
        parts, k = [], 1
        for kind in kinds:
            parts.append(None if kind == "s" else op.args[k])
            k += 3 if kind == "s" else 1
        if all(p is None or types.of(p).kind in ("int", "none") for p in parts):
            op.prim = "getitem"
    return fn
