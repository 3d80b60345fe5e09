"""A lambda bound to a name becomes a nested ``def`` of that name.

The lowerer then has one kind of local function to inline (lambdas used in
place, as arguments, stay lambdas and are inlined the same way).

Example::

    sq = lambda v: v * v     ->     def sq(v):
                                        return v * v
"""

from __future__ import annotations

import gast


def lambda_to_def(lam: gast.Lambda, name: str) -> gast.FunctionDef:
    """``def name(params): return body``, located where the lambda is."""
    ret = gast.Return(value=lam.body)
    node = gast.FunctionDef(name=name, args=lam.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    gast.copy_location(node, lam)
    gast.copy_location(ret, lam)
    return node


class _Named(gast.NodeTransformer):
    def visit_Assign(self, node: gast.Assign) -> gast.AST:
        self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], gast.Name) \
                and isinstance(node.value, gast.Lambda):
            out = lambda_to_def(node.value, node.targets[0].id)
            return gast.copy_location(out, node)
        return node


def named_lambdas(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: every ``name = lambda ...`` statement, in the function and nested ones."""
    node.body = [_Named().visit(s) for s in node.body]
    return node
