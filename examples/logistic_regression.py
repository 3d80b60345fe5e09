"""Fit a logistic regression by gradient descent with a gradient adgen generates.

Run:  python examples/logistic_regression.py
"""

import numpy as np

import adgen


def loss(w, b, X, y):
    """Mean logistic loss (cross-entropy) of a linear classifier."""
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def main() -> None:
    rng = np.random.default_rng(0)
    n, d = 500, 5
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = (X @ w_true + 0.3 * rng.standard_normal(n) > 0).astype(float)

    grad_loss = adgen.grad(loss, wrt=("w", "b"))
    print("Generated gradient:\n")
    print(grad_loss.source)

    w, b = np.zeros(d), 0.0
    for step in range(201):
        gw, gb = grad_loss(w, b, X, y)
        w, b = w - 0.5 * gw, b - 0.5 * gb
        if step % 40 == 0:
            print(f"step {step:3d}  loss {loss(w, b, X, y):.4f}")
    accuracy = np.mean(((X @ w + b) > 0) == (y > 0.5))
    print(f"training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
