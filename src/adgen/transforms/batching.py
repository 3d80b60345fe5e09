"""Batched derivatives: one leading axis of tangents (or cotangents) through one function.

``batch(fn, params)`` rewrites a generated JVP or VJP so that each parameter
in ``params`` (its tangents, or its cotangent) holds a stack of them along a
new leading axis: a call pushes a batch of directions at once, and every
value computed from them (a *batched* value) carries the same leading axis.
Values that do not depend on them (the primal sweep, the tapes of values)
are computed once, as before.

Each op with a batched operand is rewritten so that it computes, for every
example of the batch, what the op computed for one:

* elementwise ops broadcast as they are, once the example axes of a batched
  operand are padded to the op's rank (``t[:, None]``), since NumPy's
  broadcasting lines axes up from the right;
* reductions, transposes, ``swapaxes``, ``moveaxis``, ``expand_dims``,
  ``concatenate`` and ``stack`` have their axes moved past the batch axis;
* a basic index (ints, slices, ``None``, ``...``) gets a leading ``:``;
  reshapes keep the batch axis; ``unbroadcast(g, like)`` and its kin see
  ``like`` with the batch axis in front; ``@`` and ``np.dot`` pad the ranks;
* any other primitive runs one example at a time (``batch_map``, see
  :mod:`adgen.primitives.batching`): exact, but a loop.

Where examples would not stay apart (a branch or loop bound that depends on a
batched value, a call of another function, lists, effects), :class:`NotBatchable`
is raised naming what, and the caller computes with one call per direction.
The shapes of the unbatched function (from :mod:`adgen.analysis.types`) give
each example's rank; without them the rules fall back on run-time padding or
on ``batch_map``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..analysis.activity import loop_slots
from ..analysis.types import Types, shape_class
from ..ir import Block, Const, Function, Op, Value, Var, clone
from ..primitives import PRIMITIVES
from ..primitives.indexing import indexed
from .common import namer_for

#: Primitives batched one example at a time (``batch_map``), counted as compiled: the
#: ones a rule of their own would make faster.
MAPPED: Counter[str] = Counter()


class NotBatchable(Exception):
    """``fn`` cannot run a batch at once; ``what`` names the primitive or construct."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


#: Primitives that read only an operand's shape, kind or length: never batched results.
SHAPE_READERS = frozenset({"shape", "ndim", "len", "size"})
#: One operand, elementwise (or shape-keeping): a batched operand passes as it is.
POINTWISE = frozenset(
    {"neg", "pos", "zero", "zeros_array", "copy", "astype", "stop_gradient", "asarray"}
)
#: Reductions whose ``axis`` attribute moves past the batch axis.
REDUCTIONS = frozenset({"sum", "mean"})
#: Primitives with axis attributes that move past the batch axis (None stays).
AXIS_ATTRS = {
    "swapaxes": ("axis1", "axis2"),
    "moveaxis": ("source", "destination"),
    "cumsum": ("axis",),
    "expand_dims": ("axis",),
}
#: Indexing primitives: (position of the indexed array, number of leading operands).
INDEXED = {"getitem": (0, 1), "gather_written": (0, 1), "setitem": (0, 2)}
INDEXED_ADDS = {"index_add": (0, 2), "scatter_add": (1, 2)}
#: Helpers of adjoints whose second operand is read for its shape only.
LIKE = frozenset({"unbroadcast", "broadcast_like", "reshape_like"})


def batch(fn: Function, params: list[str], shapes: Sequence[Any] = ()) -> Function:
    """``fn`` with ``params`` batched along a new leading axis (see the module doc).

    ``shapes``: the shape of one example of each of ``params``, where known (None
    where not); with them, and the shapes ``fn`` is specialised to, the rules know
    every rank and need neither run-time padding nor ``batch_map``.
    """
    fn = clone(fn)
    fn.shape_links = fn.shape_links + [
        (p, shape_class(s)) for p, s in zip(params, shapes) if isinstance(s, tuple)
    ]
    b = _Batcher(fn, params)
    b.analyse()
    fn.body = b.block(fn.body)
    batched = b.batched
    fn.shape_links = [(x, y) for x, y in fn.shape_links if x not in batched and y not in batched]
    fn.doc = (fn.doc + "\n\n" if fn.doc else "") + (
        f"Batched: {', '.join(params)} carry a leading axis of directions, as do the "
        "derivatives computed from them."
    )
    return fn


