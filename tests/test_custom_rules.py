"""Custom derivative rules (adgen.defvjp / defjvp / custom_derivative) and stop_gradient."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen.testing import check_grads


def softplus(x):
    """log(1 + exp(x)), written to be stable for large |x|."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus_vjp(g, out, x):
    return g * sigmoid(x)


def softplus_jvp(t, out, x):
    return t * sigmoid(x)


adgen.defvjp(softplus, softplus_vjp)
adgen.defjvp(softplus, softplus_jvp)


def uses_softplus(x, w):
    return np.sum(softplus(x * w) ** 2)


def test_softplus_rule_both_modes_and_by_name():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(5) * 3, rng.standard_normal(5)
    check_grads(uses_softplus, [x, w], wrt=(0, 1))
    reverse = adgen.source(uses_softplus)
    forward = adgen.source(uses_softplus, mode="forward")
    assert "softplus(" in reverse and "softplus_vjp(" in reverse
    assert "softplus(" in forward and "softplus_jvp(" in forward
    # Large inputs: the rule is stable where log(1 + exp(x)) differentiated directly is not.
    g = adgen.grad(lambda x: np.sum(softplus(x)))(np.array([-800.0, 0.0, 800.0]))
    np.testing.assert_allclose(g, [0.0, 0.5, 1.0])


def test_function_with_rules_differentiated_directly():
    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(adgen.vjp(softplus)(x, np.ones(5)), sigmoid(x))
    assert "softplus_vjp(" in adgen.vjp(softplus).source


def test_scipy_expit_given_a_rule():
    special = pytest.importorskip("scipy.special")
    expit = special.expit

    def expit_vjp(g, out, x):
        return g * out * (1.0 - out)

    def expit_jvp(t, out, x):
        return t * out * (1.0 - out)

    adgen.defvjp(expit, expit_vjp)
    adgen.defjvp(expit, expit_jvp)
    try:

        def logistic_loss(w, X, y):
            p = special.expit(X @ w)
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

        rng = np.random.default_rng(1)
        X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
        y = (rng.random(6) > 0.5).astype(float)
        check_grads(logistic_loss, [w, X, y], wrt=(0, 1))
        src = adgen.source(logistic_loss)
        assert "expit(" in src and "expit_vjp(" in src
    finally:
        # expit has built-in rules too: give it back to them for the other tests.
        from adgen import custom

        custom.undefine(expit)


def weighted(x, w, power=2.0):
    return w * x**power


adgen.custom_derivative(
    weighted,
    vjp=(
        lambda g, out, x, w, power: g * w * power * x ** (power - 1),
        lambda g, out, x, w, power: g * x**power,
        None,
    ),
    jvp=(
        lambda t, out, x, w, power: t * w * power * x ** (power - 1),
        lambda t, out, x, w, power: t * x**power,
    ),
)


def uses_weighted(x, w):
    return np.sum(weighted(x, w) + weighted(x, w, power=3.0))


def test_several_arguments_defaults_and_lambda_rules():
    rng = np.random.default_rng(2)
    x, w = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    for wrt in (0, 1, (0, 1)):
        check_grads(uses_weighted, [x, w], wrt=wrt)
    src = adgen.source(uses_weighted, wrt=(0, 1))
    assert "weighted_vjp0(" in src and "weighted_vjp1(" in src


def only_reverse(x):
    return x * 2.0


adgen.defvjp(only_reverse, lambda g, out, x: g * 2.0)


def test_missing_rules_are_clear_errors():
    def f(x):
        return np.sum(only_reverse(x))

    np.testing.assert_allclose(adgen.grad(f)(np.ones(3)), 2.0)
    with pytest.raises(adgen.DifferentiationError, match="defjvp"):
        adgen.jvp(f)(np.ones(3), np.ones(3))


def test_hessian_needs_rules_of_rules():
    def f(x):
        return np.sum(softplus(x))

    with pytest.raises(adgen.DifferentiationError, match="softplus_vjp"):
        adgen.hessian(f)(np.ones(2))

    def cube(x):
        return x**3

    def cube_vjp(g, out, x):
        return g * 3 * x**2

    adgen.defvjp(cube, cube_vjp)
    adgen.defjvp(cube, lambda t, out, x: t * 3 * x**2)
    # cube_vjp(g, out, x): its own rules take (t, result, g, out, x).
    adgen.defjvp(
        cube_vjp,
        lambda t, res, g, out, x: t * 3 * x**2,
        None,
        lambda t, res, g, out, x: t * g * 6 * x,
    )
    H = adgen.hessian(lambda x: np.sum(cube(x)))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, np.diag([6.0, 12.0]))


def test_registering_again_replaces_rules():
    def double(x):
        return 2.0 * x

    adgen.defvjp(double, lambda g, out, x: g * 3.0)  # deliberately wrong

    def f(x):
        return double(x)

    g = adgen.grad(f)
    assert g(1.0) == 3.0
    adgen.defvjp(double, lambda g, out, x: g * 2.0)
    assert g(1.0) == 2.0


def test_too_many_rules():
    def one(x):
        return x

    with pytest.raises(adgen.DifferentiationError, match="takes 1 argument"):
        adgen.defvjp(one, lambda g, out, x: g, lambda g, out, x: g)


def stopped(x, target):
    return np.sum((x - adgen.stop_gradient(x * target)) ** 2)


def test_stop_gradient():
    x, target = np.array([1.0, 2.0]), np.array([0.5, 3.0])
    expected = 2 * (x - x * target)
    np.testing.assert_allclose(adgen.grad(stopped)(x, target), expected)
    _, t = adgen.jvp(stopped)(x, target, np.ones(2))
    assert np.isclose(t, np.sum(expected))
    assert adgen.stop_gradient(x) is x
    np.testing.assert_allclose(adgen.grad(stopped, wrt=1)(x, target), 0.0)
