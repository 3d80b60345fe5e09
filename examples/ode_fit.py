"""Fit the four rates of a predator-prey (Lotka-Volterra) model to noisy observations.

The model is integrated with explicit midpoint steps in a Python loop; adgen
differentiates that loop. SciPy's Newton trust-region method gets the exact
gradient and Hessian from adgen; BFGS runs once with adgen's gradient and once
with SciPy's finite differences, and the three are compared in iterations,
evaluations and time.

Run:  python examples/ode_fit.py [--steps 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _plot import save_plot
from scipy.optimize import minimize

import adgen
import adgen.testing

TRUE_RATES = np.array([1.0, 0.4, 0.8, 0.2])  # prey growth, predation, predator death, conversion
START = (3.0, 2.0)
DT = 0.05


def loss(log_rates, data, dt):
    """Mean squared error between the simulated trajectory and ``data`` (shape (n, 2)).

    The rates are passed as logarithms, so that every step of the optimiser
    keeps them positive. The trajectory is kept in a preallocated array.
    """
    a = np.exp(log_rates[0])
    b = np.exp(log_rates[1])
    c = np.exp(log_rates[2])
    d = np.exp(log_rates[3])
    n = data.shape[0]
    traj = np.zeros((n, 2))
    x = data[0, 0]
    y = data[0, 1]
    for i in range(n):
        traj[i, 0] = x
        traj[i, 1] = y
        xm = x + 0.5 * dt * (a * x - b * x * y)
        ym = y + 0.5 * dt * (d * x * y - c * y)
        x = x + dt * (a * xm - b * xm * ym)
        y = y + dt * (d * xm * ym - c * ym)
    return np.mean((traj - data) ** 2)


def simulate(rates, start, n, dt):
    """The same integrator as in ``loss``, returning the trajectory."""
    a, b, c, d = rates
    traj = np.zeros((n, 2))
    x, y = start
    for i in range(n):
        traj[i] = x, y
        xm = x + 0.5 * dt * (a * x - b * x * y)
        ym = y + 0.5 * dt * (d * x * y - c * y)
        x, y = x + dt * (a * xm - b * xm * ym), y + dt * (d * xm * ym - c * ym)
    return traj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="time steps (observations)")
    steps = parser.parse_args().steps

    rng = np.random.default_rng(0)
    clean = simulate(TRUE_RATES, START, steps, DT)
    data = clean + 0.05 * rng.standard_normal(clean.shape)
    data[0] = START
    x0 = np.log(TRUE_RATES * np.array([1.15, 0.9, 0.9, 1.1]))

    grad, hess = adgen.grad(loss), adgen.hessian(loss)
    adgen.testing.check_grads(loss, (x0, data, DT), order=2)
    print("gradient and Hessian agree with finite differences")
    start = time.perf_counter()
    grad(x0, data, DT), hess(x0, data, DT)  # compile both before timing
    print(f"compiled the gradient and the Hessian in {time.perf_counter() - start:.2f} s")

    runs = {
        "Newton (trust-exact), adgen gradient + Hessian": dict(
            method="trust-exact", jac=grad, hess=hess
        ),
        "BFGS, adgen gradient": dict(method="BFGS", jac=grad),
        "BFGS, finite-difference gradient": dict(method="BFGS"),
    }
    print(f"\n{'method':48s} {'iter':>5s} {'f evals':>8s} {'time':>8s}  fitted rates")
    fits = {}
    for name, options in runs.items():
        start = time.perf_counter()
        result = minimize(loss, x0, args=(data, DT), **options)
        elapsed = time.perf_counter() - start
        fits[name] = np.exp(result.x)
        rates = " ".join(f"{r:.3f}" for r in fits[name])
        print(f"{name:48s} {result.nit:5d} {result.nfev:8d} {elapsed:7.3f}s  {rates}")
    print(f"{'true rates':48s} {'':24s}  " + " ".join(f"{r:.3f}" for r in TRUE_RATES))

    fitted = simulate(fits["Newton (trust-exact), adgen gradient + Hessian"], START, steps, DT)
    t = DT * np.arange(steps)

    def draw(ax):
        ax.plot(t, data[:, 0], ".", ms=3, label="prey (observed)")
        ax.plot(t, data[:, 1], ".", ms=3, label="predators (observed)")
        ax.plot(t, fitted[:, 0], label="prey (fitted)")
        ax.plot(t, fitted[:, 1], label="predators (fitted)")
        ax.set_xlabel("time")
        ax.legend()

    save_plot("ode_fit.png", draw)


if __name__ == "__main__":
    main()
