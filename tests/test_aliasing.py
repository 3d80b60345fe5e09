"""Reproducers of issue 18: views, aliases and in-place updates, and the crashes seen with them.

Each test runs :func:`tests.fuzz.oracle.check`: the derivative functions' values equal the
function's own (on fresh copies of the inputs), forward and reverse derivatives match central
finite differences, and ``<u, J v> = <J^T u, v>``.
"""

# ruff: noqa: B007  (the reproducers are the issue's, unused loop variables included)
from __future__ import annotations

import numpy as np
import pytest
from fuzz.oracle import check

import adgen


def assert_exact(f, *args, hessian=False, expect_raise=False):
    out = check(f, list(args), hessian=hessian, expect_raise=expect_raise)
    assert out.status == "ok", f"{out.status} {out.kind}: {out.detail}"
    assert out.checks >= 2


# A. an in-place update through one name is lost on an alias when a loop or branch intervenes
def alias_loop(x):
    w = x
    for i in range(2):
        x *= 0.5
    return np.mean(w)


def alias_if(x, c):
    w = x
    if c > 0.0:
        w *= 2.0
    x *= 0.5
    return np.sum(w)


def alias_view_after_loop(x, y):
    w1 = x[1]
    for i in range(2):
        x[0] = y
    w1[0] = np.sum(y)
    return np.sum(x * x)


def alias_const_T_loop(x):
    v1 = np.array([[1.48, 0.129, 0.312], [0.719, 0.653, 0.268], [0.443, 0.831, 0.959]])
    w3 = v1.T
    for i1 in range(3):
        v1[1, 1] = 0.5
    return np.mean(w3) + 0.0 * np.sum(x)


# E. straight-line code: a second augmented assignment through a row view is lost
def row_view_two_updates(y, z):
    w = y[1]
    w *= 2.0
    w += z
    return np.sum(y * y)


# B. np.where's JVP and the tangent of a smaller operand
def where_scalar_sum(z):
    return np.sum(np.where(z > 0.1, np.array([0.3, 0.8, 0.5]), z))


def where_row_axis(y):
    return np.sum(np.where(y > 10.0, np.ones((2, 2)), y), axis=1)


# C. a view written inside a loop
def rec_view_in_while(z):
    k = 0
    while k < 2:
        k += 1
        w = z.T
        w *= 0.5
    return np.sum(z)


def rec_mask_write_view_loop(x):
    x = x[:, 1]
    for i in range(3):
        x[x > 0.2] = 0.5
    return np.sum(x)


# D. nested loops over an alias
def unbound_nested(x):
    k1 = 0
    while k1 < 2:
        k1 += 1
        for _ in range(4):
            v1 = x
            v1 -= v1
    return x


# F. a helper that updates its array argument in place
def halve_in_place(p):
    p *= 0.5
    return 1.0


def helper_mutates_argument(x):
    v = halve_in_place(x)
    return x * v


# G. np.where on scalars returns a mutable 0-d array
def where_0d_alias(x):
    x = np.where(x > -10, x, 0.5)
    v4 = x
    for k in range(2):
        v4 *= x
    return x + 0.0


# H. an unconditional break before a loop
def while_true_then_loop(x):
    y = x
    while True:
        break
    for i in range(2):
        y = 0.5
    return y + x


X2 = np.array([1.0, 2.0])
M23 = np.array([[0.3, -0.7, 1.1], [0.9, 0.4, -1.3]])
M33 = np.array([[0.5, 1.2, -0.4], [0.8, -0.6, 1.5], [-1.1, 0.7, 0.2]])
V3 = np.array([0.4, -1.2, 2.0])
Z3 = np.array([0.2, 0.5, -0.9])
CASES = [
    pytest.param(alias_loop, (V3.copy(),), id="A-alias_loop"),
    pytest.param(alias_if, (V3.copy(), 0.7), id="A-alias_if"),
    pytest.param(alias_view_after_loop, (M23.copy(), Z3.copy()), id="A-alias_view_after_loop"),
    pytest.param(alias_const_T_loop, (M33.copy(),), id="A-alias_const_T_loop"),
    pytest.param(row_view_two_updates, (M23.copy(), Z3.copy()), id="E-row_view_two_updates"),
    pytest.param(where_scalar_sum, (0.7,), id="B-where_scalar_sum"),
    pytest.param(where_scalar_sum, (-0.7,), id="B-where_scalar_sum-false"),
    pytest.param(where_row_axis, (np.array([0.3, -0.8]),), id="B-where_row_axis"),
    pytest.param(rec_view_in_while, (M23.copy(),), id="C-rec_view_in_while"),
    pytest.param(rec_mask_write_view_loop, (M33.copy(),), id="C-rec_mask_write_view_loop"),
    pytest.param(unbound_nested, (V3.copy(),), id="D-unbound_nested"),
    pytest.param(helper_mutates_argument, (X2.copy(),), id="F-helper_mutates_argument"),
    pytest.param(where_0d_alias, (0.7,), id="G-where_0d_alias"),
    pytest.param(while_true_then_loop, (0.7,), id="H-while_true_then_loop"),
]


