"""The function's own dead code, which a VJP must still run.

A VJP does not return the function's value, so after the reverse transform
dead-code elimination cannot tell an op the function never used (``junk =
np.ones(3)[7]``, ``1 // 0``) from one that only computed the value. The first
kind may raise, and the derivative must raise what the function raises; so
the reverse transform tags those ops ``"kept"`` in the forward sweep, and
:mod:`adgen.passes.dce` leaves them (and what they read) in place.

An op is dead in the function when nothing reads its results, directly or
through other such ops, the returned values and effects excepted. Control
flow ops count as used; an ``if`` yields what its used results need, a loop
everything it carries (loops keep their carried values in DCE anyway).
"""

from __future__ import annotations

from ...ir import Block, Op, Var
from ...ir.util import walk
from ...primitives import PRIMITIVES

KEPT = "kept"


def dead_ops(body: Block) -> set[int]:
    """The ``id`` of every op in ``body`` (nested too) that the function never uses."""
    ops = list(walk(body))
    live: set[str] = {v.name for v in body.results if isinstance(v, Var)}
    needed: set[int] = set()
    grew = True
    while grew:
        grew = False
        for op in ops:
            if op.prim == "if":  # what the used results need, as they become used
                before = len(live)
                live.update(a.name for a in op.args if isinstance(a, Var))
                for k, r in enumerate(op.results):
                    if r in live:
                        live.update(
                            b.results[k].name for b in op.blocks if isinstance(b.results[k], Var)
                        )
                needed.add(id(op))
                grew |= len(live) != before
                continue
            if id(op) in needed:
                continue
            if (
                op.blocks
                or PRIMITIVES[op.prim].effect
                or not op.results
                or any(r in live for r in op.results)
            ):
                needed.add(id(op))
                live.update(a.name for a in op.args if isinstance(a, Var))
                for b in op.blocks:
                    live.update(v.name for v in b.results if isinstance(v, Var))
                grew = True
    return {id(op) for op in ops if id(op) not in needed and op.tag == ""}


def mark_kept(original: list[Op], copies: list[Op], dead: set[int]) -> None:
    """Tag ``"kept"`` the copies (the forward sweep) of the ops in ``dead``.

    ``copies`` is the forward sweep made from ``original`` by the tape plan: the
    same ops in the same order, nested blocks too, with tape ops added."""
    by_results = {tuple(op.results): op for op in walk(Block(ops=original)) if id(op) in dead}
    for op in walk(Block(ops=copies)):
        if op.tag == "" and tuple(op.results) in by_results:
            op.tag = KEPT
