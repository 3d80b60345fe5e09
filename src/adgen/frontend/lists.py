"""Python lists: known item by item while that is possible, list values after that.

A list starts as a :class:`~adgen.frontend.values.Pack` (its items known while
lowering: ``[]``, ``[a, b]``, appends in straight-line code). It becomes a
*list value* (an IR value holding a Python list, see
:mod:`adgen.primitives.lists`) when its length stops being known: a loop
that grows it, branches that grow it differently, a list built from a list
value. The alias table knows which SSA names hold list values
(``cx.aliases.lists``).

Python's aliasing holds for both: ``xs.append(v)`` replaces what every name
bound to the same list denotes (a Pack by identity, a list value by SSA name),
so ``ys = xs; ys.append(v)`` changes what ``xs`` sees, and a loop carries the
names of one list as one value.

Example::

    hs = []                          hs = list_new()
    for t in range(n):               hs2 = for_range(0, n, 1, hs)
        h = np.tanh(W @ h)             body(t, hs1):
        hs.append(h)                     ...
    H = np.stack(hs)                     hs3 = list_append(hs1, h)
                                     H = list_join(hs2)
"""

from __future__ import annotations

from typing import Any

import gast

from ..ir import Const, Value, Var
from ..primitives import lists as prims
from .basics import as_value, bound_names, live, refuse_argument_change
from .carried import loop_names, stored_names
from .context import Context
from .values import Pack

# Methods of a list that change it, and the joins NumPy makes of a list.
METHODS = frozenset({"append", "extend", "insert", "pop"})
JOINS = {
    "array": "array",
    "stack": "stack",
    "concatenate": "concatenate",
    "vstack": "vstack",
    "hstack": "hstack",
}


def is_list(cx: Context, v: Any) -> bool:
    """Whether ``v`` is a list value (an IR value holding a Python list)."""
    return isinstance(v, Var) and v.name in cx.aliases.lists


def is_listlike(cx: Context, v: Any) -> bool:
    return is_list(cx, v) or (isinstance(v, Pack) and v.kind == "list")


def runtime(cx: Context, v: Any, node: gast.AST, base: str = "items") -> Value:
    """``v`` (a list value, or a list or tuple known item by item) as a list value."""
    if is_list(cx, v):
        return v
    if isinstance(v, Pack) and v.kind in ("list", "tuple"):
        return cx.emit("list_new", [as_value(cx, i, node) for i in v.items], base=base)
    if isinstance(v, Const) and isinstance(v.value, tuple):
        return cx.emit("list_new", [Const(i) for i in v.value], base=base)
    raise cx.error(node, "a list is needed here (a list, or a tuple of values)")


def replace(cx: Context, old: Any, new: Any) -> None:
    """Make every binding of the list ``old`` (a Pack by identity, a list value by
    name), directly or inside containers, denote ``new``."""
    refuse_argument_change(cx, old)
    memo: dict[int, Any] = {}

    def subst(v: Any) -> Any:
        if v is old or (isinstance(old, Var) and isinstance(v, Var) and v.name == old.name):
            return new
        if isinstance(v, Pack):
            if id(v) not in memo:
                items = tuple(subst(i) for i in v.items)
                same = all(a is b for a, b in zip(items, v.items, strict=True))
                memo[id(v)] = v if same else v.replace(items)
            return memo[id(v)]
        return v

    for name, v in list(cx.env.items()):
        cx.env[name] = subst(v)


def _emit(cx: Context) -> Any:
    return lambda prim, args, attrs: cx.emit(prim, args, attrs)


