"""Drop unary plus: ``+x`` is ``x``.

Contract: every ``pos`` op is removed and its uses read its operand, except
that when the operand is a temporary (``t7``) defined just before in the same
block with no other use, that op takes the ``pos`` op's name instead, so the
better name (``bx``) survives.

Before::

    t7 = mul(g, y)
    bx = pos(t7)

After::

    bx = mul(g, y)
"""

from __future__ import annotations

import re

from ..ir import Function, Op, Value, Var
from ..ir.util import count_uses
from .rewriting import replace_ops

_TEMPORARY = re.compile(r"^t\d+$")


def run(fn: Function) -> Function:
    """Remove every ``pos`` op as above."""
    uses = count_uses(fn.body)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim != "pos":
            kept.append(op)
            return
        src = op.args[0]
        prev = next(
            (k for k in reversed(kept) if isinstance(src, Var) and k.results == [src.name]), None
        )
        if (
            isinstance(src, Var)
            and prev is not None
            and _TEMPORARY.match(src.name)
            and uses.get(src.name, 0) == 1
        ):
            prev.results = [op.results[0]]  # keep the better name (bx, not t7)
        else:
            rename[op.results[0]] = src

    return replace_ops(fn, step)
