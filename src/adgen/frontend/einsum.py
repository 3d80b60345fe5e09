"""``np.einsum`` in the sublist form, lowered onto the subscripts form.

``np.einsum(a, [0, 1], b, [1, 2], [0, 2])`` is ``np.einsum("ab,bc->ac", a, b)``.
The sublists must be constants known while lowering (literals, or variables
bound to constant lists); the subscripts form needs nothing of this module.
"""

from __future__ import annotations

from typing import Any

import gast

from ..ir import Const
from .basics import value
from .context import Context
from .values import Pack

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def call_einsum(cx: Context, node: gast.Call, obj: Any) -> Any:
    """The einsum op for the sublist form; None (the ordinary call) for the string form."""
    args = node.args
    if (
        len(args) < 2
        or any(isinstance(a, gast.Starred) for a in args)
        or _sublist(cx, args[1]) is None
    ):
        return None
    terms = [_sublist(cx, a) for a in args[1::2]]
    out = _sublist(cx, args[-1]) if len(args) % 2 else None
    if any(t is None for t in terms) or (len(args) % 2 and out is None):
        raise cx.error(
            node,
            "np.einsum in the sublist form needs every sublist as a "
            "constant list of integers written in the source",
        )
    subscripts = ",".join(t for t in terms if t is not None)
    if out is not None:
        subscripts += "->" + out
    operands = [value(cx, a) for a in args[0 : len(args) - len(args) % 2 : 2]]
    attrs = {}
    for kw in node.keywords:
        given = cx.expr(kw.value)
        if kw.arg != "optimize" or not isinstance(given, Const):
            raise cx.error(node, f"np.einsum does not support the keyword {kw.arg!r} here")
        attrs["optimize"] = given.value
    return cx.emit("einsum", [Const(subscripts), *operands], attrs)


def _sublist(cx: Context, node: gast.AST) -> str | None:
    """The subscripts a constant einsum sublist stands for, or None."""
    if isinstance(node, (gast.List, gast.Tuple)):
        items: Any = [
            Ellipsis if isinstance(e, gast.Name) and e.id == "Ellipsis" else cx.expr(e)
            for e in node.elts
        ]
    elif isinstance(node, gast.Name):
        given = cx.expr(node)
        items = (
            given.items
            if isinstance(given, Pack)
            else (
                given.value if isinstance(given, Const) and isinstance(given.value, tuple) else None
            )
        )
    else:
        return None
    if items is None:
        return None
    text = ""
    for item in items:
        v = item.value if isinstance(item, Const) else item
        if v is Ellipsis:
            text += "..."
        elif type(v) is int and 0 <= v < len(_LETTERS):
            text += _LETTERS[v]
        else:
            return None
    return text
