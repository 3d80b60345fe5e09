"""PyTorch tensors through the generated code (the array-API mode), against NumPy.

Runs where torch is installed (``pip install torch==2.13.0``, the CPU build).
"""

from __future__ import annotations

import numpy as np
import pytest

import adgen

pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0)")
from array_api_sweep import loss, sweep  # noqa: E402


def _to_numpy(g):
    return g.numpy() if hasattr(g, "numpy") else np.asarray(g)


def test_logistic_gradient_is_a_tensor_equal_to_numpy():
    rng = np.random.default_rng(3)
    w, X = rng.standard_normal(4), rng.standard_normal((50, 4))
    y = (rng.random(50) < 0.5).astype(float)
    got = adgen.grad(loss)(*(torch.from_numpy(a) for a in (w, X, y)))
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), adgen.grad(loss)(w, X, y), rtol=1e-12)


def test_float32_tensors_keep_their_dtype():
    def f(x):
        return np.sum(np.sin(x) ** 2)

    x = torch.linspace(0.0, 1.0, 5, dtype=torch.float32)
    g = adgen.grad(f)(x)
    assert g.dtype == torch.float32
    np.testing.assert_allclose(g.numpy(), np.sin(2 * x.numpy()), rtol=1e-5)


def test_negative_slice_steps_are_refused_for_torch():
    def f(x):
        return np.sum(x[::-1] * x)

    with pytest.raises(adgen.DifferentiationError, match="torch"):
        adgen.grad(f)(torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_catalog_on_torch_agrees_with_numpy(mode):
    agreed, refused = sweep("torch", torch.from_numpy, _to_numpy, mode)
    assert len(agreed) >= 30, (agreed, refused)