def method(cx: Context, node: gast.Call, base: Any) -> Any:
    """``base.append(v)`` and the other changing methods of a list; the call's value."""
    name = node.func.attr
    if node.keywords or any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, f"list.{name}() takes positional arguments only here")
    args = [live(cx, cx.expr(a), a) for a in node.args]
    counts = {"append": (1, 1), "extend": (1, 1), "insert": (2, 2), "pop": (0, 1)}[name]
    if not counts[0] <= len(args) <= counts[1]:
        raise cx.error(node, f"list.{name}() takes {counts[1]} argument(s)")
    if isinstance(base, Pack):
        done = _static_method(cx, node, base, name, args)
        if done is not None:
            new, result = done
            replace(cx, base, new)
            return result
    xs = runtime(cx, base, node)
    result: Value = Const(None)
    if name == "append":
        new = cx.emit("list_append", [xs, as_value(cx, args[0], node)])
    elif name == "extend":
        new = cx.emit("list_concat", [xs, runtime(cx, args[0], node.args[0])])
    elif name == "insert":
        new = prims.inserted(
            _emit(cx), xs, as_value(cx, args[0], node), as_value(cx, args[1], node)
        )
    else:
        index = as_value(cx, args[0], node) if args else Const(-1)
        result, new = prims.popped(_emit(cx), xs, index)
    replace(cx, base, new)
    return result


def _static_method(
    cx: Context, node: gast.Call, base: Pack, name: str, args: list[Any]
) -> tuple[Pack, Any] | None:
    """(the new Pack, the call's value) when the items stay known; else None."""
    items = list(base.items)
    if name == "append":
        return base.replace((*items, args[0])), Const(None)
    if name == "extend":
        other = args[0]
        if isinstance(other, Pack) and other.kind != "dict":
            return base.replace((*items, *other.items)), Const(None)
        if isinstance(other, Const) and isinstance(other.value, tuple):
            return base.replace((*items, *(Const(v) for v in other.value))), Const(None)
        return None
    index = args[0] if args else Const(-1)
    if not (isinstance(index, Const) and type(index.value) is int):
        return None
    if name == "insert":
        items.insert(index.value, args[1])
        return base.replace(tuple(items)), Const(None)
    if not -len(items) <= index.value < len(items):
        raise cx.error(
            node, "pop from an empty list, or an index out of range: Python raises IndexError here"
        )
    value = items.pop(index.value)
    return base.replace(tuple(items)), value


def concat(cx: Context, left: Any, right: Any, node: gast.AST) -> Value | None:
    """``left + right`` when one side is a list value (None otherwise)."""
    if not (is_list(cx, left) or is_list(cx, right)):
        return None
    return cx.emit("list_concat", [runtime(cx, left, node), runtime(cx, right, node)])


def extend_in_place(cx: Context, xs: Any, other: Any, node: gast.AST) -> None:
    """``xs += other``: the list ``xs`` is extended in place (every name of it sees it)."""
    if isinstance(xs, Pack) and isinstance(other, Pack) and other.kind != "dict":
        replace(cx, xs, xs.replace((*xs.items, *other.items)))
        return
    replace(cx, xs, cx.emit("list_concat", [runtime(cx, xs, node), runtime(cx, other, node)]))


def store(cx: Context, xs: Var, target: gast.Subscript, v: Any) -> None:
    """``xs[i] = v`` for a list value (every name of the list sees it)."""
    if isinstance(target.slice, (gast.Slice, gast.Tuple)):
        raise cx.error(
            target, "only one item of a list value can be assigned at a time (xs[i] = v)"
        )
    i = as_value(cx, cx.expr(target.slice), target.slice)
    replace(cx, xs, cx.emit("list_set", [xs, i, as_value(cx, v, target)]))


def subscript(cx: Context, base: Var, node: gast.Subscript) -> Value:
    """``xs[i]`` or ``xs[a:b:c]`` of a list value."""
    part = node.slice
    if isinstance(part, gast.Slice):
        bounds = [
            Const(None) if p is None else as_value(cx, cx.expr(p), p)
            for p in (part.lower, part.upper, part.step)
        ]
        return cx.emit("list_slice", [base, *bounds])
    if isinstance(part, gast.Tuple):
        raise cx.error(
            node,
            "a list takes one index; turn it into an array (np.array(xs)) to index it with several",
        )
    return cx.emit("list_item", [base, as_value(cx, cx.expr(part), part)])


def item(cx: Context, seq: Value, i: Value, base: str) -> Var:
    """The item a for loop over ``seq`` visits at index ``i`` (a row of an array)."""
    return cx.emit("list_item" if is_list(cx, seq) else "row", [seq, i], base=base)


