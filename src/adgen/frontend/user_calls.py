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
from .values import Multi


class CallLowering:
    """Mixin for :class:`adgen.frontend.lower.Lowerer`: calls to user functions."""

    def user_call(self, node: gast.Call, f: Any) -> Value | Multi:
        from .lower import lower_function

        program = self.program
        name = program.callee(f, lambda g, prog: lower_function(g, prog))
        callee = program.functions[name]
        try:
            sig = inspect.signature(f)
            bound = sig.bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as exc:
            raise self.error(node, f"this call to {f.__name__} does not match its "
                             f"parameters: {exc}") from None
        args: list[Value] = []
        for pname, param in sig.parameters.items():
            if pname in bound.arguments:
                args.append(self.value(bound.arguments[pname]))
            elif param.default is not inspect.Parameter.empty:
                if not isinstance(param.default, (int, float, bool, type(None), str)):
                    raise self.error(node, f"pass {pname!r} to {f.__name__} explicitly: "
                                     "only constant defaults are filled in")
                args.append(Const(param.default))
            else:
                raise self.error(node, f"{f.__name__} needs its argument {pname!r}")
        self.namer.reserve(name)
        if callee is None:  # recursion: the callee is still being lowered
            arity = self._recursive_arity(f)
        else:
            structure = callee.result_structure()
            arity = len(structure) if isinstance(structure, tuple) else -1
        results = [self.namer.fresh("t") for _ in range(max(arity, 1))]
        attrs = {"fn": name, "structure": tuple(range(arity))} if arity >= 0 else {"fn": name}
        self.block.ops.append(Op(results, "call", args, attrs, self.loc))
        if arity >= 0:
            return Multi(tuple(Var(r) for r in results))
        return Var(results[0])

    def _recursive_arity(self, f: Any) -> int:
        """How many values a function being lowered returns (-1: one, not a tuple)."""
        tree = gast.parse(textwrap.dedent(inspect.getsource(f)))
        for n in gast.walk(tree):
            if isinstance(n, gast.Return) and n.value is not None:
                return len(n.value.elts) if isinstance(n.value, gast.Tuple) else -1
        return -1
