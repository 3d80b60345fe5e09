"""passes/first_writes: an addition into zeros at the loop's own index is a write, and
a write nothing reads later goes; only where every index is a distinct position."""

from __future__ import annotations

import numpy as np
import pytest

from adgen import pipeline
from adgen.testing import check_grads


def _reverse_sweep(f, args):
    shapes = tuple(np.shape(a) for a in args)
    src = pipeline.run(pipeline.Request(f, "grad", ("x",), shapes=shapes)).emitted[0].source
    return src.split("Reverse sweep")[1]


def per_index(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sin(x[i]) * 3.0
    return s


def wraps_around(x):
    s = 0.0
    for i in range(-2, x.shape[0] - 2):  # x[-2] and x[n-2] are one position
        s = s + np.sin(x[i]) * x[i - 1]
    return s


def two_writes(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + x[i] * x[i + 1]
    return s


def refilled(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = x[i] ** 2
    return np.sum(y * x)


X = np.linspace(-1.0, 2.0, 6)


def test_write_at_the_loop_index():
    src = _reverse_sweep(per_index, (X,))
    assert "bx[i] = " in src and "+=" not in src
    check_grads(per_index, [X])


@pytest.mark.parametrize("f", [wraps_around, two_writes])
def test_additions_stay_where_positions_repeat(f):
    assert "+=" in _reverse_sweep(f, (X,))
    check_grads(f, [X])


def test_unread_zeroing_goes_and_values_stay_right():
    src = _reverse_sweep(refilled, (X,))
    assert "by[i] = 0.0" not in src
    check_grads(refilled, [X])


def matrix_loop(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h * h)


def shifted_squares(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + 0.5 * (0.5 * x[:-1]))


def test_loop_accumulator_adds_in_place():
    W, xs = np.eye(3) * 0.5 + 0.1, np.linspace(-1, 1, 12).reshape(4, 3)
    shapes = (W.shape, xs.shape)
    req = pipeline.Request(matrix_loop, "grad", ("W",), shapes=shapes, kinds=("<f8", "<f8"))
    src = pipeline.run(req).emitted[0].source
    assert "bW[:] += " in src
    check_grads(matrix_loop, [W, xs], wrt=0)


def test_basic_scatter_and_exact_constant_folds():
    req = pipeline.Request(shifted_squares, "grad", ("x",), shapes=((6,),), kinds=("<f8",))
    src = pipeline.run(req).emitted[0].source
    assert "scatter_add" not in src and "200.0 *" in src  # 100.0 * (2 * t): exact
    check_grads(shifted_squares, [X])
