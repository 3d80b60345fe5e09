"""Lowering of calls: a primitive's arguments bound to its operands and attributes, and
calls that are more than one primitive applied to its operands.

Python builtins (``len``, ``float``, ``int``, ``sum``, ``min``, ``max``,
``range``, ``slice``, ``tuple``, ``list``), ``math`` functions that are
rewritten onto other primitives (``math.log`` with a base, ``math.log10``,
``math.pow``, ``math.hypot`` of any number of values...), array methods
(``x.copy()``, ``x.astype(float)``, and methods whose NumPy function is a
primitive), and calls of functions given custom rules (:mod:`adgen.custom`).

``min``/``max`` of several values follow Python: ``max(a, b)`` is ``a``
unless ``b > a``, so the derivative follows the value chosen (the first one on
a tie); they are lowered onto ``np.minimum``/``np.maximum``, which pick and
differentiate the same way, elementwise for arrays.
"""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import gast
import numpy as np

from .. import custom
from ..errors import DifferentiationError
from ..ir import Const, Value, Var
from ..primitives import PRIMITIVES
from ..primitives.composite import Composite, lookup_composite
from ..primitives.core import TUPLE_SINGLE, Builder, lookup_method
from . import lists
from .basics import as_value, live, static, value
from .context import Context
from .einsum import call_einsum
from .values import Pack, Parts, SliceValue


def special_call(cx: Context, node: gast.Call, obj: Any) -> Any:
    """Lower a call of ``obj`` if it needs more than a primitive; else None."""
    entry = custom.lookup(obj)
    if entry is not None:
        return custom_call(cx, node, entry)
    comp = lookup_composite(obj)
    if comp is not None:
        return composite_call(cx, node, comp)
    try:
        handler = _HANDLERS.get(obj)
    except TypeError:
        return None
    if handler is None:
        return None
    return handler(cx, node, obj)


def call_args(
    cx: Context,
    node: gast.Call,
    low: int,
    high: int | None,
    what: str,
    keywords: tuple[str, ...] = (),
) -> list[Any]:
    if any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, f"*arguments in a call of {what} are not supported")
    for kw in node.keywords:
        if kw.arg not in keywords:
            raise cx.error(node, f"{what} does not support the keyword argument {kw.arg!r} here")
    n = len(node.args)
    if n < low or (high is not None and n > high):
        count = f"{low}" if high == low else f"{low} to {high}" if high else f"{low} or more"
        raise cx.error(node, f"{what} takes {count} argument(s) here, not {n}")
    return [live(cx, cx.expr(a), a) for a in node.args]


def keyword(cx: Context, node: gast.Call, name: str) -> gast.AST | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def call_len(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x,) = call_args(cx, node, 1, 1, "len")
    if isinstance(x, Pack):
        return Const(len(x.items))
    if isinstance(x, Const) and isinstance(x.value, (tuple, str)):
        return Const(len(x.value))
    return cx.emit("len", [as_value(cx, x, node.args[0])])


def call_convert(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x,) = call_args(cx, node, 1, 1, obj.__name__)
    x = as_value(cx, x, node.args[0])
    if isinstance(x, Const):
        try:
            return Const(obj(x.value))
        except (TypeError, ValueError):
            raise cx.error(node, f"{obj.__name__}({x.value!r}) fails") from None
    return cx.emit(obj.__name__, [x])


def items_of(cx: Context, x: Any, node: gast.AST, what: str) -> list[Any] | None:
    """The items of a tuple or list known while lowering, else None."""
    if isinstance(x, Pack) and x.kind != "dict":
        return [live(cx, i, node) for i in x.items]
    if isinstance(x, Const) and isinstance(x.value, tuple):
        return [Const(v) for v in x.value]
    return None


def call_sum(cx: Context, node: gast.Call, obj: Any) -> Any:
    what = "math.fsum" if obj is math.fsum else "sum"
    args = call_args(
        cx, node, 1, 1 if obj is math.fsum else 2, what, () if obj is math.fsum else ("start",)
    )
    start_node = keyword(cx, node, "start")
    start: Any = (
        args[1] if len(args) > 1 else (cx.expr(start_node) if start_node is not None else Const(0))
    )
    start = as_value(cx, start, node)
    if lists.is_list(cx, args[0]):
        return lists.reduce(cx, what, args[0], start)
    items = items_of(cx, args[0], node.args[0], what)
    if items is None:
        # Python sums an array over its first axis.
        total = cx.emit("sum", [as_value(cx, args[0], node.args[0])], {"axis": 0})
        items = [total]
    total = start
    for item in items:
        value = as_value(cx, item, node)
        total = value if _is_zero(total) else cx.emit("add", [total, value])
    return total


