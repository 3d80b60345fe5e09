"""``for``/``else`` and ``while``/``else`` become a flag set where the loop breaks;
``while True:`` that starts by testing for its exit becomes ``while not ...:``.

The ``else`` clause runs when the loop was not left by ``break``: the pass
sets a fresh flag just before each ``break`` of that loop (not of loops nested
in it) and runs the clause under ``if not flag``. A loop without a ``break``
always runs its ``else`` clause, which then simply follows it; the ``else`` of
``while True`` never runs and goes. Applies to
nested loops and functions too.

Example::

    for x in xs:                   broke = False
        if x > t:                  for x in xs:
            break          ->          if x > t:
    else:                                  broke = True
        x = t                              break
                                   if not broke:
                                       x = t

    while True:                    while not (r < tol):
        if r < tol:        ->          r = step(r)
            break
        r = step(r)
"""

from __future__ import annotations

import gast

from .names import Fresh, assign, load, located, used_names


def _breaks(stmts: list[gast.stmt]) -> list[tuple[list[gast.stmt], int]]:
    """Where the ``break`` statements of the loop whose body is ``stmts`` sit:
    (the statement list, the index in it)."""
    found: list[tuple[list[gast.stmt], int]] = []
    for k, s in enumerate(stmts):
        if isinstance(s, gast.Break):
            found.append((stmts, k))
        elif isinstance(s, (gast.For, gast.While)):
            found.extend(_breaks(s.orelse))  # a nested loop's else clause breaks ours
        elif not isinstance(s, (gast.FunctionDef, gast.ClassDef)):
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(s, name, None)
                if isinstance(inner, list):
                    found.extend(_breaks(inner))
            for h in getattr(s, "handlers", []) or []:
                found.extend(_breaks(h.body))
    return found


class _Loops:
    def __init__(self, root: gast.FunctionDef) -> None:
        self.fresh = Fresh(used_names(root))

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            for name in ("body", "orelse", "finalbody"):
                if isinstance(getattr(s, name, None), list):
                    setattr(s, name, self.block(getattr(s, name)))
            for h in getattr(s, "handlers", []) or []:
                h.body = self.block(h.body)
            if isinstance(s, (gast.For, gast.While)):
                out.extend(self.loop(s))
            else:
                out.append(s)
        return out

    def loop(self, s: gast.For | gast.While) -> list[gast.stmt]:
        if isinstance(s, gast.While):
            if _always(s.test):
                s.orelse = []  # the test never fails: the clause never runs
            _exit_test(s)
        if not s.orelse:
            return [s]
        rest, s.orelse = s.orelse, []
        breaks = _breaks(s.body)
        if not breaks:
            return [s, *rest]
        flag = self.fresh("broke")
        for stmts, k in reversed(breaks):  # later indices first keep earlier ones valid
            stmts.insert(
                k, located([assign(flag, gast.Constant(value=True, kind=None))], stmts[k])[0]
            )
        test = gast.UnaryOp(op=gast.Not(), operand=load(flag))
        return located(
            [
                assign(flag, gast.Constant(value=False, kind=None)),
                s,
                gast.If(test=test, body=rest, orelse=[]),
            ],
            s,
        )


def _always(test: gast.expr) -> bool:
    return isinstance(test, gast.Constant) and test.value is True


def _exit_test(s: gast.While) -> None:
    """``while True: if c: break; ...`` as ``while not c: ...`` (in place)."""
    first = s.body[0] if s.body else None
    if (
        _always(s.test)
        and not s.orelse
        and isinstance(first, gast.If)
        and not first.orelse
        and len(first.body) == 1
        and isinstance(first.body[0], gast.Break)
        and len(s.body) > 1
    ):
        s.test = gast.copy_location(gast.UnaryOp(op=gast.Not(), operand=first.test), first.test)
        s.body = s.body[1:]


def loop_else(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: every loop's ``else`` clause, in ``node`` and the functions nested in it."""
    node.body = _Loops(node).block(node.body)
    return node
