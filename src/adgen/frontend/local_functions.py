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
from .control import RET
from .desugar import lambda_to_def
from .values import Multi, Pack

_MAX_DEPTH = 32  # nested calls deeper than this are taken for unbounded recursion


@dataclass(frozen=True, eq=False)
class LocalFunction:
    """A ``def`` or lambda made inside the function being lowered."""

    node: gast.FunctionDef


class LocalFunctionLowering:
    """Mixin for :class:`adgen.frontend.lower.Lowerer`: nested functions, inlined."""

    _inline_depth = 0

    def stmt_FunctionDef(self, s: gast.FunctionDef) -> None:
        if s.decorator_list:
            raise self.error(s, "decorators on nested functions are not supported")
        args = s.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            raise self.error(s, "nested functions take plain parameters only")
        self.env[s.name] = LocalFunction(s)

    def expr_Lambda(self, node: gast.Lambda) -> LocalFunction:
        if node.args.vararg or node.args.kwarg or node.args.kwonlyargs:
            raise self.error(node, "lambdas take plain parameters only")
        return LocalFunction(lambda_to_def(node, "lambda_"))

    def call_local(self, call: gast.Call, fn: LocalFunction) -> Any:
        """Lower ``fn(*args)`` by lowering its body here."""
        node = fn.node
        params = [a.id for a in node.args.args]
        defaults = node.args.defaults
        bound: dict[str, Any] = {}
        if len(call.args) > len(params):
            raise self.error(call, f"{node.name} takes {len(params)} argument(s)")
        for p, a in zip(params, call.args):
            bound[p] = self.live(self.expr(a), a)
        for kw in call.keywords:
            if kw.arg not in params or kw.arg in bound:
                raise self.error(call, f"unexpected argument {kw.arg!r} for {node.name}")
            bound[kw.arg] = self.live(self.expr(kw.value), kw.value)
        for k, p in enumerate(params):
            if p not in bound:
                d = k - (len(params) - len(defaults))
                if d < 0:
                    raise self.error(call, f"{node.name} needs its argument {p!r}")
                bound[p] = self.expr(defaults[d])
        if self._inline_depth >= _MAX_DEPTH:
            raise self.error(call, f"{node.name} calls itself too deeply to inline; "
                             "define it at module level to differentiate recursion")
        outer = self.env
        saved = (self.loop_depth, getattr(self, "result_structure", None),
                 getattr(self, "result_tree", None))
        env = {k: v for k, v in outer.items() if not k.startswith("%")}
        env.update(bound)
        self.loop_depth = 0
        self._inline_depth += 1
        try:
            with self.scope.enter(env, block=self.block) as frame:
                self.run_statements(node.body)
            inner = frame.env
        finally:
            self._inline_depth -= 1
            self.loop_depth, self.result_structure, self.result_tree = saved
        if inner.get(RET) != Const(True):
            raise self.error(node, f"{node.name} must end with a return statement")
        own = set(params) | set(_assigned(node))
        for k, v in outer.items():
            if k.startswith("%") or k in own:
                continue
            if inner.get(k) is not v:
                raise self.error(call, f"{node.name} changes {k!r} of the enclosing function "
                                 "(an in-place write); do the write outside it")
        arity = inner["%rvn"].value
        values: list[Value] = [inner[f"%rv{k}"] for k in range(max(arity, 1))]
        if arity < 0:
            return values[0]
        if all(isinstance(v, Var) for v in values):
            return Multi(tuple(values))  # type: ignore[arg-type]
        return Pack("tuple", tuple(values))


def _assigned(node: gast.FunctionDef) -> list[str]:
    return [n.id for n in gast.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)]
