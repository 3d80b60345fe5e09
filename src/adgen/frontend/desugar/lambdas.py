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
    node = gast.FunctionDef(
        name=name,
        args=lam.args,
        body=[ret],
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    gast.copy_location(node, lam)
    gast.copy_location(ret, lam)
    return node


def _named(stmt: gast.stmt) -> gast.stmt:
    if (
        isinstance(stmt, gast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], gast.Name)
        and isinstance(stmt.value, gast.Lambda)
    ):
        return gast.copy_location(lambda_to_def(stmt.value, stmt.targets[0].id), stmt)
    return stmt


def named_lambdas(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: every ``name = lambda ...`` statement, in the function and nested ones."""
    for n in list(gast.walk(node)):
        for field in ("body", "orelse"):
            stmts = getattr(n, field, None)
            if isinstance(stmts, list):
                setattr(n, field, [_named(s) for s in stmts])
    return node
