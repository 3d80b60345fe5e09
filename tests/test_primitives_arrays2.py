"""Checks of the array functions issue 12 added (primitives/arrays_more.py), and of the
axes and offsets of the older entries it lists (cumsum, cumprod, diag, diagonal, trace).

Each check is a :class:`test_primitives.Check`, run in both modes and to second
order against finite differences; ``test_every_primitive_is_checked`` counts
these too. Inputs keep away from kinks (np.interp's knots).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from check_runner import runners_for
from test_primitives import Check, args, normal, uniform

import adgen
from adgen import runtime

CHECKS: list[Check] = []


def add(name: str, f: Any, make: Any, wrts: tuple[Any, ...] = (0,), order: int = 2) -> None:
    CHECKS.append(Check(name, f, make, wrts, order))


def diffs(x):
    return (
        np.sum(np.sin(np.diff(x, 2, axis=0)))
        + np.sum(np.diff(x) ** 2)
        + np.sum(np.cos(np.diff(x, axis=1)))
    )


add("diff", diffs, args(normal(5, 4)))
add("diff-1d", lambda x: np.sum(np.sin(np.diff(x, 3))), args(normal(6)))


def rotations(x):
    return (
        np.sum(np.sin(np.rot90(x)) * np.arange(12.0).reshape(4, 3))
        + np.sum(np.rot90(x, 3, (1, 0)) ** 3)
        + np.sum(np.rot90(x, 2) * x)
    )


add("rot90", rotations, args(normal(3, 4)))


def nan_to_num(x):
    return np.sum(np.sin(np.nan_to_num(x, nan=1.0)) * np.nan_to_num(x, posinf=2.0))


add("nan_to_num", nan_to_num, args(normal(3, 4)))


def test_nan_to_num_has_zero_derivative_where_it_replaces() -> None:
    x = np.array([0.5, np.nan, np.inf, -np.inf])
    f = lambda x: np.sum(np.nan_to_num(x) * 3.0)  # noqa: E731
    assert np.array_equal(adgen.grad(f)(x), [3.0, 0.0, 0.0, 0.0])
    assert adgen.jvp(f)(x, np.array([1.0, 1.0, 1.0, 1.0]))[1] == 3.0


_IDX = np.array([[0, 2], [1, 1]])


def takes(x):
    return (
        np.sum(np.sin(np.take(x, _IDX, axis=1)))
        + np.sum(np.take(x, _IDX) ** 2)
        + np.sum(x.take(_IDX, axis=0) ** 3)
        + np.sum(np.take(x, 2, axis=-1) ** 2)
    )


add("take", takes, args(normal(3, 4)))


def _convolution(mode: str, n: int, m: int) -> None:
    def conv(a, v):
        return np.sum(np.sin(np.convolve(a, v, mode)))

    def corr(a, v):
        return np.sum(np.sin(np.correlate(a, v, mode)))

    add(f"convolve-{mode}-{n}-{m}", conv, args(normal(n), normal(m)), (0, 1, (0, 1)))
    if mode != "same":
        add(f"correlate-{mode}-{n}-{m}", corr, args(normal(n), normal(m)), (0, 1, (0, 1)))


for _mode in ("full", "same", "valid"):
    for _n, _m in ((5, 3), (3, 5), (4, 4), (6, 1)):
        _convolution(_mode, _n, _m)


def cross(a, b):
    return np.sum(np.sin(np.cross(a, b)))


add("cross", cross, args(normal(4, 3), normal(3)), (0, 1, (0, 1)))
add("cross-1d", cross, args(normal(3), normal(3)), (0, 1, (0, 1)))
add("cross-2vectors", cross, args(normal(4, 2), normal(2)), (0, 1, (0, 1)))
add("cross-2vectors-1d", cross, args(normal(2), normal(2)), (0, 1, (0, 1)))


def cross_adjoints(g3, a3, g2, a2):
    # The adjoint rules of np.cross are themselves differentiated to second order.
    return (
        np.sum(np.sin(runtime.cross_adjoint(g3, a3, a3[::-1], index=0)))
        + np.sum(runtime.cross_adjoint(g3, a3[::-1], a3, index=1) ** 2)
        + np.sum(np.sin(runtime.cross_adjoint(g2, a2, a2[:, ::-1], index=0)))
        + np.sum(runtime.cross_adjoint(g2, a2[:, ::-1], a2, index=1) ** 3)
    )


add(
    "cross_adjoint",
    cross_adjoints,
    args(normal(4, 3), normal(4, 3), normal(4), normal(4, 2)),
    (0, 1, 2, 3, (0, 1, 2, 3)),
)


def appends(a, b):
    return np.sum(np.sin(np.append(a, b))) + np.sum(np.append(a, b[None, :], axis=0) ** 2)


add("append", appends, args(normal(4, 3), normal(3)), (0, 1, (0, 1)))

_XP = np.array([0.0, 1.0, 2.5, 4.0])


def interp(x, xp, fp):
    return np.sum(np.sin(np.interp(x, xp, fp))) + np.sum(np.interp(x, xp, fp, -1.0, 2.0) ** 2)


def _points(rng: np.random.Generator) -> Any:
    # Inside each segment and on both sides, away from the knots.
    return np.array([-0.5, 0.3, 0.8, 1.7, 3.1, 4.6]) + rng.uniform(-0.1, 0.1, 6)


add(
    "interp",
    interp,
    lambda rng: [_points(rng), _XP + rng.uniform(-0.05, 0.05, 4), rng.standard_normal(4)],
    (0, 1, 2, (0, 1, 2)),
)
add(
    "interp-scalar",
    lambda x, fp: np.interp(x, _XP, fp) ** 2,
    args(uniform(1.2, 2.3), normal(4)),
    (0, 1, (0, 1)),
)


def polyval(p, x):
    return np.sum(np.sin(np.polyval(p, x)))


add("polyval", polyval, args(normal(4), uniform(0.5, 2, 3)), (0, 1, (0, 1)))
add("polyval-scalar", polyval, args(normal(3), uniform(-2, -0.5)), (0, 1, (0, 1)))


def splits(x):
    a, b = np.split(x, 2)
    c, d, e = np.array_split(x, [1, 3], axis=1)
    p = np.hsplit(x, 3)
    q = np.vsplit(x, [1])
    return (
        np.sum(np.sin(a) * b)
        + np.sum(c**2)
        + np.sum(d * e[:, :1])
        + np.sum(np.sin(p[1]))
        + np.sum(q[1] ** 3)
        + np.sum(np.array_split(x, 3, axis=0)[2])
    )


def splits_1d(x):
    parts = np.split(x, 3)
    return np.sum(parts[0] * parts[2]) + np.sum(np.sin(np.hsplit(x, 3)[1]))


def splits_3d(x):
    a, b = np.dsplit(x, 2)
    return np.sum(np.sin(a) * b)


add("split", splits, args(normal(4, 6)))
add("split-1d", splits_1d, args(normal(6)))
add("dsplit", splits_3d, args(normal(2, 3, 4)))


def gradients(f, h):
    return np.sum(np.sin(np.gradient(f, h, axis=0))) + np.sum(np.gradient(f, axis=0) ** 2)


def gradients_2d(f):
    return np.sum(np.sin(np.gradient(f, 0.5, axis=1))) + np.sum(np.gradient(f, axis=-2) ** 2)


add("gradient", gradients, args(normal(6), uniform(0.5, 1.5)), (0, 1, (0, 1)))
add("gradient-2d", gradients_2d, args(normal(3, 5)))


def adjoint_helpers(g, x, v):
    """The adjoint helpers called as functions, so that their own rules are checked."""
    return (
        np.sum(np.sin(runtime.diff_adjoint(g[:, 1:], x, axis=1)))
        + np.sum(runtime.diff_adjoint(g[:2], x, n=2, axis=0) ** 2)
        + np.sum(np.sin(runtime.take_adjoint(g[:, :2], x, _IDX[0], axis=1)))
        + np.sum(runtime.take_adjoint(g[0, :2], x, _IDX[1]) ** 2)
        + np.sum(np.sin(runtime.convolve_adjoint(g[0], v[:1], v, mode="full")))
        + np.sum(runtime.convolve_adjoint(g[0, :2], v, g[1, :2], mode="valid") ** 2)
        + np.sum(np.sin(runtime.split_part_adjoint(g[:2], x, "split", 2, 0, 1)) * x)
    )


add("adjoint-helpers", adjoint_helpers, args(normal(4, 3), normal(4, 3), normal(3)), (0, 1, 2))


# The older entries with every axis and offset.
def scans(x):
    total = np.sum(np.cumsum(x) ** 2) + np.sum(np.cumprod(x))
    total = total + np.sum(np.sin(np.cumsum(x, axis=0))) + np.sum(np.cumprod(x, axis=0) ** 2)
    total = total + np.sum(np.sin(np.cumsum(x, axis=1))) + np.sum(np.cumprod(x, axis=1) ** 2)
    total = total + np.sum(np.sin(np.cumsum(x, axis=2))) + np.sum(np.cumprod(x, axis=2) ** 2)
    return total + np.sum(np.sin(np.cumsum(x, axis=-1) * np.cumprod(x, axis=-2)))


add("cumsum-cumprod-axes", scans, args(uniform(0.5, 1.5, 2, 3, 4)))


def offsets(x, v):
    total = np.sum(np.sin(np.diag(x, -2))) + np.sum(np.diag(v, -2) ** 2)
    total = total + np.sum(np.sin(np.diag(x, 1))) * np.sum(np.diag(v, 1) ** 2)
    total = total + np.sum(np.diag(x) ** 2) + np.sum(np.diag(v) ** 3)
    total = total + np.sum(np.diagonal(x, -1) ** 3) + np.sin(np.trace(x, -1))
    total = total + np.sum(np.diagonal(x, 2) ** 3) + np.sin(np.trace(x, 2)) + x.trace(1) ** 2
    return (
        total
        + np.sum(np.diagonal(x, 1, 1, 0))
        + np.sum(np.tril(x, -1) ** 2)
        + np.sum(np.triu(x, 1) ** 3)
    )


add("diag-diagonal-trace-offsets", offsets, args(normal(4, 5), normal(3)), (0, 1))


def stacked_offsets(x):
    return np.sum(np.sin(np.diagonal(x, 1, 1, 2))) + np.sum(np.trace(x, -1, 0, 2) ** 2)


add("diagonal-trace-3d", stacked_offsets, args(normal(3, 4, 4)))


def flips(x):
    return (
        np.sum(np.sin(np.flip(x, (0, 2)))) * 2
        + np.sum(np.fliplr(x) ** 2 * x)
        + np.sum(np.flipud(x) * x)
        + np.sum(np.roll(x, (1, -2), axis=(0, 2)) * x)
    )


add("flip-roll", flips, args(normal(2, 3, 4)))


test_first_order, test_second_order = runners_for(CHECKS)


def test_take_is_not_differentiable_in_its_indices_and_matches_numpy() -> None:
    x = np.arange(12.0).reshape(3, 4)
    value, grad = adgen.value_and_grad(lambda x: np.sum(np.take(x, _IDX, axis=1)))(x)
    assert value == np.sum(np.take(x, _IDX, axis=1))
    expected = np.zeros((3, 4))
    np.add.at(expected, (slice(None), _IDX.ravel()), 1.0)
    assert np.array_equal(grad, expected)


def test_interp_slope_is_the_segments() -> None:
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    g = adgen.grad(lambda x: np.sum(np.interp(x, xp, fp)))(np.array([-1.0, 0.5, 2.0, 4.0]))
    assert np.allclose(g, [0.0, 2.0, 0.5, 0.0])


@pytest.mark.parametrize(
    "f,match",
    [
        (lambda a, v: np.correlate(a, v, "same"), "mode='same'"),
        (lambda a, v: np.interp(a, v, v, period=2.0), "period"),
        (lambda a, v: np.gradient(a), "axis="),
        (lambda a, v: np.gradient(a, axis=0, edge_order=2), "edge_order"),
        (lambda a, v: np.gradient(a, v, axis=0), "one number as its spacing"),
        (lambda a, v: np.put_along_axis(a, np.array([0]), v, 0), "in place"),
    ],
)
def test_refused_forms(f: Any, match: str) -> None:
    with pytest.raises(adgen.DifferentiationError, match=match):
        adgen.grad(lambda a, v: np.sum(f(a, v)))(np.ones(3), np.arange(3.0))
    with pytest.raises(adgen.DifferentiationError, match=match):
        adgen.jvp(lambda a, v: np.sum(f(a, v)))(np.ones(3), np.arange(3.0), np.ones(3))


def test_cross_of_2_and_3_vectors_is_refused_in_reverse() -> None:
    def f(a, b):
        return np.sum(np.cross(a, b))

    with pytest.raises(adgen.DifferentiationError, match="same length"):
        adgen.grad(f)(np.ones(2), np.arange(3.0))
