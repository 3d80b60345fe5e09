"""The IR verifier: SSA, scoping and shape-of-op invariants (see :mod:`adgen.ir.core`).

Besides names (each defined once, used after its definition), it checks what
each control-flow op promises its consumers: how many parameters each block
has and how many values it yields, so that no value is silently dropped when
the op is emitted; and that attributes are hashable (caches and CSE key ops
by them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .core import Block, ForRange, Function, If, Loop, Op, Var, While


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
            _check_shape(fn.name, op)
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


def _arity(where: str, what: str, expected: int, got: int) -> None:
    if expected != got:
        raise VerifyError(f"{where}: {what}: expected {expected}, got {got}")


def _check_shape(fname: str, op: Op) -> None:
    """Block arities of control ops, no blocks elsewhere, hashable attributes."""
    where = f"{fname}: {op.prim} defining {', '.join(op.results) or '(nothing)'}"
    for key, value in op.attrs.items():
        try:
            hash(value)
        except TypeError:
            raise VerifyError(f"{where}: attribute {key}={value!r} is not hashable") from None
    if isinstance(op, If):
        _arity(where, "operands", 1, len(op.args))
        _arity(where, "blocks", 2, len(op.blocks))
        for label, block in (("then", op.then), ("else", op.orelse)):
            _arity(where, f"{label} block parameters", 0, len(block.params))
            _arity(where, f"{label} block yields", len(op.results), len(block.results))
        return
    if isinstance(op, Loop):
        _arity(where, "blocks", 2 if isinstance(op, While) else 1, len(op.blocks))
        if isinstance(op, ForRange):
            if len(op.args) < 3:
                raise VerifyError(f"{where}: a for_range needs start, stop and step")
            _arity(
                where, "body parameters (index, carried)", 1 + len(op.inits), len(op.body.params)
            )
        else:
            _arity(where, "head parameters", len(op.inits), len(op.head.params))
            _arity(where, "head yields (the condition)", 1, len(op.head.results))
            _arity(where, "body parameters", 0, len(op.body.params))
        _arity(where, "results", len(op.inits), len(op.results))
        _arity(
            where,
            "body yields (next carried values, exit flag)",
            len(op.inits) + op.exits,
            len(op.body.results),
        )
        return
    if op.blocks:
        raise VerifyError(f"{where}: only control-flow ops hold blocks")
