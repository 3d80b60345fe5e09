"""Catalog cases for parameter objects, signatures of callees and nested derivatives
(issue 11): registered into :data:`catalog.CASES` when catalog is imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from catalog import case

import adgen


class Coeffs(NamedTuple):
    a: float
    b: float


class Spring:
    """A plain parameter object with a method adgen reads."""

    def __init__(self, k: float, rest: float) -> None:
        self.k = k
        self.rest = rest

    def energy(self, x):
        return 0.5 * self.k * np.sum((x - self.rest) ** 2)


@dataclass
class Layer:
    w: float

    def apply(self, x):
        return np.tanh(self.w * x)


COEFFS = Coeffs(1.5, -0.5)


# Second order with a NamedTuple or dataclass argument (in wrt too): refused before issue 15.
@case(lambda rng: [rng.standard_normal(3), Coeffs(2.0, 0.3)], wrts=(0, 1, (0, 1)), order=2)
def namedtuple_parameters(x, p):
    return p.a * np.sum(np.sin(x)) + p.b * np.sum(x**2) + COEFFS.a * len(p)


@case(lambda rng: [rng.standard_normal(3), Spring(2.0, 0.25)], order=2)
def object_method_and_type_tests(x, s):
    e = s.energy(x) if callable(s.energy) else 0.0
    if isinstance(s, Spring) and hasattr(s, "k") and not hasattr(s, "damping"):
        e = e + s.k * np.sum(np.cos(x))
    if type(s) is Spring:
        e = e * 2.0
    return e


@case(lambda rng: [rng.standard_normal(3), Layer(0.7)], wrts=(0, 1, (0, 1)), order=2)
def dataclass_method(x, layer):
    return np.sum(layer.apply(x) ** 2) + layer.w * np.sum(x)


@case(lambda rng: [rng.standard_normal(3)], order=2)
def isinstance_of_an_argument(x):
    if isinstance(x, float):
        return x**3
    return np.sum(x**3)


def _norm2(*vs, scale=1.0, **kw):
    total = sum(np.sum(v * v) for v in vs)
    return scale * total + kw["shift"] * len(vs) + kw.get("extra", 0.0)


@case(lambda rng: [rng.standard_normal(3), rng.standard_normal(2)], wrts=(0, 1, (0, 1)), order=2)
def callee_with_star_args_and_kwargs(x, y):
    parts = (x, np.sin(y))
    return _norm2(*parts, y, scale=0.5, shift=2.0) + _norm2(x, **{"shift": 1.0})


def _inner(y):
    return np.sum(np.sin(y) * y)


@case(lambda rng: [rng.standard_normal(3)], order=2)
def nested_grad_inside(x):
    g = adgen.grad(_inner)(x)
    v, g2 = adgen.value_and_grad(_inner)(x * 2.0)
    return np.sum(g**2) + v + np.sum(g2 * x)


@case(lambda rng: [rng.standard_normal(3), rng.standard_normal(3)], wrts=(0, 1))
def nested_jvp_and_vjp_inside(x, v):
    value, tangent = adgen.jvp(_inner)(x, v)
    back = adgen.vjp(_inner)(x, 2.0)
    return value * tangent + np.sum(back * v)


@case(lambda rng: [rng.standard_normal((3, 2)), rng.standard_normal(2)], wrts=(0, 1), order=2)
def list_of_rows_and_range(W, x):
    rows = list(W)
    ks = list(range(len(rows)))
    return sum(np.sum(r * x) * (k + 1) for r, k in zip(rows, ks))


@case(lambda rng: [rng.standard_normal(3)], order=2)
def dict_comprehension_with_computed_keys(x):
    powers = {k: x ** (k + 1) for k in range(3)}
    named = {name: w * x for name, w in zip(("a", "b"), (1.0, 2.0))}
    return np.sum(powers[0] + powers[2]) + np.sum(named["a"] * named["b"])


@case(lambda rng: [rng.standard_normal(3), 2], order=2)
def lazy_comprehensions(x, n):
    s = n > 0 and sum([np.sum(x**k) for k in range(1, 4)])
    t = np.sum(x) if n > 5 else sum(np.sum(np.sin(x * k)) for k in range(2))
    return s + t
