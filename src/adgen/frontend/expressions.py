"""Lowering of expressions: names, constants, attributes, operators, containers, calls.

Names that resolve to NumPy or ``math`` functions become compile-time
:class:`~adgen.frontend.values.Static` objects, and calls of them primitive
ops; module constants that are numbers become :class:`~adgen.ir.Const`;
other free values (arrays, closure cells) become free variables of the
function. Tuples, lists and dicts built in the function are compile-time
containers (:class:`~adgen.frontend.values.Pack`), resolved while lowering.

Example::

    y = np.sin(x) * 2.0 + n    ->    t1 = sin(x); t2 = mul(t1, 2.0); y = add(t2, n)
"""

from __future__ import annotations

import types
from typing import Any

import gast
import numpy as np

from ..errors import unknown_call_advice
from ..ir import Const, Value, Var
from ..ir.names import RESERVED
from ..primitives import lookup_callable
from ..primitives.core import lookup_method, lookup_tuple
from ..primitives.refused import COMPLEX, REFUSED_ATTRIBUTES, refusal
from . import constructors, effects, introspection, lists, nested
from .basics import as_value, live, static, value
from .calls import prim_call, single_result, special_call, special_method, static_binop
from .context import Context
from .control import LOOP_TARGET, ONE_BRANCH
from .introspection import Method, compare_static, known_type, method_of
from .local_functions import LocalFunction, call_local
from .user_calls import user_call
from .values import Lowered, MaybeUnbound, Pack, Parts, Static, describe, is_const, py_const

# Calls answered while compiling (before the primitive tables are consulted).
_COMPILE_TIME = {**introspection.HANDLERS, **constructors.HANDLERS, dict: lists.call_dict}

BINOPS = {
    gast.Add: "add",
    gast.Sub: "sub",
    gast.Mult: "mul",
    gast.Div: "div",
    gast.Pow: "pow",
    gast.MatMult: "matmul",
    gast.FloorDiv: "floordiv",
    gast.Mod: "remainder",
}
_UNARY = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not_"}
_COMPARE = {
    gast.Lt: "lt",
    gast.LtE: "le",
    gast.Gt: "gt",
    gast.GtE: "ge",
    gast.Eq: "eq",
    gast.NotEq: "ne",
}


def expr_Constant(cx: Context, node: gast.Constant) -> Lowered:
    if isinstance(node.value, complex):
        raise cx.error(node, f"a complex literal is refused: {COMPLEX}")
    return Const(node.value)


def expr_Name(cx: Context, node: gast.Name) -> Lowered:
    if node.id in cx.env:
        if cx.env[node.id] is ONE_BRANCH:
            raise cx.error(
                node,
                f"{node.id!r} is assigned on only some paths through "
                "the ifs before this line, so it may be undefined here; "
                "assign it on every path (or before the if)",
            )
        if isinstance(cx.env[node.id], MaybeUnbound):
            return effects.check_bound(cx, node.id)
        if cx.env[node.id] is LOOP_TARGET:
            raise cx.error(
                node,
                f"{node.id!r} was bound inside a loop and is used "
                "after it; adgen needs it defined before the loop: "
                "initialise it there (or copy it to a variable that is)",
            )
        return live(cx, cx.env[node.id], node)
    found, obj = cx.p.lookup(node.id)
    if not found:
        raise cx.error(node, f"the name {node.id!r} is not defined")
    return free(cx, node.id, obj)


def free(cx: Context, name: str, obj: Any) -> Lowered:
    """A free name's meaning: a constant, a compile-time object, or a free value."""
    if isinstance(obj, tuple) and hasattr(type(obj), "_fields"):  # a NamedTuple
        items = tuple(element_of(cx, f"{name}_{k}", v) for k, v in zip(obj._fields, obj))
        return Pack("tuple", items, tuple(obj._fields), (type(obj), None))
    if is_const(obj):
        return Const(py_const(obj))
    if isinstance(
        obj, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, np.ufunc)
    ) or callable(obj):
        return Static(obj)
    if name in RESERVED or (name in cx.freevars and cx.freevars[name] is not obj):
        raise cx.error(None, f"the free name {name!r} clashes with a name adgen uses")
    cx.freevars[name] = obj
    cx.namer.reserve(name)
    return Var(name)


def element_of(cx: Context, name: str, obj: Any) -> Lowered:
    """An item of a module-level container, as a value."""
    out = free(cx, name, obj)
    return as_value(cx, out, None) if isinstance(out, Static) else out  # type: ignore[arg-type]


