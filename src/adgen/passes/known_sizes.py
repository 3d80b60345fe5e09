"""Sizes known from the arguments' shapes are constants.

Contract: an op whose result :mod:`adgen.analysis.types` knows to be a Python
int of known value (``np.size(t)``, ``len(x)``, ``np.shape(x)[0]`` in code
specialised to the arguments' shapes) is removed and its uses read that int.

Before (``t7`` has shape (64, 10))::

    t9 = size(t7)
    t10 = div(1.0, t9)

After::

    t10 = div(1.0, 640)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Const, Function, Op, Value
from ..primitives import PRIMITIVES
from .rewriting import replace_ops

_FOLDED = ("size", "len", "ndim", "getitem")


def run(fn: Function) -> Function:
    """Fold the known sizes of ``fn`` (see the module docstring)."""
    types = Types(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim in _FOLDED and len(op.results) == 1 and not op.blocks and \
                not PRIMITIVES[op.prim].effect:
            ty = types.types.get(op.results[0])
            if ty is not None and ty.kind == "int" and isinstance(ty.value, int):
                rename[op.results[0]] = Const(ty.value)
                return
        kept.append(op)

    return replace_ops(fn, step)
