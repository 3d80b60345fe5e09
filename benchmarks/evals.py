"""GradBench-style evals: plain NumPy objectives with hand-written NumPy gradients.

Six problems in the spirit of GradBench's evals (log-sum-exp, a Gaussian
mixture objective, least squares, an ODE solved by explicit steps, k-means,
an LSTM), written as a user would write them: vectorised where that is
natural, Python loops where the problem is a recurrence. Each hand-written
gradient is what a careful person writes in NumPy for the same code (one
vectorised adjoint, or a forward loop that keeps what the reverse loop
needs); the figure of interest is each side's derivative/primal ratio.

This module only needs NumPy; :mod:`workloads` turns :data:`EVAL_SPECS` into
workloads of the suite (names prefixed ``gb_``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Args = tuple[Any, ...]
SizeSpec = dict[str, int]


# --------------------------------------------------------------------------
# log-sum-exp
# --------------------------------------------------------------------------
def logsumexp(x):
    """Stable log(sum(exp(x)))."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def logsumexp_grad(x: np.ndarray) -> np.ndarray:
    """The softmax of ``x``."""
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def logsumexp_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """A vector of ``size['n']`` values."""
    return (rng.standard_normal(size["n"]),)


# --------------------------------------------------------------------------
# Gaussian mixture objective (diagonal precisions)
# --------------------------------------------------------------------------
def gmm_objective(alphas, means, logprec, X):
    """Negative log-likelihood (up to constants) of X under a diagonal Gaussian mixture."""
    diff = X[:, None, :] - means[None, :, :]
    scaled = np.exp(logprec)[None, :, :] * diff
    inner = (
        alphas[None, :] + np.sum(logprec, axis=1)[None, :] - 0.5 * np.sum(scaled * scaled, axis=2)
    )
    m = np.max(inner, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(inner - m), axis=1, keepdims=True)) + m
    ma = np.max(alphas)
    lse_alpha = np.log(np.sum(np.exp(alphas - ma))) + ma
    return -np.sum(lse) + X.shape[0] * lse_alpha


