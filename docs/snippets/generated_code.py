"""Functions whose generated derivatives docs/generated-code.md shows (built by docs/hooks.py)."""

import numpy as np


def loss(W, x, b):
    h = np.tanh(W @ x + b)
    return np.sum(h**2)


def power_sum(x, n):
    total = 0.0
    for i in range(n):
        if x[i] > 0:
            total = total + x[i] ** 3
        else:
            total = total - x[i]
    return total


def smooth_step(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, x.shape[0]):
        y[i] = 0.5 * y[i - 1] + np.sin(x[i])
    return np.sum(y * y)


def with_try(x):
    try:
        return np.log(x)
    except ValueError:
        return x


def with_global(x):
    global calls
    calls += 1
    return x * calls
