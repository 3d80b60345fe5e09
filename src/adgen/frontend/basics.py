"""Basic value handling shared by every construct: the stale check, values from what an
expression denotes, compile-time constants, and rebinding names after a write.

``value(cx, node)`` lowers an expression that must be a runtime IR value;
``as_value`` turns a lowered expression into one (a tuple of numbers becomes a
constant, other packs ``make_tuple``/``make_list``/``array`` ops); ``static``
lowers one that must be a constant written in the source (``axis=...``).
"""

from __future__ import annotations

from typing import Any

import gast

from ..ir import Const, Value, Var
from ..primitives.core import dtype_attr, dtype_kind
from ..primitives.refused import COMPLEX
from .context import Context
from .values import (
    Lowered,
    Multi,
    Pack,
    Parts,
    SliceValue,
    Stale,
    Static,
    describe,
    is_const,
    py_const,
)


def constant_pack(value: Any) -> Any:
    """A tuple or list literal of constants (nested too) as one constant tuple."""
    if isinstance(value, Pack) and value.kind in ("tuple", "list"):
        items = [constant_pack(i) for i in value.items]
        if all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))
    return value


def refuse_argument_change(cx: Context, old: Any) -> None:
    """Refuse changing a list or dict the caller passed in (``xs.append(v)`` on an
    argument): the derivative cannot change the caller's object as the function does."""
    if not any(old is p for p in cx.argument_packs):
        return
    loc = cx.loc
    where = gast.Pass()
    if loc is not None:
        where.lineno = loc.lineno - cx.p.line_offset
        where.col_offset = loc.col - cx.p.col_offset
    raise cx.error(
        where,
        f"this changes a {old.kind} the caller passed in; the function would change the "
        f"caller's {old.kind}, but its derivative cannot: work on a copy (xs = list(xs), "
        "d = dict(d)) and return what you need",
    )


def rebind(cx: Context, changes: dict[str, Any], packs: dict[int, Pack]) -> None:
    """Replace SSA values (by name) and packs (by identity) in every binding."""
    if not changes and not packs:
        return
    for old in cx.argument_packs:
        if id(old) in packs:
            refuse_argument_change(cx, old)
    memo: dict[int, Any] = {}

    def subst(value: Any) -> Any:
        if isinstance(value, Var):
            return changes.get(value.name, value)
        if isinstance(value, Pack):
            key = id(value)
            if key not in memo:
                if key in packs:
                    value = packs[key]
                items = tuple(subst(i) for i in value.items)
                same = all(a is b for a, b in zip(items, value.items, strict=True))
                memo[key] = value if same else value.replace(items)
            return memo[key]
        return value

    for name, value in list(cx.env.items()):
        cx.env[name] = subst(value)


def bound_names(cx: Context) -> set[str]:
    """SSA names some variable denotes, directly or inside a pack."""
    out: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, Var):
            out.add(value.name)
        elif isinstance(value, Pack):
            for item in value.items:
                visit(item)

    for value in cx.env.values():
        visit(value)
    return out


def live(cx: Context, value: Any, node: gast.AST) -> Any:
    """``value``, unless it is stale (then raise, naming the variable)."""
    if isinstance(value, Stale):
        name = node.id if isinstance(node, gast.Name) else "this value"
        raise cx.error(node, value.message.format(name=name))
    return value


def as_value(cx: Context, value: Any, node: gast.AST) -> Value:
    """A lowered expression as an IR value (packs become make_tuple/make_list)."""
    value = live(cx, value, node)
    if isinstance(value, (Var, Const)):
        return value
    if isinstance(value, Pack):
        if value.kind == "dict":
            raise cx.error(node, "a dict can only be used through constant keys here")
        items = [as_value(cx, i, node) for i in value.items]
        if value.kind == "tuple" and all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))  # type: ignore[union-attr]
        if not all(cx.aliases.non_differentiable(i) for i in items):
            # NumPy turns a sequence of numbers or arrays it is given into an array.
            return cx.emit("array", items)
        return cx.emit("make_tuple" if value.kind == "tuple" else "make_list", items)
    if isinstance(value, SliceValue):
        raise cx.error(node, "a slice object can only be used as an index")
    return value_of_other(cx, value, node)


def value(cx: Context, node: gast.AST) -> Value:
    """Lower an expression that must denote a runtime value."""
    out = cx.expr(node)
    if isinstance(out, Multi):
        raise cx.error(node, "this call returns several values: unpack them first (a, b = f(...))")
    return as_value(cx, out, node)


def value_of_other(cx: Context, out: Lowered, node: gast.AST) -> Value:
    """A static object used as a runtime value: only constants are."""
    if isinstance(out, Static):
        if is_const(out.obj):
            return Const(py_const(out.obj))
        raise cx.error(node, f"{describe(out.obj)} cannot be used as a value here")
    if isinstance(out, Parts):
        raise cx.error(
            node, "this call returns a tuple: unpack it where it is called, as in `a, b = f(x)`"
        )
    raise cx.error(node, "this cannot be used as a value here")


def static(cx: Context, node: gast.AST, what: str) -> Any:
    """Lower an expression that must be a compile-time constant (axis=...)."""
    out = constant_pack(cx.expr(node))
    if isinstance(out, Const) and isinstance(out.value, str) and out.value.startswith("complex"):
        raise cx.error(node, f"a complex dtype is refused: {COMPLEX}")
    if isinstance(out, Const):
        return out.value
    if isinstance(out, Static) and is_const(out.obj):
        return py_const(out.obj)
    if isinstance(out, Static) and dtype_attr(out.obj) is not None:
        if dtype_kind(dtype_attr(out.obj)) == "c":
            raise cx.error(node, f"a complex dtype is refused: {COMPLEX}")
        return dtype_attr(out.obj)
    raise cx.error(node, f"{what} must be a constant written in the source")
