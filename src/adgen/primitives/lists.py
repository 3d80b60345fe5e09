"""Python lists as runtime values: built, grown, read, joined into arrays.

A list whose length the compiler cannot know (one grown in a loop) is an IR
value of its own. Its ops are functional: ``list_append(xs, v)`` is a new
list (emitted ``xs + [v]``) and ``xs`` is unchanged, so SSA holds and a
reverse sweep may read any version. Python's aliasing (``ys = xs;
ys.append(v)`` changes ``xs``) is the frontend's business: it rebinds every
name of the old list to the new one, as it does for arrays written in place.

The tangent of a list is the list of its items' tangents; its adjoint is the
list of its items' adjoints, always as long as the list and each item shaped
like its primal (zeros are materialised with ``list_zeros``). So the adjoint
of ``list_append(xs, v)`` gives ``xs`` all but the last adjoint and ``v`` the
last: a list grown in a loop hands its adjoints back in reverse. Rules are
written in primitives, and the adjoint helpers are linear in the adjoint, so
derivatives of derivatives work.

``insert``, ``pop`` and ``min``/``max`` are compositions, lowered by the
frontend with :func:`inserted`, :func:`popped` and :func:`extremum`.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..ir import Const
from ..runtime import helper, unbroadcast, zeros_like
from .core import PRIMITIVES, Primitive, Sym, call, call_template, define, template

# ------------------------------------------------------------ runtime helpers


@helper
def list_zeros(xs):
    """A zero adjoint or tangent of the list ``xs``: a zero shaped like each item."""
    return [zeros_like(x) for x in xs]


@helper
def list_add(a, b):
    """The item-by-item sum of two adjoints (or tangents) of one list."""
    return [x + y for x, y in zip(a, b, strict=True)]


@helper
def list_set(xs, i, v):
    """The list after ``xs[i] = v``."""
    out = list(xs)
    out[i] = v
    return out


@helper
def list_item_adjoint(g, xs, i):
    """The adjoint of ``xs`` given the adjoint ``g`` of ``xs[i]``."""
    out = [zeros_like(x) for x in xs]
    out[i] = g
    return out


@helper
def list_slice_adjoint(g, xs, start, stop, step):
    """The adjoint of ``xs`` given the adjoint ``g`` of ``xs[start:stop:step]``."""
    out = [zeros_like(x) for x in xs]
    out[start:stop:step] = g
    return out


@helper
def list_sum_adjoint(g, xs):
    """The adjoint of each item of ``xs`` given the adjoint ``g`` of ``sum(xs)``."""
    return [unbroadcast(g, x) for x in xs]


@helper
def list_join_adjoint(g, xs, join="stack", axis=0):
    """The adjoint of each item of ``xs`` given the adjoint ``g`` of ``np.<join>(xs)``."""
    if join in ("stack", "array"):
        return [np.reshape(np.take(g, k, axis=axis), np.shape(x)) for k, x in enumerate(xs)]
    if join == "vstack":
        parts, along = [np.atleast_2d(x) for x in xs], 0
    elif join == "hstack":
        parts = [np.atleast_1d(x) for x in xs]
        along = 0 if parts[0].ndim == 1 else 1
    else:
        parts, along = [np.asarray(x) for x in xs], axis
    cuts = np.cumsum([np.shape(p)[along] for p in parts])[:-1]
    return [
        np.reshape(piece, np.shape(x))
        for piece, x in zip(np.split(g, cuts, axis=along), xs, strict=True)
    ]


@helper
def list_rows_adjoint(g, x):
    """The adjoint of ``x`` given the adjoint ``g`` of ``list(x)`` (one per row)."""
    return np.reshape(np.array(g, dtype=np.result_type(x, float)), np.shape(x))


@helper
def list_position(xs, i):
    """The index ``i`` of ``xs`` (``xs[i]`` valid) counted from the start."""
    return i + len(xs) if i < 0 else i


@helper
def list_insert_position(xs, i):
    """Where ``xs.insert(i, v)`` puts ``v``: ``i`` counted from the start, clamped."""
    n = len(xs)
    return min(max(i + n if i < 0 else i, 0), n)


@helper
def list_argmin(xs):
    """The index of the item ``min(xs)`` returns (the first smallest)."""
    return min(range(len(xs)), key=xs.__getitem__)


@helper
def list_argmax(xs):
    """The index of the item ``max(xs)`` returns (the first largest)."""
    return max(range(len(xs)), key=xs.__getitem__)


# ------------------------------------------------------------------ emission


def _emit_list(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.List(elts=list(args), ctx=ast.Load())


def _emit_append(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.BinOp(left=args[0], op=ast.Add(), right=ast.List(elts=[args[1]], ctx=ast.Load()))


def _bound(arg: ast.expr) -> ast.expr | None:
    return None if isinstance(arg, ast.Constant) and arg.value is None else arg


def _emit_slice(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    part = ast.Slice(lower=_bound(args[1]), upper=_bound(args[2]), step=_bound(args[3]))
    return ast.Subscript(value=args[0], slice=part, ctx=ast.Load())


def _emit_join(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    join, axis = attrs.get("join", "stack"), attrs.get("axis", 0)
    func = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr=join, ctx=ast.Load())
    keywords = (
        []
        if axis == 0 or join not in ("stack", "concatenate")
        else [ast.keyword(arg="axis", value=ast.Constant(axis))]
    )
    return ast.Call(func=func, args=[args[0]], keywords=keywords)


# ------------------------------------------------------------------- rules


def _zero(x: Sym) -> Any:
    """A zero tangent of the item ``x`` (0.0 for a number written in the code)."""
    value = getattr(x.v, "value", None)
    return 0.0 if type(value) in (int, float) else call("zero", x)


def _list_or_zeros(t: Sym | None, xs: Sym) -> Sym:
    return t if t is not None else call("list_zeros", xs)


def _new_jvp(ts: list[Sym | None], out: Sym, *items: Sym) -> Sym | None:
    if all(t is None for t in ts):
        return None
    return call(
        "list_new", *[t if t is not None else _zero(x) for t, x in zip(ts, items, strict=True)]
    )


def _new_vjp(g: Sym, out: Sym, *items: Sym, position: int) -> Sym:
    return call("list_item", g, position)


define(
    Primitive(
        "list_new",
        _emit_list,
        ("items",),
        variadic=True,
        jvp=_new_jvp,
        vjps=(_new_vjp,),
        list_result=True,
        doc="[a, b, ...]: a list whose length may change (grown in a loop)",
    )
)


def _append_jvp(ts: list[Sym | None], out: Sym, xs: Sym, v: Sym) -> Sym | None:
    if ts[0] is None and ts[1] is None:
        return None
    return call("list_append", _list_or_zeros(ts[0], xs), ts[1] if ts[1] is not None else _zero(v))


define(
    Primitive(
        "list_append",
        _emit_append,
        ("xs", "v"),
        jvp=_append_jvp,
        vjps=(
            lambda g, out, xs, v: call("list_slice", g, None, -1, None),
            lambda g, out, xs, v: call("list_item", g, -1),
        ),
        list_result=True,
        doc="xs + [v]: the list after xs.append(v)",
    )
)


def _concat_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym) -> Sym | None:
    if ts[0] is None and ts[1] is None:
        return None
    return call("list_concat", _list_or_zeros(ts[0], a), _list_or_zeros(ts[1], b))


define(
    Primitive(
        "list_concat",
        template("_0 + _1"),
        ("a", "b"),
        jvp=_concat_jvp,
        vjps=(
            lambda g, out, a, b: call("list_slice", g, None, call("list_len", a), None),
            lambda g, out, a, b: call("list_slice", g, call("list_len", a), None, None),
        ),
        list_result=True,
        doc="a + b for lists (also a.extend(b), a += b)",
    )
)

define(
    Primitive(
        "list_item",
        template("_0[_1]"),
        ("xs", "i"),
        jvp=lambda ts, out, xs, i: None if ts[0] is None else call("list_item", ts[0], i),
        vjps=(lambda g, out, xs, i: call("list_item_adjoint", g, xs, i), None),
        doc="xs[i] for a list and an integer i (negative counts from the end)",
    )
)


def _set_jvp(ts: list[Sym | None], out: Sym, xs: Sym, i: Sym, v: Sym) -> Sym | None:
    if ts[0] is None and ts[2] is None:
        return None
    return call("list_set", _list_or_zeros(ts[0], xs), i, ts[2] if ts[2] is not None else _zero(v))


define(
    Primitive(
        "list_set",
        call_template("list_set"),
        ("xs", "i", "v"),
        jvp=_set_jvp,
        vjps=(
            lambda g, out, xs, i, v: call("list_set", g, i, call("zero", call("list_item", g, i))),
            None,
            lambda g, out, xs, i, v: call("list_item", g, i),
        ),
        helpers=("list_set",),
        list_result=True,
        doc="the list after xs[i] = v",
    )
)

define(
    Primitive(
        "list_slice",
        _emit_slice,
        ("xs", "start", "stop", "step"),
        jvp=lambda ts, out, xs, a, b, c: (
            None if ts[0] is None else call("list_slice", ts[0], a, b, c)
        ),
        vjps=(
            lambda g, out, xs, a, b, c: call("list_slice_adjoint", g, xs, a, b, c),
            None,
            None,
            None,
        ),
        list_result=True,
        doc="xs[start:stop:step] for a list",
    )
)

define(
    Primitive(
        "list_sum",
        template("sum(_0)"),
        ("xs",),
        jvp=lambda ts, out, xs: None if ts[0] is None else call("list_sum", ts[0]),
        vjps=(lambda g, out, xs: call("list_sum_adjoint", g, xs),),
        doc="sum(xs) for a list (Python's sum: 0 + xs[0] + xs[1] + ...)",
    )
)

define(
    Primitive(
        "list_fsum",
        template("math.fsum(_0)"),
        ("xs",),
        jvp=lambda ts, out, xs: None if ts[0] is None else call("list_fsum", ts[0]),
        vjps=(lambda g, out, xs: call("list_sum_adjoint", g, xs),),
        modules=("math",),
        doc="math.fsum(xs) for a list of numbers (rounded once, as math.fsum is)",
    )
)

for _name in ("any", "all"):
    define(
        Primitive(
            f"list_{_name}",
            template(f"{_name}(_0)"),
            ("xs",),
            differentiable=False,
            boolean=True,
            doc=f"{_name}(xs) for a list value",
        )
    )

define(
    Primitive(
        "list_join",
        _emit_join,
        ("xs",),
        attrs={"join": "stack", "axis": 0},
        jvp=lambda ts, out, xs, **at: None if ts[0] is None else call("list_join", ts[0], **at),
        vjps=(lambda g, out, xs, **at: call("list_join_adjoint", g, xs, **at),),
        fresh_array=True,
        doc="np.stack, np.array, np.concatenate, np.vstack or np.hstack of a list value",
    )
)

# The adjoint helpers: each linear in its first operand, the others giving shapes.


def _linear(prim: str) -> Any:
    def jvp(ts: list[Sym | None], out: Sym, g: Sym, *rest: Sym, **attrs: Any) -> Sym | None:
        return None if ts[0] is None else call(prim, ts[0], *rest, **attrs)

    return jvp


def _add_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym) -> Sym | None:
    if ts[0] is None or ts[1] is None:
        return ts[0] if ts[1] is None else ts[1]
    return call("list_add", ts[0], ts[1])


define(
    Primitive(
        "list_add",
        call_template("list_add"),
        ("a", "b"),
        jvp=_add_jvp,
        vjps=(lambda g, out, a, b: g, lambda g, out, a, b: g),
        helpers=("list_add",),
        list_result=True,
        doc="the item-by-item sum of two adjoints of one list",
    )
)
define(
    Primitive(
        "list_zeros",
        call_template("list_zeros"),
        ("like",),
        differentiable=False,
        helpers=("list_zeros",),
        list_result=True,
        doc="a zero adjoint or tangent of a list: a zero shaped like each item",
    )
)
define(
    Primitive(
        "list_item_adjoint",
        call_template("list_item_adjoint"),
        ("g", "xs", "i"),
        jvp=_linear("list_item_adjoint"),
        vjps=(lambda c, out, g, xs, i: call("list_item", c, i), None, None),
        helpers=("list_item_adjoint",),
        list_result=True,
        doc="the adjoint of a list given that of xs[i]",
    )
)
define(
    Primitive(
        "list_slice_adjoint",
        call_template("list_slice_adjoint"),
        ("g", "xs", "start", "stop", "step"),
        jvp=_linear("list_slice_adjoint"),
        vjps=(
            lambda c, out, g, xs, a, b, s: call("list_slice", c, a, b, s),
            None,
            None,
            None,
            None,
        ),
        helpers=("list_slice_adjoint",),
        list_result=True,
        doc="the adjoint of a list given that of a slice of it",
    )
)


def _adjoint_helper(name: str, operands: tuple[str, ...], back: Any, doc: str, **more: Any) -> None:
    """Define the adjoint helper ``name``: linear in its first operand ``g``, whose
    adjoint ``back`` gives; the other operands give only shapes."""
    define(
        Primitive(
            name,
            call_template(name),
            operands,
            jvp=_linear(name),
            vjps=(back,) + (None,) * (len(operands) - 1),
            helpers=(name,),
            doc=doc,
            **more,
        )
    )


_adjoint_helper(
    "list_sum_adjoint",
    ("g", "xs"),
    lambda c, out, g, xs: call("list_sum", c),
    "the adjoint of a list's items given that of sum(xs)",
    list_result=True,
)
_adjoint_helper(
    "list_join_adjoint",
    ("g", "xs"),
    lambda c, out, g, xs, **at: call("list_join", c, **at),
    "the adjoint of a list's items given that of np.stack(xs) (or another join)",
    attrs={"join": "stack", "axis": 0},
    list_result=True,
)

define(
    Primitive(
        "list_of",
        template("list(_0)"),
        ("x",),
        jvp=lambda ts, out, x: None if ts[0] is None else call("list_of", ts[0]),
        vjps=(lambda g, out, x: call("list_rows_adjoint", g, x),),
        list_result=True,
        doc="list(x) of an array (its rows) or a range",
    )
)
_adjoint_helper(
    "list_rows_adjoint",
    ("g", "x"),
    lambda c, out, g, x: call("list_of", c),
    "the adjoint of an array given that of the list of its rows",
    fresh_array=True,
)

for _name, _doc in [
    ("list_position", "i counted from the start of xs (xs[i] valid)"),
    ("list_insert_position", "where xs.insert(i, v) puts v"),
    ("list_argmin", "the index of min(xs) (the first smallest item)"),
    ("list_argmax", "the index of max(xs) (the first largest item)"),
]:
    define(
        Primitive(
            _name,
            call_template(_name),
            ("xs", "i")[: 1 + ("position" in _name)],
            differentiable=False,
            int_result=True,
            helpers=(_name,),
            doc=_doc,
        )
    )

define(
    Primitive(
        "list_len",
        template("len(_0)"),
        ("xs",),
        differentiable=False,
        int_result=True,
        doc="len(xs) for a list value",
    )
)


# ------------------------------------------- compositions the frontend lowers

Emit = Any  # (prim, args, attrs) -> value: the frontend's way of appending an op
_NONE = Const(None)


def inserted(emit: Emit, xs: Any, i: Any, v: Any) -> Any:
    """The list after ``xs.insert(i, v)``."""
    k = emit("list_insert_position", [xs, i], {})
    head = emit("list_slice", [xs, _NONE, k, _NONE], {})
    tail = emit("list_slice", [xs, k, _NONE, _NONE], {})
    return emit("list_concat", [emit("list_append", [head, v], {}), tail], {})


def popped(emit: Emit, xs: Any, i: Any) -> tuple[Any, Any]:
    """``(value, list after)`` of ``xs.pop(i)``; the read comes first, so an empty list or
    an index out of range raises IndexError as Python's pop does."""
    value = emit("list_item", [xs, i], {})
    k = emit("list_position", [xs, i], {})
    head = emit("list_slice", [xs, _NONE, k, _NONE], {})
    tail = emit("list_slice", [xs, emit("add", [k, Const(1)], {}), _NONE, _NONE], {})
    after = emit("list_concat", [head, tail], {})
    return value, after


def extremum(emit: Emit, xs: Any, largest: bool) -> Any:
    """``max(xs)`` (or ``min``) of a list of numbers: the item at its arg-extremum, whose
    derivative is that item's."""
    k = emit("list_argmax" if largest else "list_argmin", [xs], {})
    return emit("list_item", [xs, k], {})


# Primitives that take a Python list as it is; any other given one gets
# ``np.array`` of it, as NumPy would make.
_TAKE_LISTS = frozenset(
    {"len", "truth", "not_", "bool", "make_tuple", "make_list", "str", "repr", "stop_gradient"}
)


def takes_lists(prim: str) -> bool:
    """Whether ``prim`` takes a list operand as a list (not as the array NumPy makes)."""
    return prim in _TAKE_LISTS or PRIMITIVES[prim].family in ("lists", "effects")


__all__ = ["extremum", "inserted", "popped", "takes_lists"]
