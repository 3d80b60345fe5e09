"""Early returns become ``if``/``else``: the statements after an ``if`` that may return
move into the paths that do not.

With one returning branch the rest moves into the other branch; when returns
sit deeper (``elif`` chains), a small rest is copied into every path that
does not return. Larger ones are left to the lowerer's return flag. Applies to
nested functions too.

Example::

    if x > 0:                      if x > 0:
        return x          ->           return x
    y = -x                         else:
    return y                           y = -x
                                       return y
"""

from __future__ import annotations

import copy

import gast

_SMALL_TAIL = 60  # AST nodes: a tail this small may be copied into each open path


def _returns(stmts: list[gast.stmt], every: bool) -> bool:
    """Whether every path (``every``) or some path through ``stmts``, not entering
    loops, ends in a return."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    if not isinstance(last, gast.If):
        return False
    join = all if every else any
    return join((_returns(last.body, every), _returns(last.orelse, every)))


def always_returns(stmts: list[gast.stmt]) -> bool:
    """Whether every path through ``stmts`` (not entering loops) ends in a return."""
    return _returns(stmts, every=True)


def _may_return(stmts: list[gast.stmt]) -> bool:
    return _returns(stmts, every=False)


def _append_to_open_paths(stmts: list[gast.stmt], rest: list[gast.stmt]) -> list[gast.stmt]:
    """``stmts`` with ``rest`` added at the end of every path that does not return."""
    if always_returns(stmts):
        return stmts
    last = stmts[-1] if stmts else None
    if isinstance(last, gast.If) and _may_return(last.body + last.orelse):
        last.body = _append_to_open_paths(last.body, rest)
        last.orelse = _append_to_open_paths(last.orelse, rest)
        return stmts
    return stmts + [copy.deepcopy(s) for s in rest]


def hoist_returns(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """``stmts`` with the statements after each ``if`` that may return moved into it."""
    out: list[gast.stmt] = []
    for k, s in enumerate(stmts):
        if isinstance(s, gast.If):
            s.body = hoist_returns(s.body)
            s.orelse = hoist_returns(s.orelse)
            rest = stmts[k + 1 :]
            if rest and _may_return([s]) and not always_returns([s]):
                size = sum(1 for r in rest for _ in gast.walk(r))
                body_returns, else_returns = always_returns(s.body), always_returns(s.orelse)
                if body_returns != else_returns:
                    if body_returns:
                        s.orelse = hoist_returns(s.orelse + rest)
                    else:
                        s.body = hoist_returns(s.body + rest)
                    out.append(s)
                    return out
                if size <= _SMALL_TAIL:
                    out.append(_append_to_open_paths([s], hoist_returns(rest))[0])
                    return out
        out.append(s)
    return out


def early_returns(node: gast.FunctionDef) -> gast.FunctionDef:
    """The pass: :func:`hoist_returns` on the function's body and its nested functions'."""
    for n in gast.walk(node):
        if isinstance(n, gast.FunctionDef):
            n.body = hoist_returns(n.body)
    return node