@pytest.mark.parametrize(("f", "args"), CASES)
def test_reproducer(f, args):
    assert_exact(f, *args)


# Also seen in the issue
def hessian_nested_if_column_write(x):
    w = np.zeros((3, 3))
    for i in range(3):
        for j in range(2):
            if x[j] > 0.0:
                w[:, i] = w[:, i] + x * x[j]
            else:
                w[:, i] = np.sin(x) * x[i]
    return np.sum(w * w)


def test_hessian_through_nested_loops_with_a_branch_and_a_column_write():
    for x in (np.array([0.3, -0.8, 1.1]), np.array([-0.4, 0.9, 0.5])):
        assert_exact(hessian_nested_if_column_write, x, hessian=True)


def mean_of_empty(x):
    return np.mean(x[x > 10.0]) + np.sum(x)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_mean_of_an_empty_selection_is_nan_not_an_error():
    x = np.array([0.1, 0.2])
    value, g = adgen.value_and_grad(mean_of_empty)(x.copy())
    assert np.isnan(value) and np.isnan(mean_of_empty(x.copy()))
    np.testing.assert_array_equal(g, [1.0, 1.0])  # the empty mean adds nothing but NaN
    v, t = adgen.jvp(mean_of_empty)(x.copy(), np.ones(2))
    assert np.isnan(v) and np.isnan(t)


def square(x):
    return x * x


def test_zero_dimensional_array_inputs():
    x = np.array(0.7)
    g = adgen.grad(square)(x)
    assert type(g) is np.ndarray and g.shape == () and g == 1.4
    assert_exact(square, np.array(0.7))
    assert_exact(square, np.array(-1.3), hessian=True)


def dead_raising_code(x):
    junk = None + 1.0  # noqa: F841 - dead, but it raises in the function
    return x * 2.0


def dead_raising_call(x):
    junk = np.sin("abc")  # noqa: F841
    return x * 2.0


@pytest.mark.parametrize("f", [dead_raising_code, dead_raising_call])
def test_dead_code_that_raises_raises_in_the_derivative(f):
    assert_exact(f, 0.5, expect_raise=True)


def dead_index_error(x):
    junk = np.ones(3)[7]  # noqa: F841
    return x * 2.0


def dead_zero_division(x):
    junk = 1 // 0  # noqa: F841
    return x * 2.0


@pytest.mark.parametrize("f", [dead_index_error, dead_zero_division])
def test_dead_code_that_raises_for_its_values_raises_in_the_jvp(f):
    with pytest.raises((IndexError, ZeroDivisionError)):  # forward-mode DCE keeps f's code
        adgen.jvp(f)(0.5, 1.0)


@pytest.mark.parametrize("f", [dead_index_error, dead_zero_division])
def test_dead_code_that_raises_for_its_values_raises_in_the_vjp(f):
    with pytest.raises((IndexError, ZeroDivisionError)):
        adgen.vjp(f)(0.5, 1.0)


def dead_branch_raises(x, y):
    if np.sum(y) > 1.17:
        x = x * 2.0
    else:
        y = np.ones(3)[7]  # y is not used after the if
    return x * 3.0


def test_dead_code_in_a_branch_raises_in_the_vjp():
    with pytest.raises(IndexError):
        adgen.vjp(dead_branch_raises)(0.5, np.zeros(2), 1.0)
    assert adgen.vjp(dead_branch_raises)(0.5, np.ones(2), 1.0) == 6.0


# Found by the 10,000-program campaign: a helper that returns its argument on one path.
def returns_argument_or_number(p, q):
    r = p
    if np.sum(r) > 0.889:
        return 0.5
    return r


def result_is_the_argument(x):
    v1 = returns_argument_or_number(x, x)
    v1 *= x
    return x


def result_is_a_view_argument(x):
    v1 = returns_argument_or_number(x[1], x)
    w2 = x
    w2 -= x
    return v1


def test_a_helper_result_that_is_its_argument_is_followed():
    for x in (np.array([-0.66, -1.04, -0.32]), np.array([0.9, 0.8, 0.7])):
        assert_exact(result_is_the_argument, x)


def test_a_helper_result_that_is_a_view_argument_is_refused_after_a_write():
    x = np.array([[-0.16, 0.59, 0.64], [0.62, 0.82, -1.36]])
    with pytest.raises(adgen.UnsupportedSyntaxError, match="'v1' may share memory"):
        adgen.jvp(result_is_a_view_argument)(x, np.ones_like(x))
