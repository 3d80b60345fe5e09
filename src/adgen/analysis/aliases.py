"""Which values may share memory: the *roots* (allocations) each value may reach.

A root is the name of the value that made an allocation. Every value maps to
the set of roots it may refer to, over-approximated (sharing is assumed
unless the table says otherwise):

- a parameter, a free variable, or anything reached from one: :data:`FOREIGN`
  (memory the generated code does not own, never written in place);
- an op whose primitive is ``fresh_array`` (``np.zeros``, ``setitem``'s copy) or
  elementwise (a ufunc result is new) and makes no view: its own root;
- any other op: every operand's roots (it may return an operand, or a view
  of one: ``x[1:]``, ``unbroadcast(g, like)``) and :data:`FOREIGN` (it may be
  read-only, ``np.broadcast_to``, or not an array at all);
- a value pushed on a tape: its roots are marked escaped (the reverse sweep
  reads it back after later writes), and what a tape pops is foreign;
- loops and branches: a carried value may be any of its initial and next
  values (to a fixed point), an ``if`` result either branch's.

``index_add`` and an in-place ``setitem`` return their operand's memory: their
results keep operand 0's roots (so later writes see the sharing). Given the
types of :mod:`adgen.analysis.types`, a ``getitem`` known to give a scalar
(an integer index into every axis) is a copy with no roots.
"""

from __future__ import annotations

from ..ir import Block, Const, Function, Op, Var
from ..primitives import PRIMITIVES
from .activity import loop_slots
from .types import Types

#: Memory the generated code does not own (arguments, free variables).
FOREIGN = "%foreign"

Roots = frozenset[str]
_ATOMS = (int, float, complex, bool, str, type(None), type(Ellipsis))


class Aliases:
    """The roots of every value of a function (see the module docstring)."""

    def __init__(self, fn: Function, types: Types | None = None) -> None:
        self.types = types
        self.roots: dict[str, Roots] = {p: frozenset({FOREIGN}) for p in fn.params}
        self.escaped: set[str] = set()
        self._block(fn.body)
        changed = True
        while changed:  # tapes pushed inside loops may be re-entered: fixed point
            before = dict(self.roots)
            self._block(fn.body)
            changed = before != self.roots

    def of(self, v: object) -> Roots:
        """The roots of a value (constants have none)."""
        if isinstance(v, Var):
            return self.roots.get(v.name, frozenset({FOREIGN}))
        if isinstance(v, Const) and not isinstance(v.value, _ATOMS):
            return frozenset({FOREIGN})  # an array constant belongs to the user
        return frozenset()

    def owned(self, name: str) -> bool:
        """Whether ``name`` refers only to memory the code made and nothing reads back."""
        roots = self.roots.get(name, frozenset({FOREIGN}))
        return bool(roots) and FOREIGN not in roots and not (roots & self.escaped)

    def _set(self, name: str, roots: Roots) -> None:
        self.roots[name] = self.roots.get(name, frozenset()) | roots

    def _block(self, block: Block) -> None:
        for op in block.ops:
            self._op(op)

    def _op(self, op: Op) -> None:
        prim = op.prim
        if prim in ("for_range", "while"):
            carried, inits, nexts = loop_slots(op)
            if prim == "for_range":
                self._set(op.blocks[0].params[0], frozenset())
            for c, init in zip(carried, inits):
                self._set(c, self.of(init))
            for _ in range(2):  # the body's effect on the carried values, then once more
                for b in op.blocks:
                    self._block(b)
                for c, n in zip(carried, nexts):
                    self._set(c, self.of(n))
            for r, c in zip(op.results, carried):
                self._set(r, self.roots[c])
            return
        if prim == "if":
            for b in op.blocks:
                self._block(b)
                for r, y in zip(op.results, b.results):
                    self._set(r, self.of(y))
            return
        if op.blocks:  # any other op with blocks: everything may share
            for b in op.blocks:
                self._block(b)
            shared = frozenset().union(*(self.of(a) for a in op.args))
            for r in op.results:
                self._set(r, shared | {FOREIGN})
            return
        if prim == "tape_push":
            for a in op.args[1:]:
                self.escaped |= self.of(a)
            return
        if prim == "tape_pop":
            for r in op.results:
                self._set(r, frozenset({FOREIGN}))
            return
        table = PRIMITIVES[prim]
        if (
            prim == "getitem"
            and self.types is not None
            and self.types.of(Var(op.results[0])).scalar
        ):
            self._set(op.results[0], frozenset())
        elif prim in ("index_add", "setitem"):
            for r in op.results:
                self._set(r, self.of(op.args[0]) | {r})
        elif (table.fresh_array or table.elementwise) and table.view is None:
            for r in op.results:
                self._set(r, frozenset({r}))
        else:
            shared = frozenset().union(*(self.of(a) for a in op.args))
            for r in op.results:
                self._set(r, shared | {FOREIGN})
