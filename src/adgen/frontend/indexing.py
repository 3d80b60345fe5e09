"""Lowering of subscripts, indexed writes and augmented assignments.

Reads: ``x[index]`` becomes one ``getitem`` op whose operands spell the index
(see :mod:`adgen.primitives.indexing`). A subscript of a tuple, list or dict
built in the function (a :class:`~adgen.frontend.values.Pack`) with a
constant index is resolved while lowering.

Writes: ``y[index] = v`` and ``y[index] op= v`` (which is
``y[index] = y[index] op v``, also what NumPy computes when an integer array
repeats a position) go to :func:`adgen.frontend.writes.write`; ``x op= v`` on a
name to :func:`adgen.frontend.writes.inplace`. Writes into lists and dicts
built in the function make a new pack, rebound everywhere the old one was.
"""

from __future__ import annotations

from typing import Any

import gast
import numpy as np

from ..ir import Const, Value, Var
from . import lists
from .basics import as_value, live, rebind, value
from .context import Context
from .values import Multi, Pack, SliceValue
from .writes import inplace, write


class _NotStatic:
    def __repr__(self) -> str:
        return "<not static>"


NOT_STATIC = _NotStatic()


def expr_Subscript(cx: Context, node: gast.Subscript) -> Any:
    base = live(cx, cx.expr(node.value), node.value)
    # np.r_ and np.c_ are free values (objects NumPy defines), not functions.
    denoted = cx.freevars.get(base.name) if isinstance(base, Var) else None
    if denoted is np.r_ or denoted is np.c_:
        return index_join(cx, node, denoted is np.c_)
    if isinstance(base, Pack):
        return pack_subscript(cx, base, node)
    if lists.is_list(cx, base):
        return lists.subscript(cx, base, node)
    if isinstance(base, Multi):  # f(...)[k] of a call that returns several values
        key = static_index(cx, node.slice)
        if isinstance(key, int) and -len(base.values) <= key < len(base.values):
            return base.values[key]
        raise cx.error(
            node,
            f"this call returns {len(base.values)} values: index them with a constant "
            "in range, or unpack them (a, b = f(...))",
        )
    if not isinstance(base, (Var, Const)):
        raise cx.error(
            node,
            "indexing this object is not supported inside a "
            "differentiated function; pass the value as an argument",
        )
    if isinstance(base, Const) and isinstance(base.value, (tuple, str)):
        key = static_index(cx, node.slice)
        if key is not NOT_STATIC:
            try:
                return Const(base.value[key])
            except (IndexError, TypeError):
                raise cx.error(node, f"{base.value!r}[{key!r}] fails") from None
    args, kinds = index(cx, node.slice)
    return cx.emit("getitem", [base, *args], {"kinds": kinds})


def index_join(cx: Context, node: gast.Subscript, columns: bool) -> Any:
    """``np.r_[a, b, ...]`` (``np.c_``) as a concatenation of the items.

    ``np.r_`` joins the items, each at least 1-D, along axis 0; ``np.c_``
    joins them along the last axis, 0-D and 1-D items as columns.
    """
    elts = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
    name = "np.c_" if columns else "np.r_"
    parts = []
    for e in elts:
        if isinstance(e, gast.Slice) or (isinstance(e, gast.Constant) and isinstance(e.value, str)):
            raise cx.error(
                node,
                f"{name} with slices or string directives is not "
                "supported; use np.arange/np.linspace and np.concatenate",
            )
        parts.append(cx.emit("column_stack" if columns else "atleast_1d", [value(cx, e)]))
    return cx.emit("concatenate", parts, {"axis": -1 if columns else 0})


def index(cx: Context, node: gast.AST) -> tuple[list[Value], str]:
    """The operands and ``kinds`` of an index expression."""
    if isinstance(node, gast.Tuple):
        parts: list[Any] = [index_part(cx, e) for e in node.elts]
    else:
        one = index_part(cx, node)
        if isinstance(one, Const) and isinstance(one.value, tuple):
            parts = [Const(v) for v in one.value]  # x[t] with t a tuple is x[*t]
        elif isinstance(one, Pack) and one.kind == "tuple":
            parts = [live(cx, p, node) for p in one.items]
        else:
            parts = [one]
    args: list[Value] = []
    kinds = ""
    for p in parts:
        if isinstance(p, SliceValue):
            args.extend([p.start, p.stop, p.step])
            kinds += "s"
        else:
            args.append(as_value(cx, p, node))
            kinds += "v"
    return args, kinds


def index_part(cx: Context, node: gast.AST) -> Any:
    if isinstance(node, gast.Slice):
        return SliceValue(
            *(
                Const(None) if n is None else value(cx, n)
                for n in (node.lower, node.upper, node.step)
            )
        )
    return live(cx, cx.expr(node), node)


