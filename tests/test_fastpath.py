"""The fast call path (adgen.fastpath): it answers exactly the calls whose signature it
was written for, as the general path would, and steps aside for every other one."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import adgen
from adgen import fastpath

SCALE = 1.5


def f(x, s):
    return np.sum(np.sin(x) * s) * SCALE


def _variants():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(5)
    return [
        (a, 2.0),
        (a.astype(np.float32), 2.0),
        (a[:4].copy(), 2.0),
        (np.array(0.3), 2.0),
        (0.3, 2.0),
        (np.float64(0.3), 2.0),
        (a, np.float64(2.0)),
        (a, 2),
        (a[::2], 2.0),  # not contiguous
        (rng.standard_normal((2, 3)), 2.0),
        (rng.standard_normal((2, 3)).astype(np.float32), 2.0),
    ]


def _same(got, want):
    got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert type(g) is type(w)
        assert np.shape(g) == np.shape(w)
        assert getattr(g, "dtype", None) == getattr(w, "dtype", None)
        np.testing.assert_allclose(g, w, rtol=1e-6)


BACKENDS = ["numpy"]
if importlib.util.find_spec("numba") is not None:
    BACKENDS.append("numba")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "make",
    [
        lambda b: adgen.grad(f, "x", backend=b),
        lambda b: adgen.value_and_grad(f, "x", backend=b),
        lambda b: adgen.grad(f, ("x", "s"), backend=b),
    ],
    ids=["grad", "value_and_grad", "tuple_wrt"],
)
def test_alternating_signatures_answer_as_a_first_call_would(backend, make):
    g = make(backend)
    variants = _variants()
    if backend == "numba":  # each signature is a numba compile: the ones numba types apart
        variants = [variants[k] for k in (0, 1, 3, 4, 8, 9)]
    for args in [*variants, *reversed(variants)]:
        if make(backend).wrt_tuple and not isinstance(args[1], float):
            continue  # an integer s cannot be differentiated (refused on both paths)
        want = make(backend)(*args)  # a first call: the general path
        _same(g(*args), want)
        _same(g(*args), want)  # the second: the fast path, where it applies
        plain = type(args[0]) is np.ndarray and args[0].ndim and args[0].dtype == np.float64
        if plain and (type(args[1]) is float or not g.wrt_tuple):
            assert g._fast is not None and g._fast(args) is not fastpath.MISS


def test_a_rebound_global_takes_the_general_path():
    global SCALE
    x = np.linspace(0.0, 1.0, 4)
    g = adgen.grad(f)
    before = g(x, 2.0)
    g(x, 2.0)
    SCALE = 3.0
    try:
        assert g._fast is None or g._fast((x, 2.0)) is fastpath.MISS
        np.testing.assert_allclose(g(x, 2.0), before * 2.0, rtol=1e-14)
    finally:
        SCALE = 1.5


def test_the_path_is_plain_source_that_checks_each_argument():
    g = adgen.grad(f)
    x = np.ones(3)
    g(x, 2.0)
    src = g._fast.__doc__
    assert "type(a0) is not ndarray" in src and "type(a1) is not float" in src
    assert g._fast((x, 2)) is fastpath.MISS and g._fast((x,)) is fastpath.MISS
    assert g._fast((x.astype(np.float32), 2.0)) is fastpath.MISS


@pytest.mark.parametrize("backend", BACKENDS)
def test_jvp_alternating_signatures_answer_as_a_first_call_would(backend):
    jvp = adgen.jvp(f, "x", backend=backend)
    rng = np.random.default_rng(1)
    calls = []
    for x, s in _variants():
        if not isinstance(s, float):
            continue
        t = rng.standard_normal(np.shape(x)).astype(np.asarray(x).dtype)
        tangent = t if isinstance(x, np.ndarray) else type(x)(t)
        calls.append((x, s, tangent))
    if backend == "numba":
        calls = calls[::2]
    calls.append((np.ones(5), 2.0, np.ones(4)))  # a tangent of the wrong shape
    for args in [*calls, *reversed(calls)]:
        try:
            want = adgen.jvp(f, "x", backend=backend)(*args)
        except adgen.DifferentiationError as exc:
            with pytest.raises(adgen.DifferentiationError, match=str(exc)[:30]):
                jvp(*args)
            continue
        _same(jvp(*args), want)
        _same(jvp(*args), want)
    x = np.ones(5)
    jvp(x, 2.0, x)
    assert jvp._fast((x, 2.0, x)) is not fastpath.MISS
    assert jvp._fast((x, 2.0, np.ones(4))) is fastpath.MISS
    assert jvp._fast((x, 2.0, x.astype(np.float32))) is fastpath.MISS
