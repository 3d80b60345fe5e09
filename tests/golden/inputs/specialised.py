"""Functions whose gradients are pinned as compiled for given argument shapes."""

import numpy as np


def heating(heat, outdoor, T0, dt, R, C):
    n = heat.shape[0]
    T = T0
    cost = 0.0
    for t in range(n):
        T = T + dt * ((outdoor[t] - T) / (R * C) + heat[t] / C)
        cost = cost + heat[t] * dt + (T - 21.0) ** 2
    return cost


def mlp_loss(W1, W2, X, Y):
    return np.mean((np.tanh(X @ W1) @ W2 - Y) ** 2)


def branch(x, y):
    if x > y:
        z = x * y
    else:
        z = np.sin(x) - y
    return z * z


def fill(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = np.sin(x[i]) * x[i]
    return np.sum(y * y)
