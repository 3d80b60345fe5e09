"""has_aux=True: f returns (value, aux); aux comes back beside the derivative, never
differentiated, where JAX puts it (issue 15, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import DifferentiationError
from adgen.testing import check_grads

X = np.array([0.3, -1.2, 2.0])


def loss_with_aux(x, scale):
    pred = np.sin(x) * scale
    loss = np.sum(pred * pred)
    return loss, {"pred": pred, "n": 3, "mean": np.mean(x)}


def plain(x, scale):
    pred = np.sin(x) * scale
    return np.sum(pred * pred)


def vector_with_aux(x):
    y = np.exp(x) * x
    return y, (np.sum(y), "note")


def test_grad_and_value_and_grad():
    g, aux = adgen.grad(loss_with_aux, has_aux=True)(X, 2.0)
    np.testing.assert_allclose(g, adgen.grad(plain)(X, 2.0), rtol=1e-12)
    assert set(aux) == {"pred", "n", "mean"} and aux["n"] == 3
    np.testing.assert_allclose(aux["pred"], np.sin(X) * 2.0)
    (value, aux2), g2 = adgen.value_and_grad(loss_with_aux, has_aux=True)(X, 2.0)
    assert value == pytest.approx(plain(X, 2.0))
    np.testing.assert_allclose(g2, g)
    assert aux2["mean"] == pytest.approx(np.mean(X))
    check_grads(plain, (X, 2.0))  # the reference gradient is itself checked


def test_grad_wrt_several():
    (gx, gs), aux = adgen.grad(loss_with_aux, wrt=(0, 1), has_aux=True)(X, 2.0)
    ex, es = adgen.grad(plain, wrt=(0, 1))(X, 2.0)
    np.testing.assert_allclose(gx, ex)
    assert gs == pytest.approx(es)
    assert isinstance(aux, dict)


def test_vjp_and_jvp():
    u = np.array([1.0, 0.5, -2.0])
    grads, aux = adgen.vjp(vector_with_aux, has_aux=True)(X, u)
    np.testing.assert_allclose(grads, u * (np.exp(X) * X + np.exp(X)), rtol=1e-12)
    assert aux[1] == "note" and aux[0] == pytest.approx(np.sum(np.exp(X) * X))
    value, tangent, aux = adgen.jvp(vector_with_aux, has_aux=True)(X, u)
    np.testing.assert_allclose(value, np.exp(X) * X)
    np.testing.assert_allclose(tangent, u * (np.exp(X) * X + np.exp(X)), rtol=1e-12)
    assert aux[1] == "note"


def test_aux_is_never_differentiated():
    # the aux depends on x; the gradient must be that of the value alone
    def f(x):
        return x * x, x * 100.0

    g, aux = adgen.grad(f, has_aux=True)(3.0)
    assert g == pytest.approx(6.0) and aux == pytest.approx(300.0)


def test_aux_through_a_loop():
    def f(x):
        total = 0.0
        count = 0
        for i in range(3):
            total = total + x * i
            count = count + 1
        return total * total, count

    g, count = adgen.grad(f, has_aux=True)(2.0)
    assert g == pytest.approx(2 * (3 * 2.0) * 3) and count == 3


def test_has_aux_needs_a_pair():
    with pytest.raises(DifferentiationError, match="must return a pair"):
        adgen.grad(plain, has_aux=True)(X, 2.0)


def test_second_derivative_with_aux():
    def f(x):
        return x**3, x

    gg, aux = adgen.grad(adgen.grad(f, has_aux=True), has_aux=True)(2.0)
    assert gg == pytest.approx(12.0) and aux == pytest.approx(2.0)
