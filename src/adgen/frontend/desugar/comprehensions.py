"""Comprehensions and generator expressions become loops that build a list (or dict).

A list or dict comprehension, and a generator expression passed directly to
a call (``sum(...)``, ``np.stack(...)``, ``tuple(...)``...), is computed by
statements placed before the statement that uses it; the use then reads the
list. Filters become ``if`` statements, several ``for`` clauses nested loops,
and a comprehension inside the element is desugared inside the loop body.
The consumer is kept as written, so this is right whatever it is: ``sum``,
``np.array``, a function of the user's. Loop variables that would shadow a
name of the function get fresh names, keeping Python 3's scoping of
comprehensions. Applies to nested functions too.

Only comprehensions that Python evaluates exactly once, when the statement
starts, are moved: not those in a ``while`` test, a lambda, a branch of a
conditional expression, or after the first operand of ``and``/``or`` (the
lowerer refuses those with its usual advice).

Example::

    ys = [np.tanh(W @ h) for h in hs if h[0] > 0]  ->  ys = []
                                                       for h in hs:
                                                           if h[0] > 0:
                                                               ys.append(np.tanh(W @ h))
    s = sum(w[i] * x[i] for i in range(n))         ->  items = []
                                                       for i in range(n):
                                                           items.append(w[i] * x[i])
                                                       s = sum(items)
"""

from __future__ import annotations

from collections import Counter

import gast

from .names import Fresh, Rename, assign, call_method, load, located, used_names

_COMPREHENSIONS = (gast.ListComp, gast.DictComp)


def _first_eager(expr: gast.AST | None) -> gast.AST | None:
    """The first comprehension ``expr`` evaluates whenever it is evaluated, or None."""
    if expr is None or isinstance(expr, (gast.Lambda, gast.GeneratorExp, gast.SetComp)):
        return None
    if isinstance(expr, _COMPREHENSIONS):
        return expr
    if (
        isinstance(expr, gast.Call)
        and len(expr.args) == 1
        and not expr.keywords
        and isinstance(expr.args[0], gast.GeneratorExp)
    ):
        return _first_eager(expr.func) or expr.args[0]
    if isinstance(expr, gast.IfExp):
        return _first_eager(expr.test)
    if isinstance(expr, gast.BoolOp):
        return _first_eager(expr.values[0])
    for child in gast.iter_child_nodes(expr):
        found = _first_eager(child)
        if found is not None:
            return found
    return None


def _eager_fields(stmt: gast.stmt) -> list[str]:
    """The fields of ``stmt`` evaluated once, before anything else it does."""
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.AnnAssign, gast.Expr, gast.Return)):
        return ["value"]
    if isinstance(stmt, gast.If):
        return ["test"]
    if isinstance(stmt, gast.For):
        return ["iter"]
    if isinstance(stmt, gast.Assert):
        return ["test"]
    return []


class _Replace(gast.NodeTransformer):
    def __init__(self, old: gast.AST, new: gast.expr) -> None:
        self.old, self.new = old, new

    def visit(self, node: gast.AST) -> gast.AST:
        if node is self.old:
            return self.new
        return self.generic_visit(node)


def _counts(node: gast.AST) -> Counter[str]:
    return Counter(n.id for n in gast.walk(node) if isinstance(n, gast.Name))


def _outside_comprehensions(node: gast.AST, out: set[str]) -> set[str]:
    """Names ``node`` uses outside comprehensions (their first iterables count as outside)."""
    if isinstance(node, gast.Name):
        out.add(node.id)
    if isinstance(node, (*_COMPREHENSIONS, gast.GeneratorExp, gast.SetComp)):
        return _outside_comprehensions(node.generators[0].iter, out)
    for child in gast.iter_child_nodes(node):
        _outside_comprehensions(child, out)
    return out


def _targets(comp: gast.AST) -> list[str]:
    return list(
        dict.fromkeys(
            n.id for g in comp.generators for n in gast.walk(g.target) if isinstance(n, gast.Name)
        )
    )


class _Desugar:
    def __init__(self, root: gast.FunctionDef) -> None:
        self.fresh = Fresh(used_names(root))
        # A comprehension's variable keeps its name unless the function uses that name
        # outside comprehensions, or an enclosing comprehension binds it.
        self.own = _outside_comprehensions(root, set())
        self.enclosing: dict[int, set[str]] = {}

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(self.statement(s))
        return out

    def statement(self, s: gast.stmt) -> list[gast.stmt]:
        before: list[gast.stmt] = []
        for name in _eager_fields(s):
            while True:
                comp = _first_eager(getattr(s, name))
                if comp is None:
                    break
                direct = (
                    isinstance(s, gast.Assign)
                    and name == "value"
                    and s.value is comp
                    and len(s.targets) == 1
                    and isinstance(s.targets[0], gast.Name)
                    and s.targets[0].id not in _counts(comp)
                )
                if direct:
                    return before + self.block(self.build(comp, s.targets[0].id))
                result = self.fresh("items")
                before.extend(self.block(self.build(comp, result)))
                setattr(
                    s,
                    name,
                    _Replace(comp, gast.copy_location(load(result), comp)).visit(getattr(s, name)),
                )
        for name in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, name, None), list):
                setattr(s, name, self.block(getattr(s, name)))
        for h in getattr(s, "handlers", []) or []:
            h.body = self.block(h.body)
        return before + [s]

    def build(self, comp: gast.AST, result: str) -> list[gast.stmt]:
        """Statements that leave ``comp``'s value (as a list or dict) in ``result``."""
        self.scope_names(comp)
        if isinstance(comp, gast.DictComp):
            init: gast.expr = gast.Dict(keys=[], values=[])
            target = gast.Subscript(value=load(result), slice=comp.key, ctx=gast.Store())
            inner: gast.stmt = gast.Assign(targets=[target], value=comp.value, type_comment=None)
        else:
            init = gast.List(elts=[], ctx=gast.Load())
            inner = call_method(result, "append", [comp.elt])
        body = [inner]
        for gen in reversed(comp.generators):
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [
                gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[], type_comment=None)
            ]
        return located([assign(result, init), *body], comp)

    def scope_names(self, comp: gast.AST) -> None:
        """Rename ``comp``'s loop variables that would clash once they are the function's."""
        clash = self.own | self.enclosing.get(id(comp), set())
        mapping = {b: self.fresh(b) for b in _targets(comp) if b in clash}
        parts: list[gast.AST] = (
            [comp.key, comp.value] if isinstance(comp, gast.DictComp) else [comp.elt]
        )
        for k, g in enumerate(comp.generators):
            parts.extend([g.target, *g.ifs])
            if k:
                parts.append(g.iter)
        if mapping:
            rename = Rename(mapping)
            for p in parts:
                rename.visit(p)
        bound = set(_targets(comp)) | self.enclosing.get(id(comp), set())
        for p in parts:
            for n in gast.walk(p):
                if isinstance(n, (*_COMPREHENSIONS, gast.GeneratorExp)):
                    self.enclosing[id(n)] = bound


def comprehensions(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: every comprehension evaluated once per statement, in ``node`` and the
    functions nested in it."""
    node.body = _Desugar(node).block(node.body)  # nested defs are statements of it
    return node