def extremum(cx: Context, node: gast.Call, prim: str, what: str) -> Any:
    args = call_args(cx, node, 1, None, what)
    items = args
    if len(args) == 1 and lists.is_list(cx, args[0]):
        return lists.reduce(cx, what, args[0])
    if len(args) == 1:
        items = items_of(cx, args[0], node.args[0], what)  # type: ignore[assignment]
        if items is None:
            raise cx.error(
                node,
                f"{what}() of one array compares its rows; use "
                f"np.{'amax' if what == 'max' else 'amin'}(x, axis=0) or "
                f"np.{what}imum(a, b) instead",
            )
        if not items:
            raise cx.error(node, f"{what}() of an empty sequence fails")
    result = as_value(cx, items[0], node)
    for item in items[1:]:
        result = cx.emit(prim, [result, as_value(cx, item, node)])
    return result


def call_max(cx: Context, node: gast.Call, obj: Any) -> Any:
    return extremum(cx, node, "maximum", "max")


def call_min(cx: Context, node: gast.Call, obj: Any) -> Any:
    return extremum(cx, node, "minimum", "min")


def call_any_all(cx: Context, node: gast.Call, obj: Any) -> Any:
    """``any(xs)``, ``all(xs)`` of a list (not differentiable: truth values)."""
    what = obj.__name__
    (x,) = call_args(cx, node, 1, 1, what)
    if lists.is_list(cx, x):
        return lists.reduce(cx, what, x)
    items = items_of(cx, x, node.args[0], what)
    if items is None:
        raise cx.error(node, f"{what}() of an array: use np.{what}(x)")
    if not items:
        return Const(what == "all")
    result = cx.emit("truth", [as_value(cx, items[0], node)])
    for item in items[1:]:
        nxt = cx.emit("truth", [as_value(cx, item, node)])
        result = cx.emit("or_" if what == "any" else "and_", [result, nxt])
    return result


def call_range(cx: Context, node: gast.Call, obj: Any) -> Any:
    args = call_args(cx, node, 1, 3, "range")
    return cx.emit("make_range", [as_value(cx, a, node) for a in args])


def call_slice(cx: Context, node: gast.Call, obj: Any) -> Any:
    args = [as_value(cx, a, node) for a in call_args(cx, node, 1, 3, "slice")]
    if len(args) == 1:
        args = [Const(None), args[0]]
    return SliceValue.of(*args)


def call_tuple(cx: Context, node: gast.Call, obj: Any) -> Any:
    return convert_sequence(cx, node, "tuple")


def call_list(cx: Context, node: gast.Call, obj: Any) -> Any:
    return convert_sequence(cx, node, "list")


def convert_sequence(cx: Context, node: gast.Call, kind: str) -> Any:
    args = call_args(cx, node, 0, 1, kind)
    if not args:
        return Pack(kind, ())
    if lists.is_list(cx, args[0]):  # a copy
        return cx.emit("list_slice", [args[0], Const(None), Const(None), Const(None)])
    items = items_of(cx, args[0], node.args[0], kind)
    if items is None and isinstance(args[0], Var):
        made = lists.list_of(cx, args[0], kind == "list")
        if made is not None:
            return made if kind == "list" else Pack(kind, made.items)
    if items is None:
        raise cx.error(
            node, f"{kind}() of this value is not supported; build the {kind} from its items"
        )
    return Pack(kind, tuple(items))


def call_math_log(cx: Context, node: gast.Call, obj: Any) -> Any:
    high = 2 if obj is math.log else 1
    args = [as_value(cx, a, node) for a in call_args(cx, node, 1, high, obj.__name__)]
    log = cx.emit("log", [args[0]])
    if obj is math.log10:
        return cx.emit("mul", [log, Const(1 / math.log(10))])
    if obj is math.log2:
        return cx.emit("mul", [log, Const(1 / math.log(2))])
    if len(args) == 2:
        base = args[1]
        if isinstance(base, Const) and isinstance(base.value, (int, float)):
            return cx.emit("mul", [log, Const(1 / math.log(base.value))])
        return cx.emit("div", [log, cx.emit("log", [base])])
    return log


