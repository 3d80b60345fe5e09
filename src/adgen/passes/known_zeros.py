"""A zero adjoint of a value of known kind: ``0.0`` for a scalar, zeros for an array.

Contract: ``zero(like)`` (emitted ``zeros_like(like)``, a run-time type test)
becomes the constant ``0.0`` where :mod:`adgen.analysis.types` knows ``like``
has shape ``()``, unless the zero is written into by index (operand 0 of
``index_add`` or ``setitem``: a 0-d array argument has shape ``()`` too, and
``0.0[()]`` cannot be written); arithmetic on the two is the same. Where
``like`` is known to be an array it becomes ``zeros_array(like)``, the same
array made without the test (``np.zeros_like(x, dtype=np.result_type(x, 1.0))``).
And ``zeros_array(x)`` of a parameter the call gives a float64 array of known
shape is emitted ``np.zeros((n,))`` (attribute ``shape``): the same array, made
without reading ``x``'s dtype (an order of magnitude faster for small arrays).

Before (``T0`` is a number)::

    bT = zero(T0)
    bT1 = add(bT, g)

After::

    bT1 = add(0.0, g)
"""

from __future__ import annotations

from ..analysis.types import Types, linked_kinds
from ..ir import Const, Function, Op, Value, Var, walk
from .rewriting import replace_ops


def run(fn: Function) -> Function:
    """Replace the zeros of scalars by ``0.0`` (see the module docstring)."""
    types: Types | None = None
    written = {
        op.args[0].name
        for op in walk(fn.body)
        if op.prim in ("index_add", "setitem") and isinstance(op.args[0], Var)
    }

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        nonlocal types
        if op.prim == "zero" and op.results[0] not in written:
            types = types or Types(fn)
            if types.scalar(op.args[0]):
                rename[op.results[0]] = Const(0.0)
                return
            if types.of(op.args[0]).kind == "array":
                op.prim = "zeros_array"
        kept.append(op)

    if any(op.prim == "zero" for op in walk(fn.body)):
        fn = replace_ops(fn, step)
    return _float64_zeros(fn)


def _float64_zeros(fn: Function) -> Function:
    f8 = {p for p, k in linked_kinds(fn).items() if k == "<f8"}
    ops = [op for op in walk(fn.body) if op.prim == "zeros_array" and op.args[0] in map(Var, f8)]
    if not ops:
        return fn
    types = Types(fn)
    for op in ops:
        ty = types.of(op.args[0])
        if ty.kind == "array" and ty.known and ty.shape:
            op.attrs = {"shape": tuple(ty.shape)}  # still no_cse: each accumulator its own
    return fn
