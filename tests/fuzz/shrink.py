"""Shrink a failing program: delete statements and simplify expressions while it still fails.

Works on the source with :mod:`ast`: each candidate deletes one statement (anywhere,
helpers included), replaces a compound statement by its body, or replaces an expression
by one of its sub-expressions or by ``1.0``. A candidate is kept when it fails with the
same kind; a candidate that no longer runs as plain Python is ``invalid`` and dropped.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

from .gen import Program
from .oracle import Outcome
from .runner import run


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _candidates(source: str) -> Iterator[str]:
    tree = ast.parse(source)
    # 1. delete one statement / 2. splice a compound statement's body in its place
    n_bodies = sum(1 for _ in _bodies(tree))
    for bi in range(n_bodies):
        for si in range(len(list(_bodies(ast.parse(source)))[bi])):
            for splice in (False, True):
                t = ast.parse(source)
                body = list(_bodies(t))[bi]
                stmt = body[si]
                if splice:
                    inner = getattr(stmt, "body", None)
                    if not isinstance(stmt, (ast.For, ast.While, ast.If)):
                        continue
                    body[si : si + 1] = inner
                else:
                    if len(body) == 1 and not isinstance(stmt, ast.Return):
                        body[0] = ast.Pass()
                    elif isinstance(stmt, (ast.Import, ast.Pass)):
                        continue
                    else:
                        del body[si]
                yield ast.unparse(ast.fix_missing_locations(t))
    # 3. replace an expression by a child expression or a constant
    exprs = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.BinOp, ast.Call, ast.UnaryOp, ast.Subscript, ast.Attribute))
    ]
    for k in range(len(exprs)):
        node = exprs[k]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "np"
        ):
            continue
        children = [
            c
            for c in ast.iter_child_nodes(node)
            if isinstance(c, ast.expr)
            and not (isinstance(c, ast.Attribute) and getattr(c.value, "id", "") == "np")
        ]
        for repl in [*children, ast.Constant(1.0)]:
            t = ast.parse(source)
            target = [
                n
                for n in ast.walk(t)
                if isinstance(n, (ast.BinOp, ast.Call, ast.UnaryOp, ast.Subscript, ast.Attribute))
            ][k]
            new = copy.deepcopy(repl) if not isinstance(repl, ast.Constant) else ast.Constant(1.0)
            if not _replace(t, target, _same_node(t, target, repl, node) or new):
                continue
            yield ast.unparse(ast.fix_missing_locations(t))


def _same_node(tree: ast.AST, target: ast.AST, repl: ast.AST, orig: ast.AST) -> ast.AST | None:
    """The child of ``target`` at the position ``repl`` has in ``orig`` (None for a constant)."""
    for (_, a), (_, b) in zip(ast.iter_fields(orig), ast.iter_fields(target), strict=False):
        if a is repl:
            return b
        if isinstance(a, list):
            for x, y in zip(a, b, strict=False):
                if x is repl:
                    return y
    return None


def _replace(tree: ast.AST, target: ast.AST, new: ast.AST) -> bool:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, new)
                return True
            if isinstance(value, list):
                for i, v in enumerate(value):
                    if v is target:
                        value[i] = new
                        return True
    return False


def shrink(
    program: Program,
    outcome: Outcome,
    hessian: bool = False,
    budget: int = 400,
    test: Callable[[Program], Outcome] | None = None,
) -> Program:
    """The smallest program found that fails with ``outcome.kind`` (within ``budget`` runs)."""
    test = test or (lambda p: run(p, hessian=hessian))
    best = program
    runs = 0
    improved = True
    while improved and runs < budget:
        improved = False
        for cand in _candidates(best.source):
            if len(cand) >= len(best.source) or runs >= budget:
                continue
            runs += 1
            trial = Program(cand, best.args, best.seed, best.features)
            got = test(trial)
            if got.status == "failed" and got.kind == outcome.kind:
                best = trial
                improved = True
                break
    return best