def call_math_pow(cx: Context, node: gast.Call, obj: Any) -> Any:
    x, y = (as_value(cx, a, node) for a in call_args(cx, node, 2, 2, "math.pow"))
    return cx.emit("pow", [x, y])


def call_math_fabs(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x,) = call_args(cx, node, 1, 1, "math.fabs")
    return cx.emit("abs", [as_value(cx, x, node)])


def call_math_angle(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x,) = call_args(cx, node, 1, 1, obj.__name__)
    factor = 180 / math.pi if obj is math.degrees else math.pi / 180
    return cx.emit("mul", [as_value(cx, x, node), Const(factor)])


def call_math_hypot(cx: Context, node: gast.Call, obj: Any) -> Any:
    args = [as_value(cx, a, node) for a in call_args(cx, node, 1, None, "math.hypot")]
    if len(args) == 1:
        return cx.emit("abs", args)
    if len(args) == 2:
        return cx.emit("hypot", args)
    total: Value | None = None
    for a in args:
        sq = cx.emit("mul", [a, a])
        total = sq if total is None else cx.emit("add", [total, sq])
    return cx.emit("sqrt", [total])  # type: ignore[list-item]


def custom_call(cx: Context, node: gast.Call, entry: custom.CustomFunction) -> Any:
    """A call of a function with custom rules: one op, its rules bound by name."""
    if any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, f"*arguments in a call of {entry.name} are not supported")
    if len(node.args) > len(entry.params):
        raise cx.error(
            node, f"{entry.name} takes {len(entry.params)} argument(s) ({', '.join(entry.params)})"
        )
    bound: dict[str, Any] = dict(zip(entry.params, node.args, strict=False))
    for kw in node.keywords:
        if kw.arg not in entry.params or kw.arg in bound:
            raise cx.error(node, f"unsupported keyword argument {kw.arg!r} for {entry.name}")
        bound[kw.arg] = kw.value
    operands: list[Value] = []
    for p in entry.params:
        if p in bound:
            operands.append(value(cx, bound[p]))
        elif p in entry.defaults and _constant(entry.defaults[p]):
            operands.append(Const(entry.defaults[p]))
        else:
            raise cx.error(node, f"{entry.name} needs its argument {p!r}")
    for name, obj in entry.bindings().items():
        if cx.freevars.get(name, obj) is not obj:
            raise cx.error(
                node,
                f"the name {name!r} of a custom rule clashes with "
                "another value this function uses; register the rule "
                "under another name (name=...)",
            )
        cx.freevars[name] = obj
        cx.namer.reserve(name)
    return cx.emit(entry.prim, operands)


class _Emitting(Builder):
    """A rule builder whose ops go straight into the function being lowered."""

    def __init__(self, cx: Context) -> None:
        super().__init__(cx.namer, cx.loc)
        self.cx = cx
        self.inexact = lambda v: False

    def emit_op(self, prim: str, args: Any, attrs: dict[str, Any], base: str) -> Var:
        return self.cx.emit(prim, list(args), attrs, base)


def composite_call(cx: Context, node: gast.Call, comp: Composite) -> Any:
    """A call of a composite: its formula expanded over the call's operands."""
    what = comp.name
    if any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, f"*arguments in a call of {what} are not supported")
    names = list(comp.names)
    if len(node.args) > len(names):
        raise cx.error(node, f"too many arguments for {what}: it takes {', '.join(names)}")
    bound: dict[str, Any] = dict(zip(names, node.args, strict=False))
    for kw in node.keywords:
        if kw.arg not in names or kw.arg in bound:
            raise cx.error(node, f"unsupported keyword argument {kw.arg!r} for {what}")
        bound[kw.arg] = kw.value
    b = _Emitting(cx)
    operands = []
    for p in comp.params:
        if p in bound:
            operands.append(b.sym(value(cx, bound[p])))
        elif p in comp.defaults:
            operands.append(b.sym(Const(comp.defaults[p])))
        else:
            raise cx.error(node, f"{what} needs its argument {p!r}")
    attrs = {
        k: static(cx, bound[k], f"the argument {k!r} of {what}") if k in bound else d
        for k, d in comp.attrs.items()
    }
    try:
        out = comp.body(*operands, **attrs)
    except DifferentiationError as e:
        raise cx.error(node, str(e)) from None
    if isinstance(out, tuple):
        return Parts(tuple(o.v for o in out))
    if isinstance(out, list):
        return Pack("list", tuple(o.v for o in out))
    return out.v


