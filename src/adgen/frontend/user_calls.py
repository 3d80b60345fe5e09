"""Lowering of calls to the user's own Python functions.

A call ``helper(x, w)`` becomes a ``call`` op naming the lowered ``helper`` in
the program (see :mod:`adgen.program`); arguments are bound to the callee's
parameters as Python would (keywords, constant defaults). A callee that
returns a tuple gives one result per element, unpacked by assignment.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

import gast

from ..ir import Const, Op, Value, Var
from .basics import value
from .context import Context
from .values import Multi


def user_call(cx: Context, node: gast.Call, f: Any) -> Value | Multi:
    packed = [p.name for p in inspect.signature(f).parameters.values()
              if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    if packed:
        raise cx.error(node, f"{f.__name__} takes *{packed[0]}: a function with *args or "
                       "**kwargs can be differentiated itself, but not yet called from a "
                       "differentiated function; give it plain parameters")
    program = cx.program
    name = program.callee(f, cx.lower_callee)
    callee = program.functions[name]
    try:
        sig = inspect.signature(f)
        bound = sig.bind(*node.args, **{k.arg: k.value for k in node.keywords})
    except TypeError as exc:
        raise cx.error(node, f"this call to {f.__name__} does not match its "
                         f"parameters: {exc}") from None
    args: list[Value] = []
    for pname, param in sig.parameters.items():
        if pname in bound.arguments:
            args.append(value(cx, bound.arguments[pname]))
        elif param.default is not inspect.Parameter.empty:
            if not isinstance(param.default, (int, float, bool, type(None), str)):
                raise cx.error(node, f"pass {pname!r} to {f.__name__} explicitly: "
                                 "only constant defaults are filled in")
            args.append(Const(param.default))
        else:
            raise cx.error(node, f"{f.__name__} needs its argument {pname!r}")
    cx.namer.reserve(name)
    if callee is None:  # recursion: the callee is still being lowered
        arity = recursive_arity(cx, f)
    else:
        structure = callee.result_structure()
        arity = len(structure) if isinstance(structure, tuple) else -1
    results = [cx.namer.fresh("t") for _ in range(max(arity, 1))]
    attrs = {"fn": name, "structure": tuple(range(arity))} if arity >= 0 else {"fn": name}
    cx.block.ops.append(Op(results, "call", args, attrs, cx.loc))
    if arity >= 0:
        return Multi(tuple(Var(r) for r in results))
    return Var(results[0])


def recursive_arity(cx: Context, f: Any) -> int:
    """How many values a function being lowered returns (-1: one, not a tuple)."""
    tree = gast.parse(textwrap.dedent(inspect.getsource(f)))
    for n in gast.walk(tree):
        if isinstance(n, gast.Return) and n.value is not None:
            return len(n.value.elts) if isinstance(n.value, gast.Tuple) else -1
    return -1
