"""Sizes known from the arguments' shapes are constants.

Contract: an op whose result :mod:`adgen.analysis.types` knows to be a Python
int of known value (``np.size(t)``, ``len(x)``, ``np.shape(x)[0]`` in code
specialised to the arguments' shapes) is removed and its uses read that int;
so is ``np.maximum``/``np.minimum`` of two such ints (``np.maximum(np.size(x), 1)``).

Before (``t7`` has shape (64, 10))::

    t9 = size(t7)
    t10 = div(1.0, t9)

After::

    t10 = div(1.0, 640)
"""

from __future__ import annotations

from types import MappingProxyType

from ..analysis.types import Types
from ..ir import Const, Function, Op, Value
from ..primitives import PRIMITIVES
from .rewriting import replace_ops

_FOLDED = ("size", "len", "ndim", "getitem")
_EXTREMA = MappingProxyType({"maximum": max, "minimum": min})


def run(fn: Function) -> Function:
    """Fold the known sizes of ``fn`` (see the module docstring)."""
    types = Types(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim in _EXTREMA and len(op.args) == 2:
            a, b = (types.of(v) for v in op.args)
            if a.kind == b.kind == "int" and isinstance(a.value, int) and isinstance(b.value, int):
                rename[op.results[0]] = Const(_EXTREMA[op.prim](a.value, b.value))
                return
        if (
            op.prim in _FOLDED
            and len(op.results) == 1
            and not op.blocks
            and not PRIMITIVES[op.prim].effect
        ):
            ty = types.types.get(op.results[0])
            if ty is not None and ty.kind == "int" and isinstance(ty.value, int):
                rename[op.results[0]] = Const(ty.value)
                return
        kept.append(op)

    return replace_ops(fn, step)
