"""Kinds and shapes of values, for code specialised to its arguments' shapes.

Every value gets a :class:`~adgen.primitives.core.Ty`: its kind (Python int,
Python float, bool, array, shape tuple, or not known), its shape (lengths may
be unknown) and, for ints and shape tuples, its value when it follows from
the arguments' shapes (``x.shape[0] - 1``). Sources:

- the parameters' shapes of the call the code is compiled for (recorded in
  ``Function.shape_links`` as :func:`shape_class` names; ``()`` is a number,
  which may be any scalar or a 0-d array, so its kind stays unknown unless a
  :func:`kind_link` says it is a Python float);
- constants, by their Python type;
- each op, by its primitive's ``shape_rule`` when it has one, else the generic
  rules below, else unknown (an entry without a rule is never wrong, only
  less known);
- loops, to a fixed point: a carried value starts as its initial value's type
  and is joined with each iteration's next value until nothing changes (a
  length or kind that changes becomes unknown, and code stays generic there);
  an ``if`` result is the join of its branches; what a tape pops is what
  was pushed on it (the pushes' join).

Generic rules: ``int_result`` gives a Python int; ``scalar_result`` shape
``()``; an elementwise primitive broadcasts its operands' shapes (ints stay
ints where the primitive is ``int_closed``); ``shape_of`` takes that
operand's shape; a ``reshaper`` (``unbroadcast(g, like)``) gives ``like``'s.
"""

from __future__ import annotations

from typing import Any

from ..ir import Block, Const, Function, Op, Value, Var
from ..primitives import PRIMITIVES
from ..primitives.core import UNKNOWN, Ty, broadcast
from .activity import loop_slots

INT = Ty("int", ())
_SHAPE = "%shape="


def shape_class(shape: tuple[int, ...]) -> str:
    """The name standing for ``shape`` in ``Function.shape_links`` (an argument's shape)."""
    return _SHAPE + ",".join(map(str, shape))


_KIND = "%kind="


def kind_link(param: str, kind: str) -> str:
    """The name ``param`` is linked to in ``Function.shape_links`` to say that the call's
    argument is a Python float (``kind="float"``) or a floating array (its dtype, "<f8").
    It names a class of its own, so the shape analysis learns nothing false from it."""
    return f"{_KIND}{kind}:{param}"


def linked_kinds(fn: Function) -> dict[str, str]:
    """Parameter -> "float" or a floating dtype ("<f8"), as :func:`kind_link` recorded them."""
    out = {}
    for a, b in fn.shape_links:
        if b.startswith(_KIND) and b.endswith(":" + a):
            out[a] = b[len(_KIND) : -len(a) - 1]
    return out


def _linked_shapes(fn: Function) -> dict[str, tuple[int, ...]]:
    out = {}
    for a, b in fn.shape_links:
        if b.startswith(_SHAPE):
            text = b[len(_SHAPE) :]
            out[a] = tuple(int(d) for d in text.split(",")) if text else ()
    return out


_ROUNDS = 4  # a loop whose types have not settled after this many passes is joined to unknown


def const_type(value: Any) -> Ty:
    """The type of a constant operand."""
    if value is None:
        return Ty("none", ())
    if isinstance(value, bool):
        return Ty("bool", ())
    if isinstance(value, int):
        return Ty("int", (), value)
    if isinstance(value, float):
        return Ty("float", ())
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return Ty("tuple", (len(value),), value)
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return Ty("array" if type(value).__name__ == "ndarray" else "?", tuple(shape))
    return UNKNOWN


def join(a: Ty, b: Ty) -> Ty:
    """What is known of a value that is either ``a`` or ``b``."""
    if a == b:
        return a
    kind = a.kind if a.kind == b.kind else "?"
    if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
        shape = None
    else:
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
    return Ty(kind, shape, a.value if a.value == b.value else None)


