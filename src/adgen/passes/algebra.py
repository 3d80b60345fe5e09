"""Move negations and reciprocals outward, where they merge or cancel.

Contract: where the inner value has one use, ``a * (1 / b)`` becomes
``a / b``, ``a + -b`` becomes ``a - b``, ``(-a) * b`` becomes ``-(a * b)``
(when ``b`` is defined before ``-a``, so the result still reads defined
names), ``sum(-a)`` becomes ``-sum(a)`` (the negation then applies to the
smaller, reduced array; exact, as rounding is symmetric), ``-(c * x)``
becomes ``(-c) * x`` and ``c1 * (c2 * x)`` becomes ``(c1 * c2) * x`` where
that is exact (see :func:`_fold_factors`), and ``-(-a)``
becomes ``+a`` (which :mod:`.positive` drops). The ops made redundant are left for DCE.

Before::

    t1 = neg(g)
    t2 = mul(t1, y)
    t3 = neg(t2)

After::

    t1 = mul(g, y)
    t2 = neg(t1)
    t3 = pos(t1)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..analysis.types import linked_kinds
from ..ir import Const, Function, Op, Value, Var, walk
from .identities import Inexact, popped_values
from .rewriting import namer_for
from .uses import Uses


def run(fn: Function) -> Function:
    """Apply the rewrites above once, in program order.

    A rewritten op whose result changes shape gets a fresh name: names carry the
    shape classes of ``Function.shape_links``, which must stay true."""
    uses = Uses(fn)
    inexact = Inexact(uses.defs, popped_values(fn), set(linked_kinds(fn)))
    linked = {n for pair in fn.shape_links for n in pair}
    namer = namer_for(fn)

    def renamed(name: str) -> str:
        # A value that replaces ``name``'s may have another shape: a linked name
        # (whose link would then lie) gives way to a fresh one.
        return namer.fresh() if name in linked else name

    for op in walk(fn.body):
        if op.prim == "mul":
            _product(op, uses, renamed)
        elif op.prim == "add":
            for i in (1, 0):
                neg = uses.single(op.args[i], "neg")
                if neg is not None:
                    op.prim, op.args = "sub", [op.args[1 - i], neg.args[0]]
                    break
        elif op.prim in ("sum", "mean") and len(op.args) == 1:
            neg = uses.single(op.args[0], "neg")
            if neg is not None:
                reduced = renamed(neg.results[0])
                neg.prim, neg.attrs, neg.results = op.prim, dict(op.attrs), [reduced]
                op.prim, op.attrs, op.args = "neg", {}, [Var(reduced)]
        if op.prim == "neg":
            inner = uses.single(op.args[0], "neg")
            if inner is not None:
                op.prim, op.args = "pos", [inner.args[0]]
            scaled = uses.single(op.args[0], "mul")
            if scaled is not None and _constant_factor(scaled) is not None:
                c, x = _constant_factor(scaled)  # type: ignore[misc]
                op.prim, op.args = "mul", [Const(-c), x]  # -(c * x) is (-c) * x, exactly
        if op.prim == "mul" and _constant_factor(op) is not None:
            _fold_factors(op, uses, inexact)
    return fn


def _constant_factor(op: Op) -> tuple[float, Value] | None:
    """``(c, x)`` of ``c * x`` or ``x * c``, ``c`` a number constant (not a bool)."""
    for i in (0, 1):
        a = op.args[i]
        if isinstance(a, Const) and type(a.value) in (int, float):
            return a.value, op.args[1 - i]
    return None


def _power_of_two(c: float) -> bool:
    m, _ = math.frexp(abs(c))
    return m == 0.5


def _fold_factors(op: Op, uses: Uses, inexact: Any) -> None:
    """``c1 * (c2 * x)`` is ``(c1 * c2) * x`` exactly when x is floating, both factors
    are at least 1 in size (no overflow one side only) and one is a power of two
    (the product ``c1 * c2`` and the scaling by it round nowhere else)."""
    c1, inner = _constant_factor(op)  # type: ignore[misc]
    inner_op = uses.single(inner, "mul")
    if inner_op is None or _constant_factor(inner_op) is None:
        return
    c2, x = _constant_factor(inner_op)  # type: ignore[misc]
    if (
        abs(c1) >= 1
        and abs(c2) >= 1
        and 1 not in (c1, c2)  # a factor 1 is the identities' (they keep names and ints)
        and (_power_of_two(c1) or _power_of_two(c2))
        and math.isfinite(c1 * c2)
        and inexact(x)
    ):
        op.args = [Const(float(c1 * c2)), x]


def _product(op: Op, uses: Uses, renamed: Callable[[str], str]) -> None:
    for i in (0, 1):
        inv = uses.single(op.args[i], "div")
        if inv is not None and inv.args[0] in (Const(1), Const(1.0)):
            op.prim, op.args = "div", [op.args[1 - i], inv.args[1]]
            return
        neg = uses.single(op.args[i], "neg")
        other: Value = op.args[1 - i]
        if neg is not None and (not isinstance(other, Var) or uses.before(other, op.args[i])):
            # (-a) * b is -(a * b): the negation moves out, where it may cancel.
            product = renamed(neg.results[0])
            neg.prim, neg.args, neg.results = "mul", [neg.args[0], other], [product]
            op.prim, op.args = "neg", [Var(product)]
            return
        scaled = uses.single(other, "mul")
        if neg is not None and scaled is not None and _constant_factor(scaled) is not None:
            # (-a) * (c * y) is a * ((-c) * y), exactly: the negation goes into c.
            c, y = _constant_factor(scaled)  # type: ignore[misc]
            scaled.args = [Const(-c), y]
            op.args = [neg.args[0], other] if i == 0 else [other, neg.args[0]]
            return