def expr_Attribute(cx: Context, node: gast.Attribute) -> Lowered:
    base = cx.expr(node.value)
    method = method_of(cx, base, node.attr)
    if method is not None:
        return method
    if isinstance(base, Static):
        if not hasattr(base.obj, node.attr):
            raise cx.error(node, f"{describe(base.obj)} has no attribute {node.attr!r}")
        return (
            free(cx, f"{node.attr}", getattr(base.obj, node.attr))
            if not is_const(getattr(base.obj, node.attr))
            else Const(py_const(getattr(base.obj, node.attr)))
        )
    if isinstance(base, Pack):
        try:
            return base.attribute(node.attr)
        except KeyError:
            raise cx.error(node, f"a {base.kind} has no attribute .{node.attr} here") from None
    base = as_value(cx, base, node.value)
    if node.attr == "T":
        return cx.emit("transpose", [base])
    if node.attr in ("shape", "ndim", "size"):
        return cx.emit(node.attr, [base])
    if node.attr in REFUSED_ATTRIBUTES:
        raise cx.error(node, REFUSED_ATTRIBUTES[node.attr])
    return cx.emit("attr", [base], {"name": node.attr}, base=node.attr)


def expr_BinOp(cx: Context, node: gast.BinOp) -> Lowered:
    prim = BINOPS.get(type(node.op))
    if prim is None:
        raise cx.error(node, f"the operator {type(node.op).__name__} is not supported")
    left = live(cx, cx.expr(node.left), node.left)
    right = live(cx, cx.expr(node.right), node.right)
    joined = lists.concat(cx, left, right, node) if prim == "add" else None
    if joined is not None:
        return joined
    folded = static_binop(cx, node, prim, left, right)
    if folded is not None:
        return folded
    return cx.emit(prim, [as_value(cx, left, node.left), as_value(cx, right, node.right)])


def expr_UnaryOp(cx: Context, node: gast.UnaryOp) -> Lowered:
    prim = _UNARY.get(type(node.op))
    if prim is None:
        raise cx.error(node, f"the operator {type(node.op).__name__} is not supported")
    operand = value(cx, node.operand)
    if isinstance(operand, Const) and prim == "neg" and isinstance(operand.value, (int, float)):
        return Const(-operand.value)
    return cx.emit(prim, [operand])


def expr_Compare(cx: Context, node: gast.Compare) -> Lowered:
    folded = compare_types(cx, node)
    if folded is not None:
        return folded
    left = value(cx, node.left)
    out: Value | None = None
    for op, right_node in zip(node.ops, node.comparators):
        prim = _COMPARE.get(type(op))
        if prim is None:
            raise cx.error(node, f"the comparison {type(op).__name__} is not supported")
        right = value(cx, right_node)
        test = cx.emit(prim, [left, right])
        out = test if out is None else cx.emit("and_", [out, test])
        left = right
    return out  # type: ignore[return-value]


def compare_types(cx: Context, node: gast.Compare) -> Const | None:
    """``type(x) is P``, ``x is None``... folded while lowering; None if not such."""
    if len(node.ops) != 1:
        return None
    op = node.ops[0]
    if not isinstance(op, (gast.Is, gast.IsNot, gast.Eq, gast.NotEq)):
        return None
    if isinstance(op, (gast.Eq, gast.NotEq)) and not any(
        isinstance(n, gast.Call) for n in (node.left, node.comparators[0])
    ):
        return None  # only type(x) == P is folded; other == are runtime comparisons
    left, right = cx.expr(node.left), cx.expr(node.comparators[0])
    folded = compare_static(left, op, right)
    if folded is not None or not isinstance(op, (gast.Is, gast.IsNot)):
        return folded
    for a, b in ((left, right), (right, left)):
        if isinstance(b, Const) and b.value is None:
            t = known_type(cx, a)
            if t is not None:
                return Const((t.cls is type(None)) == isinstance(op, gast.Is))
    raise cx.error(
        node,
        "`is` compares objects: adgen folds it for classes and None when the types are "
        "known while compiling; compare values with == instead",
    )


def expr_Tuple(cx: Context, node: gast.Tuple) -> Lowered:
    return Pack("tuple", tuple(element(cx, e) for e in node.elts))


def expr_List(cx: Context, node: gast.List) -> Lowered:
    return Pack("list", tuple(element(cx, e) for e in node.elts))


def element(cx: Context, node: gast.AST) -> Lowered:
    if isinstance(node, gast.Starred):
        raise cx.error(node, "*unpacking inside a tuple or list is not supported")
    out = live(cx, cx.expr(node), node)
    if isinstance(out, Static):
        return as_value(cx, out, node)
    return out


def expr_Dict(cx: Context, node: gast.Dict) -> Lowered:
    keys = []
    for k in node.keys:
        key = cx.expr(k) if k is not None else None
        if not isinstance(key, Const) or not isinstance(key.value, (str, int)):
            raise cx.error(node, "dict keys must be strings or integers written in the source")
        keys.append(key.value)
    return Pack("dict", tuple(element(cx, v) for v in node.values), tuple(keys))


