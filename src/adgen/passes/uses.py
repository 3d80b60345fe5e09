"""Per-run facts that several rewrites read: use counts, definitions, order.

Not a pass. A :class:`Uses` is made at the start of one run of a pass and
dropped at its end, so no pass keeps state between runs.
"""

from __future__ import annotations

from ..ir import Block, Function, Op, Value, Var
from ..ir.util import count_uses


class Uses:
    """Use counts, defining ops and definition order of ``fn``'s names, as at creation."""

    def __init__(self, fn: Function) -> None:
        self.count = count_uses(fn.body)
        self.defs: dict[str, Op] = {}
        self.order: dict[str, int] = {p: -1 for p in fn.params} | {v: -1 for v in fn.freevars}
        self._number(fn.body)

    def _number(self, block: Block) -> None:
        for p in block.params:
            self.order[p] = len(self.order)
        for op in block.ops:
            for r in op.results:
                self.defs[r] = op
                self.order[r] = len(self.order)
            for b in op.blocks:
                self._number(b)

    def single(self, v: Value, prim: str) -> Op | None:
        """The op of primitive ``prim`` defining ``v``, if ``v`` has that one use."""
        if isinstance(v, Var) and self.count[v.name] == 1 and v.name in self.defs:
            op = self.defs[v.name]
            if op.prim == prim and not op.blocks:
                return op
        return None

    def before(self, a: Var, b: Value) -> bool:
        """Whether ``a`` is defined before ``b`` (a Var) in program order."""
        return self.order.get(a.name, 1 << 30) < self.order[b.name]  # type: ignore[union-attr]
