"""The adjoints of a product of matrices are products with a transpose.

Contract: ``matmul_adjoint_a(g, a, b)`` and ``matmul_adjoint_b(g, a, b)``
(run-time helpers that handle every rank) become ``g @ b.T`` and ``a.T @ g``
where :mod:`adgen.analysis.types` knows ``a`` and ``b`` are 2-D arrays (or ``a``
a vector and ``b`` a matrix for the first, the other way round for the
second); for a dot product of two vectors of one length, ``g * b`` and ``g * a``.

Before::

    bW2 = matmul_adjoint_b(g, h, W2)

After::

    t5 = transpose(h)
    bW2 = matmul(t5, g)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Function, Op, Value, Var
from ..ir.names import Namer
from .rewriting import namer_for, replace_ops


def run(fn: Function) -> Function:
    """Write the 2-D matmul adjoints of ``fn`` as products (see the module docstring)."""
    types: Types | None = None
    namer: Namer | None = None

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        nonlocal types, namer
        if op.prim in ("matmul_adjoint_a", "matmul_adjoint_b") and not op.attrs:
            types = types or Types(fn)
            g, a, b = op.args
            ranks = tuple(_rank(types, v) for v in (a, b))
            of_a = op.prim == "matmul_adjoint_a"
            if ranks == (1, 1) and types.same_shape(a, b):  # a dot product: g is a number
                kept.append(Op(op.results, "mul", [g, b if of_a else a], {}, op.loc, tag=op.tag))
                return
            if ranks == (2, 2) or ranks == ((1, 2) if of_a else (2, 1)):
                namer = namer or namer_for(fn)
                t = namer.fresh("t")
                if of_a:
                    kept.append(Op([t], "transpose", [b], {}, op.loc, tag=op.tag))
                    kept.append(Op(op.results, "matmul", [g, Var(t)], {}, op.loc, tag=op.tag))
                else:
                    kept.append(Op([t], "transpose", [a], {}, op.loc, tag=op.tag))
                    kept.append(Op(op.results, "matmul", [Var(t), g], {}, op.loc, tag=op.tag))
                return
        kept.append(op)

    return replace_ops(fn, step)


def _rank(types: Types, v: Value) -> int | None:
    """The number of axes of ``v`` if it is known to be an array, else None."""
    ty = types.of(v)
    return len(ty.shape) if ty.kind == "array" and ty.shape is not None else None
