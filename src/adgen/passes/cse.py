"""Common subexpression elimination for ops without blocks or effects.

Contract: of several ops with the same primitive, operands and attributes,
in one block or in a block and those nested in it, the first is kept and
later uses read its result. Ops with blocks, effects or several results are
never merged, nor those the table marks ``no_cse`` (a tape, an accumulator:
objects later ops change in place).

Before::

    t1 = sin(x)
    t2 = sin(x)
    r = mul(t1, t2)

After::

    t1 = sin(x)
    r = mul(t1, t1)
"""

from __future__ import annotations

from typing import Any

from ..ir import Block, Const, Function, Value, Var
from ..primitives import PRIMITIVES


def run(fn: Function) -> Function:
    """Reuse the first of several identical pure ops; later uses are renamed."""
    _visit(fn.body, {}, {})
    return fn


def _visit(block: Block, seen: dict[Any, str], rename: dict[str, str]) -> None:
    seen = dict(seen)
    kept = []
    for op in block.ops:
        op.args = [_sub(a, rename) for a in op.args]
        for inner in op.blocks:
            _visit(inner, seen, rename)
        prim = PRIMITIVES[op.prim]
        if op.blocks or prim.effect or prim.no_cse or len(op.results) != 1:
            kept.append(op)
            continue
        key = (op.prim, tuple(op.args), tuple(sorted(op.attrs.items())))
        try:
            hash(key)
        except TypeError:
            kept.append(op)
            continue
        if key in seen:
            rename[op.results[0]] = seen[key]
            continue
        seen[key] = op.results[0]
        kept.append(op)
    block.ops = kept
    block.results = [_sub(v, rename) for v in block.results]


def _sub(v: Value, rename: dict[str, str]) -> Value:
    if isinstance(v, Var) and v.name in rename:
        return Var(rename[v.name])
    return v


__all__ = ["run", "Const"]
