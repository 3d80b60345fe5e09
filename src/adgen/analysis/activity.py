"""Activity analysis: which values carry derivatives.

A value is *varied* if it depends, through differentiable operands, on a
parameter we differentiate with respect to; it is *useful* if an output
depends on it that way. Only values that are both (the *active* ones) get
tangents or adjoints.

Both are reachability over one graph of differentiable dependencies: from an
op's differentiable operands to its results; through control flow from the
values a branch yields to the ``if`` result, and from a loop's initial values
and next values to its carried values and results; through a tape from the
values pushed to the values popped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ..ir import Block, Function, Op, Value, Var
from ..primitives import PRIMITIVES


def diff_positions(op: Op) -> list[int]:
    """Indices of the operands ``op`` is differentiable in."""
    if op.prim == "call":
        return [i for i, a in enumerate(op.args) if isinstance(a, Var)]
    return PRIMITIVES[op.prim].diff_positions(len(op.args))


Edges = dict[str, set[str]]


def _link(edges: Edges, src: Value, dst: str) -> None:
    if isinstance(src, Var):
        edges[src.name].add(dst)


def loop_slots(op: Op) -> tuple[list[str], list[Value], list[Value]]:
    """(carried parameters, initial values, next values) of a loop op."""
    if op.prim == "for_range":
        body = op.blocks[0]
        carried = body.params[1:]
        return carried, op.args[3:], body.results[: len(carried)]
    cond, body = op.blocks
    carried = cond.params
    return carried, list(op.args), body.results[: len(carried)]


def dependency_edges(fn: Function) -> Edges:
    """Edges ``a -> b`` where ``b`` depends differentiably on ``a``."""
    edges: Edges = defaultdict(set)

    def visit(block: Block) -> None:
        for op in block.ops:
            if op.prim == "if":
                for branch in op.blocks:
                    visit(branch)
                    for r, y in zip(op.results, branch.results):
                        _link(edges, y, r)
            elif op.prim in ("for_range", "while"):
                for b in op.blocks:
                    visit(b)
                carried, inits, nexts = loop_slots(op)
                for c, init, nxt, r in zip(carried, inits, nexts, op.results):
                    _link(edges, init, c)
                    _link(edges, nxt, c)
                    edges[c].add(r)
            elif op.prim == "tape_push":
                for a in op.args[1:]:
                    _link(edges, a, op.args[0].name)  # type: ignore[union-attr]
            elif op.prim == "tape_pop":
                for r in op.results:
                    _link(edges, op.args[0], r)
            else:
                for i in diff_positions(op):
                    for r in op.results:
                        _link(edges, op.args[i], r)

    visit(fn.body)
    return edges


def _reach(edges: Edges, start: Iterable[str]) -> set[str]:
    seen = set(start)
    stack = list(seen)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def varied(fn: Function, wrt: Iterable[str]) -> set[str]:
    """Names that depend differentiably on the parameters ``wrt``."""
    return _reach(dependency_edges(fn), wrt)


def useful(fn: Function) -> set[str]:
    """Names that an output depends on differentiably."""
    back: Edges = defaultdict(set)
    for src, dsts in dependency_edges(fn).items():
        for d in dsts:
            back[d].add(src)
    return _reach(back, (v.name for v in fn.body.results if isinstance(v, Var)))


def active(fn: Function, wrt: Iterable[str]) -> set[str]:
    """Names that need derivatives when differentiating ``fn`` with respect to ``wrt``."""
    return varied(fn, wrt) & useful(fn)