def pack_subscript(cx: Context, pack: Pack, node: gast.Subscript) -> Any:
    """A constant subscript of a tuple, list or dict known while lowering."""
    key = static_index(cx, node.slice)
    if key is NOT_STATIC:
        if all(cx.aliases.non_differentiable(i) for i in pack.items) and pack.kind != "dict":
            args, kinds = index(cx, node.slice)
            return cx.emit("getitem", [as_value(cx, pack, node), *args], {"kinds": kinds})
        raise cx.error(
            node,
            f"indexing a {pack.kind} of arrays needs a constant index "
            "written in the source; to pick an array by a computed index, "
            "stack them into one array (np.stack) first",
        )
    if isinstance(key, slice) and pack.kind != "dict":
        return Pack(pack.kind, tuple(pack.items[key]))
    try:
        return pack.lookup(key)
    except (KeyError, IndexError, TypeError):
        raise cx.error(node, f"this {pack.kind} has no item {key!r}") from None


def static_index(cx: Context, node: gast.AST) -> Any:
    """The index as a Python constant (ints, strings, slices of ints), or NOT_STATIC."""
    if isinstance(node, gast.Slice):
        parts = [
            None if n is None else static_index(cx, n) for n in (node.lower, node.upper, node.step)
        ]
        if any(p is NOT_STATIC for p in parts):
            return NOT_STATIC
        return slice(*parts)
    out = cx.expr(node)
    if isinstance(out, Const) and not isinstance(out.value, tuple):
        return out.value
    return NOT_STATIC


def assign_subscript(cx: Context, target: gast.Subscript, value: Any) -> None:
    """``target = value`` with ``target`` a subscript: ``y[index] = v``."""
    base = live(cx, cx.expr(target.value), target.value)
    if isinstance(base, Pack):
        pack_store(cx, base, target, value)
        return
    if lists.is_list(cx, base):
        lists.store(cx, base, target, value)
        return
    args, kinds = index(cx, target.slice)
    write(cx, base, args, kinds, as_value(cx, value, target), target)


def aug_assign_subscript(cx: Context, stmt: gast.AugAssign, prim: str) -> None:
    """``y[index] op= v``: ``y[index] = y[index] op v``."""
    target = stmt.target
    base = live(cx, cx.expr(target.value), target.value)
    if isinstance(base, Pack):
        current = live(cx, pack_subscript(cx, base, target), target)
        new = cx.emit(prim, [as_value(cx, current, target), value(cx, stmt.value)])
        pack_store(cx, base, target, inplace(cx, current, new, stmt))
        return
    args, kinds = index(cx, target.slice)
    if not isinstance(base, Var):
        raise cx.error(target, "only arrays can be changed by an indexed assignment")
    current = cx.emit("getitem", [base, *args], {"kinds": kinds})
    new = cx.emit(prim, [current, value(cx, stmt.value)])
    write(cx, base, args, kinds, new, target)


def aug_assign_name(cx: Context, stmt: gast.AugAssign, prim: str) -> None:
    """``x op= v``: in place if ``x`` is an array, a rebinding if it is a number."""
    name = stmt.target.id
    current = live(cx, cx.expr(gast.Name(name, gast.Load(), None, None)), stmt.target)
    if lists.is_listlike(cx, current) and prim == "add":
        lists.extend_in_place(cx, current, live(cx, cx.expr(stmt.value), stmt.value), stmt)
        return
    if lists.is_list(cx, current):
        raise cx.error(stmt, "of the augmented assignments, only += applies to a list")
    if isinstance(current, Pack):
        other = live(cx, cx.expr(stmt.value), stmt.value)
        if (
            prim != "add"
            or not isinstance(other, Pack)
            or other.kind != current.kind
            or current.kind == "dict"
        ):
            raise cx.error(stmt, f"this augmented assignment to a {current.kind} is not supported")
        new_pack = Pack(current.kind, current.items + other.items)
        if current.kind == "list":  # lists are extended in place
            rebind(cx, {}, {id(current): new_pack})
        cx.env[name] = new_pack
        return
    operand = value(cx, stmt.value)
    new = cx.emit(prim, [as_value(cx, current, stmt.target), operand], base=name)
    if isinstance(current, Var) and not (
        isinstance(operand, Const) and isinstance(operand.value, (int, float))
    ):
        # In place, an array keeps its shape: NumPy raises if the result would not.
        new = cx.emit("updated_in_place", [new, current], base=name)
    cx.env[name] = inplace(cx, current, new, stmt)


def pack_store(cx: Context, pack: Pack, target: gast.Subscript, value: Any) -> None:
    """``l[k] = v`` / ``d[key] = v`` on a list or dict known while lowering."""
    if pack.kind == "tuple":
        raise cx.error(target, "tuples cannot be changed; build a new tuple instead")
    key = static_index(cx, target.slice)
    if key is NOT_STATIC or isinstance(key, slice):
        raise cx.error(
            target,
            f"assigning into a {pack.kind} needs a constant index or key written in the source",
        )
    items = list(pack.items)
    keys = list(pack.keys)
    if pack.kind == "dict":
        for k, existing in enumerate(keys):
            if type(existing) is type(key) and existing == key:
                items[k] = value
                break
        else:
            keys.append(key)
            items.append(value)
    else:
        try:
            items[key] = value
        except (IndexError, TypeError):
            raise cx.error(target, f"this list has no item {key!r}") from None
    rebind(cx, {}, {id(pack): Pack(pack.kind, tuple(items), tuple(keys))})
