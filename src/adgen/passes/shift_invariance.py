"""Shift invariance: a max or min that the result provably does not depend on.

The stable log-sum-exp and softmax subtract the row maximum before ``exp``::

    m = max(x, axis=1, keepdims=True)
    z = x - m
    lse = log(sum(exp(z), axis=1, keepdims=True))
    return sum(onehot * (z - lse))

Seen as a function of ``m`` (with ``x`` held fixed) the result is constant:
replacing ``m`` by ``m + c`` for any ``c`` of ``m``'s shape gives, in exact
arithmetic, the same value. So the derivative through ``m`` is exactly zero,
and the tie-sharing mask of the max's adjoint (a comparison, two reductions,
a ``where`` and an addition over the whole array) only adds rounding noise to
zero. This pass proves the constancy and then marks ``m`` with
``stop_gradient``, so that neither mode differentiates through it. At ties the
function is still smooth in ``x`` (``m`` cancels), and the derivative it then
gets is the exact one; adgen's tie-sharing subgradient agrees with it there,
because its share of the max's adjoint is zero.

The proof tracks, for every value computed from ``m``, how it moves when
``m`` moves by ``c``: ``("add", k)`` means ``v + k*c``, ``("mul", k)`` means
``v * exp(k*c)``; ``k = 0`` is invariant. Rules, each exact in real arithmetic:

- ``a ± b`` of add-kind values: ``k_a ± k_b``; ``-a``: ``-k``; ``a * 2.0``
  (a number constant): ``2k``;
- ``exp`` of add-kind ``k``: mul-kind ``k``; ``log`` of mul-kind: add-kind;
- ``a * b``, ``a / b`` of mul-kind values: ``k_a ± k_b``; ``a ** p`` (a number
  constant ``p``): ``p*k``; ``-a``: ``k``;
- ``sum``/``mean`` of mul-kind, ``max``/``min`` of either kind, over axes
  along which ``c`` is constant (the max's reduced axes, kept as length 1;
  any axes when ``m`` is a scalar);
- an op none of whose operands moves is invariant.

Anything else reading a value that moves (another primitive, an op with
blocks, a nested block, an effect, a result of the block) leaves the max
alone. Axis numbers are compared counted from the end, using the number of
axes the shape analysis knows (code specialised to its arguments' shapes);
when that is not known only negative axes are compared.
"""

from __future__ import annotations

from typing import Any

from ..analysis.types import Types
from ..ir import Block, Const, Function, Op, Var
from ..ir.names import Namer
from ..ir.util import walk
from .rewriting import namer_for

_EXTREMA = ("max", "min")
Move = tuple[str, float]  # ("add" | "mul", k)


def run(fn: Function) -> Function:
    """Mark with ``stop_gradient`` every max/min the results do not depend on."""
    if not any(op.prim in _EXTREMA for op in walk(fn.body)):
        return fn
    _block(fn.body, Types(fn), namer_for(fn))
    return fn


def _block(block: Block, types: Types, namer: Namer) -> None:
    for op in block.ops:
        for inner in op.blocks:
            _block(inner, types, namer)
    k = 0
    while k < len(block.ops):
        op = block.ops[k]
        if op.prim in _EXTREMA and len(op.results) == 1 and _cancels(block, k, types):
            fresh = namer.fresh()
            m = op.results[0]
            op.results = [fresh]
            block.ops.insert(k + 1, Op([m], "stop_gradient", [Var(fresh)], loc=op.loc))
            k += 1
        k += 1


class _Frame:
    """Along which axes the shift ``c`` of the max at hand is constant."""

    def __init__(self, op: Op, types: Types) -> None:
        axis = op.attrs.get("axis")
        ndim = _ndim(op.args[0], types)
        self.ok = True
        self.everywhere = axis is None  # m is one number: c is constant everywhere
        self.ndim = ndim
        self.axes: set[int] = set()
        if self.everywhere:
            return
        if not op.attrs.get("keepdims"):
            self.ok = False
            return
        negative = _negative(axis, ndim)
        if negative is None:
            self.ok = False
        else:
            self.axes = negative

    def reduction_ok(self, op: Op, types: Types) -> bool:
        """Whether ``c`` is constant along every axis ``op`` reduces."""
        if self.everywhere:
            return True
        axis = op.attrs.get("axis")
        if axis is None or not op.attrs.get("keepdims"):
            return False
        negative = _negative(axis, _ndim(op.args[0], types))
        if negative is None or self.ndim is None:
            return negative is not None and negative <= self.axes
        return all(a in self.axes or a < -self.ndim for a in negative)


