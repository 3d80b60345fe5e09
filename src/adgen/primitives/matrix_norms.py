"""The matrix norms of ``np.linalg.norm`` (ord 'nuc', 2, -2, 1, -1, inf, -inf over two axes).

Each is a chain of primitives (``np.max(np.sum(np.abs(x), axis=r, keepdims=True),
axis=c, keepdims=True)`` for ord 1; the largest singular value for ord 2), and
its derivative is the chain of their rules, so it inherits their conventions:
ties of the maximum or minimum (two equal column sums, a repeated largest
singular value) share the derivative equally, where the norm itself has only
one-sided derivatives.
"""

from __future__ import annotations

import math
from typing import Any

from .core import PRIMITIVES, Sym, call

MATRIX_ORDS = ("nuc", 1, -1, 2, -2, math.inf, -math.inf)

Stage = tuple[str, dict[str, Any]]


def stages(ord: Any, axis: tuple[int, int]) -> list[Stage]:
    """The primitives that compute the norm, in order, with their attributes."""
    r, c = axis
    if ord in ("nuc", 2, -2):
        reduce = {"nuc": "sum", 2: "max", -2: "min"}[ord]
        return [
            ("moveaxis", {"source": (r, c), "destination": (-2, -1)}),
            ("svd_s", {"compute_uv": False}),
            (reduce, {"axis": -1}),
        ]
    first, second = (r, c) if ord in (1, -1) else (c, r)
    extremum = "max" if ord > 0 else "min"
    return [
        ("abs", {}),
        ("sum", {"axis": first, "keepdims": True}),
        (extremum, {"axis": second, "keepdims": True}),
    ]


def _full(prim: str, attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: attrs.get(k, d) for k, d in PRIMITIVES[prim].attrs.items()}


def _values(x: Sym, chain: list[Stage]) -> list[Sym]:
    values = [x]
    for prim, attrs in chain:
        values.append(call(prim, values[-1], **attrs))
    return values


def matrix_norm_jvp(t: Sym, out: Sym, x: Sym, ord: Any, axis: tuple[int, int]) -> Sym | None:
    chain = stages(ord, axis)
    values = _values(x, chain)
    for (prim, attrs), arg, res in zip(chain, values, values[1:], strict=False):
        t = PRIMITIVES[prim].jvp([t], res, arg, **_full(prim, attrs))  # type: ignore[misc]
        if t is None:
            return None
    return call("reshape_like", t, out)


def matrix_norm_vjp(g: Sym, out: Sym, x: Sym, ord: Any, axis: tuple[int, int]) -> Sym | None:
    chain = stages(ord, axis)
    values = _values(x, chain)
    g = call("reshape_like", g, values[-1])
    for k in range(len(chain) - 1, -1, -1):
        prim, attrs = chain[k]
        rule = PRIMITIVES[prim].vjp_rule(0)
        assert rule is not None
        g = rule(g, values[k + 1], values[k], **_full(prim, attrs))
        if g is None:
            return None
    return g
