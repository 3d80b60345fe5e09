"""Issue 11: answers folded from argument types are never reused for other types;
signatures of callees; nested derivatives; what stays refused says where and why."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

import adgen


class Quadratic:
    def __init__(self, a):
        self.a = a

    def energy(self, x):
        return self.a * np.sum(x**2)


class Cubic:
    def __init__(self, a):
        self.a = a

    def energy(self, x):
        return self.a * np.sum(x**3)


class Pair(NamedTuple):
    a: float
    b: float


X = np.array([0.5, -1.0, 2.0])


def energy_of(x, model):
    return model.energy(x)


def test_a_call_with_another_class_compiles_anew():
    g = adgen.grad(energy_of)
    for _ in range(3):  # A, B, A...: each answer for its own class (fast path included)
        np.testing.assert_allclose(g(X, Quadratic(2.0)), 4.0 * X)
        np.testing.assert_allclose(g(X, Cubic(2.0)), 6.0 * X**2)
    np.testing.assert_allclose(adgen.jvp(energy_of)(X, Cubic(1.0), X)[1], np.sum(3 * X**3))


def by_type(x):
    if isinstance(x, float):
        return x * 2.0
    return np.sum(x * 3.0)


@pytest.mark.parametrize("kind", ["grad", "value_and_grad"])
def test_isinstance_of_an_argument_follows_each_call(kind):
    g = getattr(adgen, kind)(by_type)

    def grad(x):
        out = g(x)
        return out[1] if kind == "value_and_grad" else out

    for _ in range(3):
        assert grad(1.5) == 2.0
        np.testing.assert_allclose(grad(X), np.full(3, 3.0))
        assert grad(np.float64(1.5)) == 2.0  # a float subclass, as isinstance says
        assert float(grad(np.array(1.5))) == 3.0  # a 0-d array is not a float


class Maybe:
    pass


def with_scale(x, obj):
    if hasattr(obj, "scale"):
        return obj.scale * np.sum(x)
    return np.sum(x)


def test_hasattr_follows_the_instance_not_only_its_class():
    with_it, without = Maybe(), Maybe()
    with_it.scale = 3.0
    g = adgen.grad(with_scale)
    for _ in range(2):
        np.testing.assert_allclose(g(X, with_it), np.full(3, 3.0))
        np.testing.assert_allclose(g(X, without), np.ones(3))


def typed(x, p):
    if type(p) is Pair:
        return p.a * np.sum(x**2)
    return np.sum(x)


def test_type_is_and_namedtuple_attributes():
    g = adgen.grad(typed)
    np.testing.assert_allclose(g(X, Pair(2.0, 0.0)), 4.0 * X)
    np.testing.assert_allclose(g(X, (2.0, 0.0)), np.ones(3))


def test_kwargs_items_read_in_the_differentiated_function():
    def f(x, **kw):
        return np.sum(x * kw["s"]) + kw.get("t", 0.0)

    np.testing.assert_allclose(adgen.grad(f)(X, s=2.0), np.full(3, 2.0))
    np.testing.assert_allclose(adgen.grad(f)(X, s=3.0, t=1.0), np.full(3, 3.0))


def test_a_callee_with_kwargs_and_keyword_only_parameters():
    def helper(x, *, k, **kw):
        return k * x + kw["c"]

    def f(x):
        return np.sum(helper(x, k=3.0, c=1.0) ** 2)

    np.testing.assert_allclose(adgen.grad(f)(X), 2 * (3.0 * X + 1.0) * 3.0)


def _inner(y):
    return np.sum(np.sin(y) * y)


def test_a_nested_gradient_matches_the_one_computed_apart():
    def f(x):
        return np.sum(adgen.grad(_inner)(x) * x)

    # d/dx sum(g(x) * x) = g(x) + H(x) x, with H diagonal: 2 cos(x) - x sin(x)
    expected = np.sin(X) + X * np.cos(X) + (2 * np.cos(X) - X * np.sin(X)) * X
    np.testing.assert_allclose(adgen.grad(f)(X), expected, rtol=1e-12)
    np.testing.assert_allclose(adgen.jvp(f)(X, np.ones(3))[1], np.sum(expected), rtol=1e-12)


def test_a_nested_hessian_vector_product_matches_finite_differences():
    def f(x):
        _, hv = adgen.jvp(adgen.grad(_inner))(x, np.ones(3))
        return np.sum(hv**2)

    adgen.testing.check_grads(f, (X,), order=2)


def _pair(x):
    return np.sin(x), x * 2.0


def test_results_of_a_nested_jvp_and_of_a_tuple_call_are_indexed_by_constants():
    def f(x):
        t = adgen.jvp(_inner)(x, np.ones(3))[1]
        return t**2 + np.sum(_pair(x)[0] * _pair(x)[-1])

    adgen.testing.check_grads(f, (X,), order=2)

    def out_of_range(x):
        return np.sum(_pair(x)[2])

    with pytest.raises(adgen.UnsupportedSyntaxError, match="returns 2 values"):
        adgen.grad(out_of_range)(X)


_HESSIAN = adgen.hessian(_inner)


def _sums_a_hessian(x):
    return np.sum(_HESSIAN(x))


def _sums_a_jacobian(x):
    return np.sum(adgen.jacobian(_inner)(x))


@pytest.mark.parametrize("body", [_sums_a_hessian, _sums_a_jacobian])
def test_a_nested_jacobian_or_hessian_is_refused_with_advice(body):
    with pytest.raises(adgen.UnsupportedSyntaxError, match="Hessian-vector product"):
        adgen.grad(body)(X)


def computed(x):
    y = np.sin(x)
    if isinstance(y, float):
        return y
    return np.sum(y)


def test_isinstance_of_a_computed_value_is_refused_with_its_place():
    with pytest.raises(adgen.UnsupportedSyntaxError) as info:
        adgen.grad(computed)(X)
    text = str(info.value)
    assert "test_parameter_objects.py:" in text and "isinstance(y, float)" in text
    assert "computed inside the function" in text


def identity_test(x, y):
    return np.sum(x) if x is y else np.sum(y)


def test_is_between_arrays_is_refused():
    with pytest.raises(adgen.UnsupportedSyntaxError, match="compare values with =="):
        adgen.grad(identity_test)(X, X)


def appends(x, hist):
    hist.append(x)
    return np.sum(x**2)


def test_changing_a_list_argument_is_refused_not_silently_different():
    hist: list = []
    assert appends(X, hist) == pytest.approx(np.sum(X**2)) and len(hist) == 1
    with pytest.raises(adgen.UnsupportedSyntaxError, match="changes a list the caller") as info:
        adgen.grad(appends)(X, [])
    assert "hist.append(x)" in str(info.value)


def test_a_copy_of_a_list_argument_may_be_changed():
    def f(x, hist):
        hist = list(hist)
        hist.append(x)
        return np.sum(np.stack(hist) ** 2)

    np.testing.assert_allclose(adgen.grad(f)(X, [np.ones(3)]), 2 * X)


def test_a_callee_that_changes_a_list_it_is_given_is_refused():
    def push(xs, v):
        xs.append(v)
        return v

    def f(x):
        xs = [x]
        _ = push(xs, 2.0 * x)
        return np.sum(np.stack(xs))

    with pytest.raises(adgen.UnsupportedSyntaxError, match="changes a list the caller"):
        adgen.grad(f)(X)
