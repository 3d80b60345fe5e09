"""Tuples, lists and dicts as arguments and results; keywords, defaults and ``wrt``."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import cache, trees
from adgen.testing import check_grads


def mlp_loss(params, x, y):
    h = np.tanh(params["W1"] @ x + params["b1"])
    out = params["layers"][0] @ h + params["layers"][1]
    return np.sum((out - y) ** 2) * params["scale"]


def make_params(rng):
    return {
        "W1": rng.standard_normal((4, 3)),
        "b1": rng.standard_normal(4),
        "layers": [rng.standard_normal((2, 4)), rng.standard_normal(2)],
        "scale": 0.5,
    }


def test_dict_of_arrays_gradient_has_its_structure():
    rng = np.random.default_rng(0)
    params, x, y = make_params(rng), rng.standard_normal(3), rng.standard_normal(2)
    g = adgen.grad(mlp_loss)(params, x, y)
    assert isinstance(g, dict) and list(g) == list(params)
    assert isinstance(g["layers"], list) and len(g["layers"]) == 2
    assert g["W1"].shape == (4, 3) and isinstance(g["scale"], float)
    check_grads(mlp_loss, [params, x, y], wrt=0)
    check_grads(mlp_loss, [params, x, y], wrt=(0, 1))


def test_container_leaves_are_named_parameters():
    rng = np.random.default_rng(0)
    args = (make_params(rng), rng.standard_normal(3), rng.standard_normal(2))
    structure = tuple(trees.tree_of(a) for a in args)
    entry = cache.get(mlp_loss, "grad", ("params",), True, structure)
    assert (
        "def mlp_loss_grad(params_W1, params_b1, params_layers_0, params_layers_1, "
        "params_scale, x, y):" in entry.source
    )


def pair_loss(pair, c):
    a, b = pair
    first, *rest = [a, b, a * b]
    return np.sum(first * rest[1]) + c * np.sum(pair[1] ** 2)


def test_tuple_and_list_arguments():
    rng = np.random.default_rng(1)
    pair = (rng.standard_normal(3), rng.standard_normal(3))
    check_grads(pair_loss, [pair, 1.5], wrt=(0, 1))
    g = adgen.grad(pair_loss)(list(pair), 1.5)
    assert isinstance(g, list) and len(g) == 2
    g = adgen.grad(pair_loss)(pair, 1.5)
    assert isinstance(g, tuple)


def structured_result(x, scale):
    return {"square": x**2 * scale, "parts": [np.sin(x), np.sum(x)], "pair": (x[0], scale)}


def test_dict_and_list_results():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(3)
    value, tangent = adgen.jvp(structured_result)(x, 2.0, np.ones(3))
    assert isinstance(value, dict) and isinstance(value["parts"], list)
    assert isinstance(tangent["pair"], tuple)
    np.testing.assert_allclose(tangent["square"], 2 * x * 2.0)
    cot = {"square": np.ones(3), "parts": [np.ones(3), 1.0], "pair": (1.0, 0.0)}
    g = adgen.vjp(structured_result)(x, 2.0, cot)
    np.testing.assert_allclose(g, 2 * x * 2.0 + np.cos(x) + 1.0 + np.array([1.0, 0, 0]))
    check_grads(structured_result, [x, 2.0], wrt=(0, 1))


def test_jvp_tangent_must_match_structure():
    rng = np.random.default_rng(3)
    pair = (rng.standard_normal(3), rng.standard_normal(3))
    value, tangent = adgen.jvp(pair_loss)(pair, 1.0, (np.ones(3), np.zeros(3)))
    assert np.isclose(value, pair_loss(pair, 1.0))
    with pytest.raises(adgen.DifferentiationError, match="structure"):
        adgen.jvp(pair_loss)(pair, 1.0, [np.ones(3)])


def test_integer_leaf_in_wrt_container_is_an_error():
    with pytest.raises(adgen.DifferentiationError, match="integer"):
        adgen.grad(pair_loss)((np.ones(3), 2), 1.0)


def test_jacobian_of_container_argument_has_its_structure():
    # Refused before issue 15; a scalar function's Jacobian is its gradient.
    pair = (np.array([0.5, -1.0, 2.0]), np.array([0.3, 0.1, -0.4]))
    jac = adgen.jacobian(pair_loss)(pair, 1.0)
    grad = adgen.grad(pair_loss)(pair, 1.0)
    assert isinstance(jac, tuple) and len(jac) == 2
    for j, g in zip(jac, grad):
        np.testing.assert_allclose(j, g, rtol=1e-12)


def keywords_and_defaults(x, y=2.0, n=3, w=None):
    out = np.sum(x**n) * y
    return out


def test_keywords_defaults_and_wrt_by_name():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(adgen.grad(keywords_and_defaults)(x), 2.0 * 3 * x**2)
    np.testing.assert_allclose(adgen.grad(keywords_and_defaults)(x, n=2), 2.0 * 2 * x)
    assert np.isclose(adgen.grad(keywords_and_defaults, wrt="y")(x, y=3.0), np.sum(x**3))
    gx, gy = adgen.grad(keywords_and_defaults, wrt=("x", "y"))(x, 1.5)
    np.testing.assert_allclose(gx, 1.5 * 3 * x**2)
    assert np.isclose(gy, np.sum(x**3))
    value, t = adgen.jvp(keywords_and_defaults, wrt="y")(x, 1.0)
    assert np.isclose(t, np.sum(x**3))
    check_grads(keywords_and_defaults, [x, 1.5, 2], wrt=("x", "y"))
    with pytest.raises(adgen.DifferentiationError, match="integer or boolean"):
        adgen.grad(keywords_and_defaults, wrt="n")(x)


SCALE = np.array([1.0, 2.0, 3.0])


def array_default(x, s=SCALE):
    return np.sum(x * s)


def test_non_constant_default():
    x = np.ones(3)
    np.testing.assert_allclose(adgen.grad(array_default)(x), SCALE)
    np.testing.assert_allclose(adgen.grad(array_default, wrt="s")(x), x)


def unpack_result_of_expression(x):
    a, b = np.sin(x), np.cos(x)
    m, n = x.shape
    (c, d), e = (a * b, b), x[0]
    return np.sum(c + d) * e / (m + n)


def test_tuple_unpacking_of_expressions():
    x = np.random.default_rng(4).standard_normal((2, 3))
    check_grads(unpack_result_of_expression, [x])
