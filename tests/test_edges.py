"""Silent wrong answers and crashes at the edges (issue 12), each checked exactly.

Every test here failed before its fix: a zero or nan derivative, a crash in
adgen's code, or an error of the wrong type.
"""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen.testing import check_grads

BOTH = ("forward", "reverse")


def linspace_sum(x, y):
    return np.sum(np.sin(np.linspace(x, y, 5)))


def linspace_axis(x, y):
    return np.linspace(x, y, 4, endpoint=False, axis=1)


def test_linspace_is_linear_in_start_and_stop():
    # d/dx sum(linspace(x, y, 5)) = sum(1 - k/4) = 2.5, and the same for y.
    assert adgen.grad(lambda x, y: np.sum(np.linspace(x, y, 5)), (0, 1))(1.0, 2.0) == (
        pytest.approx(2.5),
        pytest.approx(2.5),
    )
    check_grads(linspace_sum, [0.3, 1.7], wrt=(0, 1), order=2)
    check_grads(
        linspace_axis,
        [np.array([0.5, 1.0, -1.0]), np.array([2.0, 3.0, 0.5])],
        wrt=(0, 1),
        modes=BOTH,
    )


def test_linspace_with_an_integer_dtype_is_refused():
    with pytest.raises(adgen.DifferentiationError, match="dtype"):
        adgen.grad(lambda x: np.sum(np.linspace(x, 5.0, 4, dtype=int)))(1.0)


def std_all(x):
    return np.std(x)


def std_rows(x):
    return np.sum(np.std(x, axis=1) ** 2 + np.std(x, axis=1))


@pytest.mark.parametrize("mode", BOTH)
def test_std_of_one_element_has_derivative_zero(mode):
    one = np.array([1.5])
    column = np.array([[1.0], [2.0], [-3.0]])
    if mode == "reverse":
        assert np.array_equal(adgen.grad(std_all)(one), [0.0])
        assert np.array_equal(adgen.grad(std_rows)(column), np.zeros((3, 1)))
    else:
        assert adgen.jvp(std_all)(one, np.ones(1))[1] == 0.0
        assert np.array_equal(adgen.jvp(std_rows)(column, np.ones((3, 1)))[1], 0.0)


def test_std_elsewhere_is_unchanged():
    check_grads(std_rows, [np.random.default_rng(0).standard_normal((3, 4))], order=2)


def pow_base_zero(y):
    return np.power(0.0, y)


def pow_exponent_zero(x):
    return x**0.0


def pow_arrays(x, y):
    return np.sum(np.power(x, y))


@pytest.mark.parametrize("mode", BOTH)
def test_power_at_zero(mode):
    if mode == "reverse":
        assert adgen.grad(pow_base_zero)(2.0) == 0.0
        assert adgen.grad(pow_exponent_zero)(0.0) == 0.0
        gx, gy = adgen.grad(pow_arrays, (0, 1))(np.zeros(3), np.array([0.0, 2.0, 3.0]))
    else:
        assert adgen.jvp(pow_base_zero)(2.0, 1.0)[1] == 0.0
        assert adgen.jvp(pow_exponent_zero)(0.0, 1.0)[1] == 0.0
        x, y = np.zeros(3), np.array([0.0, 2.0, 3.0])
        gx = np.array([adgen.jvp(pow_arrays, 0)(x, y, e)[1] for e in np.eye(3)])
        gy = np.array([adgen.jvp(pow_arrays, 1)(x, y, e)[1] for e in np.eye(3)])
    # d/dx x**y at x = 0 is y * 0**(y-1): 0 for y = 0 and y = 2, 0 for y = 3.
    assert np.array_equal(gx, [0.0, 0.0, 0.0])
    # d/dy x**y at x = 0 is 0 for y > 0 (and taken as 0 at y = 0).
    assert np.array_equal(gy, [0.0, 0.0, 0.0])


