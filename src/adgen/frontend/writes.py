"""In-place writes, made functional: a new version of the array replaces the old one in
every binding, written back into what it views and replayed on its views.

``y[index] = v`` becomes ``y1 = setitem(y, v, *index)`` and every name that
denoted the old array is rebound to ``y1``: after ``z = y; y[0] = 1`` both
``y`` and ``z`` are ``y1``, as NumPy's reference semantics require. So the IR
stays in SSA form and the transforms need no notion of memory.

* A write to an array is replayed on the views of it: the names of a view
  are rebound to the same indexing (transpose, reshape...) of the new array.
* A write into a view is written back into the array it views (``setitem``
  for an index, the inverse transpose, a reshape), and on up through views
  of views, then replayed on the other views of that array.
* When NumPy decides only at run time whether a result is a view (``x[i]``
  is a row of a 2-D ``x`` but a number for a 1-D one; ``reshape`` copies a
  non-contiguous array; an index computed at run time may be an integer or an
  array), the new value is chosen at run time by an ``alias_select`` op,
  emitted as ``new if np.may_share_memory(view, base) else old``, so the
  generated code follows NumPy exactly in both cases.

``x += v`` on a name changes an array in place but rebinds a number. When
the value is known to be an array (a view, the result of a write, ``copy``...)
it is handled as a write; otherwise the other names sharing the value get an
``alias_select`` between the updated and the old value, and keep it as a
possible alias of the updated one.

A relation the frontend cannot replay (``opaque`` in the view table, see
:mod:`adgen.frontend.aliasing`) makes the names left behind by a write
:class:`~adgen.frontend.values.Stale`; reading one is an
:class:`~adgen.errors.UnsupportedSyntaxError` that says to take a copy. A
write into the result of a view-making primitive with no write-back rule
(``swapaxes``, ``diagonal``...) is refused the same way, at the write.

Writes into arrays defined outside the function (module globals, closure
cells) are refused: the derivative code does not change them, so the
function would behave differently. Writes into parameters are allowed, but
the generated code never changes its arguments (the functional form copies);
arguments that alias each other at the call are not detected.
"""

from __future__ import annotations

from dataclasses import replace as replace_info
from typing import Any

import gast
import numpy as np

from ..ir import Value, Var
from ..ir.names import is_temporary
from ..primitives import PRIMITIVES
from .aliasing import ViewOf
from .basics import bound_names, rebind
from .context import Context
from .values import Stale

_CERTAINTY = {"view": 0, "view_or_scalar": 1, "maybe": 2, "opaque": 3}


def inplace(cx: Context, current: Any, new: Var, node: gast.AST) -> Any:
    """Other names sharing ``current`` follow an augmented assignment that made ``new``;
    returns what the updated name denotes now.

    If ``current`` is an array the update happens in place and they see
    it; if it is a number they keep the old value. Unless the frontend
    knows it is an array, the choice is made at run time.
    """
    if not isinstance(current, Var):
        return new
    check_writable(cx, current.name, node)
    if cx.aliases.certain_array(current.name):
        cx.aliases.arrays.add(new.name)
        return replace_value(cx, current.name, new, node)
    stem = version_base(cx, None, current.name)
    # In place, an array stays an array (NumPy's arithmetic on a 0-d one gives a number).
    kept = cx.emit("alias_select", [current, current, cx.emit("asarray", [new]), new], base=stem)
    shared = cx.emit("alias_select", [current, current, kept, current], base=stem)
    changes: dict[str, Any] = {}
    follow(cx, current.name, shared, changes, None, node, sure=False)
    rebind(cx, changes, {})
    views = cx.aliases.views
    after = changes[current.name]
    if after is shared:
        # ``shared`` is ``new`` when ``current`` was an array, and ``new`` is then
        # the same object as the others' ``shared``; when ``current`` was a number
        # ``new`` is one as well, and the edges (never certain here) share nothing.
        views.setdefault(kept.name, []).extend(views.get(shared.name, ()))
        result = kept
    else:
        # ``after`` is a view of the new base (re-derived from it) when ``current``
        # was an array; a number stays the updated number.
        result = cx.emit("alias_select", [current, current, after, new], base=stem)
        views.setdefault(result.name, []).extend(views.get(after.name, ()))
    # The other names are the updated object itself if it is an array.
    views.setdefault(shared.name, []).append(ViewOf(kept.name, "identity", (), (), "maybe"))
    return result


