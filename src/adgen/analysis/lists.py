"""Which values of a function are Python lists (list values, see
:mod:`adgen.primitives.lists`).

The transforms need to know: a list's zero tangent or adjoint is a list of
zeros (``list_zeros``) and two adjoints of a list add item by item
(``list_add``), where for arrays they are ``zeros_like`` and ``+`` (which
for lists would concatenate). A value is a list if a primitive with
``list_result`` made it, or it is a branch or loop result, a loop-carried
value or a tape slot that holds one on some path.
"""

from __future__ import annotations

from ..ir import Block, Function, Var
from ..primitives import PRIMITIVES
from .activity import loop_slots


def list_values(fn: Function) -> frozenset[str]:
    """The names of ``fn`` (nested blocks included) whose values are lists."""
    found: set[str] = set()
    tapes: dict[str, set[int]] = {}

    def is_list(v: object) -> bool:
        return isinstance(v, Var) and v.name in found

    def visit(block: Block) -> bool:
        grew = False
        for op in block.ops:
            for b in op.blocks:
                grew |= visit(b)
            new: set[str] = set()
            if PRIMITIVES[op.prim].list_result:
                new.update(op.results)
            elif op.prim == "if":
                new.update(
                    r
                    for k, r in enumerate(op.results)
                    if any(is_list(b.results[k]) for b in op.blocks)
                )
            elif op.prim in ("for_range", "while"):
                carried, inits, nexts = loop_slots(op)
                for c, init, nxt, r in zip(carried, inits, nexts, op.results, strict=True):
                    if is_list(init) or is_list(nxt) or c in found:
                        new.update((c, r))
            elif op.prim == "tape_push" and isinstance(op.args[0], Var):
                slots = {k for k, a in enumerate(op.args[1:]) if is_list(a)}
                if not slots <= tapes.get(op.args[0].name, set()):
                    tapes.setdefault(op.args[0].name, set()).update(slots)
                    grew = True
            elif op.prim == "tape_pop" and isinstance(op.args[0], Var):
                slots = tapes.get(op.args[0].name, set())
                new.update(r for k, r in enumerate(op.results) if k in slots)
            if not new <= found:
                found.update(new)
                grew = True
        return grew

    while visit(fn.body):
        pass
    return frozenset(found)
