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