def gmm_objective_grad(
    alphas: np.ndarray, means: np.ndarray, logprec: np.ndarray, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand-written gradient of :func:`gmm_objective` w.r.t. alphas, means, logprec."""
    prec = np.exp(logprec)
    scaled = prec[None] * (X[:, None, :] - means[None, :, :])
    inner = alphas[None, :] + logprec.sum(axis=1)[None, :] - 0.5 * np.sum(scaled * scaled, axis=2)
    r = np.exp(inner - inner.max(axis=1, keepdims=True))
    r /= r.sum(axis=1, keepdims=True)  # responsibilities, (n, k)
    w = np.exp(alphas - alphas.max())
    w /= w.sum()
    rk = r.sum(axis=0)
    rs = r[:, :, None] * scaled
    g_alphas = X.shape[0] * w - rk
    g_means = -np.sum(rs, axis=0) * prec
    g_logprec = np.sum(rs * scaled, axis=0) - rk[:, None]
    return g_alphas, g_means, g_logprec


def gmm_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Mixture weights, means and log-precisions of k components in d dimensions, n points."""
    n, k, d = size["n"], size["k"], size["d"]
    return (
        rng.standard_normal(k),
        rng.standard_normal((k, d)),
        0.1 * rng.standard_normal((k, d)),
        rng.standard_normal((n, d)),
    )


# --------------------------------------------------------------------------
# least squares, one residual per loop iteration
# --------------------------------------------------------------------------
def lsq_loop(w, X, y):
    """Sum of squared residuals of X @ w - y, accumulated row by row in a loop."""
    total = 0.0
    for i in range(X.shape[0]):
        r = X[i] @ w - y[i]
        total = total + r * r
    return total


def lsq_loop_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hand-written loop-shaped gradient of :func:`lsq_loop` w.r.t. ``w``."""
    g = np.zeros_like(w)
    for i in range(X.shape[0]):
        r = X[i] @ w - y[i]
        g += 2.0 * r * X[i]
    return g


def lsq_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Weights, an (n, d) design matrix and targets."""
    n, d = size["n"], size["d"]
    return (rng.standard_normal(d), rng.standard_normal((n, d)), rng.standard_normal(n))


# --------------------------------------------------------------------------
# an ODE by explicit Euler steps
# --------------------------------------------------------------------------
def ode_explicit(p, y0, h, n):
    """n explicit Euler steps of y' = sin(y) - p * y (a vector); sum of squares at the end."""
    y = y0
    for _ in range(n):
        y = y + h * (np.sin(y) - p * y)
    return np.sum(y * y)


def ode_explicit_grad(p: np.ndarray, y0: np.ndarray, h: float, n: int) -> np.ndarray:
    """Hand-written adjoint of :func:`ode_explicit` w.r.t. the rates ``p``."""
    ys = []
    y = y0
    for _ in range(n):
        ys.append(y)
        y = y + h * (np.sin(y) - p * y)
    by = 2.0 * y
    gp = np.zeros_like(p)
    for t in range(n - 1, -1, -1):
        yt = ys[t]
        gp -= h * by * yt
        by = by * (1.0 + h * (np.cos(yt) - p))
    return gp


def ode_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Rates and initial values of ``size['d']`` components, a step, ``size['steps']`` steps."""
    d = size["d"]
    return (rng.uniform(0.5, 1.5, d), rng.uniform(-1.0, 1.0, d), 0.01, size["steps"])


# --------------------------------------------------------------------------
# k-means cost
# --------------------------------------------------------------------------
def kmeans_cost(C, X):
    """Sum over points of the squared distance to the nearest centre."""
    d = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
    return np.sum(np.min(d, axis=1))


def kmeans_cost_grad(C: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Hand-written gradient of :func:`kmeans_cost` w.r.t. the centres (no ties)."""
    d = np.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
    nearest = np.argmin(d, axis=1)[:, None] == np.arange(C.shape[0])[None, :]
    counts = nearest.sum(axis=0)
    return 2.0 * (counts[:, None] * C - nearest.T @ X)


def kmeans_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """k centres and n points in d dimensions."""
    n, k, d = size["n"], size["k"], size["d"]
    return (rng.standard_normal((k, d)), rng.standard_normal((n, d)))


# --------------------------------------------------------------------------
# LSTM
# --------------------------------------------------------------------------
def lstm_loss(W, U, b, xs, h0, c0):
    """Run an LSTM cell over xs (steps, batch, d); sum of squares of the final state."""
    H = h0.shape[1]
    h = h0
    c = c0
    for t in range(xs.shape[0]):
        z = xs[t] @ W + h @ U + b
        i = 1.0 / (1.0 + np.exp(-z[:, :H]))
        f = 1.0 / (1.0 + np.exp(-z[:, H : 2 * H]))
        o = 1.0 / (1.0 + np.exp(-z[:, 2 * H : 3 * H]))
        g = np.tanh(z[:, 3 * H :])
        c = f * c + i * g
        h = o * np.tanh(c)
    return np.sum(h * h)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def lstm_loss_grad(
    W: np.ndarray, U: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray, c0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand-written back-propagation through time for :func:`lstm_loss`."""
    H = h0.shape[1]
    h, c = h0, c0
    saved = []
    for t in range(xs.shape[0]):
        z = xs[t] @ W + h @ U + b
        i, f, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H : 2 * H]), _sigmoid(z[:, 2 * H : 3 * H])
        g = np.tanh(z[:, 3 * H :])
        c_next = f * c + i * g
        tc = np.tanh(c_next)
        saved.append((h, c, i, f, o, g, tc))
        h, c = o * tc, c_next
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    bh = 2.0 * h
    bc = np.zeros_like(c)
    for t in range(xs.shape[0] - 1, -1, -1):
        hp, cp, i, f, o, g, tc = saved[t]
        bc = bc + bh * o * (1.0 - tc * tc)
        dz = np.concatenate(
            [
                bc * g * i * (1.0 - i),
                bc * cp * f * (1.0 - f),
                bh * tc * o * (1.0 - o),
                bc * i * (1.0 - g * g),
            ],
            axis=1,
        )
        bc = bc * f
        gW += xs[t].T @ dz
        gU += hp.T @ dz
        gb += dz.sum(axis=0)
        bh = dz @ U.T
    return gW, gU, gb


def lstm_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Scaled random weights, an input sequence and a zero initial state."""
    steps, batch, d, hidden = size["steps"], size["batch"], size["d"], size["hidden"]
    return (
        rng.standard_normal((d, 4 * hidden)) / np.sqrt(d),
        rng.standard_normal((hidden, 4 * hidden)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(4 * hidden),
        rng.standard_normal((steps, batch, d)),
        np.zeros((batch, hidden)),
        np.zeros((batch, hidden)),
    )


# --------------------------------------------------------------------------
# the specs :mod:`workloads` makes workloads of
# --------------------------------------------------------------------------
EVAL_SPECS: list[dict[str, Any]] = [
    dict(
        name="gb_logsumexp",
        description="GradBench-style: stable log-sum-exp of a vector; d/dx",
        primal=logsumexp,
        grad=logsumexp_grad,
        make_inputs=logsumexp_inputs,
        wrt=(0,),
        sizes=([{"n": 10}], [{"n": 10_000}], [{"n": 10_000}, {"n": 1_000_000}]),
    ),
    dict(
        name="gb_gmm",
        description="GradBench-style: Gaussian mixture objective; d/d(alphas, means, logprec)",
        primal=gmm_objective,
        grad=gmm_objective_grad,
        make_inputs=gmm_inputs,
        wrt=(0, 1, 2),
        sizes=(
            [{"n": 20, "k": 3, "d": 2}],
            [{"n": 1000, "k": 10, "d": 8}],
            [{"n": 1000, "k": 10, "d": 8}, {"n": 10_000, "k": 25, "d": 16}],
        ),
    ),
    dict(
        name="gb_lsq_loop",
        description="GradBench-style: least squares, one residual per loop iteration; d/dw",
        primal=lsq_loop,
        grad=lsq_loop_grad,
        make_inputs=lsq_inputs,
        wrt=(0,),
        sizes=(
            [{"n": 10, "d": 3}],
            [{"n": 1000, "d": 10}],
            [{"n": 1000, "d": 10}, {"n": 10_000, "d": 10}],
        ),
        loops=True,
    ),
    dict(
        name="gb_ode",
        description="GradBench-style: explicit Euler steps of a vector ODE; d/d(rates)",
        primal=ode_explicit,
        grad=ode_explicit_grad,
        make_inputs=ode_inputs,
        wrt=(0,),
        sizes=(
            [{"d": 4, "steps": 20}],
            [{"d": 100, "steps": 1000}],
            [{"d": 100, "steps": 1000}, {"d": 1000, "steps": 10_000}],
        ),
        loops=True,
    ),
    dict(
        name="gb_kmeans",
        description="GradBench-style: k-means cost (distance to the nearest centre); d/dC",
        primal=kmeans_cost,
        grad=kmeans_cost_grad,
        make_inputs=kmeans_inputs,
        wrt=(0,),
        sizes=(
            [{"n": 20, "k": 3, "d": 2}],
            [{"n": 1000, "k": 10, "d": 8}],
            [{"n": 1000, "k": 10, "d": 8}, {"n": 10_000, "k": 50, "d": 16}],
        ),
    ),
    dict(
        name="gb_lstm",
        description="GradBench-style: LSTM over a sequence, sum of squares of h; d/d(W, U, b)",
        primal=lstm_loss,
        grad=lstm_loss_grad,
        make_inputs=lstm_inputs,
        wrt=(0, 1, 2),
        sizes=(
            [{"steps": 4, "batch": 3, "d": 4, "hidden": 5}],
            [{"steps": 50, "batch": 16, "d": 16, "hidden": 32}],
            [
                {"steps": 50, "batch": 16, "d": 16, "hidden": 32},
                {"steps": 100, "batch": 64, "d": 64, "hidden": 128},
            ],
        ),
        loops=True,
    ),
]
