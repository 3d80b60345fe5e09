"""adgen's Dask gradient of a logistic loss against a hand-written one (dask-glm's form).

Both run on the same two-worker LocalCluster, on the same persisted chunked X
(rows x 20) and y, in one run; each figure is the median of ``--repeat`` calls
of ``dask.compute`` (the gradient alone, then value and gradient together).

    python benchmarks/dask_logistic.py --rows 10000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster, wait

import adgen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from dask_logistic import D, chunked_data, loss  # noqa: E402


def sigmoid(z):
    return 1.0 / (1.0 + da.exp(-z))


def hand_gradient(w, X, y):
    """dask-glm's logistic gradient: X.T (sigmoid(X w) - y), over the row count."""
    return X.T.dot(sigmoid(X.dot(w)) - y) / X.shape[0]


def hand_value_and_gradient(w, X, y):
    z = X.dot(w)
    value = da.sum(da.logaddexp(0.0, z) - y * z) / X.shape[0]
    return value, X.T.dot(sigmoid(z) - y) / X.shape[0]


def seconds(make) -> float:
    start = time.perf_counter()
    dask.compute(make())
    return time.perf_counter() - start


def medians(ours, hand, repeat: int) -> tuple[float, float]:
    """Median seconds of each, the two calls alternating (a shared machine's load
    then falls on both alike)."""
    pairs = [(seconds(ours), seconds(hand)) for _ in range(repeat)]
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--chunk", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    w = np.linspace(-0.5, 0.5, D)
    grad, vg = adgen.grad(loss), adgen.value_and_grad(loss)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster:
        with Client(cluster) as client:
            X, y = client.persist(list(chunked_data(args.rows, min(args.chunk, args.rows))))
            wait([X, y])
            a, b = dask.compute(grad(w, X, y), hand_gradient(w, X, y))
            np.testing.assert_allclose(a, b, rtol=1e-9)
            rows = [
                ("gradient", lambda: grad(w, X, y), lambda: hand_gradient(w, X, y)),
                ("value+gradient", lambda: vg(w, X, y), lambda: hand_value_and_gradient(w, X, y)),
            ]
            print(f"rows={args.rows} chunk={args.chunk} workers=2 repeat={args.repeat}")
            for name, ours, hand in rows:
                seconds(ours), seconds(hand)  # compile, warm the workers
                t_ours, t_hand = medians(ours, hand, args.repeat)
                print(
                    f"{name:15s} adgen {t_ours:.3f}s  hand-written {t_hand:.3f}s  "
                    f"ratio {t_ours / t_hand:.2f}"
                )


if __name__ == "__main__":
    main()
