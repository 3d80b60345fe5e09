"""Which values of a function are certainly scalars, and of which kind: for typed tapes.

The numba backend stores a tape's slots in preallocated arrays, which need a
dtype before the loop runs. This analysis gives a name the kind ``"i"`` (a
Python or NumPy integer), ``"f"`` (a float) or ``"b"`` (a truth value) only
where that is certain from the IR and the arguments' shapes, and ``"n"`` (a
number of either kind: a parameter given a number; with a float it gives a
float). Anything else (arrays, tuples, tapes, values whose kind depends on an
argument's type) is left out, and its slot stays a list. A float slot holding
an integer would still give exact numbers (integers below 2**53 are floats
exactly), but an integer slot holding a float would truncate: so ``"i"`` is
given only to loop indices, integer constants, lengths and integer arithmetic
of those.
"""

from __future__ import annotations

from typing import Any

from ..ir import Block, Const, ForRange, Function, Op, Value, Var, While
from ..primitives import PRIMITIVES

Kinds = dict[str, str]


def _const_kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "b"
    if isinstance(v, int):
        return "i"
    if isinstance(v, float):
        return "f"
    return None


def _kind(kinds: Kinds, v: Value) -> str | None:
    if isinstance(v, Const):
        return _const_kind(v.value)
    return kinds.get(v.name)


def _join(ks: list[str | None]) -> str | None:
    """The kind numba unifies ``ks`` to (a float with any number gives a float), or None."""
    if not ks or any(k is None for k in ks):
        return None
    if all(k == ks[0] for k in ks):
        return ks[0]
    if "f" in ks and set(ks) <= {"i", "f", "n"}:
        return "f"
    if set(ks) <= {"i", "n"}:
        return "n"
    return None