def static_binop(cx: Context, node: gast.BinOp, prim: str, left: Any, right: Any) -> Any:
    """``a op b`` known while lowering: integer arithmetic on constants (so that
    ``axis=n - 1`` stays a constant), tuple and list concatenation; else None."""
    if isinstance(left, Pack) or isinstance(right, Pack):
        if (
            prim == "add"
            and isinstance(left, Pack)
            and isinstance(right, Pack)
            and left.kind == right.kind != "dict"
        ):
            return Pack(left.kind, left.items + right.items)
        if (
            prim == "add"
            and isinstance(left, Pack)
            and isinstance(right, Const)
            and isinstance(right.value, tuple)
            and left.kind == "tuple"
        ):
            return Pack("tuple", left.items + tuple(Const(v) for v in right.value))
        if (
            prim == "add"
            and isinstance(right, Pack)
            and isinstance(left, Const)
            and isinstance(left.value, tuple)
            and right.kind == "tuple"
        ):
            return Pack("tuple", tuple(Const(v) for v in left.value) + right.items)
        return None
    if isinstance(left, Const) and isinstance(right, Const):
        a, b = left.value, right.value
        if isinstance(a, tuple) and isinstance(b, tuple) and prim == "add":
            return Const(a + b)
        if type(a) is int and type(b) is int and prim in _INT_FOLD:
            try:
                return Const(_INT_FOLD[prim](a, b))
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
    return None


def special_method(cx: Context, node: gast.Call, base: Value, name: str) -> Any:
    """``base.name(...)`` for methods beyond the primitive table; None if unknown."""
    if lookup_method(name) is not None:
        return None  # the table knows it
    if name == "copy":
        call_args(cx, node, 0, 0, "copy")
        return cx.emit("copy", [base])
    if name == "astype":
        if len(node.args) != 1 or node.keywords:
            raise cx.error(node, "astype takes one argument, the dtype, here")
        dtype = static_dtype(cx, node.args[0])
        return cx.emit("astype", [base], {"dtype": dtype})
    return None


def static_dtype(cx: Context, node: gast.AST) -> str:
    out = cx.expr(node)
    obj = out.obj if hasattr(out, "obj") else (out.value if isinstance(out, Const) else None)
    try:
        if obj is None:
            raise TypeError(obj)
        return np.dtype(obj).name  # type: ignore[arg-type]
    except TypeError:
        raise cx.error(
            node, "the dtype must be written in the source (float, np.float32, 'float64'...)"
        ) from None


def single_result(cx: Context, node: gast.Call, obj: Any) -> str | None:
    """The primitive computing a call of the tuple-returning ``obj`` whose arguments
    make it return one array (``np.linalg.svd(a, compute_uv=False)``), else None."""
    rule = TUPLE_SINGLE.get(obj)
    if rule is None:
        return None
    name, position, prims = rule
    arg = keyword(cx, node, name)
    if arg is None and len(node.args) > position:
        arg = node.args[position]
    if arg is None:
        return None
    return prims.get(static(cx, arg, f"the argument {name!r}"))


def packed_operands(cx: Context, node: gast.Call, prim: str, arg: gast.AST, n: int) -> list[Value]:
    """The first ``n`` operands of ``prim`` from a tuple argument: ``(c, lower)``
    written in the call, or the result of a call returning a tuple."""
    out = live(cx, cx.expr(arg), arg)
    items = (
        out.values
        if isinstance(out, Parts)
        else out.items
        if isinstance(out, Pack) and out.kind == "tuple"
        else None
    )
    if items is None or len(items) != n:
        raise cx.error(
            node,
            f"{prim} needs its first argument as a tuple of {n} written in "
            "the call, or the call that makes it (as in cho_solve(cho_factor(a), "
            "b))",
        )
    return [as_value(cx, i, arg) for i in items]