def test_power_away_from_zero_is_unchanged():
    rng = np.random.default_rng(1)
    check_grads(pow_arrays, [rng.uniform(0.5, 2, 4), rng.uniform(-1, 2, 4)], wrt=(0, 1), order=2)
    check_grads(lambda x: x**1.5 + 2.0**x, [0.7], order=2)


def einsum_literal(a):
    return np.sum(np.einsum(a, [0, 1], [1, 0]) * np.arange(6.0).reshape(3, 2))


def einsum_variables(a):
    sub = [0, 1]
    out = [1, 0]
    return np.sum(np.einsum(a, sub, out) * np.arange(6.0).reshape(3, 2))


def einsum_two(a, b):
    return np.einsum(a, [0, 1], b, [1], [0])


def einsum_ellipsis(a, b):
    return np.einsum(a, [Ellipsis, 1], b, [1])


def test_einsum_sublist_form():
    a = np.random.default_rng(2).standard_normal((2, 3))
    expected = np.arange(6.0).reshape(3, 2).T
    assert np.allclose(adgen.grad(einsum_literal)(a), expected)
    assert np.allclose(adgen.grad(einsum_variables)(a), expected)
    check_grads(einsum_literal, [a], order=2)
    check_grads(einsum_two, [a, np.arange(3.0)], wrt=(0, 1), modes=BOTH)
    check_grads(einsum_ellipsis, [a, np.arange(3.0)], wrt=(0, 1), modes=BOTH)


def r_join(x):
    return np.r_[x, 2.0 * x, 1.0]


def c_join(x, y):
    return np.c_[x, y]


def test_r_and_c():
    x = np.array([0.5, -1.0])
    value, tangent = adgen.jvp(r_join)(x, np.ones(2))
    assert np.array_equal(value, np.r_[x, 2 * x, 1.0])
    assert np.array_equal(tangent, [1.0, 1.0, 2.0, 2.0, 0.0])
    assert np.array_equal(adgen.grad(lambda x: np.sum(np.r_[x, x]))(x), [2.0, 2.0])
    check_grads(r_join, [x])
    check_grads(r_join, [0.3])
    check_grads(c_join, [x, np.array([3.0, 4.0])], wrt=(0, 1))
    check_grads(c_join, [np.ones((2, 2)), np.array([[3.0], [4.0]])], wrt=(0, 1))


def test_r_with_slices_is_refused():
    with pytest.raises(adgen.DifferentiationError, match="slices"):
        adgen.grad(lambda x: np.sum(np.r_[0:3, x]))(1.0)


def inner(a, b):
    return np.sum(np.inner(a, b))


def test_inner_of_scalars():
    assert adgen.grad(inner, (0, 1))(2.0, 3.0) == (3.0, 2.0)
    check_grads(inner, [2.0, 3.0], wrt=(0, 1), order=2)
    check_grads(inner, [2.0, np.arange(3.0)], wrt=(0, 1), order=2)
    check_grads(inner, [np.ones((2, 3)), 1.5], wrt=(0, 1), order=2)
    check_grads(inner, [np.ones((2, 3)), np.arange(3.0)], wrt=(0, 1), order=2)


def size_one(x):
    return np.sum(x * x, keepdims=True)


def test_grad_of_a_size_one_output_treats_it_as_a_scalar():
    x = np.array([[1.0, 2.0], [3.0, 0.5]])
    assert np.array_equal(adgen.grad(size_one)(x), 2 * x)
    assert np.array_equal(adgen.grad(lambda v: 3.0 * v)(np.array([2.0])), [3.0])
    value, g = adgen.value_and_grad(size_one)(x)
    assert value.shape == (1, 1) and np.array_equal(g, 2 * x)
    f = adgen.grad(size_one)
    f(x)
    assert np.array_equal(f(x), 2 * x)  # the second call takes the fast path
    with pytest.raises(adgen.DifferentiationError, match="scalar output"):
        adgen.grad(lambda v: v * 2)(np.ones(3))
