"""Hessian of a 100-element Rosenbrock: batched forward-over-reverse (one call of the
generated code) against a loop of one JVP per basis vector, and JAX's ``jax.hessian``
when JAX is installed (skipped otherwise). Ratios come from one run.

    PYTHONPATH=src python benchmarks/batched_hessian.py [n]
"""

from __future__ import annotations

import sys
import timeit

import numpy as np

import adgen


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def best(f, number: int = 20, repeat: int = 5) -> float:
    """The best time of one call, in seconds."""
    return min(timeit.repeat(f, number=number, repeat=repeat)) / number


def main(n: int = 100) -> dict[str, float]:
    x = np.linspace(-1.0, 1.0, n)
    hessian = adgen.hessian(rosen)
    hvp = adgen.jvp(adgen.grad(rosen))
    eye = np.eye(n)

    def loop():
        return np.stack([hvp(x, e)[1] for e in eye], axis=-1)

    assert np.allclose(hessian(x), loop())
    times = {"adgen batched": best(lambda: hessian(x)), "adgen loop of JVPs": best(loop)}
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("jax is not installed: its column is skipped")
    else:
        jax.config.update("jax_enable_x64", True)

        def jrosen(x):
            return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

        jh = jax.jit(jax.hessian(jrosen))
        xj = jnp.asarray(x)
        assert np.allclose(np.asarray(jh(xj)), hessian(x))
        times["jax.hessian (jit)"] = best(lambda: jh(xj).block_until_ready())
        nojit = jax.hessian(jrosen)
        times["jax.hessian (no jit)"] = best(lambda: nojit(xj).block_until_ready(), 2, 3)
    base = times["adgen batched"]
    for name, t in times.items():
        print(f"{name:24s} {t * 1e3:9.3f} ms   {t / base:7.2f}x batched")
    return times


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
