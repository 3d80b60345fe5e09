"""Inputs of the golden tests of generated source (straight-line NumPy code).

Append new functions at the end (or start a new file) so that the line
numbers quoted in existing golden files stay the same.
"""

import math

import numpy as np

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def tanh_layer(W, x, b):
    h = np.tanh(W @ x + b)
    return np.sum(h ** 2)


def scalar_arith(x, y):
    z = x * y + x / y - y ** 3
    return z ** 2 + 3.0 * x


def logistic_loss(w, b, X, y):
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def softplus_sum(x):
    return np.sum(np.log1p(np.exp(x)))


def reductions(x):
    a = np.sum(x, axis=0)
    b = np.mean(x, axis=1, keepdims=True)
    return np.sum(a ** 2) + np.sum(b * x)


def broadcasting(x, b):
    y = x + b
    return np.sum(y * y)


def matrix_chain(A, B):
    C = A @ B
    return np.sum(C.T @ A)


def with_constant(x):
    return np.sum(np.sin(W @ x))


def math_scalars(x):
    return math.sin(x) * math.exp(x) + math.sqrt(x)


def two_outputs(x, y):
    return np.sin(x) * y, np.sum(x * y)


def elementwise_chain(x):
    a = np.exp(x) * np.cos(x)
    b = np.sqrt(a * a + 1.0)
    return np.sum(b)


def where_max(x, y):
    m = np.maximum(x, y)
    return np.sum(np.where(x > 0.0, m, x * y))
