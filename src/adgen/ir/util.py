"""Small logic shared by every pass over the IR: walking, names, copying."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from .core import Block, Function, Op


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
            Op(list(op.results), op.prim, list(op.args), dict(op.attrs), op.loc,
               [clone_block(b) for b in op.blocks], op.tag)
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