def write(cx: Context, base: Any, args: list[Value], kinds: str, v: Value, node: gast.AST) -> None:
    """``base[index] = v``: a new version of ``base`` replaces it everywhere."""
    if not isinstance(base, Var):
        raise cx.error(
            node, "only arrays can be changed by an indexed assignment; this value is a constant"
        )
    check_writable(cx, base.name, node)
    new = cx.emit(
        "setitem", [base, v, *args], {"kinds": kinds}, base=version_base(cx, node, base.name)
    )
    replace_value(cx, base.name, new, node)


def version_base(cx: Context, node: gast.AST | None, ssa: str) -> str:
    """The stem to name a new version of a written array by: the user's name."""
    while isinstance(node, gast.Subscript):
        node = node.value
    if isinstance(node, gast.Name):
        return node.id
    stem = ssa.rstrip("0123456789_")
    return stem if stem and not is_temporary(ssa) else "t"


def check_writable(cx: Context, name: str, node: gast.AST) -> None:
    if name in cx.freevars:
        raise cx.error(
            node,
            f"this changes {name!r}, an array defined outside the "
            "function; adgen's derivative code does not change outside "
            f"state, so work on a copy: `{name} = {name}.copy()` first, "
            "or pass the array as an argument",
        )


def replace_value(cx: Context, old: str, new: Var, node: gast.AST) -> Any:
    """Rebind every name that denotes ``old`` (and views of it) after a write; returns
    what ``old`` became."""
    changes: dict[str, Any] = {}
    follow(cx, old, new, changes, None, node, sure=True)
    rebind(cx, changes, {})
    return changes[old]


def follow(
    cx: Context,
    old: str,
    new: Var,
    changes: dict[str, Any],
    came_from: str | None,
    node: gast.AST,
    sure: bool,
) -> None:
    """``old`` became ``new``: write back into what it views, replay what views it.

    ``sure``: the change certainly happened in place (an indexed write);
    else it did only if ``old`` is an array (an augmented assignment).

    A view written into is then taken again from its new base, so that every
    value that views another in NumPy's semantics is a real view of it in the
    generated code too: the run-time tests (``np.may_share_memory``) of later
    writes ask the generated values, and ``new`` itself is a fresh array.
    """
    changes[old] = new
    after = new
    # Certain views first: a base reached both ways takes the exact write-back.
    for info in sorted(cx.aliases.views.get(old, []), key=lambda i: _CERTAINTY[i.kind]):
        if info.kind == "opaque":  # even if reached another way: it may share memory
            stale_group(cx, info.base, changes, node)
            continue
        if info.base in changes:
            continue
        check_writable(cx, info.base, node)
        base_new = write_back(cx, info, new, node)
        certain = sure and info.kind in ("view", "view_or_scalar")
        if not certain:
            # A view or a copy (or a number): NumPy decides at run time.
            base_new = cx.emit(
                "alias_select",
                [Var(old), Var(info.base), base_new, Var(info.base)],
                base=version_base(cx, None, info.base),
            )
        cx.aliases.views.setdefault(new.name, []).append(replace_info(info, base=base_new.name))
        follow(cx, info.base, base_new, changes, old, node, sure=True)
        final = changes[info.base]  # what the base became, written back further up too
        if not isinstance(final, Var):
            continue
        edge = replace_info(info, base=final.name)
        identity = info.prim == "identity"
        if after is new and not (identity and final is base_new):
            after = (
                final
                if identity
                else cx.emit(
                    info.prim,
                    [final, *info.args],
                    dict(info.attrs),
                    base=version_base(cx, None, old),
                )
            )
            if not certain:
                after = cx.emit(
                    "alias_select",
                    [Var(old), Var(info.base), after, new],
                    base=version_base(cx, None, old),
                )
                cx.aliases.views.setdefault(after.name, []).append(edge)
        elif after is not new:
            cx.aliases.views.setdefault(after.name, []).append(edge)
        changes[old] = after
    replay(cx, old, after, changes, came_from, node)