def reduce(cx: Context, what: str, xs: Var, start: Value | None = None) -> Value:
    """``sum``, ``math.fsum``, ``min``, ``max``, ``any`` or ``all`` of a list value."""
    if what in ("any", "all"):
        return cx.emit(f"list_{what}", [xs])
    if what in ("sum", "math.fsum"):
        total = cx.emit("list_sum" if what == "sum" else "list_fsum", [xs])
        zero = start is None or (
            isinstance(start, Const) and type(start.value) is int and start.value == 0
        )
        return total if zero else cx.emit("add", [start, total])
    return prims.extremum(_emit(cx), xs, what == "max")


def join(cx: Context, kind: str, xs: Var, attrs: dict[str, Any]) -> Value:
    """``np.stack(xs)`` (or another join, or ``np.array``) of a list value."""
    shown = {"join": kind, **({"axis": attrs["axis"]} if "axis" in attrs else {})}
    if set(attrs) - {"axis", "dtype"} or attrs.get("dtype") not in (None, "float", "float64"):
        raise cx.error(None, f"np.{kind} of a list value takes only axis here")
    return cx.emit("list_join", [xs], shown)


def before_loop(cx: Context, s: gast.AST, body: list[gast.stmt], is_for: bool) -> None:
    """Lists the loop grows or rebinds become list values before it starts (their
    length changes from one iteration to the next)."""
    names = loop_names(body, [] if is_for else [s.test])
    targets = set(stored_names([s.target])) if is_for else set()
    for n in {*names.stored, *names.written} - targets:
        v = cx.env.get(n)
        if isinstance(v, Pack) and v.kind == "list":
            replace(cx, v, runtime(cx, v, s, n))


def merged(
    cx: Context, tv: Any, ev: Any, then_frame: Any, else_frame: Any, node: gast.AST | None
) -> tuple[Any, Any]:
    """Branch values of one name, as list values if they are lists that differ."""
    if tv is ev or not (is_listlike(cx, tv) and is_listlike(cx, ev)):
        return tv, ev
    out = []
    for v, (env, block) in ((tv, then_frame), (ev, else_frame)):
        with cx.scope.enter(env, block=block):
            out.append(runtime(cx, v, node))
    return out[0], out[1]


def list_of(cx: Context, x: Var, runtime: bool) -> Any:
    """``list(x)`` of a range or an array: the items themselves when ``x`` is a range of
    constants, else (if ``runtime``) a list value of its rows; None if neither."""
    op = cx.block.ops[-1] if cx.block.ops else None
    if (
        op is not None
        and op.prim == "make_range"
        and op.results == [x.name]
        and x.name not in bound_names(cx)
        and all(isinstance(a, Const) and type(a.value) is int for a in op.args)
    ):
        cx.block.ops.pop()
        return Pack("list", tuple(Const(k) for k in range(*(a.value for a in op.args))))
    return cx.emit("list_of", [x], base="rows") if runtime else None


def call_dict(cx: Context, node: gast.Call, obj: Any) -> Any:
    """``dict()``, ``dict(d)`` (a copy), ``dict(pairs)`` and ``dict(k=v)`` of values
    known item by item."""
    keys: list[Any] = []
    items: list[Any] = []
    if len(node.args) > 1:
        raise cx.error(node, "dict() takes at most one positional argument")
    if node.args:
        given = live(cx, cx.expr(node.args[0]), node.args[0])
        if isinstance(given, Pack) and given.kind == "dict":
            keys, items = list(given.keys), list(given.items)
        elif isinstance(given, Pack) and all(
            isinstance(p, Pack) and len(p.items) == 2 and isinstance(p.items[0], Const)
            for p in given.items
        ):
            keys = [p.items[0].value for p in given.items]
            items = [p.items[1] for p in given.items]
        else:
            raise cx.error(node, "dict() needs a dict or pairs with constant keys here")
    for kw in node.keywords:
        if kw.arg is None:
            raise cx.error(node, "dict(**d) is not supported; use dict(d)")
        keys.append(kw.arg)
        items.append(live(cx, cx.expr(kw.value), kw.value))
    merged = dict(zip(keys, items))  # later keys win, as in Python
    return Pack("dict", tuple(merged.values()), tuple(merged))
