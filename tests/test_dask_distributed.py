"""A gradient on Dask arrays held by a real distributed scheduler (two worker processes).

The LocalCluster is started and stopped here; X and y are made on the workers,
chunk by chunk, and the gradient comes back without X ever being gathered into
this process (the client only receives the gradient's numbers).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import adgen

pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
import dask  # noqa: E402
import dask.array as da  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from dask_logistic import D, _block, loss  # noqa: E402  (the example's data and loss)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_gradient_on_a_two_worker_cluster_equals_numpy(client):
    sizes = [300, 300, 300, 100]
    parts = [dask.delayed(_block, nout=2)(i, n) for i, n in enumerate(sizes)]
    X = da.concatenate([da.from_delayed(p[0], (n, D), dtype=float) for p, n in zip(parts, sizes)])
    y = da.concatenate([da.from_delayed(p[1], (n,), dtype=float) for p, n in zip(parts, sizes)])
    w = np.linspace(-1.0, 1.0, D)
    value, grad = adgen.value_and_grad(loss)(w, X, y)
    future = client.compute([value, grad])
    value, grad = future[0].result(), future[1].result()
    assert isinstance(grad, np.ndarray) and grad.shape == (D,)
    # NumPy's answer, on the same data made here (it is small).
    blocks = [_block(i, n) for i, n in enumerate(sizes)]
    Xn, yn = np.concatenate([b[0] for b in blocks]), np.concatenate([b[1] for b in blocks])
    want_value, want = adgen.value_and_grad(loss)(w, Xn, yn)
    np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    # What the workers keep is chunked: no task of the graph outputs all rows of X.
    assert all(c <= 300 for c in X.chunks[0])
