"""The catalog of test functions.

Each :class:`Case` is an explicit test function with an input builder, the
parameters to differentiate with respect to, the modes it supports and the
derivative order to check. ``test_catalog.py`` crosses the catalog with the
modes; other issues add cases here (control flow, calls, indexing, ...).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy import sin  # noqa: F401  (resolved through `from numpy import sin`)


@dataclass(frozen=True)
class Case:
    """One catalog entry: ``f(*make(rng))`` differentiated w.r.t. each of ``wrts``."""

    name: str
    f: Callable[..., Any]
    make: Callable[[np.random.Generator], list[Any]]
    wrts: tuple[Any, ...] = (0,)
    modes: tuple[str, ...] = ("forward", "reverse")
    order: int = 1


CASES: list[Case] = []


def case(make: Callable[[np.random.Generator], list[Any]], wrts: tuple[Any, ...] = (0,),
         modes: tuple[str, ...] = ("forward", "reverse"), order: int = 1,
         ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a catalog case."""

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        CASES.append(Case(f.__name__, f, make, wrts, modes, order))
        return f

    return register


def vec(n: int) -> Callable[[np.random.Generator], Any]:
    return lambda rng: rng.standard_normal(n)


def positive(shape: Any) -> Callable[[np.random.Generator], Any]:
    return lambda rng: rng.uniform(0.5, 2.0, size=shape)


# ---------------------------------------------------------------- straight-line


@case(lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal(4),
                   rng.standard_normal(3)], wrts=(0, 1, 2, (0, 1, 2)), order=2)
def tanh_layer(W, x, b):
    return np.sum(np.tanh(W @ x + b) ** 2)


@case(lambda rng: [float(rng.uniform(0.5, 1.5)), float(rng.uniform(0.5, 1.5))],
      wrts=(0, 1, (0, 1)), order=2)
def scalar_arith(x, y):
    z = x * y + x / y - y ** 3
    z = z - -x
    return z ** 2 + 3.0 * x - 2 / y


@case(lambda rng: [positive(5)(rng)], order=2)
def unary_chain(x):
    a = np.sin(x) + np.cos(x) + np.tan(x * 0.3)
    b = np.arcsin(x * 0.3) + np.arccos(x * 0.3) + np.arctan(x)
    c = np.sinh(x) + np.cosh(x) + np.tanh(x)
    d = np.exp(x) + np.log(x) + np.log1p(x) + np.expm1(x) + np.sqrt(x) + np.square(x)
    return np.sum(a * b + c * d)


@case(lambda rng: [rng.standard_normal(6) + 0.1])
def absolute(x):
    return np.sum(np.abs(x) * x + abs(x))


@case(lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], wrts=(0, 1))
def extrema_where(x, y):
    m = np.maximum(x, y) * np.minimum(x, 0.5)
    return np.where(x > y, m, x * y)


@case(lambda rng: [rng.standard_normal((3, 4))], order=2)
def reductions(x):
    a = np.sum(x, axis=0)
    b = np.mean(x, axis=1, keepdims=True)
    c = x.sum(axis=-1)
    return np.sum(a ** 2) + np.sum(b * x) + np.mean(c) * x.mean()


@case(lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))], wrts=(0, 1))
def matrix_products(A, B):
    C = A @ B
    D = np.dot(A.T, A)
    E = np.matmul(B.T, np.transpose(A))
    return np.sum(C) + np.sum(D * D) + np.sum(E ** 2)


@case(lambda rng: [rng.standard_normal(4), rng.standard_normal(4)], wrts=(0, 1, (0, 1)))
def vector_products(x, y):
    return x @ y + np.dot(x, x) * (y @ y)


@case(lambda rng: [rng.standard_normal(6)])
def reshapes(x):
    m = np.reshape(x, (2, 3))
    n = x.reshape(3, 2)
    return m @ n


@case(lambda rng: [rng.standard_normal((2, 3)), rng.standard_normal(3)], wrts=(0, 1))
def broadcasting(x, b):
    y = x + b
    z = x * b - b / (1.0 + x ** 2)
    return y * z + b


@case(lambda rng: [rng.standard_normal(4), 3], wrts=(0,))
def integer_argument(x, n):
    return np.sum(x ** n) * n


@case(lambda rng: [float(rng.uniform(0.5, 1.5))], order=2)
def math_module(x):
    return math.sin(x) * math.exp(x) + math.sqrt(x) * math.pi


@case(lambda rng: [rng.standard_normal(3)])
def tuple_result(x):
    return np.sin(x), np.sum(x ** 2)


@case(lambda rng: [positive(4)(rng), rng.standard_normal(4)], wrts=(0, 1, (0, 1)), order=2)
def array_power(x, y):
    return np.sum(x ** y + 2.0 ** y + x ** 0.5)


@case(lambda rng: [rng.standard_normal(3)])
def reassigned(x):
    y = x * 2
    y = np.sin(y) + y
    y = y * x
    x = x + y
    return x


@case(lambda rng: [rng.standard_normal(3)])
def from_numpy_import(x):
    return sin(x) * np.ones_like(x) + np.zeros_like(x)


@case(lambda rng: [rng.standard_normal(3), rng.standard_normal(3)], wrts=(1,))
def unused_input(x, y):
    return np.sum(x ** 2)
