"""Line-by-line PyTorch translations of the workloads in :mod:`workloads`.

PyTorch cannot run the NumPy source as is, so each function here mirrors its
NumPy original statement for statement (same loops, same operations, same
order).  Imported only by the torch adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import workloads as W


def scalar_recurrence(a: Any, x0: Any, h: float, n: int) -> Any:
    """Torch version of :func:`workloads.scalar_recurrence`."""
    x = x0
    for _ in range(n):
        x = x + h * torch.sin(a * x)
    return x


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    """Torch version of :func:`workloads.rosenbrock`."""
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_loop(x: torch.Tensor) -> Any:
    """Torch version of :func:`workloads.rosenbrock_loop`."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def logistic_loss(w: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Torch version of :func:`workloads.logistic_loss`."""
    z = X @ w
    return torch.mean(torch.log(1.0 + torch.exp(-y * z)))


def mlp_loss(
    W1: torch.Tensor,
    b1: torch.Tensor,
    W2: torch.Tensor,
    b2: torch.Tensor,
    X: torch.Tensor,
    Y: torch.Tensor,
) -> torch.Tensor:
    """Torch version of :func:`workloads.mlp_loss`."""
    h = torch.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return torch.mean((out - Y) ** 2)


def heating_cost(power: torch.Tensor, T_out: torch.Tensor, T0: float) -> Any:
    """Torch version of :func:`workloads.heating_cost`."""
    T = T0
    cost = 0.0
    for t in range(power.shape[0]):
        T = T + W.DT * (W.K_LOSS * (T_out[t] - T) + power[t] / W.C_HEAT)
        cost = cost + W.PRICE * power[t] * W.DT + W.W_COMFORT * (T - W.T_SET) ** 2
    return cost


def rnn_loss(
    Wx: torch.Tensor, Wh: torch.Tensor, b: torch.Tensor, xs: torch.Tensor, h0: torch.Tensor
) -> torch.Tensor:
    """Torch version of :func:`workloads.rnn_loss`."""
    h = h0
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
    return torch.sum(h * h)


def oscillator_energy(k: Any, c: Any, x0: float, v0: float, dt: float, n: int) -> Any:
    """Torch version of :func:`workloads.oscillator_energy` (same arithmetic)."""
    x = x0
    v = v0
    for _ in range(n):
        acc = -k * x - c * v
        x = x + dt * v
        v = v + dt * acc
    return x * x + v * v


def softmax_xent(Wt: torch.Tensor, X: torch.Tensor, onehot: torch.Tensor) -> torch.Tensor:
    """Torch version of :func:`workloads.softmax_xent`."""
    logits = X @ Wt
    z = logits - torch.max(logits, dim=1, keepdim=True).values
    lse = torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
    return -torch.sum(onehot * (z - lse)) / X.shape[0]


def fill_loop(x: torch.Tensor) -> torch.Tensor:
    """Torch version of :func:`workloads.fill_loop`."""
    n = x.shape[0]
    y = torch.zeros(n, dtype=x.dtype)
    for i in range(n):
        y[i] = torch.sin(x[i]) * x[i]
    return torch.sum(y * y)


def trivial(x: Any) -> Any:
    """Torch version of :func:`workloads.trivial`."""
    return x * x


TORCH_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "scalar_recurrence": scalar_recurrence,
    "rosenbrock": rosenbrock,
    "rosenbrock_loop": rosenbrock_loop,
    "logistic_regression": logistic_loss,
    "mlp": mlp_loss,
    "heating": heating_cost,
    "rnn": rnn_loss,
    "euler_oscillator": oscillator_energy,
    "softmax_xent": softmax_xent,
    "fill_loop": fill_loop,
    "trivial": trivial,
}
