"""Derivatives on array-API libraries: the code, the refusals, the catalog on Dask.

The generated code for NumPy arguments is untouched (the golden files pin it);
arrays of another library get code written against ``xp = namespace_of(...)``.
The catalog runs on Dask (synchronous scheduler, small chunks) against NumPy's
answers, which tests/test_catalog.py checks against finite differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import adgen

pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
da = pytest.importorskip("dask.array", reason="dask is not installed")
import dask  # noqa: E402
from array_api_sweep import loss, sweep  # noqa: E402


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _data(n=200, d=4):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.5).astype(float)
    return rng.standard_normal(d), X, y


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def test_numpy_source_is_unchanged_by_a_dask_call():
    w, X, y = _data()
    g = adgen.grad(loss)
    before = g.source
    g(w, da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50))
    assert g.source == before and "namespace_of" not in before and "xp." not in before


def test_dask_gradient_is_lazy_and_equals_numpy_without_fallback_warnings():
    w, X, y = _data()
    Xd, yd = da.from_array(X, chunks=(50, 4)), da.from_array(y, chunks=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Dask warns when it falls back to NumPy
        value, grad = adgen.value_and_grad(loss)(w, Xd, yd)
        assert isinstance(grad, da.Array) and isinstance(value, da.Array)
        value, grad = dask.compute(value, grad)
    want_value, want = adgen.value_and_grad(loss)(w, X, y)
    np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)


def test_no_task_holds_more_than_a_chunk_of_rows():
    from dask.callbacks import Callback

    w, X, y = _data(400)
    rows = []

    class Rows(Callback):
        def _posttask(self, key, result, dsk, state, id):
            if isinstance(result, np.ndarray) and result.ndim >= 1:
                rows.append(result.shape[0])

    grad = adgen.grad(loss)(w, da.from_array(X, chunks=(100, 4)), da.from_array(y, chunks=100))
    with Rows():
        grad.compute()
    assert rows and max(rows) <= 100


def test_rosenbrock_on_dask_index_accumulation_is_functional():
    x = np.random.default_rng(2).standard_normal(12)
    got = adgen.grad(rosen)(da.from_array(x, chunks=5)).compute()
    np.testing.assert_allclose(got, adgen.grad(rosen)(x), rtol=1e-12)


def test_array_api_source_calls_the_namespace():
    w, X, y = _data()
    adgen.grad(loss)(w, da.from_array(X), da.from_array(y))
    from adgen import cache

    src = next(
        e.source
        for e in cache._cache.values()
        if e.emitted.library == "dask" and "def loss_grad" in e.source
    )
    body = "\n".join(line for line in src.splitlines() if not line.strip().startswith("#"))
    assert "xp = namespace_of(w, X, y)" in body and "xp.logaddexp" in body
    assert "np." not in body


def test_a_function_without_translation_is_refused_naming_it_and_the_library():
    scipy_special = pytest.importorskip("scipy.special")

    def f(x):
        return np.sum(scipy_special.gammaln(x))

    x = da.from_array(np.linspace(1.0, 2.0, 6), chunks=3)
    with pytest.raises(adgen.DifferentiationError, match="dask") as info:
        adgen.grad(f)(x)
    assert "gammaln" in str(info.value)


def test_adding_at_repeated_integer_indices_is_refused_not_approximated():
    def f(x):
        return np.sum(x[np.array([0, 0, 2])] ** 2)

    x = da.from_array(np.arange(1.0, 5.0), chunks=2)
    with pytest.raises(adgen.DifferentiationError, match="integer-array index"):
        adgen.grad(f)(x)


def test_two_array_libraries_at_once_are_refused():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    w, X, y = _data()
    with pytest.raises(adgen.DifferentiationError, match="two array libraries"):
        adgen.grad(loss)(torch.from_numpy(w), da.from_array(X), y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_catalog_on_dask_agrees_with_numpy(mode):
    agreed, refused = sweep(
        "dask", lambda a: da.from_array(a, chunks=-1), lambda g: np.asarray(g.compute()), mode
    )
    assert len(agreed) >= 25, (agreed, refused)


def _gpu() -> str | None:
    try:
        import cupy

        return None if cupy.cuda.runtime.getDeviceCount() > 0 else "no GPU"
    except Exception as exc:  # not installed, or no CUDA driver
        return f"cupy with a GPU is needed ({type(exc).__name__})"


@pytest.mark.skipif(_gpu() is not None, reason=str(_gpu()))
def test_cupy_gradient_equals_numpy():
    import cupy

    w, X, y = _data()
    got = adgen.grad(loss)(cupy.asarray(w), cupy.asarray(X), cupy.asarray(y))
    np.testing.assert_allclose(cupy.asnumpy(got), adgen.grad(loss)(w, X, y), rtol=1e-10)
    agreed, _ = sweep("cupy", cupy.asarray, cupy.asnumpy)
    assert len(agreed) >= 25


def test_array_api_helpers_stand_alone():
    """Each helper reads only builtins, the shim and other array-API helpers (so the
    module ``adgen generate --array-api`` copies them into needs nothing more)."""
    import builtins

    from adgen.runtime import _free_names
    from adgen.runtime_xp import XP_GLOBALS, XP_HELPERS

    for name, f in XP_HELPERS.items():
        extra = {
            n
            for n in _free_names(f)
            if n not in XP_HELPERS and n not in XP_GLOBALS and not hasattr(builtins, n)
        }
        assert not extra, (name, extra)