def _ndim(v: Any, types: Types) -> int | None:
    shape = types.of(v).shape
    return None if shape is None else len(shape)


def _negative(axis: Any, ndim: int | None) -> set[int] | None:
    """``axis`` (an int or a tuple of them) counted from the end, or None if unknowable."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        return None
    if any(a >= 0 for a in axes) and ndim is None:
        return None
    return {a - ndim if a >= 0 else a for a in axes}  # type: ignore[operator]


def _cancels(block: Block, k: int, types: Types) -> bool:
    """Whether the results of ``block`` do not move when the max ``block.ops[k]`` moves."""
    op = block.ops[k]
    frame = _Frame(op, types)
    if not frame.ok:
        return False
    moves: dict[str, Move] = {op.results[0]: ("add", 1.0)}
    for later in block.ops[k + 1 :]:
        read = [a.name for a in later.args if isinstance(a, Var) and a.name in moves]
        if later.blocks:
            inner = {a.name for o in _inner_ops(later) for a in o.args if isinstance(a, Var)}
            inner |= {r.name for b in later.blocks for r in _results(b) if isinstance(r, Var)}
            if read or inner & moves.keys():
                return False
            continue
        if not read:
            continue
        move = _rule(later, moves, frame, types)
        if move is None or len(later.results) != 1:
            return False
        if move[1] != 0:
            moves[later.results[0]] = move
    return not any(isinstance(r, Var) and r.name in moves for r in block.results)


def _inner_ops(op: Op) -> list[Op]:
    return [o for b in op.blocks for o in walk(b)]


def _results(block: Block) -> list[Any]:
    out = list(block.results)
    for op in walk(block):
        for b in op.blocks:
            out.extend(b.results)
    return out


def _move(v: Any, moves: dict[str, Move]) -> Move | None:
    """How operand ``v`` moves; ("inv", 0) for a value that does not."""
    if isinstance(v, Var) and v.name in moves:
        return moves[v.name]
    return ("inv", 0.0)


def _of_kind(move: Move, kind: str) -> float | None:
    """``k`` of ``move`` read as ``kind`` (an invariant value is of both kinds)."""
    if move[0] == "inv":
        return 0.0
    return move[1] if move[0] == kind else None


def _number(v: Any) -> float | None:
    if isinstance(v, Const) and type(v.value) in (int, float):
        return float(v.value)
    return None


def _rule(op: Op, moves: dict[str, Move], frame: _Frame, types: Types) -> Move | None:
    """How the result of ``op`` moves (None: no rule says, so nothing is known)."""
    args = [_move(a, moves) for a in op.args]
    prim = op.prim
    if prim in ("add", "sub") and len(args) == 2:
        a, b = (_of_kind(m, "add") for m in args)
        if a is None or b is None:
            return None
        return ("add", a + b if prim == "add" else a - b)
    if prim == "neg" and len(args) == 1:
        return (args[0][0], -args[0][1]) if args[0][0] == "add" else args[0]
    if prim == "exp" and len(args) == 1:
        a = _of_kind(args[0], "add")
        return None if a is None else ("mul", a)
    if prim == "log" and len(args) == 1:
        a = _of_kind(args[0], "mul")
        return None if a is None else ("add", a)
    if prim in ("mul", "div") and len(args) == 2:
        return _product(op, args)
    if prim in ("pow", "square") and args[0][0] == "mul":
        p = 2.0 if prim == "square" else _number(op.args[1]) if len(op.args) == 2 else None
        return None if p is None else ("mul", p * args[0][1])
    if prim in ("sum", "mean") and len(args) == 1 and args[0][0] == "mul":
        return args[0] if frame.reduction_ok(op, types) else None
    if prim in _EXTREMA and len(args) == 1:
        return args[0] if frame.reduction_ok(op, types) else None
    return None


def _product(op: Op, args: list[Move]) -> Move | None:
    """``a * b`` or ``a / b``: mul-kind values, or an add-kind one scaled by a number."""
    a, b = (_of_kind(m, "mul") for m in args)
    if a is not None and b is not None:
        return ("mul", a + b if op.prim == "mul" else a - b)
    # An add-kind value times (or over) a number constant.
    (ka, va), (kb, vb) = args
    if ka == "add" and kb == "inv":
        scale = _number(op.args[1])
        if scale is not None and (op.prim == "mul" or scale != 0):
            return ("add", va * scale if op.prim == "mul" else va / scale)
    if op.prim == "mul" and kb == "add" and ka == "inv":
        scale = _number(op.args[0])
        if scale is not None:
            return ("add", vb * scale)
    return None
