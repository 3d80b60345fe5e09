"""Aim a cannon: find the launch angle at which a projectile with air drag lands on a target.

The flight is simulated with explicit Euler steps in a ``while`` loop that runs
until the projectile falls below the ground; the landing point is interpolated
between the last two states, so it is a smooth function of the angle. adgen
differentiates the whole simulation, and Newton's method on the angle uses
that derivative. The states are collected in a Python list (``states.append``)
inside the differentiated function, as one would write it without adgen.

Run:  python examples/projectile.py [--dt 0.01]
"""

from __future__ import annotations

import argparse

import numpy as np
from _plot import save_plot

import adgen
import adgen.testing

GRAVITY = 9.81


def flight(angle, speed, drag, dt, max_steps):
    """States (x, y, vx, vy) of each step, until the projectile is below the ground.

    Returns the list of states; the last one is the first state below the ground.
    """
    x = 0.0
    y = 0.0
    vx = speed * np.cos(angle)
    vy = speed * np.sin(angle)
    states = [np.array([x, y, vx, vy])]
    i = 0
    while y >= 0.0 and i < max_steps:
        v = np.sqrt(vx * vx + vy * vy)
        x = x + dt * vx
        y = y + dt * vy
        vx = vx - dt * drag * v * vx
        vy = vy - dt * (GRAVITY + drag * v * vy)
        states.append(np.array([x, y, vx, vy]))
        i += 1
    return states


def landing_distance(angle, speed, drag, dt, max_steps):
    """Where the projectile meets the ground (linear interpolation of the last step)."""
    states = flight(angle, speed, drag, dt, max_steps)
    before = states[-2]
    after = states[-1]
    return before[0] + (after[0] - before[0]) * before[1] / (before[1] - after[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dt", type=float, default=0.01, help="time step in seconds")
    parser.add_argument("--target", type=float, default=60.0, help="distance to hit, in m")
    args = parser.parse_args()
    speed, drag, max_steps = 40.0, 0.01, int(20.0 / args.dt)

    d_distance = adgen.value_and_grad(landing_distance)
    angle = np.radians(10.0)
    adgen.testing.check_grads(landing_distance, (angle, speed, drag, args.dt, max_steps))
    print("d(distance)/d(angle) agrees with finite differences")
    print(f"target at {args.target:.1f} m; speed {speed} m/s, drag coefficient {drag} 1/m")
    for it in range(20):
        distance, slope = d_distance(angle, speed, drag, args.dt, max_steps)
        print(
            f"iteration {it}: angle {np.degrees(angle):7.3f} deg  lands at {distance:8.3f} m"
            f"  d(distance)/d(angle) {slope:8.3f} m/rad"
        )
        if abs(distance - args.target) < 1e-6:
            break
        angle = angle - (distance - args.target) / slope  # Newton: solve distance(angle) = target
    else:
        raise SystemExit("Newton's method did not converge")
    best = max(
        np.radians(np.arange(1.0, 89.0, 0.5)),
        key=lambda a: landing_distance(a, speed, drag, args.dt, max_steps),
    )
    print(
        f"hit: angle {np.degrees(angle):.3f} deg; the longest shot at this speed is "
        f"{landing_distance(best, speed, drag, args.dt, max_steps):.1f} m at about "
        f"{np.degrees(best):.1f} deg"
    )

    path = np.array(flight(angle, speed, drag, args.dt, max_steps))

    def draw(ax):
        ax.plot(path[:, 0], path[:, 1], label=f"{np.degrees(angle):.2f} deg")
        ax.plot([args.target], [0.0], "rx", label="target")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("height (m)")
        ax.set_ylim(bottom=0.0)
        ax.legend()

    save_plot("projectile.png", draw)


if __name__ == "__main__":
    main()
