"""Train a two-layer neural network on scikit-learn's handwritten digits with Adam.

The loss (softmax cross-entropy of a tanh network, plus weight decay) is plain
NumPy; adgen generates its gradient with respect to all four parameter arrays.
The digits (8x8 images, 10 classes) ship inside scikit-learn: nothing is
downloaded.

Run:  python examples/digits_mlp.py [--epochs 60] [--hidden 64]
"""

from __future__ import annotations

import argparse

import numpy as np
from _plot import save_plot
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import adgen


def loss(W1, b1, W2, b2, X, Y, decay):
    """Mean cross-entropy of softmax(tanh(X W1 + b1) W2 + b2) against one-hot ``Y``."""
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    penalty = decay * (np.sum(W1**2) + np.sum(W2**2))
    return -np.mean(np.sum(Y * log_p, axis=1)) + penalty


def predict(params, X):
    W1, b1, W2, b2 = params
    return np.argmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--hidden", type=int, default=64)
    args = parser.parse_args()

    digits = load_digits()
    X = digits.data / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    Y_train = np.eye(10)[y_train]

    rng = np.random.default_rng(0)
    params = [
        rng.standard_normal((64, args.hidden)) / 8.0,
        np.zeros(args.hidden),
        rng.standard_normal((args.hidden, 10)) / np.sqrt(args.hidden),
        np.zeros(10),
    ]
    value_and_grad = adgen.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))

    # Adam on minibatches of 64.
    lr, beta1, beta2, eps, decay = 0.01, 0.9, 0.999, 1e-8, 1e-4
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step, history = 0, []
    for epoch in range(args.epochs):
        order = rng.permutation(len(X_train))
        total = 0.0
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            value, grads = value_and_grad(*params, X_train[batch], Y_train[batch], decay)
            total += value * len(batch)
            step += 1
            for k, g in enumerate(grads):
                m[k] = beta1 * m[k] + (1 - beta1) * g
                v[k] = beta2 * v[k] + (1 - beta2) * g * g
                m_hat = m[k] / (1 - beta1**step)
                v_hat = v[k] / (1 - beta2**step)
                params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append(total / len(order))
        if epoch % max(1, args.epochs // 6) == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:3d}  training loss {history[-1]:.4f}")

    train_acc = np.mean(predict(params, X_train) == y_train)
    test_acc = np.mean(predict(params, X_test) == y_test)
    print(f"training accuracy {train_acc:.3f}")
    print(f"test accuracy {test_acc:.3f} on {len(y_test)} held-out digits")

    def draw(ax):
        ax.plot(np.arange(1, len(history) + 1), history)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_yscale("log")

    save_plot("digits_loss.png", draw)


if __name__ == "__main__":
    main()
