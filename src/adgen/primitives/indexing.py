"""Indexing: reads ``x[index]``, functional writes ``setitem``, and their adjoints.

An index is spread over an op's operands so that every part of it is a plain
:class:`~adgen.ir.Value` (slice objects are not hashable before Python 3.12,
so they cannot be constants). The static attribute ``kinds`` spells the index
one component at a time: ``"v"`` is one operand (an integer, an integer or
boolean array, ``None`` or ``...``), ``"s"`` a slice given by three operands
(start, stop, step; ``None`` where omitted). ``x[i:i + 2, ..., None, j]`` is
``getitem(x, i, t1, None, ..., None, j, kinds="svvv")``.

Writes are functional: ``y[index] = v`` becomes ``y1 = setitem(y, v, *index)``,
a new value; the frontend rebinds every name that denotes the old array (see
:mod:`adgen.frontend.indexing`). The adjoint of ``y`` zeroes the overwritten
part, the adjoint of ``v`` gathers it (:func:`gather_written` drops positions
an integer-array index writes more than once, where only the last write
counts) and sums out broadcasting. The adjoint of a read adds into zeros
(``np.add.at`` when an integer array may repeat positions).

The helpers are emitted as calls to :mod:`adgen.runtime` functions that
copy; each is itself a primitive with rules, so derivatives can be
differentiated again.
"""

from __future__ import annotations

import ast
from typing import Any

from .arith import unbroadcast
from .core import UNKNOWN, Primitive, Sym, Ty, call, define

# ------------------------------------------------------------------ emission


def index_components(args: list[ast.expr], kinds: str) -> list[ast.expr]:
    """The components of an index, as expressions (slices as ``ast.Slice``)."""
    out: list[ast.expr] = []
    k = 0
    for kind in kinds:
        if kind == "s":
            lo, hi, step = (None if _is_none(a) else a for a in args[k : k + 3])
            out.append(ast.Slice(lower=lo, upper=hi, step=step))
            k += 3
        else:
            out.append(args[k])
            k += 1
    return out


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def subscript_index(args: list[ast.expr], kinds: str) -> ast.expr:
    """The index as written between brackets: ``x[<this>]``."""
    parts = index_components(args, kinds)
    if len(parts) == 1:
        return parts[0]
    return ast.Tuple(elts=parts, ctx=ast.Load())


def index_value(args: list[ast.expr], kinds: str) -> ast.expr:
    """The index as a Python value: ``np.s_[...]`` when it holds slices."""
    inner = subscript_index(args, kinds)
    if "s" not in kinds:
        return inner
    np_s = ast.Attribute(value=ast.Name(id="np", ctx=ast.Load()), attr="s_", ctx=ast.Load())
    return ast.Subscript(value=np_s, slice=inner, ctx=ast.Load())


def _kinds(attrs: dict[str, Any]) -> str:
    return attrs.get("kinds", "v")


def _emit_getitem(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.Subscript(
        value=args[0], slice=subscript_index(args[1:], _kinds(attrs)), ctx=ast.Load()
    )


def _helper_call(
    name: str, lead: list[ast.expr], index: ast.expr, tail: list[ast.expr]
) -> ast.expr:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[*lead, index, *tail], keywords=[])


