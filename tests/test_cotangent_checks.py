"""Misshapen or mistyped cotangents and tangents are refused (issue 15, item 1): a
cotangent that only broadcasts to the result gave a wrong gradient before, a list or
complex tangent an answer; each case here returned silently before it was checked."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import DifferentiationError
from adgen.testing import numeric_jvp

X = np.array([0.1, 0.2, 0.3])
Y = X + 1.0


def g(x):
    return np.sin(x) * x


def two(x, y):
    return x * y, np.sum(x)


def rows(x):
    """A result whose shape the shape analysis does not know (built in a loop)."""
    out = []
    for i in range(len(x)):
        out.append(x[i] ** 2)
    return np.stack(out)


def rows_scaled(x, scale=1.0):
    out = []
    for i in range(len(x)):
        out.append(x[i] ** 2 * scale)
    return np.stack(out)


def pair(p):
    return p[0] * p[1]


def named(x):
    return {"a": x, "b": np.sum(x)}


BROADCASTING = [
    pytest.param(lambda: adgen.vjp(g)(X, np.ones(1)), "shape \\(1,\\).*shape \\(3,\\)", id="(1,)"),
    pytest.param(lambda: adgen.vjp(g)(X, 1.0), "shape \\(\\).*shape \\(3,\\)", id="()"),
    pytest.param(lambda: adgen.vjp(g)(X, np.ones((3, 1))), "shape \\(3, 1\\)", id="(3,1)"),
    pytest.param(lambda: adgen.vjp(g)(X, np.ones((1, 3))), "shape \\(1, 3\\)", id="(1,3)"),
    pytest.param(
        lambda: adgen.vjp(two, wrt=(0, 1))(X, Y, (np.ones(1), 1.0)),
        "cotangent\\[0\\] has shape \\(1,\\).*result\\[0\\] has shape \\(3,\\)",
        id="tuple-result-0",
    ),
    pytest.param(
        lambda: adgen.vjp(two, wrt=(0, 1))(X, Y, (np.ones(3), np.ones(1))),
        "cotangent\\[1\\] has shape \\(1,\\).*result\\[1\\] has shape \\(\\)",
        id="tuple-result-1",
    ),
    pytest.param(lambda: adgen.vjp(rows)(X, np.ones(1)), "shape \\(1,\\)", id="unknown-shape"),
    pytest.param(
        lambda: adgen.vjp(rows_scaled)(np.ones(1), x=X, scale=2.0),
        "shape \\(1,\\)",
        id="unknown-shape-keywords",
    ),
    pytest.param(lambda: adgen.vjp(pair)((X, Y), np.ones(1)), "shape \\(1,\\)", id="container-arg"),
    pytest.param(
        lambda: adgen.vjp(named)(X, {"a": np.ones(3), "b": np.ones(1)}),
        "shape \\(1,\\).*shape \\(\\)",
        id="dict-result",
    ),
    pytest.param(
        lambda: adgen.vjp(g, batched=True)(X, np.ones((2, 1))), "shape \\(1,\\)", id="batched"
    ),
]


@pytest.mark.parametrize("call,message", BROADCASTING)
def test_a_cotangent_that_broadcasts_is_refused(call, message):
    with pytest.raises(DifferentiationError, match=message):
        call()


MISTYPED = [
    pytest.param(lambda: adgen.vjp(g)(X, np.ones(3) * 1j), "real", id="vjp-complex"),
    pytest.param(lambda: adgen.vjp(g)(X, np.ones(3, bool)), "dtype bool", id="vjp-bool"),
    pytest.param(lambda: adgen.vjp(g)(X, np.array([object()] * 3)), "object", id="vjp-object"),
    pytest.param(lambda: adgen.vjp(g)(X, "abc"), "str", id="vjp-string"),
    pytest.param(lambda: adgen.vjp(g)(X, None), "None", id="vjp-none"),
    pytest.param(lambda: adgen.vjp(g)(X), "cotangent is missing", id="vjp-missing"),
    pytest.param(lambda: adgen.vjp(g)(X, [1.0, 1.0, 1.0]), "a list", id="vjp-list"),
    pytest.param(
        lambda: adgen.vjp(two, wrt=(0, 1))(X, Y, np.ones(3)), "tuple of 2", id="vjp-struct"
    ),
    pytest.param(lambda: adgen.jvp(g)(X, [1.0, 1.0, 1.0]), "a list", id="jvp-list"),
    pytest.param(lambda: adgen.jvp(g)(X, (1.0, 1.0, 1.0)), "a tuple", id="jvp-tuple"),
    pytest.param(lambda: adgen.jvp(g)(X, np.ones(3) * 1j), "real", id="jvp-complex"),
    pytest.param(lambda: adgen.jvp(g)(X, np.ones(3, bool)), "dtype bool", id="jvp-bool"),
    pytest.param(lambda: adgen.jvp(g)(X, np.array([object()] * 3)), "object", id="jvp-object"),
    pytest.param(lambda: adgen.jvp(g)(X, np.ones(1)), "shape \\(1,\\)", id="jvp-shape"),
    pytest.param(lambda: adgen.jvp(g)(X, "abc"), "str", id="jvp-string"),
    pytest.param(lambda: adgen.jvp(g)(X, None), "None", id="jvp-none"),
    pytest.param(lambda: adgen.jvp(g)(X), "tangents are missing", id="jvp-missing"),
    pytest.param(
        lambda: adgen.jvp(pair)((X, Y), ("a", np.ones(3))), "p\\[0\\]' is a str", id="jvp-leaf-str"
    ),
    pytest.param(
        lambda: adgen.jvp(g, batched=True)(X, np.ones((2, 1))), "shape \\(1,\\)", id="bjvp-shape"
    ),
    pytest.param(
        lambda: adgen.jvp(g, batched=True)(X, np.ones((2, 3, 1))),
        "shape \\(3, 1\\)",
        id="bjvp-extra-axis",
    ),
    pytest.param(
        lambda: adgen.jvp(g, batched=True)(X, np.ones((2, 3)) * 1j), "real", id="bjvp-complex"
    ),
]


@pytest.mark.parametrize("call,message", MISTYPED)
def test_mistyped_or_misshapen_directions_are_refused(call, message):
    with pytest.raises(DifferentiationError, match=message):
        call()


@pytest.mark.parametrize("f", [g, rows])
def test_cotangents_shaped_like_the_result_still_give_the_vjp(f):
    rng = np.random.default_rng(5)
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    vjp = adgen.vjp(f)
    lhs = float(np.sum(vjp(X, u) * v))
    rhs = float(np.sum(u * numeric_jvp(f, [X], [0], [v])))
    assert lhs == pytest.approx(rhs, rel=1e-6)
    np.testing.assert_allclose(vjp(X, np.ones(3, dtype=int)), vjp(X, np.ones(3)))
    assert adgen.vjp(lambda_free_scalar)(X, 2.0) == pytest.approx(2 * np.cos(X))


def lambda_free_scalar(x):
    return np.sum(np.sin(x))


def rows_printed(x):
    out = []
    for i in range(len(x)):
        out.append(x[i] ** 2)
    print("rows", len(out))
    return np.stack(out)


def test_a_function_that_prints_is_not_run_twice(capsys):
    """Where the result's shapes are unknown, the check calls the function once more,
    unless that would print (or log, or warn) twice: then it prints once, as promised."""
    g = adgen.vjp(rows_printed)(X, np.ones(3))
    assert capsys.readouterr().out == "rows 3\n"
    np.testing.assert_allclose(g, 2 * X)
