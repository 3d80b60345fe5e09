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


def _is_range(node: gast.AST) -> bool:
    return (
        isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == "range"
    )


def _has_comprehension(node: gast.AST | None) -> bool:
    return node is not None and any(
        isinstance(n, (*_COMPREHENSIONS, gast.GeneratorExp)) for n in gast.walk(node)
    )


def _lazy(expr: gast.AST | None) -> bool:
    """Whether ``expr`` is an ``and``/``or``/``if else`` with a comprehension in a part
    Python evaluates only on some paths."""
    if isinstance(expr, gast.BoolOp):
        return any(_has_comprehension(v) for v in expr.values[1:])
    if isinstance(expr, gast.IfExp):
        return _has_comprehension(expr.body) or _has_comprehension(expr.orelse)
    return False


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
        lazy = self.lazy(s)
        if lazy is not None:
            return self.block(located(lazy, s))
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

    def lazy(self, s: gast.stmt) -> list[gast.stmt] | None:
        """A statement whose whole value (or test) is an ``and``/``or``/``if else`` that
        evaluates a comprehension only on some paths, as ifs that do just that."""
        if isinstance(s, gast.Return) and _lazy(s.value):
            tmp = self.fresh("value")
            return [assign(tmp, s.value), gast.Return(value=load(tmp))]
        if isinstance(s, gast.If) and _lazy(s.test):
            tmp = self.fresh("test")
            return [assign(tmp, s.test), gast.If(test=load(tmp), body=s.body, orelse=s.orelse)]
        if not (
            isinstance(s, gast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)
            and _lazy(s.value)
        ):
            return None
        v, tmp = s.value, self.fresh("value")
        if isinstance(v, gast.IfExp):
            steps: list[gast.stmt] = [
                gast.If(test=v.test, body=[assign(tmp, v.body)], orelse=[assign(tmp, v.orelse)])
            ]
        else:
            rest = v.values[1] if len(v.values) == 2 else gast.BoolOp(op=v.op, values=v.values[1:])
            test: gast.expr = load(tmp)
            if isinstance(v.op, gast.Or):
                test = gast.UnaryOp(op=gast.Not(), operand=test)
            steps = [
                assign(tmp, v.values[0]),
                gast.If(test=test, body=[assign(tmp, rest)], orelse=[]),
            ]
        return [*steps, assign(s.targets[0].id, load(tmp))]

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
            it = gen.iter
            if isinstance(comp, gast.DictComp) and _is_range(it):
                # list(range(constants)) is known while compiling: keys become constants
                it = gast.Call(func=load("list"), args=[it], keywords=[])
            body = [gast.For(target=gen.target, iter=it, body=body, orelse=[], type_comment=None)]
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