class _Inference:
    def __init__(
        self,
        fn: Function,
        float_arrays: dict[str, int],
        scalars: set[str],
        numbers: set[str],
        number_arrays: dict[str, int],
    ) -> None:
        self.kinds: Kinds = {p: "f" for p in scalars}
        self.kinds.update((p, "n") for p in numbers)
        self.arrays = dict(float_arrays)  # name -> ndim of float arrays
        self.number_arrays = dict(number_arrays)  # name -> ndim of arrays of unknown dtype
        self.shapes: set[str] = set()  # results of shape(x): tuples of ints
        self.slots: dict[str, list[str | None]] = {}  # tape -> the kinds pushed
        self.fn = fn

    def block(self, block: Block) -> None:
        for op in block.ops:
            self.op(op)

    def op(self, op: Op) -> None:
        if isinstance(op, ForRange):
            self.loop(op, [op.index])
            return
        if isinstance(op, While):
            self.loop(op, [])
            return
        if op.blocks:  # an if: each result is what both branches yield
            for b in op.blocks:
                self.block(b)
            for k, r in enumerate(op.results):
                kind = _join([_kind(self.kinds, b.results[k]) for b in op.blocks])
                if kind is not None:
                    self.kinds[r] = kind
            return
        if op.prim in ("tape_push", "tape_pop") and isinstance(op.args[0], Var):
            # A pop gives back what the push at its slot kept (a plain tape's push
            # comes first in program order, in the forward sweep).
            if op.prim == "tape_push":
                self.slots[op.args[0].name] = [_kind(self.kinds, a) for a in op.args[1:]]
            else:
                for r, k in zip(op.results, self.slots.get(op.args[0].name, ())):
                    if k is not None:
                        self.kinds[r] = k
            return
        kind = self.result_kind(op)
        if kind is not None and len(op.results) == 1:
            self.kinds[op.results[0]] = kind

    def loop(self, op: Op, index: list[str]) -> None:
        for i in index:
            self.kinds[i] = "i"
        carried = list(op.carried)  # type: ignore[attr-defined]
        inits = list(op.inits)  # type: ignore[attr-defined]
        # A carried value's kind: its initial value's, unless the body yields another
        # (then numba unifies them); iterate until the guesses hold.
        guess = {c: _kind(self.kinds, v) for c, v in zip(carried, inits)}
        for _ in range(3):
            for c, k in guess.items():
                if k is None:
                    self.kinds.pop(c, None)
                else:
                    self.kinds[c] = k
            for b in op.blocks:
                self.block(b)
            yields = list(op.yields)  # type: ignore[attr-defined]
            new = {c: _join([guess[c], _kind(self.kinds, y)]) for c, y in zip(carried, yields)}
            if new == guess:
                break
            guess = new
        else:
            guess = dict.fromkeys(carried)
        for c, k in guess.items():
            if k is None:
                self.kinds.pop(c, None)
        for r, c in zip(op.results, carried):
            if guess.get(c) is not None:
                self.kinds[r] = guess[c]  # type: ignore[assignment]

    def result_kind(self, op: Op) -> str | None:
        prim = PRIMITIVES[op.prim]
        if op.prim == "shape" and len(op.results) == 1:
            self.shapes.add(op.results[0])
            return None
        if op.prim == "getitem":
            return self.getitem(op)
        if op.prim in ("len", "size", "ndim"):
            return "i"
        ks = [_kind(self.kinds, a) for a in op.args]
        if not op.args or any(k is None for k in ks):
            return None
        if prim.boolean:
            return "b"
        if prim.family == "elementwise" and prim.float_result == "always" and len(ks) == 1:
            return "f"  # sin, exp, sqrt, ... of a number: a float
        if not prim.elementwise and not prim.reshaper and op.prim not in ("neg", "abs"):
            return None
        if prim.float_result == "always":
            return "f"
        if "f" in ks:
            return "f" if prim.float_result in ("any", "first") or prim.int_closed else None
        if all(k == "i" for k in ks) and prim.int_closed:
            return "i"
        if prim.int_closed:
            return "n"
        return None

    def getitem(self, op: Op) -> str | None:
        x, *index = op.args
        if not isinstance(x, Var) or op.attrs.get("kinds", "v") != "v" * len(index):
            return None
        if x.name in self.shapes and len(index) == 1 and isinstance(index[0], Const):
            return "i"
        if not all(_kind(self.kinds, i) == "i" for i in index):
            return None
        if self.arrays.get(x.name) == len(index):
            return "f"
        if self.number_arrays.get(x.name) == len(index):
            return "n"  # an element of an argument array whose dtype is not known
        return None


def scalar_kinds(fn: Function, shapes: tuple[Any, ...] | None, wrt: list[str]) -> Kinds:
    """Name -> ``"i"``, ``"f"`` or ``"b"`` for the values of ``fn`` known to be scalars.

    ``shapes`` are the shapes of the primal's arguments (its first parameters);
    the parameters in ``wrt`` are floats (the caller checked), the others'
    dtypes are not known. Tangents and cotangents passed in (the parameters
    after the primal's) have the kind of their primal's parameter.
    """
    float_arrays: dict[str, int] = {}
    scalars: set[str] = set()
    numbers: set[str] = set()
    number_arrays: dict[str, int] = {}
    params = list(fn.params)
    if shapes:
        for p, shape in zip(params, shapes):
            if shape == () and p not in wrt:
                numbers.add(p)
            elif isinstance(shape, tuple) and p not in wrt:
                number_arrays[p] = len(shape)
            if p in wrt and isinstance(shape, tuple):
                if shape == ():
                    scalars.add(p)
                else:
                    float_arrays[p] = len(shape)
        # The tangents of a JVP follow the primal's parameters, one per wrt, in order.
        for extra, w in zip(params[len(shapes) :], wrt):
            if w in scalars:
                scalars.add(extra)
            elif w in float_arrays:
                float_arrays[extra] = float_arrays[w]
    inference = _Inference(fn, float_arrays, scalars, numbers, number_arrays)
    inference.block(fn.body)
    return inference.kinds
