"""``scalar_output(y)`` checks at run time what the shape analysis may already know.

Contract: ``scalar_output(y)`` (which raises unless ``y`` is a scalar, as a
gradient needs) is removed where :mod:`adgen.analysis.types` knows ``y`` has
shape ``()``; uses read ``y``.

Before (``cost`` a sum of numbers)::

    value = scalar_output(cost)

After::

    (value is cost)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Function, Op, Value, walk
from .rewriting import replace_ops


def run(fn: Function) -> Function:
    """Drop the scalar checks the analysis proves (see the module docstring)."""
    if not any(op.prim == "scalar_output" for op in walk(fn.body)):
        return fn
    types = Types(fn)

    def step(op: Op, kept: list[Op], rename: dict[str, Value]) -> None:
        if op.prim == "scalar_output" and types.scalar(op.args[0]):
            rename[op.results[0]] = op.args[0]
        else:
            kept.append(op)

    return replace_ops(fn, step)
