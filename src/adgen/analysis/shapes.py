"""Which values share a shape: classes of equal shape, for dropping reshapes.

Values are grouped into classes of equal shape: a unary elementwise op's
result has its operand's shape, a binary elementwise op whose array operands
share a class (the others being scalar constants) keeps that class, an entry
with ``shape_of`` has that operand's shape, a result the table marks
``scalar_result`` is a scalar, and the transforms record that an adjoint or
tangent has its primal's shape (``Function.shape_links``). A loop-carried
value is assumed to keep its initial value's shape, and the assumption is
kept only if the loop body then yields a value of that class.
"""

from __future__ import annotations

from ..ir import Block, Const, Function, Op, Value, Var
from ..primitives import PRIMITIVES
from .activity import loop_slots

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


def scalar_const(v: Value) -> bool:
    return (
        isinstance(v, Const) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)
    )


def _op_classes(op: Op, shapes: Shapes) -> None:
    prim = PRIMITIVES[op.prim]
    if len(op.results) != 1:
        return
    out = op.results[0]
    if prim.gives_scalar(op.attrs):
        shapes.union(out, SCALAR.name)
        return
    if prim.shape_of is not None and isinstance(op.args[prim.shape_of], Var):
        shapes.union(out, op.args[prim.shape_of].name)  # type: ignore[union-attr]
    elif prim.elementwise:
        arrays = [a for a in op.args if not scalar_const(a) and not shapes.same(a, SCALAR)]
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
        if isinstance(init, Var) or scalar_const(init):
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


def shape_classes(fn: Function) -> Shapes:
    """The shape classes of ``fn``'s values."""
    shapes = Shapes()
    for a, b in fn.shape_links:
        shapes.union(a, b)
    return _analyse(fn.body, shapes)
