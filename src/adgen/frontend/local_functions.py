"""Functions defined inside the differentiated function: nested ``def`` and lambdas.

A nested function is a closure over the variables of the function around it,
bound when it is called (Python's late binding). adgen inlines it at each call
site: its body is lowered right there, with its parameters bound to the
arguments and its free names seen as they are at the call. Its own names do
not leak out; a nested function that writes into an array of the enclosing
function is refused (the write would have to reach the enclosing variable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gast

from ..ir import Const, Value, Var
from .basics import live
from .context import Context
from .control import RET, run_statements
from .desugar import lambda_to_def
from .values import Multi, Pack

_MAX_DEPTH = 32  # nested calls deeper than this are taken for unbounded recursion


@dataclass(frozen=True, eq=False)
class LocalFunction:
    """A ``def`` or lambda made inside the function being lowered."""

    node: gast.FunctionDef


def stmt_FunctionDef(cx: Context, s: gast.FunctionDef) -> None:
    if s.decorator_list:
        raise cx.error(s, "decorators on nested functions are not supported")
    args = s.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise cx.error(s, "nested functions take plain parameters only")
    cx.env[s.name] = LocalFunction(s)


def expr_Lambda(cx: Context, node: gast.Lambda) -> LocalFunction:
    if node.args.vararg or node.args.kwarg or node.args.kwonlyargs:
        raise cx.error(node, "lambdas take plain parameters only")
    return LocalFunction(lambda_to_def(node, "lambda_"))


def call_local(cx: Context, call: gast.Call, fn: LocalFunction) -> Any:
    """Lower ``fn(*args)`` by lowering its body here."""
    node = fn.node
    params = [a.id for a in node.args.args]
    defaults = node.args.defaults
    bound: dict[str, Any] = {}
    if len(call.args) > len(params):
        raise cx.error(call, f"{node.name} takes {len(params)} argument(s)")
    for p, a in zip(params, call.args):
        bound[p] = live(cx, cx.expr(a), a)
    for kw in call.keywords:
        if kw.arg not in params or kw.arg in bound:
            raise cx.error(call, f"unexpected argument {kw.arg!r} for {node.name}")
        bound[kw.arg] = live(cx, cx.expr(kw.value), kw.value)
    for k, p in enumerate(params):
        if p not in bound:
            d = k - (len(params) - len(defaults))
            if d < 0:
                raise cx.error(call, f"{node.name} needs its argument {p!r}")
            bound[p] = cx.expr(defaults[d])
    if cx.inline_depth >= _MAX_DEPTH:
        raise cx.error(
            call,
            f"{node.name} calls itself too deeply to inline; "
            "define it at module level to differentiate recursion",
        )
    outer = cx.env
    saved = (cx.loop_depth, cx.result_structure, cx.result_tree)
    env = {k: v for k, v in outer.items() if not k.startswith("%")}
    env.update(bound)
    cx.loop_depth = 0
    cx.inline_depth += 1
    try:
        with cx.scope.enter(env, block=cx.block) as frame:
            run_statements(cx, node.body)
        inner = frame.env
    finally:
        cx.inline_depth -= 1
        cx.loop_depth, cx.result_structure, cx.result_tree = saved
    if inner.get(RET) != Const(True):
        raise cx.error(node, f"{node.name} must end with a return statement")
    own = set(params) | set(_assigned(node))
    for k, v in outer.items():
        if k.startswith("%") or k in own:
            continue
        if inner.get(k) is not v:
            raise cx.error(
                call,
                f"{node.name} changes {k!r} of the enclosing function "
                "(an in-place write); do the write outside it",
            )
    arity = inner["%rvn"].value
    values: list[Value] = [inner[f"%rv{k}"] for k in range(max(arity, 1))]
    if arity < 0:
        return values[0]
    if all(isinstance(v, Var) for v in values):
        return Multi(tuple(values))  # type: ignore[arg-type]
    return Pack("tuple", tuple(values))


def _assigned(node: gast.FunctionDef) -> list[str]:
    return [
        n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    ]