def generic(op: Op, args: list[Ty]) -> Ty:
    """The generic rules (see the module docstring)."""
    prim = PRIMITIVES[op.prim]
    attrs = {**prim.attrs, **op.attrs}
    if prim.int_result:
        return INT
    if prim.gives_scalar(attrs):
        return Ty("?", ())
    if prim.reshaper and len(args) > 1:
        like = args[1]
        return Ty(like.kind if like.kind == "array" else "?", like.shape)
    if prim.elementwise:
        shape = broadcast([a.shape for a in args])
        if shape is None:
            return UNKNOWN
        if shape == ():
            if prim.int_closed and all(a.kind == "int" for a in args):
                return INT
            return Ty("?", ())
        return Ty("array", shape)
    if prim.shape_of is not None and prim.shape_of < len(args):
        base = args[prim.shape_of]
        return Ty(base.kind if base.kind == "array" else "?", base.shape)
    return UNKNOWN


class Types:
    """The :class:`Ty` of every value of a function (see the module docstring)."""

    def __init__(self, fn: Function) -> None:
        self.types: dict[str, Ty] = {}
        # tape name -> the joined types of the values each push puts on it.
        self.taped: dict[str, list[Ty]] = {}
        linked = _linked_shapes(fn)
        kinds = linked_kinds(fn)
        for p in fn.params:
            if p in linked:
                kind = "float" if kinds.get(p) == "float" else "array" if linked[p] else "?"
                self.types[p] = Ty(kind, linked[p])
        self._block(fn.body)

    def of(self, v: Value) -> Ty:
        """The type of an operand (unknown for names not analysed)."""
        if isinstance(v, Const):
            return const_type(v.value)
        return self.types.get(v.name, UNKNOWN)

    def same_shape(self, a: Value, b: Value) -> bool:
        """Whether ``a`` and ``b`` are known to have one and the same shape."""
        ta, tb = self.of(a), self.of(b)
        return ta.known and ta.shape == tb.shape

    def scalar(self, v: Value) -> bool:
        """Whether ``v`` is known to have shape ``()``."""
        return self.of(v).scalar

    def _block(self, block: Block) -> None:
        for op in block.ops:
            self._op(op)

    def _op(self, op: Op) -> None:
        if op.prim in ("for_range", "while"):
            self._loop(op)
        elif op.prim == "if":
            for b in op.blocks:
                self._block(b)
            for k, r in enumerate(op.results):
                then, orelse = (self.of(b.results[k]) for b in op.blocks)
                self.types[r] = join(then, orelse)
        elif op.blocks:
            for b in op.blocks:
                self._block(b)
        elif op.prim == "tape_push" and isinstance(op.args[0], Var):
            pushed = [self.of(a) for a in op.args[1:]]
            before = self.taped.get(op.args[0].name)
            self.taped[op.args[0].name] = (
                pushed
                if before is None or len(before) != len(pushed)
                else [join(a, b) for a, b in zip(before, pushed)]
            )
        elif op.prim == "tape_pop" and isinstance(op.args[0], Var):
            pushed = self.taped.get(op.args[0].name)
            for k, r in enumerate(op.results):
                self.types[r] = pushed[k] if pushed and len(pushed) == len(op.results) else UNKNOWN
        elif len(op.results) == 1:
            args = [self.of(a) for a in op.args]
            prim = PRIMITIVES[op.prim]
            try:
                ty = (
                    prim.shape_rule(args, {**prim.attrs, **op.attrs})
                    if prim.shape_rule is not None
                    else generic(op, args)
                )
            except (TypeError, ValueError, IndexError, KeyError):
                ty = UNKNOWN  # a rule that cannot tell says nothing
            self.types[op.results[0]] = ty

    def _loop(self, op: Op) -> None:
        carried, inits, nexts = loop_slots(op)
        if op.prim == "for_range":
            self.types[op.blocks[0].params[0]] = INT
        for c, init in zip(carried, inits):
            self.types[c] = self._carried(self.of(init))
        for round_ in range(_ROUNDS + 1):
            for b in op.blocks:
                self._block(b)
            changed = False
            for c, n in zip(carried, nexts):
                new = join(self.types[c], self._carried(self.of(n)))
                if round_ == _ROUNDS - 1 and new != self.types[c]:
                    new = UNKNOWN
                if new != self.types[c]:
                    self.types[c], changed = new, True
            if not changed:
                break
        for r, c in zip(op.results, carried):
            self.types[r] = self.types[c]

    @staticmethod
    def _carried(ty: Ty) -> Ty:
        # A carried value's value changes from one iteration to the next.
        return Ty(ty.kind, ty.shape) if ty.kind == "int" else ty
