"""Which names a loop may change, found from the loop's source alone.

A loop body is lowered once. Before that, the lowerer must know which
variables to carry from one iteration to the next: those the body rebinds
(``s = s + v``, ``x *= 2``, nested ``for`` targets...) and those whose array
it changes in place (``y[i] = v``, ``y += v``, ``y.sort()``), including every
name bound to the same array or to a view of it inside the body (``w = y``,
``w = y[1]``, ``w = y.T``, ``w = y.reshape(...)``): a write through ``w``
changes ``y``. This module reads that off the syntax; names that alias a
written array *when the loop starts* are added by the lowerer, which knows
the bindings at that point (see :mod:`adgen.frontend.aliasing`).

The analysis is conservative: where an expression may or may not return a
view of a name (any call, a conditional expression), the name is taken as
possibly aliased. Carrying a value that does not change costs one loop
parameter; missing one would give a wrong number.

Example::

    for i in range(n):          stored  {"s", "w"}
        s = s + x[i]            written {"y", "w", "z"}
        w = z[0]
        w[i] = s
        y += 1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import gast

# Methods that change their object in place (refused later, but they write).
WRITING_METHODS = frozenset(
    {
        "fill",
        "sort",
        "resize",
        "put",
        "itemset",
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "update",
        "clear",
        "setdefault",
        "reverse",
    }
)


@dataclass(frozen=True)
class LoopNames:
    """What a loop body may change: names it binds, and arrays it writes in place."""

    stored: tuple[str, ...]  # in order of first appearance
    written: frozenset[str]
    # Pairs of names the body binds to one another (``a = b``): the same array from
    # the next iteration on.
    copies: frozenset[frozenset[str]] = frozenset()


def stored_names(stmts: list[gast.stmt]) -> list[str]:
    """Names a statement list binds (nested statements too), in order of first appearance."""
    seen: dict[str, None] = {}
    for s in stmts:
        for n in gast.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                seen.setdefault(n.id, None)
    return list(seen)


def roots(node: gast.AST | None) -> set[str]:
    """Names whose array ``node``'s value may be, or be a view of."""
    if node is None:
        return set()
    if isinstance(node, gast.Name):
        return {node.id}
    if isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        return roots(node.value)
    if isinstance(node, gast.Call):
        out = roots(node.func.value) if isinstance(node.func, gast.Attribute) else set()
        for a in node.args:
            out |= roots(a)
        for kw in node.keywords:
            out |= roots(kw.value)
        return out
    if isinstance(node, gast.IfExp):
        return roots(node.body) | roots(node.orelse)
    if isinstance(node, (gast.Tuple, gast.List)):
        out = set()
        for e in node.elts:
            out |= roots(e)
        return out
    if isinstance(node, gast.NamedExpr):
        return roots(node.value)
    return set()  # arithmetic, comparisons, constants: fresh values


def _written_directly(node: gast.AST) -> set[str]:
    """Names whose array a statement or expression node changes in place."""
    if isinstance(node, (gast.Assign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        out: set[str] = set()
        for t in targets:
            for n in gast.walk(t):
                if isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store):
                    out |= roots(n.value)
        return out
    if isinstance(node, gast.AugAssign):
        t = node.target
        return roots(t.value) if isinstance(t, gast.Subscript) else roots(t)
    if (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Attribute)
        and node.func.attr in WRITING_METHODS
    ):
        return roots(node.func.value)
    return set()


def _target_names(targets: list[gast.AST]) -> list[gast.Name]:
    return [
        n
        for t in targets
        for n in gast.walk(t)
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    ]


def loop_names(
    body: list[gast.stmt],
    head: list[gast.AST] = (),
    target: tuple[gast.AST, gast.AST] | None = None,
) -> LoopNames:
    """What ``body`` (and the loop's ``head`` expressions, a while condition) may change.

    ``written`` is closed under the aliases the body makes: if ``w = y[1]``
    is in the body and ``w`` is written, so is ``y``. ``target`` is a for
    loop's (target, iterable): its rows are views of the iterable too.
    """
    written: set[str] = set()
    stored: dict[str, None] = {}
    bindings: list[tuple[set[str], set[str]]] = []
    copies: set[frozenset[str]] = set()
    for s in body:  # one walk collects everything
        for n in gast.walk(s):
            if isinstance(n, gast.Name):
                if isinstance(n.ctx, gast.Store):
                    stored.setdefault(n.id, None)
                continue
            written |= _written_directly(n)
            if isinstance(n, gast.Assign):
                bound = {t.id for t in _target_names(n.targets)}
                bindings.append((bound, roots(n.value)))
                if isinstance(n.value, gast.Name):
                    copies.update(frozenset((t, n.value.id)) for t in bound if t != n.value.id)
            elif isinstance(n, gast.AnnAssign) and n.value is not None:
                bindings.append(({t.id for t in _target_names([n.target])}, roots(n.value)))
            elif isinstance(n, gast.For):
                bindings.append(({t.id for t in _target_names([n.target])}, roots(n.iter)))
            elif isinstance(n, gast.NamedExpr):
                bindings.append(({n.target.id}, roots(n.value)))
    for h in head:
        for n in gast.walk(h):
            written |= _written_directly(n)
    if target is not None:
        bindings.append(({t.id for t in _target_names([target[0]])}, roots(target[1])))
    grew = True
    while grew:
        grew = False
        for bound, src in bindings:
            if bound & written and not src <= written:
                written |= src
                grew = True
    return LoopNames(tuple(stored), frozenset(written), frozenset(copies))
