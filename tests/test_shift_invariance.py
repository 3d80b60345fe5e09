"""The shift-invariance pass: a max the result provably does not depend on is held
constant (no tie mask), and only then; derivatives stay exact, at ties included."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.testing import check_grads


def _source(f, args, wrt=("x",), shapes=True):
    req = pipeline.Request(
        f, "grad", wrt, shapes=tuple(np.shape(a) for a in args) if shapes else None
    )
    return pipeline.run(req).emitted[0].source


def xent(x, onehot):
    z = x - np.max(x, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(onehot * (z - lse))


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax_weighted(x, w):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    p = e / np.sum(e, axis=-1, keepdims=True)
    return np.sum(w * p)


def doubled(x):
    m = np.max(x, axis=1, keepdims=True)
    z = 2.0 * (x - m)
    return np.sum(
        np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        - 2.0 * (np.max(x, axis=1, keepdims=True) - m)
    )


# Functions whose value does depend on the max: the mask must stay.
def not_cancelled(x):
    return np.sum(x - np.max(x, axis=1, keepdims=True))


def exp_unnormalised(x):
    return np.sum(np.exp(x - np.max(x, axis=1, keepdims=True)))


def other_axis(x):
    z = x - np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(z), axis=0, keepdims=True)))


def no_keepdims_sum(x):
    z = x - np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(z), axis=1)))


def returns_max(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.exp(x - m)) + np.sum(m)


RNG = np.random.default_rng(3)
X = RNG.standard_normal((5, 4))
ONEHOT = np.eye(4)[RNG.integers(0, 4, 5)]


@pytest.mark.parametrize(
    "f,args",
    [(xent, (X, ONEHOT)), (logsumexp, (X,)), (softmax_weighted, (X, RNG.standard_normal((5, 4))))],
)
def test_cancelling_max_builds_no_tie_mask_and_stays_exact(f, args):
    assert "==" not in _source(f, args)
    # axis=1 is counted from the end with the number of axes, known once specialised.
    assert ("==" in _source(f, args, shapes=False)) == (f is xent)
    check_grads(f, list(args))


@pytest.mark.parametrize(
    "f", [not_cancelled, exp_unnormalised, other_axis, no_keepdims_sum, returns_max]
)
def test_max_the_result_depends_on_keeps_its_adjoint(f):
    assert "==" in _source(f, (X,))
    check_grads(f, [X])


def test_scaled_shift_cancels_with_matching_coefficients():
    assert _source(doubled, (X,)).count("==") == 1  # only the second, not cancelled, max
    check_grads(doubled, [X])


def test_at_ties_the_gradient_is_the_exact_softmax_one():
    # Rows with tied maxima: the softmax gradient is smooth there, and adgen's
    # tie-sharing subgradient (the max's share being zero) gives the same.
    x = np.array([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.5, -1.0, 0.5]])
    onehot = np.eye(3)[[0, 2, 1]]
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    exact = p - onehot
    g = adgen.grad(xent)(x, onehot)
    np.testing.assert_allclose(g, exact, rtol=1e-13, atol=1e-15)
    # The generic code (shapes unknown) keeps the mask: same value at the ties.
    generic = adgen.grad(xent).source
    assert "==" in generic
    ns = {"np": np, **adgen.runtime.HELPERS}
    exec(generic, ns)
    _, g_mask = ns["xent_grad"](x, onehot)
    np.testing.assert_allclose(g_mask, exact, rtol=1e-13, atol=1e-15)
    lse_grad = adgen.grad(logsumexp)(x)
    np.testing.assert_allclose(lse_grad, np.exp(x - logsumexp(x)), rtol=1e-13)


def test_forward_mode_holds_the_max_constant_too():
    x = np.array([[1.0, 1.0, 0.0], [0.3, 2.0, -1.0]])
    onehot = np.eye(3)[[0, 2]]
    v = np.ones_like(x)  # shifts every row: the tangent of a shift-invariant function is 0
    _, tangent = adgen.jvp(xent)(x, onehot, v)
    assert abs(tangent) < 1e-12
    check_grads(xent, [x, onehot], modes=("forward",))
