"""Batched tangents and cotangents (adgen.batched) against one call per direction and
finite differences, over the whole catalog; hessian and jacobian through them."""

from __future__ import annotations

import numpy as np
import pytest
from catalog import CASES

import adgen
from adgen import trees
from adgen.batched import FALLBACKS, Batched
from adgen.batched import _row as batched_row
from adgen.calling import Derivative
from adgen.composed import basis
from adgen.testing import numeric_jvp


def _leaves(x):
    """The leaves of ``x`` through any container adgen takes apart, as float arrays."""
    return [np.asarray(leaf, dtype=float) for leaf in trees.leaves(x, trees.tree_of(x))]


def _row(x, i):
    return [leaf[i] for leaf in _leaves(x)]


def _stacked_like(x, k, rng):
    """``k`` random directions for ``x``, stacked leaf by leaf (containers stay so)."""
    tree = trees.tree_of(x)
    leaves = trees.leaves(x, tree)
    return trees.build(tree, iter(rng.standard_normal((k, *np.shape(a))) for a in leaves))


def _inner(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_leaves(a), _leaves(b), strict=True))


def _close(a, b, rtol, atol):
    for x, y in zip(_leaves(a), _leaves(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


FIRST = [
    pytest.param(c, wrt, mode, id=f"{c.name}-wrt{wrt}-{mode}")
    for c in CASES
    for wrt in c.wrts
    for mode in c.modes
]


@pytest.mark.parametrize("case,wrt,mode", FIRST)
def test_batched_matches_loop_and_finite_differences(case, wrt, mode):
    rng = np.random.default_rng(7)
    args = case.make(rng)
    kind = "jvp" if mode == "forward" else "vjp"
    d = Derivative(case.f, kind, wrt)
    positions = d.wrt_positions
    k = 3
    if kind == "jvp":
        dirs = [_stacked_like(args[p], k, rng) for p in positions]
        value, tangents = Batched(d)(*args, *dirs)
        _close(value, case.f(*args), 1e-12, 1e-12)
        for i in range(k):
            row = [batched_row(t, i) for t in dirs]
            _, one = d(*args, *row)
            _close(_row(tangents, i), _leaves(one), 1e-10, 1e-12)
            fd = numeric_jvp(case.f, args, positions, row)
            _close(_row(tangents, i), _leaves(fd), 1e-5, 1e-6)
        return
    out = case.f(*args)
    if not isinstance(out, (float, int, np.floating, np.ndarray)):
        pytest.skip("a vjp of a container result takes a container cotangent: test_pytrees")
    cots = rng.standard_normal((k, *np.shape(out)))
    grads = Batched(d)(*args, cots)
    grads = grads if d.wrt_tuple else (grads,)
    v = [batched_row(_stacked_like(args[p], 1, rng), 0) for p in positions]
    fd = np.asarray(numeric_jvp(case.f, args, positions, v))
    for i in range(k):
        one = d(*args, cots[i])
        one = one if d.wrt_tuple else (one,)
        _close([batched_row(g, i) for g in grads], list(one), 1e-10, 1e-12)
        # <J^T u, v> = <u, J v>
        lhs = sum(_inner(batched_row(g, i), vj) for g, vj in zip(grads, v))
        assert abs(lhs - float(np.sum(cots[i] * fd))) <= 1e-6 + 1e-5 * abs(lhs)


SECOND = [
    pytest.param(c, wrt, id=f"{c.name}-wrt{wrt}")
    for c in CASES
    if c.order >= 2
    for wrt in c.wrts
    if not isinstance(wrt, tuple)
    # Hessians of containers (nested as JAX's) are checked in test_pytree_results.py.
    and not trees.is_container(c.make(np.random.default_rng(0))[wrt])
]


@pytest.mark.parametrize("case,wrt", SECOND)
def test_batched_hessian_matches_loop_and_finite_differences(case, wrt):
    rng = np.random.default_rng(3)
    args = case.make(rng)
    H = adgen.hessian(case.f, wrt)(*args)
    g = adgen.grad(case.f, wrt)
    h = adgen.jvp(g, wrt)
    (p,) = h.wrt_positions
    x = args[p]
    cols = [np.asarray(h(*args, e)[1]) for e in basis(x)]
    loop = np.stack(cols, axis=-1).reshape(np.shape(x) * 2)
    np.testing.assert_allclose(H, loop, rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(np.shape(x))
    fd = np.asarray(numeric_jvp(g, args, [p], [v]))
    hv = np.tensordot(H, v, axes=np.ndim(x))
    np.testing.assert_allclose(hv, fd, rtol=1e-4, atol=1e-5)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_hessian_of_rosenbrock_is_one_batched_call():
    x = np.linspace(-1.0, 1.0, 100)
    before = sum(FALLBACKS.values())
    H = adgen.hessian(rosen)(x)
    assert sum(FALLBACKS.values()) == before  # no fallback on a loop of calls
    h = adgen.jvp(adgen.grad(rosen))
    loop = np.stack([h(x, e)[1] for e in np.eye(100)], axis=-1)
    np.testing.assert_allclose(H, loop, rtol=1e-12)
    source = Batched(h).batched_source(x, np.eye(100))
    assert source is not None and "dx[:, 1:]" in source and "batch_map" not in source


def test_batched_jvp_and_vjp_api():
    x = np.linspace(0.1, 1.0, 4)

    def f(x):
        return np.sin(x) * x[::-1]

    T = np.eye(4)
    value, J = adgen.jvp(f, batched=True)(x, T)
    np.testing.assert_allclose(value, f(x))
    Jref = adgen.jacobian(f, mode="forward")(x)
    np.testing.assert_allclose(J, Jref.T)  # row i: J @ e_i
    G = adgen.vjp(f, batched=True)(x, T)
    np.testing.assert_allclose(G, Jref)  # row i: e_i @ J


def test_fallback_gives_the_same_numbers_and_says_why():
    def helper(x):
        return np.sin(x)

    def f(x):
        return np.sum(helper(x) ** 2)

    x = np.linspace(0.1, 1.0, 3)
    before = FALLBACKS["call"]
    H = adgen.hessian(f)(x)
    assert FALLBACKS["call"] > before
    h = adgen.jvp(adgen.grad(f))
    np.testing.assert_allclose(H, np.stack([h(x, e)[1] for e in np.eye(3)], axis=-1))


def test_directions_of_different_counts_are_refused():
    with pytest.raises(adgen.DifferentiationError, match="same leading batch axis"):
        adgen.jvp(lambda x, y: x * y, wrt=(0, 1), batched=True)(
            np.ones(2), np.ones(2), np.ones((3, 2)), np.ones((2, 2))
        )
