"""Small logic shared by every pass over the IR: walking, names, copying."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from .core import Block, Function, Op, Value, Var


def walk(block: Block) -> Iterator[Op]:
    """Every op in ``block`` and its nested blocks, outer op before inner ones."""
    for op in block.ops:
        yield op
        for inner in op.blocks:
            yield from walk(inner)


def all_names(fn: Function) -> set[str]:
    """Every name defined anywhere in ``fn`` (parameters, results, block params)."""
    names = set(fn.params) | set(fn.freevars)
    stack = [fn.body]
    while stack:
        block = stack.pop()
        names.update(block.params)
        for op in block.ops:
            names.update(op.results)
            stack.extend(op.blocks)
    return names


def clone_block(block: Block) -> Block:
    """A copy of ``block`` that passes may change without touching the original."""
    return Block(
        list(block.params),
        [
            Op(
                list(op.results),
                op.prim,
                list(op.args),
                dict(op.attrs),
                op.loc,
                [clone_block(b) for b in op.blocks],
                op.tag,
            )
            for op in block.ops
        ],
        list(block.results),
    )


def clone(fn: Function) -> Function:
    """A copy of ``fn`` whose ops can be changed freely; free values are shared."""
    return dataclasses.replace(
        fn,
        params=list(fn.params),
        body=clone_block(fn.body),
        freevars=dict(fn.freevars),
        global_deps=dict(fn.global_deps),
        families=dict(fn.families),
        shape_links=list(fn.shape_links),
    )


def count_uses(block: Block, uses: Counter[str] | None = None) -> Counter[str]:
    """How many times each name is read in ``block`` (operands and yields, nested too)."""
    uses = Counter() if uses is None else uses
    for op in block.ops:
        uses.update(a.name for a in op.args if isinstance(a, Var))
        for inner in op.blocks:
            count_uses(inner, uses)
    uses.update(v.name for v in block.results if isinstance(v, Var))
    return uses


def reads(ops: Iterable[Op]) -> set[str]:
    """Names read by ``ops``: their operands, and nested blocks' operands and yields."""
    out: set[str] = set()
    for op in ops:
        out.update(a.name for a in op.args if isinstance(a, Var))
        for inner in op.blocks:
            out.update(reads(inner.ops))
            out.update(v.name for v in inner.results if isinstance(v, Var))
    return out


def defines(block: Block) -> list[str]:
    """Names ``block`` defines (parameters, op results, nested blocks too), in order."""
    out = list(block.params)
    for op in block.ops:
        for inner in op.blocks:
            out.extend(defines(inner))
        out.extend(op.results)
    return out


def substitute(value: Value, mapping: Mapping[str, Value]) -> Value:
    """``value`` with a name in ``mapping`` replaced by what it maps to."""
    return mapping.get(value.name, value) if isinstance(value, Var) else value


def rename(ops: Iterable[Op], mapping: Mapping[str, Value]) -> None:
    """Replace, in place, every read of a name in ``mapping`` (nested blocks too).

    Definitions are left alone: this redirects uses, as when a value is
    found equal to another one.
    """
    if not mapping:
        return
    for op in ops:
        op.args = [substitute(a, mapping) for a in op.args]
        for inner in op.blocks:
            rename(inner.ops, mapping)
            inner.results = [substitute(v, mapping) for v in inner.results]
