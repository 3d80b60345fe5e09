"""Benchmark workloads: plain NumPy functions, hand-written gradients, inputs.

Every workload is a plain Python/NumPy function (loops are Python loops,
nothing framework specific) plus a hand-written gradient used as the
baseline and as the reference every library is checked against.

The differentiated functions deliberately carry no type annotations: they are
the *input* of the AD tools being measured and are kept as plain as the code
users would hand to them.  Everything else in this module is annotated.

Hand-written gradients follow the structure of the primal: a loop workload
gets a loop-shaped adjoint (or tangent, for scalar inputs), a vectorised one
a vectorised adjoint.  The question they answer is "what would the same code's
derivative cost if written by hand".
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from evals import EVAL_SPECS

Args = tuple[Any, ...]
SizeSpec = dict[str, int]

# Constants of the building-heating model (module globals, as user code would
# have them; AD tools must resolve them through the function's globals).
DT = 0.1  # time step [h]
K_LOSS = 0.1  # heat-loss rate to outside [1/h]
C_HEAT = 0.5  # heat capacity [kWh/K]
T_SET = 21.0  # comfort set point [degC]
W_COMFORT = 1.0  # weight of the comfort penalty [cost/K^2]
PRICE = 0.3  # energy price [cost/kWh]


# --------------------------------------------------------------------------
# 1. scalar recurrence
# --------------------------------------------------------------------------
def scalar_recurrence(a, x0, h, n):
    """Iterate x <- x + h*sin(a*x) n times from x0 and return the final x."""
    x = x0
    for _ in range(n):
        x = x + h * np.sin(a * x)
    return x


def scalar_recurrence_grad(a: float, x0: float, h: float, n: int) -> tuple[float, float]:
    """Hand-written forward tangents of the recurrence w.r.t. ``a`` and ``x0``."""
    x = x0
    dx_da = 0.0
    dx_dx0 = 1.0
    for _ in range(n):
        c = h * np.cos(a * x)
        dx_da = dx_da + c * (x + a * dx_da)
        dx_dx0 = dx_dx0 + c * a * dx_dx0
        x = x + h * np.sin(a * x)
    return dx_da, dx_dx0


def scalar_recurrence_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Scalar parameters; ``size['steps']`` iterations."""
    return (1.3, 0.5, 0.01, size["steps"])


# --------------------------------------------------------------------------
# 2. Rosenbrock, vectorised and as a Python loop
# --------------------------------------------------------------------------
def rosenbrock(x):
    """Vectorised n-dimensional Rosenbrock function."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """Hand-written vectorised gradient of :func:`rosenbrock`."""
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def rosenbrock_loop(x):
    """Rosenbrock function written as a Python loop over indices."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_loop_grad(x: np.ndarray) -> np.ndarray:
    """Hand-written loop-shaped gradient of :func:`rosenbrock_loop`."""
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i] ** 2
        g[i] += -400.0 * x[i] * d - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * d
    return g


def rosenbrock_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """A point near the valley, of length ``size['n']``."""
    return (rng.uniform(-1.5, 1.5, size["n"]),)


# --------------------------------------------------------------------------
# 3. logistic regression
# --------------------------------------------------------------------------
def logistic_loss(w, X, y):
    """Mean logistic loss with labels y in {-1, +1}."""
    z = X @ w
    return np.mean(np.log(1.0 + np.exp(-y * z)))


def logistic_loss_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hand-written gradient of :func:`logistic_loss` w.r.t. ``w``."""
    z = X @ w
    e = np.exp(-y * z)
    s = -y * e / (1.0 + e)
    return X.T @ s / X.shape[0]


def logistic_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Weights, an (n, d) design matrix and +-1 labels."""
    n, d = size["n"], size["d"]
    X = rng.standard_normal((n, d))
    w = 0.1 * rng.standard_normal(d)
    y = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    return (w, X, y)


# --------------------------------------------------------------------------
# 4. two-layer MLP
# --------------------------------------------------------------------------
def mlp_loss(W1, b1, W2, b2, X, Y):
    """Mean squared error of a tanh two-layer perceptron."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def mlp_loss_grad(
    W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray, X: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hand-written back-propagation for :func:`mlp_loss` w.r.t. all weights."""
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    r = 2.0 * (out - Y) / out.size
    gW2 = h.T @ r
    gb2 = r.sum(axis=0)
    dpre = (r @ W2.T) * (1.0 - h * h)
    gW1 = X.T @ dpre
    gb1 = dpre.sum(axis=0)
    return gW1, gb1, gW2, gb2


