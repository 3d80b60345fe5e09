"""Jacobians and Hessians are derivative objects: .source, rich display, and
differentiable again, checked against finite differences (issue 15, item 3)."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import DifferentiationError
from adgen.errors import NotScalarOutputError

X = np.array([0.4, -0.7, 1.1])


def cubic(x):
    return np.sum(x**3) + x[0] * x[1] * x[2]


def vec(x):
    return np.sin(x) * x[0]


def fd(f, x, eps=1e-6):
    """Central differences of f at x, stacked on the last axes (shape out + x)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def test_jacobian_and_hessian_are_derivative_objects():
    for d in (adgen.jacobian(vec), adgen.hessian(cubic)):
        assert "def " in d.source and "<pre" in d._repr_html_() or "<" in d._repr_html_()
        assert d.primal is not None


def test_hessian_exact():
    H = adgen.hessian(cubic)(X)
    expected = np.diag(6 * X) + np.array([[0, X[2], X[1]], [X[2], 0, X[0]], [X[1], X[0], 0]])
    np.testing.assert_allclose(H, expected, rtol=1e-12)


def test_jacobian_of_hessian_is_the_third_derivative():
    T = adgen.jacobian(adgen.hessian(cubic))(X)
    assert T.shape == (3, 3, 3)
    np.testing.assert_allclose(T, fd(adgen.hessian(cubic), X), atol=1e-6)
    expected = np.zeros((3, 3, 3))
    for i in range(3):
        expected[i, i, i] = 6.0
    for p in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        expected[p] = 1.0
    np.testing.assert_allclose(T, expected, atol=1e-12)


def test_jacobian_of_jacobian_both_modes():
    for mode in ("forward", "reverse"):
        J = adgen.jacobian(vec, mode=mode)
        np.testing.assert_allclose(J(X), fd(vec, X), atol=1e-7)
        JJ = adgen.jacobian(J)
        np.testing.assert_allclose(JJ(X), fd(J, X), atol=1e-6)


def test_grad_of_a_scalar_jacobian():
    def f(x):
        return np.sin(x) * x * x

    d1 = adgen.jacobian(f)
    g2 = adgen.grad(d1)
    x = 0.8
    assert g2(x) == pytest.approx(float(fd(d1, x)), rel=1e-6)
    exact = -np.sin(x) * x * x + 4 * x * np.cos(x) + 2 * np.sin(x)
    assert g2(x) == pytest.approx(exact, rel=1e-12)
    value, g = adgen.value_and_grad(d1)(x)
    assert g == pytest.approx(exact, rel=1e-12)
    with pytest.raises(DifferentiationError, match="scalar"):
        adgen.grad(adgen.jacobian(vec))(X)


def test_jvp_and_vjp_of_a_hessian():
    H = adgen.hessian(cubic)
    v = np.array([1.0, -2.0, 0.5])
    value, t = adgen.jvp(H)(X, v)
    np.testing.assert_allclose(value, H(X))
    np.testing.assert_allclose(t, adgen.jacobian(H)(X) @ v, atol=1e-12)
    u = np.ones((3, 3))
    g = adgen.vjp(H)(X, u)
    np.testing.assert_allclose(g, np.tensordot(u, adgen.jacobian(H)(X), axes=2), atol=1e-12)


def test_hessian_of_a_hessian_needs_a_scalar():
    with pytest.raises(DifferentiationError, match="scalar"):
        adgen.hessian(adgen.hessian(cubic))(X)


def test_hessian_keeps_float32():
    x = X.astype(np.float32)
    H = adgen.hessian(cubic)(x)
    assert H.dtype == np.float32
    J = adgen.jacobian(vec)(x)
    assert J.dtype == np.float32


@adgen.differentiate
def _cubes_grad(x):
    return np.sum(x**3 * np.sin(x))


def test_hessian_of_a_decorated_gradient_is_refused_and_its_jacobian_is_the_hessian():
    x = np.array([0.3, -1.2, 0.7])
    # The decorated function is a gradient (not scalar): a DifferentiationError, not
    # the plain ValueError of the generated code's scalar check.
    with pytest.raises(NotScalarOutputError, match="scalar output"):
        adgen.hessian(_cubes_grad)(x)
    expected = adgen.hessian(lambda x: np.sum(x**3 * np.sin(x)))(x)
    np.testing.assert_allclose(adgen.jacobian(_cubes_grad)(x), expected, rtol=1e-12)
    d = 6 * x * np.sin(x) + 6 * x**2 * np.cos(x) - x**3 * np.sin(x)  # d2/dx2 of x^3 sin x
    np.testing.assert_allclose(np.diag(expected), d, rtol=1e-12)
