"""The adjoints of a product of matrices are products with a transpose.

Contract: ``matmul_adjoint_a(g, a, b)`` and ``matmul_adjoint_b(g, a, b)``
(run-time helpers that handle every rank) become ``g @ b.T`` and ``a.T @ g``
where :mod:`adgen.analysis.types` knows ``a`` and ``b`` are 2-D arrays.

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
            if all(
                types.of(v).kind == "array"
                and types.of(v).shape is not None
                and len(types.of(v).shape or ()) == 2
                for v in (a, b)
            ):
                namer = namer or namer_for(fn)
                t = namer.fresh("t")
                if op.prim == "matmul_adjoint_a":
                    kept.append(Op([t], "transpose", [b], {}, op.loc, tag=op.tag))
                    kept.append(Op(op.results, "matmul", [g, Var(t)], {}, op.loc, tag=op.tag))
                else:
                    kept.append(Op([t], "transpose", [a], {}, op.loc, tag=op.tag))
                    kept.append(Op(op.results, "matmul", [Var(t), g], {}, op.loc, tag=op.tag))
                return
        kept.append(op)

    return replace_ops(fn, step)