MLP_IN = 64
MLP_OUT = 10


def mlp_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Scaled random weights and a (batch, 64) -> (batch, 10) regression task."""
    batch, hidden = size["batch"], size["hidden"]
    W1 = rng.standard_normal((MLP_IN, hidden)) / np.sqrt(MLP_IN)
    b1 = 0.1 * rng.standard_normal(hidden)
    W2 = rng.standard_normal((hidden, MLP_OUT)) / np.sqrt(hidden)
    b2 = 0.1 * rng.standard_normal(MLP_OUT)
    X = rng.standard_normal((batch, MLP_IN))
    Y = rng.standard_normal((batch, MLP_OUT))
    return (W1, b1, W2, b2, X, Y)


# --------------------------------------------------------------------------
# 5. building heating
# --------------------------------------------------------------------------
def heating_cost(power, T_out, T0):
    """Energy cost plus comfort penalty of a heated room over len(power) steps."""
    T = T0
    cost = 0.0
    for t in range(power.shape[0]):
        T = T + DT * (K_LOSS * (T_out[t] - T) + power[t] / C_HEAT)
        cost = cost + PRICE * power[t] * DT + W_COMFORT * (T - T_SET) ** 2
    return cost


def heating_cost_grad(power: np.ndarray, T_out: np.ndarray, T0: float) -> np.ndarray:
    """Hand-written adjoint (reverse sweep) of :func:`heating_cost` w.r.t. ``power``."""
    n = power.shape[0]
    T = T0
    temps = []
    for t in range(n):
        T = T + DT * (K_LOSS * (T_out[t] - T) + power[t] / C_HEAT)
        temps.append(T)
    g = np.empty(n)
    decay = 1.0 - DT * K_LOSS
    bT = 0.0
    for t in range(n - 1, -1, -1):
        bT = bT + 2.0 * W_COMFORT * (temps[t] - T_SET)
        g[t] = PRICE * DT + bT * DT / C_HEAT
        bT = bT * decay
    return g


def heating_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Heater power per step, a daily outdoor temperature curve, initial temperature."""
    n = size["steps"]
    hours = DT * np.arange(n)
    T_out = 5.0 + 5.0 * np.sin(2.0 * np.pi * hours / 24.0) + rng.normal(0.0, 0.5, n)
    power = rng.uniform(0.0, 2.0, n)
    return (power, T_out, 18.0)


