"""Everyday Python for the golden files: a list grown in a loop, a comprehension."""

import numpy as np


def trajectory(x, w):
    xs = []
    for _ in range(4):
        x = np.sin(x) * w
        xs.append(x)
    return np.sum(np.stack(xs) ** 2)


def weighted_squares(w, x):
    return sum(w[i] * x[i] ** 2 for i in range(len(x)))