def expr_Call(cx: Context, node: gast.Call) -> Lowered:
    if isinstance(node.func, gast.Attribute):
        base = cx.expr(node.func.value)
        if not isinstance(base, Static):
            return method_call(cx, node, base, node.func.attr)
    func = cx.expr(node.func)
    if isinstance(func, LocalFunction):
        return call_local(cx, node, func)
    if isinstance(func, Method):
        return user_call(cx, node, func.func, func.self_value)  # type: ignore[return-value]
    if isinstance(func, Static):
        try:
            folding = _COMPILE_TIME.get(func.obj)
        except TypeError:
            folding = None
        if folding is not None:
            return folding(cx, node, func.obj)
        if constructors.is_container_class(func.obj):
            return constructors.construct(cx, node, func.obj)
        if nested.is_maker(func.obj):
            return nested.make_derivative(cx, node, func.obj)
        if nested.is_derivative(func.obj):
            return nested.call_derivative(cx, node, func.obj)
        nested.refuse_matrices(cx, node, func.obj)
    if not isinstance(func, Static):
        raise cx.error(node, "calling a value computed inside the function is not supported")
    special = special_call(cx, node, func.obj)
    if special is not None:
        return special
    prim = lookup_callable(func.obj)
    if prim is not None:
        return prim_call(cx, node, prim, node.args, node.keywords)
    parts = lookup_tuple(func.obj)
    if parts is not None:
        single = single_result(cx, node, func.obj)
        if single is not None:
            return prim_call(cx, node, single, node.args, node.keywords)
        return Parts(tuple(prim_call(cx, node, p, node.args, node.keywords) for p in parts))
    if isinstance(func.obj, types.FunctionType):
        return user_call(cx, node, func.obj)  # type: ignore[return-value]
    refused = refusal(func.obj)
    if refused is not None:
        raise cx.error(node, refused)
    raise cx.error(node, unknown_call_advice(describe(func.obj)))


def dict_get(cx: Context, node: gast.Call, d: Pack) -> Lowered:
    """``d.get(key)`` / ``d.get(key, default)`` with a constant key."""
    if not 1 <= len(node.args) <= 2 or node.keywords:
        raise cx.error(node, "dict.get takes a key and an optional default")
    key = cx.expr(node.args[0])
    if not isinstance(key, Const):
        raise cx.error(node, "dict.get needs a constant key here")
    try:
        return d.lookup(key.value)
    except KeyError:
        return cx.expr(node.args[1]) if len(node.args) == 2 else Const(None)


def method_call(cx: Context, node: gast.Call, base: Lowered, name: str) -> Lowered:
    base = live(cx, base, node.func)
    if isinstance(base, Pack) and base.kind == "tuple" and name == "_replace" and base.node:
        return constructors.replace(cx, node, base, 0)
    method = method_of(cx, base, name)
    if method is not None:
        return user_call(cx, node, method.func, base)  # type: ignore[return-value]
    if isinstance(base, Const) and isinstance(base.value, str) and name == "format":
        return effects.format_call(cx, node, base.value)
    if lists.is_listlike(cx, base) and name in lists.METHODS:
        return lists.method(cx, node, base)
    if lists.is_listlike(cx, base) and name == "copy" and not node.args:
        return (
            base.replace(base.items)
            if isinstance(base, Pack)
            else cx.emit("list_slice", [base, Const(None), Const(None), Const(None)])
        )
    if (
        isinstance(base, Pack)
        and base.kind == "dict"
        and not node.args
        and name in ("keys", "values", "items")
    ):
        keys = [Const(k) for k in base.keys]
        parts = {
            "keys": keys,
            "values": list(base.items),
            "items": [Pack("tuple", kv) for kv in zip(keys, base.items, strict=True)],
        }
        return Pack("list", tuple(parts[name]))
    if isinstance(base, Pack) and base.kind == "dict" and name == "get":
        return dict_get(cx, node, base)
    if isinstance(base, Pack):
        raise cx.error(node, f"the {base.kind} method .{name}() is not supported")
    base = as_value(cx, base, node.func)
    special = special_method(cx, node, base, name)
    if special is not None:
        return special
    prim = lookup_method(name)
    if prim is None:
        raise cx.error(node, f"the array method .{name}() is not supported")
    args = list(node.args)
    if prim in ("reshape", "transpose") and len(args) > 1:
        args = [gast.Tuple(elts=args, ctx=gast.Load())]
    if prim == "transpose" and args:
        return cx.emit("transpose", [base], {"axes": static(cx, args[0], "axes")})
    return prim_call(cx, node, prim, [base, *args], node.keywords)
