"""A simulation's gradient at compiled speed: adgen's numba backend on an epidemic model.

An SIR epidemic is stepped day by day with a contact rate ``beta[t]`` chosen
for every day; the cost adds the squared number of infected people (pressure
on hospitals) and the cost of lowering the contact rate below its natural
value. The gradient with respect to the whole schedule (one number per day)
comes from ``adgen.grad(cost, backend="numba")``: the derivative adgen
generates, compiled by numba. It is checked against the NumPy backend, timed
against it, and used for a few steps of projected gradient descent.

    python examples/compiled_simulation.py [--days 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import adgen

BETA0 = 0.3  # natural contact rate [1/day]
GAMMA = 0.1  # recovery rate [1/day]
DT = 0.25  # step [day]


def cost(beta, s0, i0):
    """Infection pressure plus the cost of lowering the contact rate, over len(beta) steps."""
    s = s0
    i = i0
    total = 0.0
    for t in range(beta.shape[0]):
        new = beta[t] * s * i
        s = s - DT * new
        i = i + DT * (new - GAMMA * i)
        total = total + 100.0 * i * i + 0.1 * (BETA0 - beta[t]) ** 2
    return total


def best_time(f, *args, repeats=5):
    """The shortest of ``repeats`` calls [s] (after one call to warm up)."""
    f(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=2000, help="steps of the simulation")
    opts = ap.parse_args()
    beta = np.full(opts.days, BETA0)
    s0, i0 = 0.99, 0.01

    start = time.perf_counter()
    grad_numba = adgen.grad(cost, backend="numba")
    g = grad_numba(beta, s0, i0)
    first = time.perf_counter() - start
    grad_numpy = adgen.grad(cost)
    g_numpy = grad_numpy(beta, s0, i0)
    print(f"numba and NumPy backends agree: {np.allclose(g, g_numpy, rtol=1e-10, atol=1e-12)}")
    t_numba, t_numpy = best_time(grad_numba, beta, s0, i0), best_time(grad_numpy, beta, s0, i0)
    print(f"first call (differentiate, emit, numba compile): {first:.2f} s")
    print(
        f"gradient over {opts.days} steps: numba backend {t_numba * 1e6:.0f} us, "
        f"NumPy backend {t_numpy * 1e6:.0f} us ({t_numpy / t_numba:.0f}x faster)"
    )

    # Projected gradient descent on the schedule: contact rates between 0.05 and BETA0.
    c0 = cost(beta, s0, i0)
    step = 1e-3
    for _ in range(50):
        beta = np.clip(beta - step * grad_numba(beta, s0, i0), 0.05, BETA0)
    print(
        f"cost {c0:.4g} -> {cost(beta, s0, i0):.4g} after 50 gradient steps "
        f"(lowest contact rate {beta.min():.3f} on day {int(np.argmin(beta) * DT)})"
    )


if __name__ == "__main__":
    main()
