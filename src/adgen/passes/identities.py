"""Apply the algebraic identities of :mod:`adgen.primitives.identities` to a function.

Contract: every op without blocks whose result an identity or constant
folding gives is removed, and its uses read that value instead. An identity
that keeps an operand applies only where that operand is proved floating or
complex (:class:`Inexact`, from the table's ``float_result`` facts), so
dtypes never change (``n * 1.0`` stays for an integer ``n``).

Before (the seed ``1.0`` of a gradient took the cotangent's place)::

    t9 = sub(t3, t4)        # t3 = add(t1, div(x, y)): floating
    t10 = mul(1.0, t9)
    bx = mul(3.0, 1.0)

After::

    t9 = sub(t3, t4)
    (t10 is t9, bx is 3.0)
"""

from __future__ import annotations

from ..analysis.types import linked_kinds
from ..ir import Const, Function, Op, Value, Var, walk
from ..primitives import PRIMITIVES
from ..primitives.identities import simplify
from .rewriting import replace_ops


class Inexact:
    """Which values of one function are certainly floating or complex (memoized)."""

    def __init__(
        self,
        defs: dict[str, Op],
        popped: dict[str, list[Value]] | None = None,
        floats: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.defs = defs
        # Parameters the call's arguments make floating (Python floats, float arrays).
        self.floats = floats
        # A value a tape pops -> the values pushed in its slot (it is one of them).
        self.popped = popped or {}
        self.known: dict[str, bool] = {}

    def __call__(self, v: Value) -> bool:
        if isinstance(v, Const):
            return type(v.value) in (float, complex)
        if not isinstance(v, Var):
            return False
        if v.name in self.floats:
            return True
        if v.name not in self.known:
            self.known[v.name] = False  # a cycle (through a loop) proves nothing
            pushed = self.popped.get(v.name)
            self.known[v.name] = (
                all(self(p) for p in pushed) if pushed else self._of(self.defs.get(v.name))
            )
        return self.known[v.name]

    def _of(self, op: Op | None) -> bool:
        if op is None or op.blocks or op.prim not in PRIMITIVES:
            return False
        kind = PRIMITIVES[op.prim].float_result
        if kind == "always":
            return True
        if kind == "first":
            return bool(op.args) and self(op.args[0])
        if kind == "any":
            return any(self(a) for a in op.args)
        return False


def popped_values(fn: Function) -> dict[str, list[Value]]:
    """For each value a tape pops, the values pushed in its slot (by the tape's name)."""
    pushes: dict[str, list[list[Value]]] = {}
    ops = list(walk(fn.body))
    for op in ops:
        if op.prim == "tape_push" and isinstance(op.args[0], Var):
            pushes.setdefault(op.args[0].name, []).append(op.args[1:])
    out: dict[str, list[Value]] = {}
    for op in ops:
        if op.prim == "tape_pop" and isinstance(op.args[0], Var):
            rows = pushes.get(op.args[0].name, [])
            if rows and all(len(r) == len(op.results) for r in rows):
                for k, r in enumerate(op.results):
                    out[r] = [row[k] for row in rows]
    return out


def run(fn: Function) -> Function:
    """Drop the ops that an identity or constant folding makes redundant."""
    defs = {r: op for op in walk(fn.body) for r in op.results}
    # Floating parameters (from the call's argument kinds) make ``x * 1.0`` just ``x``,
    # but not in code that tests at run time whether two arrays share memory: the
    # copy ``x * 1.0`` made is then part of the meaning (``w = x * 1.0; w *= 2``).
    checks_aliases = any(op.prim == "alias_select" for op in walk(fn.body))
    floats = set() if checks_aliases else set(linked_kinds(fn))
    inexact = Inexact(defs, popped_values(fn), floats)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if not op.blocks and len(op.results) == 1 and not PRIMITIVES[op.prim].effect:
            value = simplify(op.prim, op.args, defs.get, inexact)
            if value is not None:
                rename[op.results[0]] = value
                return
        kept.append(op)

    return replace_ops(fn, step)
