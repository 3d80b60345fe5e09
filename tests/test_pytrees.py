"""NamedTuples, dataclasses and registered classes are containers like tuples and dicts:
as arguments, in wrt, nested; a gradient has its argument's class (issue 15, item 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest
from catalog_pytrees import Scaled as Box  # a registered class

import adgen
from adgen.testing import check_grads


@dataclass
class Params:
    w: np.ndarray
    b: float


class Pair(NamedTuple):
    left: np.ndarray
    right: np.ndarray


X = np.array([0.5, -1.0, 2.0])
W = np.array([0.3, 0.1, -0.4])


def model(p, x):
    return np.sum(np.tanh(p.w * x) + p.b)


def plain(w, b, x):
    return np.sum(np.tanh(w * x) + b)


def test_dataclass_argument_gradient_is_a_dataclass():
    g = adgen.grad(model)(Params(W, 0.7), X)
    assert isinstance(g, Params)
    gw, gb = adgen.grad(plain, wrt=(0, 1))(W, 0.7, X)
    np.testing.assert_allclose(g.w, gw, rtol=1e-12)
    assert isinstance(g.b, float) and g.b == pytest.approx(gb)
    check_grads(plain, (W, 0.7, X), wrt=(0, 1))


def test_namedtuple_by_attribute_index_and_unpacking():
    def f(pair):
        a, b = pair
        return np.sum(pair.left * b) + np.sum(pair[1] ** 2) + 0.0 * np.sum(a)

    g = adgen.grad(f)(Pair(X, W))
    assert isinstance(g, Pair)
    np.testing.assert_allclose(g.left, W, rtol=1e-12)
    np.testing.assert_allclose(g.right, X + 2 * W, rtol=1e-12)


def test_nested_and_in_a_dict():
    def f(params, x):
        inner = params["layer"]
        return np.sum(inner.w * x) * inner.b + np.sum(params["pair"].right)

    params = {"layer": Params(W, 2.0), "pair": Pair(X, W)}
    g = adgen.grad(f)(params, X)
    assert isinstance(g["layer"], Params) and isinstance(g["pair"], Pair)
    np.testing.assert_allclose(g["layer"].w, 2.0 * X)
    assert g["layer"].b == pytest.approx(np.sum(W * X))
    np.testing.assert_allclose(g["pair"].right, np.ones(3))
    np.testing.assert_allclose(g["pair"].left, np.zeros(3))


def test_registered_class():
    def f(box, x):
        return np.sum(box.inner * x) * 3.0

    g = adgen.grad(f)(Box(W, 5.0), X)
    assert isinstance(g, Box) and g.scale == 5.0
    np.testing.assert_allclose(g.inner, 3.0 * X)


def test_jvp_and_vjp_with_a_dataclass():
    p = Params(W, 0.7)
    value, t = adgen.jvp(model)(p, X, Params(np.ones(3), 1.0))
    expected = np.sum(X / np.cosh(W * X) ** 2) + 3.0
    assert t == pytest.approx(expected)
    g = adgen.vjp(model)(p, X, 2.0)
    assert isinstance(g, Params) and g.b == pytest.approx(6.0)


def test_leaf_that_cannot_be_differentiated_is_named():
    with pytest.raises(adgen.DifferentiationError, match=r"'p\.b'.*str"):
        adgen.grad(model)(Params(W, "x"), X)