def _shift(axis: Any) -> Any:
    """An axis attribute moved past a new leading axis (negative axes count from the end)."""
    if isinstance(axis, tuple):
        return tuple(_shift(a) for a in axis)
    if isinstance(axis, int):
        return axis + 1 if axis >= 0 else axis
    return axis


class _Batcher:
    def __init__(self, fn: Function, params: list[str]) -> None:
        self.fn = fn
        self.namer = namer_for(fn)
        self.types = Types(fn)
        self.batched: set[str] = set(params)
        self.ref = Var(params[0])
        # Tape (its class, see _tape) -> the positions of its pushes that hold batched values.
        self.taped: dict[str, set[int]] = {}
        # Tapes, each to another of its class (tapes pushed on a tape and popped are one).
        self.tapes = {
            op.results[0]: op.results[0] for op in _walk(fn.body) if op.prim == "tape_new"
        }
        # (tape class, position) -> the class of the tapes pushed there.
        self.inner: dict[tuple[str, int], str] = {}

    def _tape(self, name: str) -> str:
        """The class of a tape (one name standing for all its names)."""
        while self.tapes[name] != name:
            name = self.tapes[name]
        return name

    # --------------------------------------------------------- analysis
    def is_b(self, v: Value) -> bool:
        return isinstance(v, Var) and v.name in self.batched

    def _add(self, names: list[str]) -> None:
        self.batched.update(names)

    def analyse(self) -> None:
        """The batched values: those computed from the parameters, to a fixed point."""
        while True:
            before = (len(self.batched), sum(len(s) for s in self.taped.values()))
            self._mark(self.fn.body)
            if before == (len(self.batched), sum(len(s) for s in self.taped.values())):
                return

    def _mark(self, block: Block) -> None:
        for op in block.ops:
            if op.prim == "if":
                if self.is_b(op.args[0]):
                    raise NotBatchable("a branch on a value computed from the directions")
                for blk in op.blocks:
                    self._mark(blk)
                for k, r in enumerate(op.results):
                    if any(self.is_b(blk.results[k]) for blk in op.blocks):
                        self._add([r])
            elif op.prim in ("for_range", "while"):
                self._mark_loop(op)
            elif op.prim in ("tape_push", "tape_pop"):
                self._mark_tape(op)
            elif any(self.is_b(a) for a in op.args) and op.prim not in SHAPE_READERS:
                self._add(op.results)

    def _mark_tape(self, op: Op) -> None:
        tape = op.args[0]
        if not isinstance(tape, Var) or tape.name not in self.tapes:
            raise NotBatchable("a tape made elsewhere")
        cls = self._tape(tape.name)
        slots = self.taped.setdefault(cls, set())
        if op.prim == "tape_push":
            for k, v in enumerate(op.args[1:]):
                if self.is_b(v):
                    slots.add(k)
                if isinstance(v, Var) and v.name in self.tapes:
                    self.inner[(cls, k)] = self._tape(v.name)
            return
        self._add([r for k, r in enumerate(op.results) if k in slots])
        for k, r in enumerate(op.results):
            inner = self.inner.get((cls, k))
            if inner is not None and r not in self.tapes:
                self.tapes[r] = inner
            elif inner is not None and self._tape(r) != inner:
                raise NotBatchable("tapes of tapes that differ")

    def _mark_loop(self, op: Op) -> None:
        carried, inits, nexts = loop_slots(op)
        if op.prim == "for_range" and any(self.is_b(v) for v in op.args[:3]):
            raise NotBatchable("a loop whose range is computed from the directions")
        self._add([c for c, v in zip(carried, inits) if self.is_b(v)])
        for blk in op.blocks:
            self._mark(blk)
        self._add([c for c, v in zip(carried, nexts) if self.is_b(v)])
        self._add([r for r, c in zip(op.results, carried) if c in self.batched])
        tests = [op.blocks[0].results[0]] if op.prim == "while" else []
        if op.attrs.get("exits"):
            tests.append(op.blocks[-1].results[-1])
        if any(self.is_b(v) for v in tests):
            raise NotBatchable("a loop whose exit is computed from the directions")

    # ---------------------------------------------------------- rewrite
    def block(self, block: Block) -> Block:
        out: list[Op] = []
        for op in block.ops:
            out.extend(self.op(op))
        return Block(list(block.params), out, list(block.results))

    def lift(self, v: Value, out: list[Op]) -> Value:
        """``v`` with a batch axis (repeated along it) if it has none."""
        if self.is_b(v):
            return v
        return self.emit("batch_lift", [v, self.ref], {}, out, "t")

    def emit(
        self, prim: str, args: list[Value], attrs: dict[str, Any], out: list[Op], base: str
    ) -> Var:
        name = self.namer.fresh(base)
        out.append(Op([name], prim, list(args), attrs, tag="batched"))
        self.batched.add(name)
        return Var(name)

    def rank(self, v: Value) -> int | None:
        """The rank of one example of ``v`` (of ``v`` itself if it is not batched)."""
        shape = self.types.of(v).shape
        return None if shape is None else len(shape)

    def op(self, op: Op) -> list[Op]:
        if op.prim == "if":
            return [self._if(op)]
        if op.prim in ("for_range", "while"):
            return self._loop(op)
        if op.prim == "tape_push":
            return self._push(op)
        if not any(self.is_b(a) for a in op.args):
            return [op]
        if op.prim in SHAPE_READERS:
            return self._map(op, result_batched=False)
        if op.prim == "zeros_array" and "shape" in op.attrs:
            # np.zeros(shape) of one example: made like the batched operand instead.
            attrs = {k: v for k, v in op.attrs.items() if k != "shape"}
            return [Op(list(op.results), op.prim, list(op.args), attrs, op.loc, tag=op.tag)]
        prim = PRIMITIVES[op.prim]
        if op.prim == "tape_pop":
            return [op]
        if (
            op.prim == "call"
            or prim.list_result
            or prim.family == "lists"
            or op.blocks
            or (prim.effect and op.prim not in INDEXED_ADDS)
        ):
            raise NotBatchable(op.prim)
        rule = _RULES.get(op.prim)
        if rule is None and prim.family == "elementwise" and len(op.args) == 1:
            return [op]
        if rule is None and prim.elementwise:
            rule = _Batcher._elementwise
        if rule is None:
            return self._map(op)
        return rule(self, op)

    def _if(self, op: Op) -> Op:
        blocks = []
        for blk in op.blocks:
            new = self.block(blk)
            new.results = [
                self.lift(v, new.ops) if r in self.batched else v
                for r, v in zip(op.results, blk.results)
            ]
            blocks.append(new)
        return Op(list(op.results), op.prim, list(op.args), dict(op.attrs), op.loc, blocks, op.tag)

    def _loop(self, op: Op) -> list[Op]:
        carried, inits, _ = loop_slots(op)
        pre: list[Op] = []
        lifted = [self.lift(v, pre) if c in self.batched else v for c, v in zip(carried, inits)]
        args = list(op.args)
        first = 3 if op.prim == "for_range" else 0
        args[first : first + len(lifted)] = lifted
        blocks = [self.block(blk) for blk in op.blocks]
        body = blocks[-1]
        body.results = [
            self.lift(v, body.ops) if k < len(carried) and carried[k] in self.batched else v
            for k, v in enumerate(body.results)
        ]
        new = Op(list(op.results), op.prim, args, dict(op.attrs), op.loc, blocks, op.tag)
        return pre + [new]

    def _push(self, op: Op) -> list[Op]:
        slots = self.taped.get(self._tape(op.args[0].name), set())  # type: ignore[union-attr]
        out: list[Op] = []
        args = [op.args[0]] + [
            self.lift(v, out) if k in slots else v for k, v in enumerate(op.args[1:])
        ]
        return out + [Op([], op.prim, args, dict(op.attrs), op.loc, tag=op.tag)]

    def _map(self, op: Op, result_batched: bool = True) -> list[Op]:
        """The op applied to one example at a time (or, for a shape reader, to the first)."""
        prim = PRIMITIVES[op.prim]
        if len(op.results) != 1 or prim.modules:
            raise NotBatchable(op.prim)
        flags = tuple(self.is_b(a) for a in op.args)
        if not result_batched:
            out: list[Op] = []
            args = [
                self.emit("getitem", [a, Const(0)], {}, out, "t") if f else a
                for a, f in zip(op.args, flags)
            ]
            for a in args:
                if isinstance(a, Var):
                    self.batched.discard(a.name)
            return out + [Op(list(op.results), op.prim, args, dict(op.attrs), op.loc, tag=op.tag)]
        MAPPED[op.prim] += 1
        attrs = {"prim": op.prim, "inner": tuple(sorted(op.attrs.items())), "batched": flags}
        return [Op(list(op.results), "batch_map", list(op.args), attrs, op.loc, tag=op.tag)]

    def same(self, op: Op, args: list[Value], attrs: dict[str, Any] | None = None) -> Op:
        """``op`` with new operands (and attributes)."""
        attrs = dict(op.attrs) if attrs is None else attrs
        return Op(list(op.results), op.prim, args, attrs, op.loc, tag=op.tag)

    def pad(self, v: Value, rank: int, out: list[Op]) -> Value:
        """Batched ``v`` with axes of length one after the batch axis, up to ``rank``."""
        own = self.rank(v)
        assert own is not None
        if own >= rank:
            return v
        index = [Const(None)] * 3 + [Const(None)] * (rank - own)
        return self.emit("getitem", [v, *index], {"kinds": "s" + "v" * (rank - own)}, out, "t")

    # ------------------------------------------------------------ rules
    def _elementwise(self, op: Op) -> list[Op]:
        ranks = [self.rank(a) for a in op.args]
        out: list[Op] = []
        if all(r is not None for r in ranks):
            top = max(ranks)  # type: ignore[type-var]
            args = [self.pad(a, top, out) if self.is_b(a) else a for a in op.args]
            return out + [self.same(op, args)]
        args = []
        for k, a in enumerate(op.args):
            others = [o for j, o in enumerate(op.args) if j != k]
            numbers = (int, float, complex)
            if self.is_b(a) and any(
                not (isinstance(o, Const) and isinstance(o.value, numbers)) for o in others
            ):
                flags = tuple(self.is_b(o) for o in others)
                a = self.emit("batch_align", [a, *others], {"batched": flags}, out, "t")
            args.append(a)
        return out + [self.same(op, args)]

    def _reduce(self, op: Op) -> list[Op]:
        attrs = dict(op.attrs)
        axis = attrs.get("axis")
        if axis is None:
            r = self.rank(op.args[0])
            if r is None:
                return self._map(op)
            attrs["axis"] = tuple(range(1, r + 1))
        else:
            attrs["axis"] = _shift(axis)
        return [self.same(op, list(op.args), attrs)]

    def _axes(self, op: Op) -> list[Op]:
        if not self.is_b(op.args[0]) or len(op.args) != 1:
            return self._map(op)
        attrs = {**PRIMITIVES[op.prim].attrs, **op.attrs}
        for name in AXIS_ATTRS[op.prim]:
            if attrs.get(name) is None:
                return self._map(op)
            attrs[name] = _shift(attrs[name])
        return [self.same(op, list(op.args), attrs)]

    def _transpose(self, op: Op) -> list[Op]:
        r = self.rank(op.args[0])
        if r is None:
            return self._map(op)
        axes = op.attrs.get("axes")
        order = tuple(range(r, 0, -1)) if axes is None else tuple(a % r + 1 for a in axes)
        return [self.same(op, list(op.args), {"axes": (0, *order)})]

    def _reshape(self, op: Op) -> list[Op]:
        x, shape = op.args
        ty = self.types.of(x)
        if self.is_b(shape) or not isinstance(shape, Const) or not ty.known:
            return self._map(op)
        new = shape.value if isinstance(shape.value, tuple) else (shape.value,)
        if not all(isinstance(d, int) for d in new):
            return self._map(op)
        size = 1
        for d in ty.shape:  # type: ignore[union-attr]
            size *= d  # type: ignore[operator]
        known = 1
        for d in new:
            known *= d if d != -1 else 1
        new = tuple(size // known if d == -1 and known else d for d in new)
        return [self.same(op, [x, Const((-1, *new))])]

    def _index_parts(self, op: Op, lead: int) -> list[Value] | None:
        """The index operands if the index is basic (ints, slices, None, ...), else None."""
        index = op.args[lead:]
        if any(self.is_b(v) for v in index):
            return None
        for v in index:
            if isinstance(v, Const) and (v.value is None or v.value is Ellipsis):
                continue
            if isinstance(v, Const) and isinstance(v.value, int) and not isinstance(v.value, bool):
                continue
            if self.types.of(v).kind != "int":
                return None
        return list(index)

    def _region_rank(self, x: Value, index: list[Value], kinds: str) -> int | None:
        ty = indexed(self.types.of(x), [self.types.of(v) for v in index], kinds)
        return None if ty.shape is None else len(ty.shape)

    def _indexed(self, op: Op) -> list[Op]:
        at, lead = INDEXED[op.prim] if op.prim in INDEXED else INDEXED_ADDS[op.prim]
        index = self._index_parts(op, lead)
        kinds = op.attrs.get("kinds", "v")
        if index is None:
            return self._map(op)
        out: list[Op] = []
        heads = list(op.args[:lead])
        base = op.args[at]
        if op.prim in ("setitem", "index_add", "scatter_add"):
            g = 1 if op.prim != "scatter_add" else 0
            region = self._region_rank(base, index, kinds)
            if self.is_b(heads[g]):
                if region is None or self.rank(heads[g]) is None:
                    return self._map(op)
                heads[g] = self.pad(heads[g], region, out)
            if op.prim == "scatter_add":
                if not self.is_b(base):
                    heads[at] = self.emit("batch_like", [base, heads[0]], {}, out, "t")
            else:
                heads[at] = self.lift(base, out)
        attrs = {**op.attrs, "kinds": "s" + kinds}
        return out + [self.same(op, [*heads, Const(None), Const(None), Const(None), *index], attrs)]

    def _like(self, op: Op) -> list[Op]:
        g, like = op.args
        if not self.is_b(g):
            return [op]  # broadcast to a batched like: NumPy lines up from the right
        out: list[Op] = []
        if op.prim == "unbroadcast":
            attrs = {"like_batched": True} if self.is_b(like) else {}
            return [Op(list(op.results), "batch_unbroadcast", [g, like], attrs, op.loc, tag=op.tag)]
        if not self.is_b(like):
            like = self.emit("batch_like", [like, g], {}, out, "t")
        if op.prim == "broadcast_like":
            r = self.rank(op.args[1])
            if r is None or self.rank(g) is None:
                return self._map(op)
            g = self.pad(g, r, out)
        return out + [self.same(op, [g, like])]

    def _matmul(self, op: Op) -> list[Op]:
        a, b = op.args
        ra, rb = self.rank(a), self.rank(b)
        if ra is None or rb is None or self.is_b(a) == self.is_b(b) or 0 in (ra, rb):
            return self._map(op)
        if op.prim == "dot" and max(ra, rb) > 2:
            return self._map(op)
        out: list[Op] = []
        if self.is_b(a):
            if rb == 1 or (ra == 1 and rb == 2):
                return [self._as_matmul(op, a, b)]
            if ra == 1:
                return self._map(op)
            a = self.pad(a, rb, out)
        else:
            if rb == 1 and ra == 1:
                return [self._as_matmul(op, b, a)]
            if rb == 1:
                return self._map(op)
            b = self.pad(b, ra, out) if ra >= 2 else b
        return out + [self._as_matmul(op, a, b)]

    def _as_matmul(self, op: Op, a: Value, b: Value) -> Op:
        return Op(list(op.results), "matmul", [a, b], {}, op.loc, tag=op.tag)

    def _join(self, op: Op) -> list[Op]:
        axis = op.attrs.get("axis", PRIMITIVES[op.prim].attrs.get("axis"))
        if axis is None:
            return self._map(op) if not PRIMITIVES[op.prim].listed else self._fail(op)
        out: list[Op] = []
        args = [self.lift(a, out) for a in op.args]
        return out + [self.same(op, args, {**op.attrs, "axis": _shift(axis)})]

    def _fail(self, op: Op) -> list[Op]:
        raise NotBatchable(op.prim)

    def _passthrough_new(self, op: Op) -> list[Op]:
        """``updated_in_place(new, old)``: the check is the primal's; a batch passes."""
        new, old = op.args
        if self.is_b(old):
            return [op]
        return [Op(list(op.results), "pos", [new], {}, op.loc, tag=op.tag)]


_RULES = {
    **dict.fromkeys(POINTWISE, lambda self, op: [op] if len(op.args) == 1 else self._map(op)),
    **dict.fromkeys(REDUCTIONS, _Batcher._reduce),
    **dict.fromkeys(AXIS_ATTRS, _Batcher._axes),
    **dict.fromkeys(INDEXED, _Batcher._indexed),
    **dict.fromkeys(INDEXED_ADDS, _Batcher._indexed),
    **dict.fromkeys(LIKE, _Batcher._like),
    "transpose": _Batcher._transpose,
    "reshape": _Batcher._reshape,
    "matmul": _Batcher._matmul,
    "dot": _Batcher._matmul,
    "concatenate": _Batcher._join,
    "stack": _Batcher._join,
    "updated_in_place": _Batcher._passthrough_new,
}


def _walk(block: Block):  # type: ignore[no-untyped-def]
    for op in block.ops:
        yield op
        for inner in op.blocks:
            yield from _walk(inner)
