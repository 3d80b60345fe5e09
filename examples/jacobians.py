"""Jacobians of a map from R^n to R^m in forward and reverse mode, a Hessian, and a check.

For f: R^n -> R^m, forward mode gives J v (one input direction per pass) and
reverse mode gives u^T J (one output direction per pass): a full Jacobian takes
n forward passes or m reverse passes. The script computes both products for a
seed direction, full Jacobians both ways, the Hessian of a scalar function,
and checks every derivative against central finite differences with
``adgen.testing.check_grads``.

Run:  python examples/jacobians.py [--n 6]
"""

from __future__ import annotations

import argparse

import numpy as np

import adgen
import adgen.testing


def spring_forces(x, k):
    """Forces on the inner masses of a chain of nonlinear springs (m = n - 2 outputs).

    ``x`` are the positions of n masses, both ends held; each spring pulls with
    k (stretch + stretch^3).
    """
    stretch = x[1:] - x[:-1] - 1.0
    tension = k * (stretch + stretch**3)
    return tension[1:] - tension[:-1]


def energy(x, k):
    """Stored energy of the same chain: its gradient is minus the forces on all masses."""
    stretch = x[1:] - x[:-1] - 1.0
    return np.sum(k * (0.5 * stretch**2 + 0.25 * stretch**4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6, help="number of masses (n >= 3)")
    n = parser.parse_args().n
    rng = np.random.default_rng(0)
    x = np.arange(n, dtype=float) * 1.1 + 0.05 * rng.standard_normal(n)
    k = 2.0
    m = n - 2
    np.set_printoptions(precision=4, suppress=True, linewidth=100)

    v = np.zeros(n)
    v[n // 2] = 1.0  # seed: move one mass
    force, Jv = adgen.jvp(spring_forces)(x, k, v)
    print(f"f maps R^{n} to R^{m}; f(x) = {force}")
    print(f"forward mode, J v for v = e_{n // 2}:  {Jv}")
    u = np.zeros(m)
    u[0] = 1.0  # seed: one output
    uJ = adgen.vjp(spring_forces)(x, k, u)
    print(f"reverse mode, u^T J for u = e_0:    {uJ}")

    J_fwd = adgen.jacobian(spring_forces, mode="forward")(x, k)
    J_rev = adgen.jacobian(spring_forces, mode="reverse")(x, k)
    print(f"Jacobian ({J_fwd.shape[0]} x {J_fwd.shape[1]}), forward mode ({n} passes):")
    print(J_fwd)
    print(f"forward and reverse ({m} passes) Jacobians agree: {np.allclose(J_fwd, J_rev)}")
    print(
        f"J v is column {n // 2}: {np.allclose(J_fwd[:, n // 2], Jv)};"
        f" u^T J is row 0: {np.allclose(J_rev[0], uJ)}"
    )

    H = adgen.hessian(energy)(x, k)
    print(f"Hessian of the energy ({n} x {n}, forward over reverse):")
    print(H)
    print("the inner rows of -Hessian are the force Jacobian:", np.allclose(-H[1:-1], J_fwd))

    adgen.testing.check_grads(spring_forces, (x, k), wrt=(0, 1))
    adgen.testing.check_grads(energy, (x, k), order=2)
    print("check_grads: forward and reverse mode, and the Hessian, agree with finite differences")


if __name__ == "__main__":
    main()