def _emit_setitem(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    # setitem(y, v, *index) is written setitem(y, index, v), like y[index] = v.
    return _helper_call("setitem", [args[0]], index_value(args[2:], _kinds(attrs)), [args[1]])


def _emit_scatter_add(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return _helper_call("scatter_add", args[:2], index_value(args[2:], _kinds(attrs)), [])


def _emit_gather_written(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return _helper_call("gather_written", args[:1], index_value(args[1:], _kinds(attrs)), [])


# --------------------------------------------------------------- shape rules


def _slice_length(parts: list[Ty], dim: int | None) -> int | None:
    """The length of ``x[start:stop:step]`` along an axis of length ``dim``, if known."""
    bounds = []
    for t in parts:
        if t.kind == "none":
            bounds.append(None)
        elif t.kind == "int" and t.value is not None:
            bounds.append(t.value)
        else:
            return None
    return None if dim is None else len(range(*slice(*bounds).indices(dim)))


def indexed(x: Ty, index: list[Ty], kinds: str) -> Ty:
    """The type of ``x[index]``: basic indexing by ints, slices and None (an
    integer index into every axis gives a scalar); unknown for anything else."""
    if x.kind == "tuple" and kinds == "v" and index[0].kind == "int":
        k = index[0].value
        return Ty("int", (), x.value[k] if x.value is not None and k is not None else None)
    if x.kind != "array" or x.shape is None:
        return UNKNOWN
    dims = list(x.shape)
    out: list[int | None] = []
    k = 0
    for kind in kinds:
        if kind == "s":
            if not dims:
                return UNKNOWN
            out.append(_slice_length(index[k : k + 3], dims.pop(0)))
            k += 3
            continue
        t = index[k]
        k += 1
        if t.kind == "none":
            out.append(1)
        elif t.kind == "int" and dims:
            dims.pop(0)
        else:
            return UNKNOWN  # an array, a bool, an Ellipsis, or not known
    out.extend(dims)
    return Ty("array", tuple(out)) if out else Ty("?", ())


def _getitem_shape(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    return indexed(args[0], args[1:], _kinds(attrs))


# --------------------------------------------------------------------- rules


def _getitem_vjp(g: Sym, out: Sym, x: Sym, *index: Sym, kinds: str) -> Sym:
    return call("scatter_add", g, x, *index, kinds=kinds)


define(
    Primitive(
        "getitem",
        _emit_getitem,
        ("x",),
        attrs={"kinds": "v"},
        jvp=lambda ts, out, x, *index, kinds: call("getitem", ts[0], *index, kinds=kinds),
        vjps=(_getitem_vjp,),
        variadic=True,
        shape_rule=_getitem_shape,
        float_result="first",  # elements of a floating array are floating
        doc="x[index]: integers, slices, None, ..., integer and boolean arrays",
    )
)


def _setitem_jvp(
    ts: list[Sym | None], out: Sym, y: Sym, v: Sym, *index: Sym, kinds: str
) -> Sym | None:
    ty, tv = ts[0], ts[1]
    if ty is None and tv is None:
        return None
    base = ty if ty is not None else call("zeros_like", out)
    return call("setitem", base, 0.0 if tv is None else tv, *index, kinds=kinds)


define(
    Primitive(
        "setitem",
        _emit_setitem,
        ("y", "v"),
        attrs={"kinds": "v"},
        jvp=_setitem_jvp,
        vjps=(
            lambda g, out, y, v, *index, kinds: call("setitem", g, 0.0, *index, kinds=kinds),
            lambda g, out, y, v, *index, kinds: unbroadcast(
                call("gather_written", g, *index, kinds=kinds), v
            ),
        ),
        variadic=True,
        shape_of=0,
        helpers=("setitem",),
        fresh_array=True,
        doc="a copy of y with y[index] = v (the functional form of an indexed write)",
    )
)

define(
    Primitive(
        "scatter_add",
        _emit_scatter_add,
        ("g", "like"),
        attrs={"kinds": "v"},
        jvp=lambda ts, out, g, like, *index, kinds: (
            None if ts[0] is None else call("scatter_add", ts[0], like, *index, kinds=kinds)
        ),
        vjps=(lambda b, out, g, like, *index, kinds: call("getitem", b, *index, kinds=kinds), None),
        variadic=True,
        shape_of=1,
        helpers=("scatter_add",),
        fresh_array=True,
        shape_only=(1,),
        no_cse=True,
        doc="zeros shaped like `like` with g added at index: the adjoint of like[index]",
    )
)


def _emit_index_add(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return _helper_call("index_add", args[:2], index_value(args[2:], _kinds(attrs)), [])


def _index_add_jvp(
    ts: list[Sym | None], out: Sym, acc: Sym, g: Sym, *index: Sym, kinds: str
) -> Sym | None:
    # The tangent accumulator is owned like the accumulator: it may be added to in place.
    tacc, tg = ts[0], ts[1]
    if tg is None:
        return tacc
    if tacc is None:
        return call("scatter_add", tg, acc, *index, kinds=kinds)
    return call("index_add", tacc, tg, *index, kinds=kinds)


define(
    Primitive(
        "index_add",
        _emit_index_add,
        ("acc", "g", "index"),
        attrs={"kinds": "v"},
        jvp=_index_add_jvp,
        vjps=(
            lambda b, out, acc, g, *index, kinds: b,
            lambda b, out, acc, g, *index, kinds: call("getitem", b, *index, kinds=kinds),
            None,
        ),
        variadic=True,
        shape_of=0,
        helpers=("index_add",),
        effect=True,
        doc="acc with g added at index, in place: a loop's accumulator of the adjoint of an "
        "array it indexes (only where the generated code owns acc)",
    )
)

define(
    Primitive(
        "gather_written",
        _emit_gather_written,
        ("g",),
        attrs={"kinds": "v"},
        jvp=lambda ts, out, g, *index, kinds: call("gather_written", ts[0], *index, kinds=kinds),
        vjps=(
            lambda b, out, g, *index, kinds: call(
                "setitem", call("zeros_like", g), b, *index, kinds=kinds
            ),
        ),
        variadic=True,
        helpers=("gather_written",),
        shape_rule=_getitem_shape,
        doc="g[index] without the positions a repeated index overwrote: the adjoint of v "
        "in y[index] = v",
    )
)

# ------------------------------------------------------ run-time aliasing


def _emit_alias_select(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    view, base, a, b = args
    test = ast.Call(
        func=ast.Attribute(
            value=ast.Name(id="np", ctx=ast.Load()), attr="may_share_memory", ctx=ast.Load()
        ),
        args=[view, base],
        keywords=[],
    )
    return ast.IfExp(test=test, body=a, orelse=b)


def _select_jvp(ts: list[Sym | None], out: Sym, view: Sym, base: Sym, a: Sym, b: Sym) -> Sym | None:
    ta, tb = ts[2], ts[3]
    if ta is None and tb is None:
        return None
    return call(
        "alias_select",
        view,
        base,
        call("zeros_like", a) if ta is None else ta,
        call("zeros_like", b) if tb is None else tb,
    )


define(
    Primitive(
        "alias_select",
        _emit_alias_select,
        ("view", "base", "a", "b"),
        jvp=_select_jvp,
        vjps=(
            None,
            None,
            lambda g, out, view, base, a, b: call(
                "alias_select", view, base, g, call("zeros_like", g)
            ),
            lambda g, out, view, base, a, b: call(
                "alias_select", view, base, call("zeros_like", g), g
            ),
        ),
        doc="a if view and base share memory else b: how the frontend follows a write "
        "through a result that NumPy makes a view or a copy at run time",
    )
)
