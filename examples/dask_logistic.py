"""Logistic regression on a Dask array too big for one process, fitted with SciPy.

The loss is plain NumPy code; ``adgen.value_and_grad`` gives its gradient, which
runs on the chunked Dask arrays (array-API mode) on a two-worker LocalCluster.
X (rows x 20) is generated chunk by chunk on the workers: no process ever holds it.

    python examples/dask_logistic.py --rows 10000000      # the full run
    python examples/dask_logistic.py --rows 20000         # a quick check

It prints the fit, the peak memory of each process, and checks the gradient
against NumPy's on a sample that fits in memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from scipy.optimize import minimize

import adgen

D = 20
TRUE_W = np.linspace(-1.0, 1.0, D)


def loss(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) / X.shape[0]


def _block(seed, rows):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, D))
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-X @ TRUE_W))).astype(float)
    return X, y


def chunked_data(rows: int, chunk: int) -> tuple[da.Array, da.Array]:
    """X and y made on the workers, one chunk per task (seeded by the chunk's index)."""
    sizes = [min(chunk, rows - s) for s in range(0, rows, chunk)]
    parts = [dask.delayed(_block, nout=2)(i, n) for i, n in enumerate(sizes)]
    X = da.concatenate([da.from_delayed(p[0], (n, D), dtype=float) for p, n in zip(parts, sizes)])
    y = da.concatenate([da.from_delayed(p[1], (n,), dtype=float) for p, n in zip(parts, sizes)])
    return X, y


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=500_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    chunk = min(args.chunk, args.rows)
    vg = adgen.value_and_grad(loss)

    # The gradient on Dask equals NumPy's, on a sample that fits in memory.
    Xs, ys = _block(0, 2000)
    on_dask = vg(TRUE_W, da.from_array(Xs, 500), da.from_array(ys, 500))
    sample = dask.compute(on_dask, scheduler="sync")[0]
    np.testing.assert_allclose(sample[1], vg(TRUE_W, Xs, ys)[1], rtol=1e-10)

    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            # Not persisted: each evaluation makes the chunks again on the workers, so
            # that no process holds more than a few of them.
            X, y = chunked_data(args.rows, chunk)
            calls = [0]

            def fun(w):
                calls[0] += 1
                value, grad = dask.compute(*vg(w, X, y))
                return float(value), np.asarray(grad)

            start = time.perf_counter()
            fit = minimize(fun, np.zeros(D), jac=True, method="L-BFGS-B")
            seconds = time.perf_counter() - start
            workers = client.run(peak_rss_mb)
    result = {
        "rows": args.rows,
        "chunk": chunk,
        "loss": float(fit.fun),
        "max_abs_error_of_w": float(np.max(np.abs(fit.x - TRUE_W))),
        "evaluations": calls[0],
        "seconds": round(seconds, 2),
        "chunk_mb": chunk * D * 8 / 2**20,
        "peak_mb_client": round(peak_rss_mb(), 1),
        "peak_mb_workers": [round(v, 1) for v in workers.values()],
    }
    for k, v in result.items():
        print(f"{k}: {v}")
    return result


if __name__ == "__main__":
    main()
