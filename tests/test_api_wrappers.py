"""functools.partial, methods and pass-through decorators differentiate as the
functions they stand for; a wrapper that does more is not skipped (issue 15, item 3)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import adgen


def scaled_sum(a, x, b=1.0):
    return a * np.sum(np.sin(x)) + b


X = np.array([0.2, -0.5, 1.3])


def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


def doubled(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return 2.0 * f(*args, **kwargs)

    return wrapper


@logged
def energy(x, k):
    return k * np.sum(x * x * x)


def test_partial_binds_leading_arguments_and_keywords():
    p = functools.partial(scaled_sum, 3.0)
    np.testing.assert_allclose(adgen.grad(p)(X), 3.0 * np.cos(X), rtol=1e-12)
    np.testing.assert_allclose(adgen.grad(p, wrt="x")(X), 3.0 * np.cos(X), rtol=1e-12)
    q = functools.partial(scaled_sum, b=5.0)
    value, g = adgen.value_and_grad(q, wrt=1)(2.0, X)
    assert value == pytest.approx(scaled_sum(2.0, X, 5.0))
    np.testing.assert_allclose(g, 2.0 * np.cos(X), rtol=1e-12)
    _, t = adgen.jvp(p)(X, np.ones(3))
    assert t == pytest.approx(3.0 * np.sum(np.cos(X)))


def test_pass_through_decorator_is_its_function():
    g = adgen.grad(energy)
    np.testing.assert_allclose(g(X, 2.0), 6.0 * X * X, rtol=1e-12)
    H = adgen.hessian(energy)(X, 2.0)
    np.testing.assert_allclose(H, np.diag(12.0 * X), rtol=1e-12)
    assert g.primal is energy


def test_a_wrapper_that_changes_the_value_is_not_skipped():
    @doubled
    def f(x):
        return np.sum(x * x)

    try:
        g = adgen.grad(f)(X)
    except adgen.DifferentiationError as exc:  # refused: never a wrong number
        # the wrapper's own code was read: the refusal points at its call of f
        assert "this call to f" in str(exc)
        return
    # the wrapper is differentiated as written: wrt=0 names its *args, a tuple
    assert isinstance(g, tuple) and len(g) == 1
    np.testing.assert_allclose(g[0], 4.0 * X, rtol=1e-12)


def test_a_wrapper_with_the_same_parameters_is_read_as_written():
    # inspect.getsource follows __wrapped__ to f's source; adgen must read the wrapper's
    def scaled(f):
        @functools.wraps(f)
        def wrapper(x):
            return 2.0 * f(x)

        return wrapper

    @scaled
    def f(x):
        return np.sum(x * x)

    np.testing.assert_allclose(adgen.grad(f)(X), 4.0 * X, rtol=1e-12)
    np.testing.assert_allclose(adgen.value_and_grad(f)(X)[0], f(X), rtol=1e-12)


def test_partial_of_a_method():
    class Model:
        def __init__(self, w):
            self.w = w

        def loss(self, scale, x):
            return scale * np.sum(x * x)

    m = Model(1.0)
    g = adgen.grad(functools.partial(m.loss, 0.5))
    np.testing.assert_allclose(g(X), X, rtol=1e-12)
