"""Closures over data and the bounded cache (issue 13, item 7).

A closure remade every step over new data (a ``loss`` over this step's batch)
reuses the code compiled for the first one and reads its own arrays; the
in-memory cache keeps at most ``adgen.config.cache_size`` entries and frees
what it drops.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import adgen
from adgen import cache, pipeline
from adgen.settings import config


def make_loss(X, y):
    def loss(w):
        r = X @ w - y
        return np.sum(r * r)

    return loss


def expected(X, y, w):
    return 2 * X.T @ (X @ w - y)


@pytest.fixture
def compilations(monkeypatch):
    seen = []
    real = pipeline.run

    def spy(request, *args, **kw):
        seen.append(request.kind)
        return real(request, *args, **kw)

    monkeypatch.setattr(pipeline, "run", spy)
    cache.clear_cache()
    return seen


def test_closure_remade_each_step_compiles_once_and_reads_its_data(compilations):
    rng = np.random.default_rng(0)
    w = rng.normal(size=4)
    for _ in range(20):
        X, y = rng.normal(size=(8, 4)), rng.normal(size=8)
        np.testing.assert_allclose(adgen.grad(make_loss(X, y))(w), expected(X, y, w), rtol=1e-12)
        value, g = adgen.value_and_grad(make_loss(X, y))(w)
        assert value == pytest.approx(np.sum((X @ w - y) ** 2))
        _, t = adgen.jvp(make_loss(X, y))(w, np.ones(4))
        assert t == pytest.approx(expected(X, y, w).sum())
    # grad leaves the value out (pipeline.Request.value), value_and_grad keeps it.
    assert compilations == ["grad", "grad", "jvp"]
    assert len(cache._cache) == 3


def test_a_new_shape_of_data_is_compiled_anew(compilations):
    w = np.ones(3)
    for n in (5, 6):
        X, y = np.ones((n, 3)), np.arange(n, dtype=float)
        np.testing.assert_allclose(adgen.grad(make_loss(X, y))(w), expected(X, y, w))
    assert len(compilations) == 2


def test_a_cell_rebound_between_calls_is_read_by_the_fast_path():
    X = np.eye(3)

    def loss(w):
        return np.sum((X @ w) ** 2)

    g = adgen.grad(loss)
    w = np.array([1.0, 2.0, 3.0])
    for _ in range(3):  # the fast path is built after the first call
        np.testing.assert_allclose(g(w), 2 * X.T @ (X @ w))
    X = 2.0 * np.eye(3)
    np.testing.assert_allclose(g(w), 2 * X.T @ (X @ w))


def test_closure_over_other_values_still_keyed_by_identity(compilations):
    def make(scale):
        def f(x):
            return scale * x * x

        return f

    assert adgen.grad(make(2.0))(1.0) == pytest.approx(4.0)
    assert adgen.grad(make(3.0))(1.0) == pytest.approx(6.0)


def test_cache_is_bounded_and_frees_what_it_drops(monkeypatch):
    cache.clear_cache()
    monkeypatch.setattr(config, "cache_size", 3)

    def make(k):
        def f(x):
            return x * x * k

        return f

    first = make(1.0)
    dropped = weakref.ref(first)
    assert adgen.grad(first)(2.0) == pytest.approx(4.0)
    del first
    for k in range(2, 6):
        adgen.grad(make(float(k)))(2.0)
    assert len(cache._cache) == 3
    gc.collect()
    assert dropped() is None
    # a dropped derivative is compiled again when asked for
    assert adgen.grad(make(1.0))(2.0) == pytest.approx(4.0)


def test_recently_used_entries_stay(monkeypatch, compilations):
    monkeypatch.setattr(config, "cache_size", 2)

    def f(x):
        return x * x

    def g(x):
        return x * x * x

    def h(x):
        return np.sin(x)

    for fn in (f, g, f, h, f):
        adgen.grad(fn)(1.0)
    assert compilations == ["grad", "grad", "grad"]  # f stayed: used before h came
