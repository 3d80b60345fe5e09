"""Unit tangents and blocks: the pieces of a Jacobian with respect to several arguments.

A Jacobian level that differentiates with respect to arguments ``x_1 .. x_m``
treats them as one vector of ``N = size(x_1) + ... + size(x_m)`` elements:
:func:`units` gives all ``N`` unit tangents at once (one stack per argument,
for a batched JVP or VJP), :func:`unit` one of them (for a plain call), and
:func:`split` cuts an array with one axis of ``N`` per level back into blocks,
one per argument, each reshaped to its argument's shape and nested as tuples
where the level was asked for with a tuple ``wrt`` (JAX's structure).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DifferentiationError
from .trees import is_container


def float_dtype(x: Any) -> np.dtype:
    """The floating dtype of ``x`` (float64 for integers and Python numbers)."""
    dtype = np.asarray(x).dtype
    return dtype if dtype.kind in "fc" else np.dtype(float)


def size(xs: Sequence[Any]) -> int:
    """The number of elements of the arguments ``xs`` together."""
    return sum(int(np.size(x)) for x in xs)


def units(xs: Sequence[Any]) -> list[np.ndarray]:
    """Every unit tangent of ``xs`` together, stacked along a new first axis: one array
    per argument, of shape ``(N, *x.shape)``; row ``i`` is one at element ``i`` of the
    arguments' concatenation and zero elsewhere."""
    n_all = size(xs)
    out, at = [], 0
    for x in xs:
        shape, n = np.shape(x), int(np.size(x))
        u = np.zeros((n_all, n), dtype=float_dtype(x))
        u[at : at + n] = np.eye(n, dtype=u.dtype)
        out.append(u.reshape((n_all, *shape)))
        at += n
    return out


def unit(xs: Sequence[Any], i: int) -> list[Any]:
    """Row ``i`` of :func:`units` (a 0-d row as a NumPy scalar, as a tangent of a number)."""
    out, at = [], 0
    for x in xs:
        shape, n = np.shape(x), int(np.size(x))
        t = np.zeros(n, dtype=float_dtype(x))
        if at <= i < at + n:
            t[i - at] = 1
        out.append(t.reshape(shape) if shape else t.dtype.type(t[0]))
        at += n
    return out


def outputs(value: Any, what: str) -> tuple[list[Any], bool]:
    """The arrays of a result (a tuple of them, or one), and whether it was a tuple."""
    if type(value) is tuple and not any(is_container(v) for v in value):
        return list(value), True
    if is_container(value):
        raise DifferentiationError(
            f"{what} needs a function that returns an array or a tuple of arrays, not "
            f"{'nested containers' if isinstance(value, tuple) else type(value).__name__}; "
            "return the arrays as a flat tuple, or use vjp/jvp"
        )
    return [value], False


def split(full: np.ndarray, levels: Sequence[Sequence[Any]], tupled: Sequence[bool]) -> Any:
    """``full``, of shape ``lead + (N_1, ..., N_k)`` (``N_l`` the size of the arguments
    ``levels[l]`` together), cut into blocks of shape ``lead + x_1.shape + ... +
    x_k.shape``, nested as tuples (level 1 outermost) where ``tupled[l]``."""
    k = len(levels)

    def cut(arr: np.ndarray, level: int) -> Any:
        if level == k:
            return arr
        axis = arr.ndim - (k - level)
        blocks, at = [], 0
        for x in levels[level]:
            shape = np.shape(x)
            n = math.prod(shape)
            piece = arr[(slice(None),) * axis + (slice(at, at + n),)]
            piece = piece.reshape(arr.shape[:axis] + shape + arr.shape[axis + 1 :])
            blocks.append(cut(piece, level + 1))
            at += n
        return tuple(blocks) if tupled[level] else blocks[0]

    return cut(full, 0)


def leaf_pairs(value: Any, other: Any) -> list[tuple[Any, Any]]:
    """The leaves of nested tuples ``value`` beside the parts of ``other`` at the same
    places (``other`` may go one level deeper)."""
    if isinstance(value, tuple):
        return [p for v, o in zip(value, other, strict=True) for p in leaf_pairs(v, o)]
    return [(value, other)]
