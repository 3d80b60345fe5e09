"""In-place writes: where generated code writes ``y[i] = v`` instead of copying, and
where it must not (an argument, a view of one, an alias read later, a taped value).

Each function is checked for its value and derivatives against NumPy and finite
differences, and its arguments are checked unchanged; the generated source is
checked for the copy (``setitem(``) or the in-place write it should hold.
"""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen.testing import check_grads


def fill(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sin(x[i]) * 2.0
    return np.sum(y * y)


def write_argument(x):
    x[0] = x[1] * 3.0  # the user's code mutates its argument: the derivative must not
    return np.sum(x * x)


def write_view_of_argument(x):
    v = x[1:]
    v[0] = x[0] * 2.0
    return np.sum(x * v[0])


def alias_read_after(x):
    y = np.zeros(x.shape[0])
    a = y + 0.0  # a new array in NumPy (the IR may give it y's value)
    b = y  # the same array: sees the write
    y[0] = x[0]
    return np.sum(a * x) + np.sum(y * x) + np.sum(b * b)


def taped_then_written(x):
    n = x.shape[0]
    y = np.ones(n)
    s = 0.0
    for i in range(n):
        s = s + np.sum(y * x)  # the reverse sweep needs this iteration's y
        y[i] = x[i] * x[i]
    return s


def alias_in_loop(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(1, n):
        old = y  # the same array: old[i - 1] reads what the last iteration wrote
        y[i] = old[i - 1] + np.cos(x[i])
    return np.sum(y * x)


def outer_kept(x):
    n = x.shape[0]
    y0 = np.zeros(n)
    y = y0 * 1.0
    for i in range(n):
        y[i] = x[i] ** 2
    return np.sum(y * x) + np.sum(y0 + x)


CASES = [
    fill,
    write_argument,
    write_view_of_argument,
    alias_read_after,
    taped_then_written,
    alias_in_loop,
    outer_kept,
]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_values_derivatives_and_arguments(f):
    x = np.random.default_rng(1).standard_normal(5)
    kept = x.copy()
    g = adgen.grad(f)
    value, grad = adgen.value_and_grad(f)(x)
    assert np.array_equal(x, kept), "the derivative changed its argument"
    assert np.isclose(value, f(x.copy()))
    assert np.array_equal(g(x), grad)
    check_grads(f, [x.copy()])


def _specialised_source(f, x):
    return (
        adgen.pipeline.run(adgen.pipeline.Request(f, "grad", ("x",), shapes=(x.shape,)))
        .emitted[0]
        .source
    )


def test_fill_writes_in_place_in_both_sweeps():
    src = _specialised_source(fill, np.ones(4))
    assert "setitem(" not in src
    assert "y[i] = " in src and "bx[i] = " in src
    # The adjoint of the overwritten y[i] is read at i only: zeroing it afterwards,
    # for no later iteration to read, goes (passes/first_writes).
    assert "by[i] = 0.0" not in src


@pytest.mark.parametrize("f", [write_argument, write_view_of_argument, taped_then_written])
def test_copies_where_a_write_would_be_seen(f):
    assert "setitem(" in _specialised_source(f, np.ones(5)).split("Reverse sweep")[0]
