"""Names first bound in a loop and read after it: marked on the loop for the lowerer.

Python keeps a loop's variables after it: ``for i in range(n): ...`` leaves
``i`` bound to its last value if the loop ran, and reading it raises
``UnboundLocalError`` if it did not. The lowerer carries such a name through
the loop from an unbound start and checks it where it is read (see
``frontend/loops.py``); it needs to know which names are read after the
loop, which only the source tells. This pass changes no code: it sets
``read_after`` on each ``for`` and ``while`` node to the names the loop
binds that the function reads later (by position in the source) and does
not bind before the loop, and whose first mention after the loop reads it.

Example::

    for i in range(n):       # read_after = {"i", "y"}
        y = x * i
    return y + i
"""

from __future__ import annotations

import gast


def _position(node: gast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0)


def _end(node: gast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def loop_locals(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: annotate every loop of ``node`` (nested functions have their own)."""
    for fn in [n for n in gast.walk(node) if isinstance(n, gast.FunctionDef)]:
        params = {
            a.id
            for a in fn.args.args + fn.args.kwonlyargs + getattr(fn.args, "posonlyargs", [])
            if isinstance(a, gast.Name)
        }
        names = [n for stmt in fn.body for n in gast.walk(stmt) if isinstance(n, gast.Name)]
        for loop in (
            n for stmt in fn.body for n in gast.walk(stmt) if isinstance(n, (gast.For, gast.While))
        ):
            start, end = _position(loop), _end(loop)
            inside = [n for n in names if start <= _position(n) < end]
            bound = {n.id for n in inside if isinstance(n.ctx, gast.Store)}
            # Statements a pass put before the loop carry the loop's own position.
            before = {
                n.id for n in names if _position(n) <= start and isinstance(n.ctx, gast.Store)
            }
            first_after: dict[str, gast.Name] = {}
            for n in sorted((n for n in names if _position(n) >= end), key=_position):
                first_after.setdefault(n.id, n)
            later = {k for k, n in first_after.items() if isinstance(n.ctx, gast.Load)}
            loop.read_after = frozenset((bound & later) - before - params)
    return node
