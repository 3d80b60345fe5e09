"""Fresh user-level names for the statements a desugaring pass writes, and renaming.

The names a pass introduces appear in the generated code, so they read like
a person's (``items``, ``broke``, ``x_1``), and never collide with a name the
function already uses.
"""

from __future__ import annotations

import gast


def used_names(node: gast.AST) -> set[str]:
    """Every identifier ``node`` mentions (names, parameters, nested defs)."""
    out: set[str] = set()
    for n in gast.walk(node):
        if isinstance(n, gast.Name):
            out.add(n.id)
        elif isinstance(n, (gast.FunctionDef, gast.ClassDef)):
            out.add(n.name)
    return out


class Fresh:
    """Hands out names unused in a function: ``base``, then ``base_1``, ``base_2``..."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def __call__(self, base: str) -> str:
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


def load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def assign(name: str, value: gast.expr) -> gast.Assign:
    return gast.Assign(targets=[store(name)], value=value, type_comment=None)


def call_method(obj: str, method: str, args: list[gast.expr]) -> gast.Expr:
    """The statement ``obj.method(*args)``."""
    func = gast.Attribute(value=load(obj), attr=method, ctx=gast.Load())
    return gast.Expr(value=gast.Call(func=func, args=args, keywords=[]))


class Rename(gast.NodeTransformer):
    """Renames the identifiers of ``mapping`` wherever they occur (loads and stores)."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: gast.Name) -> gast.Name:
        if node.id in self.mapping:
            node.id = self.mapping[node.id]
        return node


def located(stmts: list[gast.stmt], where: gast.AST) -> list[gast.stmt]:
    """``stmts`` with every node lacking a location given ``where``'s."""
    for s in stmts:
        for n in gast.walk(s):
            if hasattr(n, "lineno") or isinstance(n, (gast.stmt, gast.expr)):
                if getattr(n, "lineno", None) is None:
                    gast.copy_location(n, where)
    return stmts