# --------------------------------------------------------------------------
# 6. recurrent neural network
# --------------------------------------------------------------------------
def rnn_loss(Wx, Wh, b, xs, h0):
    """Run a tanh RNN cell over xs (steps, batch, d); sum of squares of the final state."""
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def rnn_loss_grad(
    Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, xs: np.ndarray, h0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand-written back-propagation through time for :func:`rnn_loss`."""
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    gWx = np.zeros_like(Wx)
    gWh = np.zeros_like(Wh)
    gb = np.zeros_like(b)
    bh = 2.0 * h
    for t in range(xs.shape[0] - 1, -1, -1):
        hn = hs[t + 1]
        da = bh * (1.0 - hn * hn)
        gWx += xs[t].T @ da
        gWh += hs[t].T @ da
        gb += da.sum(axis=0)
        bh = da @ Wh.T
    return gWx, gWh, gb


def rnn_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Scaled random weights, an input sequence and an initial state."""
    steps, batch, d, hidden = size["steps"], size["batch"], size["d"], size["hidden"]
    Wx = rng.standard_normal((d, hidden)) / np.sqrt(d)
    Wh = 0.9 * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    b = 0.1 * rng.standard_normal(hidden)
    xs = rng.standard_normal((steps, batch, d))
    h0 = np.zeros((batch, hidden))
    return (Wx, Wh, b, xs, h0)


# --------------------------------------------------------------------------
# 7. explicit Euler integration of a damped oscillator
# --------------------------------------------------------------------------
def oscillator_energy(k, c, x0, v0, dt, n):
    """Explicit Euler for x'' = -k x - c x'; returns x^2 + v^2 at the end."""
    x = x0
    v = v0
    for _ in range(n):
        acc = -k * x - c * v
        x = x + dt * v
        v = v + dt * acc
    return x * x + v * v


def oscillator_energy_grad(
    k: float, c: float, x0: float, v0: float, dt: float, n: int
) -> tuple[float, float]:
    """Hand-written forward tangents of :func:`oscillator_energy` w.r.t. ``k`` and ``c``."""
    x, v = x0, v0
    xk = vk = xc = vc = 0.0
    for _ in range(n):
        acc = -k * x - c * v
        acc_k = -x - k * xk - c * vk
        acc_c = -k * xc - v - c * vc
        x, xk, xc = x + dt * v, xk + dt * vk, xc + dt * vc
        v, vk, vc = v + dt * acc, vk + dt * acc_k, vc + dt * acc_c
    return 2.0 * x * xk + 2.0 * v * vk, 2.0 * x * xc + 2.0 * v * vc


def oscillator_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Stiffness, damping, initial state, step and ``size['steps']`` steps."""
    return (4.0, 0.1, 1.0, 0.0, 0.01, size["steps"])


# --------------------------------------------------------------------------
# 8. softmax cross-entropy
# --------------------------------------------------------------------------
def softmax_xent(W, X, onehot):
    """Mean softmax cross-entropy of a linear classifier (stable log-sum-exp)."""
    logits = X @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(onehot * (z - lse)) / X.shape[0]


def softmax_xent_grad(W: np.ndarray, X: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """Hand-written gradient of :func:`softmax_xent` w.r.t. ``W``."""
    logits = X @ W
    z = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return X.T @ (p - onehot) / X.shape[0]


def softmax_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Weights, features and one-hot labels for ``size['classes']`` classes."""
    n, d, k = size["n"], size["d"], size["classes"]
    W = rng.standard_normal((d, k)) / np.sqrt(d)
    X = rng.standard_normal((n, d))
    onehot = np.zeros((n, k))
    onehot[np.arange(n), rng.integers(0, k, n)] = 1.0
    return (W, X, onehot)


# --------------------------------------------------------------------------
# 9. filling an array element by element
# --------------------------------------------------------------------------
def fill_loop(x):
    """Fill y[i] = sin(x[i]) * x[i] in a loop, then return the sum of squares of y."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sin(x[i]) * x[i]
    return np.sum(y * y)


def fill_loop_grad(x: np.ndarray) -> np.ndarray:
    """Hand-written loop-shaped gradient of :func:`fill_loop`."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sin(x[i]) * x[i]
    by = 2.0 * y
    g = np.empty(n)
    for i in range(n - 1, -1, -1):
        g[i] = by[i] * (np.cos(x[i]) * x[i] + np.sin(x[i]))
    return g


def fill_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """A vector of ``size['n']`` values."""
    return (rng.uniform(-2.0, 2.0, size["n"]),)


# --------------------------------------------------------------------------
# trivial function, for the cached-call overhead figure
# --------------------------------------------------------------------------
def trivial(x):
    """x squared."""
    return x * x


def trivial_grad(x: float) -> float:
    """Hand-written derivative of :func:`trivial`."""
    return 2.0 * x


def trivial_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """One Python float."""
    return (1.5,)


# --------------------------------------------------------------------------
# 9. explicit ODE stepper (midpoint rule, logistic growth)
# --------------------------------------------------------------------------
def midpoint_logistic(r, K, y0, dt, n):
    """Explicit midpoint (RK2) steps of y' = r y (1 - y/K); returns the final y."""
    y = y0
    for _ in range(n):
        k1 = r * y * (1.0 - y / K)
        ym = y + 0.5 * dt * k1
        k2 = r * ym * (1.0 - ym / K)
        y = y + dt * k2
    return y


def midpoint_logistic_grad(r: float, K: float, y0: float, dt: float, n: int) -> tuple[float, float]:
    """Hand-written forward tangents of :func:`midpoint_logistic` w.r.t. ``r`` and ``K``."""
    y = y0
    yr = yK = 0.0
    for _ in range(n):
        f1 = 1.0 - y / K
        k1 = r * y * f1
        k1r = y * f1 + r * yr * f1 - r * y * yr / K
        k1K = r * yK * f1 + r * y * (y / (K * K) - yK / K)
        ym = y + 0.5 * dt * k1
        ymr = yr + 0.5 * dt * k1r
        ymK = yK + 0.5 * dt * k1K
        f2 = 1.0 - ym / K
        k2r = ym * f2 + r * ymr * f2 - r * ym * ymr / K
        k2K = r * ymK * f2 + r * ym * (ym / (K * K) - ymK / K)
        y = y + dt * r * ym * f2
        yr = yr + dt * k2r
        yK = yK + dt * k2K
    return yr, yK


def midpoint_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """Rate, capacity, initial value, step and ``size['steps']`` steps."""
    return (0.8, 10.0, 0.5, 0.01, size["steps"])


# --------------------------------------------------------------------------
# 10. a stencil: discrete Laplacian penalty of a 1-D field
# --------------------------------------------------------------------------
def laplacian_energy(u):
    """Sum over interior points of (u[i-1] - 2 u[i] + u[i+1])^2 + 0.1 u[i]^4."""
    s = 0.0
    for i in range(1, u.shape[0] - 1):
        lap = u[i - 1] - 2.0 * u[i] + u[i + 1]
        s = s + lap * lap + 0.1 * u[i] ** 4
    return s


def laplacian_energy_grad(u: np.ndarray) -> np.ndarray:
    """Hand-written loop-shaped gradient of :func:`laplacian_energy`."""
    g = np.zeros_like(u)
    for i in range(1, u.shape[0] - 1):
        lap = u[i - 1] - 2.0 * u[i] + u[i + 1]
        g[i - 1] += 2.0 * lap
        g[i] += -4.0 * lap + 0.4 * u[i] ** 3
        g[i + 1] += 2.0 * lap
    return g


def laplacian_inputs(size: SizeSpec, rng: np.random.Generator) -> Args:
    """A random field of ``size['n']`` points."""
    return (rng.standard_normal(size["n"]),)


# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """A benchmark problem: plain primal, hand-written gradient, inputs and sizes."""

    name: str
    description: str
    primal: Callable[..., Any]
    grad: Callable[..., Any]
    make_inputs: Callable[[SizeSpec, np.random.Generator], Args]
    wrt: tuple[int, ...]
    sizes: dict[str, list[SizeSpec]]
    loops: bool = False
    forward_ok: bool = False

    def size_specs(self, level: str) -> list[SizeSpec]:
        """The sizes run at ``level`` (tiny, small or full)."""
        return self.sizes[level]

    def inputs(self, size: SizeSpec) -> Args:
        """Deterministic inputs for ``size`` (same for every library)."""
        seed = zlib.crc32(f"{self.name}:{size_label(size)}".encode())
        return self.make_inputs(size, np.random.default_rng(seed))

    def reference(self, args: Args) -> tuple[np.ndarray, ...]:
        """The hand-written gradient as a tuple of arrays, one per ``wrt`` argument."""
        g = self.grad(*args)
        return tuple(np.asarray(r) for r in ((g,) if len(self.wrt) == 1 else g))


def size_label(size: SizeSpec) -> str:
    """Short human-readable label of a size, e.g. ``n=10000``."""
    return ",".join(f"{k}={v}" for k, v in size.items())


def _sizes(tiny: list[SizeSpec], small: list[SizeSpec], full: list[SizeSpec]) -> dict:
    return {"tiny": tiny, "small": small, "full": full}


WORKLOADS: list[Workload] = [
    Workload(
        "scalar_recurrence",
        "x <- x + h*sin(a*x) for N steps; d/d(a, x0)",
        scalar_recurrence,
        scalar_recurrence_grad,
        scalar_recurrence_inputs,
        wrt=(0, 1),
        sizes=_sizes([{"steps": 50}], [{"steps": 1000}], [{"steps": 1000}, {"steps": 10000}]),
        loops=True,
        forward_ok=True,
    ),
    Workload(
        "rosenbrock",
        "vectorised Rosenbrock; d/dx",
        rosenbrock,
        rosenbrock_grad,
        rosenbrock_inputs,
        wrt=(0,),
        sizes=_sizes(
            [{"n": 100}],
            [{"n": 100}, {"n": 10_000}],
            [{"n": 100}, {"n": 10_000}, {"n": 1_000_000}],
        ),
    ),
    Workload(
        "rosenbrock_loop",
        "Rosenbrock as a Python loop over indices; d/dx",
        rosenbrock_loop,
        rosenbrock_loop_grad,
        rosenbrock_inputs,
        wrt=(0,),
        sizes=_sizes(
            [{"n": 20}], [{"n": 100}, {"n": 1000}], [{"n": 100}, {"n": 1000}, {"n": 10_000}]
        ),
        loops=True,
    ),
    Workload(
        "logistic_regression",
        "mean logistic loss of X @ w; d/dw",
        logistic_loss,
        logistic_loss_grad,
        logistic_inputs,
        wrt=(0,),
        sizes=_sizes(
            [{"n": 100, "d": 10}],
            [{"n": 10_000, "d": 100}],
            [{"n": 10_000, "d": 100}, {"n": 100_000, "d": 100}],
        ),
    ),
    Workload(
        "mlp",
        "two-layer tanh MLP, mean squared error; d/d(W1, b1, W2, b2)",
        mlp_loss,
        mlp_loss_grad,
        mlp_inputs,
        wrt=(0, 1, 2, 3),
        sizes=_sizes(
            [{"batch": 8, "hidden": 16}],
            [{"batch": 64, "hidden": 128}, {"batch": 1024, "hidden": 1024}],
            [
                {"batch": 64, "hidden": 128},
                {"batch": 1024, "hidden": 1024},
                {"batch": 4096, "hidden": 2048},
            ],
        ),
    ),
    Workload(
        "heating",
        "room temperature ODE, energy + comfort cost; d/d(power per step)",
        heating_cost,
        heating_cost_grad,
        heating_inputs,
        wrt=(0,),
        sizes=_sizes([{"steps": 50}], [{"steps": 1000}], [{"steps": 1000}, {"steps": 10_000}]),
        loops=True,
    ),
    Workload(
        "rnn",
        "tanh RNN, sum of squares of the final state; d/d(Wx, Wh, b)",
        rnn_loss,
        rnn_loss_grad,
        rnn_inputs,
        wrt=(0, 1, 2),
        sizes=_sizes(
            [{"steps": 10, "batch": 4, "d": 8, "hidden": 8}],
            [{"steps": 100, "batch": 32, "d": 32, "hidden": 64}],
            [
                {"steps": 100, "batch": 32, "d": 32, "hidden": 64},
                {"steps": 100, "batch": 128, "d": 128, "hidden": 256},
            ],
        ),
        loops=True,
    ),
    Workload(
        "euler_oscillator",
        "explicit Euler, damped oscillator, final x^2+v^2; d/d(k, c)",
        oscillator_energy,
        oscillator_energy_grad,
        oscillator_inputs,
        wrt=(0, 1),
        sizes=_sizes([{"steps": 50}], [{"steps": 1000}], [{"steps": 1000}, {"steps": 10_000}]),
        loops=True,
        forward_ok=True,
    ),
    Workload(
        "softmax_xent",
        "softmax cross-entropy of X @ W; d/dW",
        softmax_xent,
        softmax_xent_grad,
        softmax_inputs,
        wrt=(0,),
        sizes=_sizes(
            [{"n": 16, "d": 8, "classes": 4}],
            [{"n": 1000, "d": 100, "classes": 10}],
            [{"n": 1000, "d": 100, "classes": 10}, {"n": 10_000, "d": 256, "classes": 100}],
        ),
    ),
    Workload(
        "midpoint_ode",
        "explicit midpoint steps of logistic growth, final y; d/d(r, K)",
        midpoint_logistic,
        midpoint_logistic_grad,
        midpoint_inputs,
        wrt=(0, 1),
        sizes=_sizes([{"steps": 50}], [{"steps": 1000}], [{"steps": 1000}, {"steps": 10_000}]),
        loops=True,
        forward_ok=True,
    ),
    Workload(
        "stencil",
        "discrete Laplacian penalty of a 1-D field, a loop over points; d/du",
        laplacian_energy,
        laplacian_energy_grad,
        laplacian_inputs,
        wrt=(0,),
        sizes=_sizes([{"n": 20}], [{"n": 1000}], [{"n": 1000}, {"n": 10_000}]),
        loops=True,
    ),
    Workload(
        "fill_loop",
        "y[i] = sin(x[i]) * x[i] in a loop, sum of squares; d/dx (O(n) in both sweeps?)",
        fill_loop,
        fill_loop_grad,
        fill_inputs,
        wrt=(0,),
        sizes=_sizes(
            [{"n": 50}],
            [{"n": 1000}, {"n": 10_000}, {"n": 100_000}],
            [{"n": 1000}, {"n": 10_000}, {"n": 100_000}],
        ),
        loops=True,
    ),
]

# GradBench-style evals (benchmarks/evals.py).
WORKLOADS += [
    Workload(**{**spec, "sizes": _sizes(*spec["sizes"])})  # type: ignore[arg-type]
    for spec in EVAL_SPECS
]

TRIVIAL = Workload(
    "trivial",
    "x*x on a Python float (call-overhead probe)",
    trivial,
    trivial_grad,
    trivial_inputs,
    wrt=(0,),
    sizes=_sizes([{}], [{}], [{}]),
    forward_ok=True,
)

WORKLOADS_BY_NAME: dict[str, Workload] = {w.name: w for w in WORKLOADS}