def prim_call(
    cx: Context, node: gast.Call, prim: str, args: list[Any], keywords: list[gast.keyword]
) -> Value:
    """Bind a call's arguments to the primitive's operands and attributes."""
    entry = PRIMITIVES[prim]
    listed = bool(args) and isinstance(args[0], (gast.List, gast.Tuple))
    if entry.of_list and listed:
        return prim_call(cx, node, entry.of_list, args, keywords)
    operands: list[Value] = []
    names = list(entry.operands) + list(entry.attrs)
    given = None
    if (entry.listed or entry.of_list) and args and not listed:
        given = (
            args[0] if isinstance(args[0], (Var, Const)) else live(cx, cx.expr(args[0]), args[0])
        )
        if isinstance(given, Pack) and given.kind != "dict" and entry.listed:
            operands = [as_value(cx, i, args[0]) for i in given.items]
            args, names = args[1:], list(entry.attrs)
        elif lists.is_list(cx, given):
            kind = entry.of_list or prim
            attrs = {
                kw.arg: static(cx, kw.value, f"the argument {kw.arg!r} of {kind}")
                for kw in keywords
            }
            for name, a in zip(list(PRIMITIVES[kind].attrs), args[1:], strict=False):
                attrs[name] = static(cx, a, f"the argument {name!r} of {kind}")
            return lists.join(cx, kind, given, attrs)
        elif entry.listed:
            raise cx.error(node, f"{prim} needs its arrays as a list, such as [a, b]")
        else:
            args = [as_value(cx, given, args[0]), *args[1:]]
    elif entry.listed:
        if not listed:
            raise cx.error(
                node, f"{prim} needs its arrays as a list written in the call, such as [a, b]"
            )
        operands = [value(cx, e) for e in args[0].elts]
        args, names = args[1:], list(entry.attrs)
    elif entry.variadic:
        operands = [a if isinstance(a, (Var, Const)) else value(cx, a) for a in args]
        args, names = [], list(entry.attrs)
    elif entry.packed and args:
        operands = packed_operands(cx, node, prim, args[0], entry.packed)
        args, names = args[1:], names[entry.packed :]
    bound: dict[str, Any] = {}
    if len(args) > len(names):
        raise cx.error(node, f"too many arguments for {prim}: it takes {', '.join(names)}")
    for name, a in zip(names, args, strict=False):
        bound[name] = a
    for kw in keywords:
        if kw.arg not in names or kw.arg in bound:
            raise cx.error(node, f"unsupported keyword argument {kw.arg!r} for {prim}")
        bound[kw.arg] = kw.value
    if not entry.variadic:
        for name in entry.operands[len(operands) :]:
            if name not in bound:
                raise cx.error(node, f"{prim} needs its argument {name!r}")
            a = bound[name]
            operands.append(a if isinstance(a, (Var, Const)) else value(cx, a))
    attrs = {}
    for name in entry.attrs:
        if name in bound:
            attrs[name] = static(cx, bound[name], f"the argument {name!r} of {prim}")
    return cx.emit(prim, operands, attrs)


_HANDLERS: dict[Any, Any] = {
    builtins.len: call_len,
    builtins.sum: call_sum,
    builtins.max: call_max,
    builtins.min: call_min,
    builtins.range: call_range,
    builtins.any: call_any_all,
    builtins.all: call_any_all,
    builtins.slice: call_slice,
    builtins.tuple: call_tuple,
    builtins.list: call_list,
    builtins.float: call_convert,
    builtins.int: call_convert,
    builtins.bool: call_convert,
    math.log: call_math_log,
    math.log10: call_math_log,
    math.log2: call_math_log,
    math.pow: call_math_pow,
    math.fabs: call_math_fabs,
    math.degrees: call_math_angle,
    math.radians: call_math_angle,
    math.hypot: call_math_hypot,
    math.fsum: call_sum,
    np.einsum: call_einsum,
}


_INT_FOLD = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "floordiv": operator.floordiv,
}


def _is_zero(v: Value) -> bool:
    return isinstance(v, Const) and type(v.value) is int and v.value == 0


def _constant(v: Any) -> bool:
    return v is None or type(v) in (bool, int, float, complex, str)
