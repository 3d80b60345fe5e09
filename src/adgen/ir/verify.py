"""The IR verifier: SSA and scoping invariants (see :mod:`adgen.ir.core`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import Block, Function, Var


class VerifyError(AssertionError):
    """The IR breaks one of the invariants stated in this module's docstring."""


def verify(fn: Function, table: Mapping[str, Any] | None = None) -> None:
    """Check SSA and scoping invariants; raise :class:`VerifyError` if broken.

    With ``table`` (the primitive table, name -> entry with ``nargs``), every
    op's primitive must be in it and take that many operands.
    """

    defined_once: set[str] = set()

    def define(name: str) -> None:
        if name in defined_once:
            raise VerifyError(f"{fn.name}: {name!r} is defined twice")
        defined_once.add(name)

    visible: set[str] = set(fn.freevars)

    def check(block: Block) -> None:
        for p in block.params:
            define(p)
            visible.add(p)
        for op in block.ops:
            prim = None if table is None else table.get(op.prim)
            if table is not None and prim is None:
                raise VerifyError(f"{fn.name}: unknown primitive {op.prim!r}")
            if prim is not None and prim.nargs is not None and len(op.args) != prim.nargs:
                raise VerifyError(
                    f"{fn.name}: {op.prim} takes {prim.nargs} operands, got {len(op.args)}"
                )
            for a in op.args:
                if isinstance(a, Var) and a.name not in visible:
                    raise VerifyError(f"{fn.name}: {a.name!r} used before definition in {op}")
            for inner in op.blocks:
                check(inner)
            for r in op.results:
                define(r)
                visible.add(r)
        for v in block.results:
            if isinstance(v, Var) and v.name not in visible:
                raise VerifyError(f"{fn.name}: result {v.name!r} is not defined")

    for p in fn.params:
        define(p)
        visible.add(p)
    check(fn.body)
