"""What the forward and reverse transforms share: namers and running rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir import Function, Loc, Namer, Op, Value, Var, all_names
from ..ir.names import RESERVED
from ..primitives import PRIMITIVES
from ..primitives.core import Builder, Sym


def namer_for(fn: Function) -> Namer:
    """A namer that avoids every name ``fn`` already uses, knowing its families."""
    namer = Namer(taken=all_names(fn) | RESERVED)
    namer.family.update(fn.families)
    return namer


def stem(namer: Namer, name: str) -> str:
    """The family stem of ``name`` (the user's variable), or the name itself."""
    return namer.family.get(name, name)


def attrs_of(op: Op) -> dict[str, Any]:
    """The op's attributes with the primitive's defaults filled in."""
    return {**PRIMITIVES[op.prim].attrs, **op.attrs}


def run_rule(
    namer: Namer,
    loc: Loc | None,
    base: str,
    tag: str,
    rule: Callable[[Builder], Sym | Value | None],
) -> tuple[list[Op], Value | None]:
    """Run ``rule`` with a fresh builder; return its ops (named) and its value."""
    b = Builder(namer, loc)
    result = rule(b)
    return b.finish(result, base, tag)


def emit_one(
    namer: Namer,
    prim: str,
    args: list[Value],
    base: str,
    tag: str,
    loc: Loc | None = None,
    **attrs: Any,
) -> tuple[Op, Var]:
    """A single op ``base = prim(*args)`` with a fresh name."""
    name = namer.fresh(base)
    shown = {k: v for k, v in attrs.items() if PRIMITIVES[prim].attrs.get(k) != v}
    return Op([name], prim, list(args), shown, loc, tag=tag), Var(name)


def shift_structure(structure: object, k: int) -> object:
    """A result structure (see ``Function.structure``) with every index moved by ``k``."""
    if isinstance(structure, tuple):
        return tuple(shift_structure(s, k) for s in structure)
    return structure + k  # type: ignore[operator]
