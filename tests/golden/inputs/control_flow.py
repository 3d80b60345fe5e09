"""Inputs for golden files: loops, branches and calls."""

import numpy as np


def recurrence(a, n):
    x = 0.5
    for _ in range(n):
        x = x + 0.01 * np.sin(a * x)
    return x


def piecewise(x):
    if x > 1.0:
        y = np.log(x)
    elif x > 0.0:
        y = x - 1.0
    else:
        return -x * x
    return y * 2.0


def newton_sqrt(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 and k < 50:
        x = 0.5 * (x + a / x)
        k = k + 1
    return x


def rows_with_break(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
        if s > 10.0:
            break
    return s


def _cell(W, h, x):
    return np.tanh(W @ h + x)


def rnn(W, xs, h0):
    h = h0
    for x in xs:
        h = _cell(W, h, x)
    return np.sum(h ** 2)


def smooth(x, w):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = w * y[i - 1] + (1.0 - w) * x[i]
    return np.sum(y[1:] ** 2)
