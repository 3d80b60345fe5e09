"""Algebraic simplification that needs to know which values share a shape.

Values are grouped into classes of equal shape: a unary elementwise op's
result has its operand's shape, a binary elementwise op whose array operands
share a class (the others being scalar constants) keeps that class, and
``unbroadcast(g, like)`` has ``like``'s shape. Reshaping helpers applied to a
value already of the target's shape (``unbroadcast(g, x)`` with ``g`` shaped
like ``x``) are dropped.
"""

from __future__ import annotations

from ..ir import Block, Const, Function, Value, Var
from ..primitives import PRIMITIVES

_RESHAPERS = {"unbroadcast", "broadcast_like", "reshape_like"}


class _Shapes:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

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


def run(fn: Function) -> Function:
    """Drop reshaping of values that already have the wanted shape."""
    _visit(fn.body, _Shapes(), {})
    return fn


def _visit(block: Block, shapes: _Shapes, rename: dict[str, str]) -> None:
    kept = []
    for op in block.ops:
        op.args = [Var(rename[a.name]) if isinstance(a, Var) and a.name in rename else a
                   for a in op.args]
        for inner in op.blocks:
            _visit(inner, shapes, rename)
        prim = PRIMITIVES[op.prim]
        if len(op.results) != 1:
            kept.append(op)
            continue
        out = op.results[0]
        if op.prim in _RESHAPERS and shapes.same(op.args[0], op.args[1]):
            rename[out] = op.args[0].name  # type: ignore[union-attr]
            continue
        if prim.shape_of is not None and isinstance(op.args[prim.shape_of], Var):
            shapes.union(out, op.args[prim.shape_of].name)  # type: ignore[union-attr]
        elif prim.elementwise:
            arrays = [a for a in op.args if not _scalar_const(a)]
            if arrays and all(shapes.same(arrays[0], a) for a in arrays):
                shapes.union(out, arrays[0].name)  # type: ignore[union-attr]
        kept.append(op)
    block.ops = kept
    block.results = [Var(rename[v.name]) if isinstance(v, Var) and v.name in rename else v
                     for v in block.results]
