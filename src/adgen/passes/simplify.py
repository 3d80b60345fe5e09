"""Algebraic simplification that needs to know which values share a shape.

Values are grouped into classes of equal shape: a unary elementwise op's
result has its operand's shape, a binary elementwise op whose array operands
share a class (the others being scalar constants) keeps that class,
``unbroadcast(g, like)`` has ``like``'s shape, and the transforms record that
an adjoint or tangent has its primal's shape (``Function.shape_links``). A
loop-carried value is assumed to keep its initial value's shape, and the
assumption is kept only if the loop body then yields a value of that class.

Reshaping helpers applied to a value already of the target's shape
(``unbroadcast(g, x)`` with ``g`` shaped like ``x``) are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from ..analysis.activity import loop_slots
from ..ir import Block, Const, Function, Op, Value, Var
from ..primitives import PRIMITIVES

_RESHAPERS = frozenset({"unbroadcast", "broadcast_like", "reshape_like"})
# The class of Python scalars (shape ()): loop indices, lengths.
SCALAR = Var("%scalar")


class Shapes:
    """Union-find over names: two names in one class have equal shapes."""

    def __init__(self, parent: dict[str, str] | None = None) -> None:
        self.parent: dict[str, str] = dict(parent or {})

    def find(self, name: str) -> str:
        while self.parent.get(name, name) != name:
            name = self.parent[name]
        return name

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def same(self, a: Value, b: Value) -> bool:
        return isinstance(a, Var) and isinstance(b, Var) and self.find(a.name) == self.find(b.name)


def _scalar_const(v: Value) -> bool:
    return isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(
        v.value, bool)


def _op_classes(op: Op, shapes: Shapes) -> None:
    prim = PRIMITIVES[op.prim]
    if len(op.results) != 1:
        return
    out = op.results[0]
    if op.prim in ("len", "size", "ndim") or (
            op.prim in ("sum", "mean") and op.attrs.get("axis") is None
            and not op.attrs.get("keepdims")):
        shapes.union(out, SCALAR.name)
        return
    if prim.shape_of is not None and isinstance(op.args[prim.shape_of], Var):
        shapes.union(out, op.args[prim.shape_of].name)  # type: ignore[union-attr]
    elif prim.elementwise:
        arrays = [a for a in op.args if not _scalar_const(a) and not shapes.same(a, SCALAR)]
        if not arrays:
            shapes.union(out, SCALAR.name)
        elif all(shapes.same(arrays[0], a) for a in arrays):
            shapes.union(out, arrays[0].name)  # type: ignore[union-attr]


def _analyse(block: Block, shapes: Shapes) -> Shapes:
    for op in block.ops:
        if op.prim in ("for_range", "while"):
            shapes = _analyse_loop(op, shapes)
        elif op.blocks:
            for b in op.blocks:
                shapes = _analyse(b, shapes)
            if op.prim == "if":
                for k, r in enumerate(op.results):
                    ys = [b.results[k] for b in op.blocks]
                    if all(shapes.same(ys[0], y) for y in ys):
                        shapes.union(r, ys[0].name)  # type: ignore[union-attr]
        else:
            _op_classes(op, shapes)
    return shapes


def _analyse_loop(op: Op, shapes: Shapes) -> Shapes:
    carried, inits, nexts = loop_slots(op)
    if op.prim == "for_range":
        shapes.union(op.blocks[0].params[0], SCALAR.name)
    trial = Shapes(shapes.parent)
    assumed = []
    for c, init in zip(carried, inits):
        if isinstance(init, Var) or _scalar_const(init):
            trial.union(c, init.name if isinstance(init, Var) else SCALAR.name)
            assumed.append(c)
    for b in op.blocks:
        trial = _analyse(b, trial)
    if all(trial.same(Var(c), n) for c, n in zip(carried, nexts) if c in assumed):
        for c, r in zip(carried, op.results):
            trial.union(r, c)
        return trial
    for b in op.blocks:
        shapes = _analyse(b, shapes)
    return shapes


def _algebra(fn: Function) -> None:
    """Rewrites that read better and cost less, where the inner value has one use:
    ``a * (1 / b)`` is ``a / b``, ``a + -b`` is ``a - b``, ``-(-a)`` is ``a``."""
    from collections import Counter

    uses: Counter[str] = Counter()
    defs: dict[str, Op] = {}
    order: dict[str, int] = {p: -1 for p in fn.params} | {v: -1 for v in fn.freevars}

    def count(block: Block) -> None:
        for p in block.params:
            order[p] = len(order)
        for op in block.ops:
            for a in op.args:
                if isinstance(a, Var):
                    uses[a.name] += 1
            for r in op.results:
                defs[r] = op
                order[r] = len(order)
            for b in op.blocks:
                count(b)
        for v in block.results:
            if isinstance(v, Var):
                uses[v.name] += 1

    count(fn.body)

    def single(v: Value, prim: str) -> Op | None:
        if isinstance(v, Var) and uses[v.name] == 1 and v.name in defs:
            op = defs[v.name]
            if op.prim == prim and not op.blocks:
                return op
        return None

    def visit(block: Block) -> None:
        for op in block.ops:
            for b in op.blocks:
                visit(b)
            if op.prim == "mul":
                for i in (0, 1):
                    inv = single(op.args[i], "div")
                    if inv is not None and inv.args[0] in (Const(1), Const(1.0)):
                        op.prim, op.args = "div", [op.args[1 - i], inv.args[1]]
                        break
                    neg = single(op.args[i], "neg")
                    other = op.args[1 - i]
                    if neg is not None and (not isinstance(other, Var) or order.get(
                            other.name, 1 << 30) < order[op.args[i].name]):  # type: ignore
                        # (-a) * b is -(a * b): the negation moves out, where it may cancel.
                        neg.prim, neg.args = "mul", [neg.args[0], other]
                        op.prim, op.args = "neg", [op.args[i]]
                        break
            elif op.prim == "add" and _scatter_sum(op, single, defs):
                pass
            elif op.prim == "add":
                for i in (1, 0):
                    neg = single(op.args[i], "neg")
                    if neg is not None:
                        op.prim, op.args = "sub", [op.args[1 - i], neg.args[0]]
                        break
            if op.prim == "neg":
                inner = single(op.args[0], "neg")
                if inner is not None:
                    op.prim, op.args = "pos", [inner.args[0]]

    visit(fn.body)


def _count_uses(block: Block, out: dict[str, int]) -> None:
    for op in block.ops:
        for a in op.args:
            if isinstance(a, Var):
                out[a.name] = out.get(a.name, 0) + 1
        for b in op.blocks:
            _count_uses(b, out)
    for v in block.results:
        if isinstance(v, Var):
            out[v.name] = out.get(v.name, 0) + 1


def _scattered_into(v: Value, defs: dict[str, Op]) -> Value | None:
    """The array ``v`` is the adjoint of, if ``v`` is built by scatter_add/index_add."""
    while isinstance(v, Var) and v.name in defs:
        op = defs[v.name]
        if op.prim == "scatter_add":
            return op.args[1]
        if op.prim != "index_add":
            return None
        v = op.args[0]
    return None


def _scatter_sum(op: Op, single: Any, defs: dict[str, Op]) -> bool:
    """``scatter_add(g1, x, i) + scatter_add(g2, x, j)``: add the second into the
    first, which is a fresh array nothing else reads (``index_add``, in place)."""
    for i in (0, 1):
        acc = single(op.args[i], "scatter_add") or single(op.args[i], "index_add")
        other = single(op.args[1 - i], "scatter_add")
        if acc is None or other is None:
            continue
        like = _scattered_into(op.args[i], defs)
        if like is None or like != other.args[1]:
            continue
        op.prim = "index_add"
        op.args = [op.args[i], other.args[0], *other.args[2:]]
        op.attrs = dict(other.attrs)
        return True
    return False


def run(fn: Function) -> Function:
    """Drop reshaping of values that already have the wanted shape; tidy algebra."""
    _algebra(fn)
    shapes = Shapes()
    for a, b in fn.shape_links:
        shapes.union(a, b)
    shapes = _analyse(fn.body, shapes)
    # Use counts are local to this call: compilations run concurrently in threads.
    uses: dict[str, int] = {}
    _count_uses(fn.body, uses)
    _rewrite(fn.body, shapes, {}, uses)
    _algebra(fn)  # again: dropping reshapes brings more patterns together
    uses = {}
    _count_uses(fn.body, uses)
    _rewrite(fn.body, shapes, {}, uses)
    return fn


_BOOLEAN = frozenset({
    "lt", "le", "gt", "ge", "eq", "ne", "and_", "or_", "not_", "truth", "all", "any",
})


def _flag_results(op: Op, kept: list[Op], rename: dict[str, Value],
                  defs: dict[str, str]) -> None:
    """``if c: f = True else: f = False`` is ``f = c``: turn such results into ops."""
    then_block, else_block = op.blocks
    cond = op.args[0]
    keep = []
    for k, r in enumerate(op.results):
        a, b = then_block.results[k], else_block.results[k]
        if a == Const(True) and b == Const(False):
            if isinstance(cond, Var) and defs.get(cond.name) in _BOOLEAN:
                rename[r] = cond
            else:
                kept.append(Op([r], "truth", [cond], {}, op.loc, tag=op.tag))
        elif a == Const(False) and b == Const(True):
            kept.append(Op([r], "not_", [op.args[0]], {}, op.loc, tag=op.tag))
        else:
            keep.append(k)
    op.results = [op.results[k] for k in keep]
    for blk in op.blocks:
        blk.results = [blk.results[k] for k in keep]


def _sub(v: Value, rename: dict[str, Value]) -> Value:
    return rename.get(v.name, v) if isinstance(v, Var) else v


def _rewrite(block: Block, shapes: Shapes, rename: dict[str, Value], uses: dict[str, int],
             defs: dict[str, str] | None = None) -> None:
    defs = {} if defs is None else defs
    kept: list[Op] = []
    for op in block.ops:
        for r in op.results:
            defs[r] = op.prim
        op.args = [_sub(a, rename) for a in op.args]
        for inner in op.blocks:
            _rewrite(inner, shapes, rename, uses, defs)
        if op.prim == "if":
            _flag_results(op, kept, rename, defs)
        if op.prim in _RESHAPERS and shapes.same(op.args[0], op.args[1]):
            rename[op.results[0]] = op.args[0]
            continue
        if op.prim == "pos":  # +x is x
            src = op.args[0]
            prev = next((k for k in reversed(kept) if isinstance(src, Var)
                         and k.results == [src.name]), None)
            if (isinstance(src, Var) and prev is not None
                    and re.match(r"^t\d+$", src.name) and uses.get(src.name, 0) == 1):
                prev.results = [op.results[0]]  # keep the better name (bx, not t7)
            else:
                rename[op.results[0]] = src
            continue
        if op.prim == "unbroadcast" and _scalar_const(op.args[0]):
            # A scalar adjoint belongs to a scalar result: nothing to sum.
            rename[op.results[0]] = op.args[0]
            continue
        kept.append(op)
    block.ops = kept
    block.results = [_sub(v, rename) for v in block.results]