def write_back(cx: Context, info: ViewOf, new: Var, node: gast.AST) -> Var:
    """The new value of ``info.base`` after its view became ``new``."""
    attrs = dict(info.attrs)
    stem = version_base(cx, None, info.base)
    if info.prim == "identity":
        return new
    if info.prim in ("getitem", "row"):
        return cx.emit("setitem", [Var(info.base), new, *info.args], attrs, base=stem)
    if info.prim == "transpose":
        axes = attrs.get("axes")
        if axes is not None:
            attrs["axes"] = tuple(int(i) for i in np.argsort([a % len(axes) for a in axes]))
        return cx.emit("transpose", [new], attrs, base=stem)
    if PRIMITIVES[info.prim].same_order:
        return cx.emit("reshape_like", [new, Var(info.base)], base=stem)
    raise cx.error(
        node,
        f"this writes into the result of {info.prim}, which may be a "
        "view of another array; adgen cannot write through it: take a copy "
        "(.copy()) of that result before changing it",
    )


def replay(
    cx: Context, old: str, new: Var, changes: dict[str, Any], skip: str | None, node: gast.AST
) -> None:
    """Views of ``old`` that are still in use follow it to ``new``."""
    bound = bound_names(cx)
    kids: dict[str, list[str]] = {}
    for child, infos in cx.aliases.views.items():
        for info in infos:
            kids.setdefault(info.base, []).append(child)
    # Direct views first, the certain ones before the others, then their own views:
    # a value reached both directly and through another view takes the direct replay.
    edges = sorted(
        (
            (child, info)
            for child in dict.fromkeys(kids.get(old, []))
            for info in cx.aliases.views[child]
            if info.base == old and child != skip
        ),
        key=lambda e: _CERTAINTY[e[1].kind],
    )
    followed: list[tuple[str, Var]] = []
    for child, info in edges:
        if info.kind == "opaque":  # even if reached another way: it may share memory
            if in_use(cx, child, bound, kids, set()):
                stale_group(cx, child, changes, node)
            continue
        if child in changes or not in_use(cx, child, bound, kids, set()):
            continue
        replayed = (
            new
            if info.prim == "identity"
            else cx.emit(
                info.prim, [new, *info.args], dict(info.attrs), base=version_base(cx, None, child)
            )
        )
        child_new = replayed
        if info.kind != "view":
            child_new = cx.emit(
                "alias_select",
                [Var(child), Var(old), replayed, Var(child)],
                base=version_base(cx, None, child),
            )
            cx.aliases.views.setdefault(child_new.name, []).append(
                replace_info(info, base=new.name)
            )
        changes[child] = child_new
        followed.append((child, child_new))
    for child, child_new in followed:
        replay(cx, child, child_new, changes, None, node)


def in_use(
    cx: Context, name: str, bound: set[str], kids: dict[str, list[str]], seen: set[str]
) -> bool:
    """Whether a variable denotes ``name`` or a value that views it."""
    if name in bound:
        return True
    seen.add(name)
    return any(
        in_use(cx, child, bound, kids, seen) for child in kids.get(name, ()) if child not in seen
    )


def stale_group(cx: Context, name: str, changes: dict[str, Any], node: gast.AST) -> None:
    """Every value that may share memory with ``name`` becomes stale (reading it is
    refused), whatever another path made of it; the written value itself excepted."""
    origin = next(iter(changes))
    for other in cx.aliases.alias_group(name):
        check_writable(cx, other, node)
        if other != origin:
            changes[other] = stale_after_write(cx, node)


def stale_after_write(cx: Context, node: gast.AST) -> Stale:
    text = cx.loc.text if cx.loc else ""
    lineno = cx.loc.lineno if cx.loc else getattr(node, "lineno", 0)
    return Stale(
        f"{{name!r}} may share memory with an array that line {lineno} changes in place "
        f"(`{text}`), in a way adgen cannot follow; take a copy where it is created "
        "(.copy()), or compute it again after the write"
    )
