"""The catalog of test functions.

Each :class:`Case` is an explicit test function with an input builder, the
parameters to differentiate with respect to, the modes it supports and the
derivative order to check. ``test_catalog.py`` crosses the catalog with the
modes; other issues add cases here (control flow, calls, indexing, ...).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy import sin  # noqa: F401  (resolved through `from numpy import sin`)

import adgen


@dataclass(frozen=True)
class Case:
    """One catalog entry: ``f(*make(rng))`` differentiated w.r.t. each of ``wrts``."""

    name: str
    f: Callable[..., Any]
    make: Callable[[np.random.Generator], list[Any]]
    wrts: tuple[Any, ...] = (0,)
    modes: tuple[str, ...] = ("forward", "reverse")
    order: int = 1

    def types(self) -> tuple[Any, ...]:
        """The argument types it is compiled for (isinstance and methods fold on them)."""
        from adgen.frontend.introspection import type_keys

        return type_keys(self.make(np.random.default_rng(0)))

    def trees(self) -> tuple[Any, ...] | None:
        """The container structure of its arguments (see adgen.trees), None if none is."""
        from adgen.trees import tree_of

        found = tuple(tree_of(a) for a in self.make(np.random.default_rng(0)))
        return found if any(t is not None for t in found) else None

    def first_wrt(self, primal: Any) -> list[str]:
        """The IR parameters of its first ``wrt`` in ``primal`` (lowered with
        :meth:`trees`): a container argument's leaves."""
        from adgen.signatures import param_names

        wrt = self.wrts[0] if isinstance(self.wrts[0], tuple) else (self.wrts[0],)
        names = [param_names(self.f)[w] if isinstance(w, int) else w for w in wrt]
        leaves = primal.param_leaves or {}
        return [leaf for n in names for leaf in leaves.get(n, [n])]


CASES: list[Case] = []


def case(
    make: Callable[[np.random.Generator], list[Any]],
    wrts: tuple[Any, ...] = (0,),
    modes: tuple[str, ...] = ("forward", "reverse"),
    order: int = 1,
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


@case(
    lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(3)],
    wrts=(0, 1, 2, (0, 1, 2)),
    order=2,
)
def tanh_layer(W, x, b):
    return np.sum(np.tanh(W @ x + b) ** 2)


@case(
    lambda rng: [float(rng.uniform(0.5, 1.5)), float(rng.uniform(0.5, 1.5))],
    wrts=(0, 1, (0, 1)),
    order=2,
)
def scalar_arith(x, y):
    z = x * y + x / y - y**3
    z = z - -x
    return z**2 + 3.0 * x - 2 / y


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
    return np.sum(a**2) + np.sum(b * x) + np.mean(c) * x.mean()


@case(lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))], wrts=(0, 1))
def matrix_products(A, B):
    C = A @ B
    D = np.dot(A.T, A)
    E = np.matmul(B.T, np.transpose(A))
    return np.sum(C) + np.sum(D * D) + np.sum(E**2)


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
    z = x * b - b / (1.0 + x**2)
    return y * z + b


@case(lambda rng: [rng.standard_normal(4), 3], wrts=(0,))
def integer_argument(x, n):
    return np.sum(x**n) * n


@case(lambda rng: [float(rng.uniform(0.5, 1.5))], order=2)
def math_module(x):
    return math.sin(x) * math.exp(x) + math.sqrt(x) * math.pi


@case(lambda rng: [rng.standard_normal(3)])
def tuple_result(x):
    return np.sin(x), np.sum(x**2)


@case(lambda rng: [positive(4)(rng), rng.standard_normal(4)], wrts=(0, 1, (0, 1)), order=2)
def array_power(x, y):
    return np.sum(x**y + 2.0**y + x**0.5)


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
    return np.sum(x**2)


# ------------------------------------------------------------------ control flow


@case(lambda rng: [float(rng.uniform(0.2, 0.8)), 1000], order=2)
def recurrence_1000(a, n):
    x = 0.5
    for _ in range(n):
        x = x + 0.001 * np.sin(a * x)
    return x


@case(lambda rng: [rng.uniform(0.1, 1.0, size=3), 4], order=2)
def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i, n):
            s = s + np.sum(np.sin(x * (i + 1)) * (j - i))
    return s


@case(lambda rng: [float(rng.uniform(1.5, 3.0))], order=2)
def newton_sqrt(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 and k < 50:
        x = 0.5 * (x + a / x)
        k = k + 1
    return x


@case(lambda rng: [float(rng.uniform(0.5, 1.5)), 9], order=2)
def break_continue(x, n):
    s = x
    for i in range(n):
        if i % 3 == 0:
            continue
        s = s * 1.1 + np.cos(s)
        if s > 100.0:
            break
    return s


@case(lambda rng: [float(rng.uniform(0.5, 1.5))])
def early_return_in_loop(x):
    y = x
    for i in range(20):
        y = y * 1.5
        if y > 3.0:
            return y * i
    return -y


@case(lambda rng: [float(v) for v in rng.uniform(-1.0, 1.0, size=2)], wrts=(0, 1))
def early_return_branches(x, y):
    if x > 0 and y > 0:
        return x * y
    elif x > 0:
        z = x - y
        return z**2
    w = np.sin(x) + y
    return w * 2.0


@case(lambda rng: [rng.standard_normal(5)], order=2)
def branch_on_values(x):
    total = 0.0
    for i in range(5):
        v = np.sum(x * x) * (i - 2) + np.sum(x)
        total = total + (v if v > 0 else -v * 0.5)
    return total


@case(lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal(3)], wrts=(0, 1))
def loop_over_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w)
    return s


@case(lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3))], wrts=(0, 1))
def enumerate_zip_reversed(A, B):
    s = 0.0
    for i, a in enumerate(A):
        s = s + np.sum(a * a) * i
    for a, b in zip(A, B):
        s = s + np.sum(a * b)
    for b in reversed(B):
        s = s * 0.5 + np.sum(np.sin(b))
    for i in reversed(range(1, 3)):
        s = s + i * np.sum(A)
    return s


@case(lambda rng: [rng.standard_normal(3), 6])
def loop_carried_array(x, n):
    h = x
    acc = np.zeros_like(x)
    for _ in range(n):
        h = np.tanh(h * 0.9 + 0.1)
        acc = acc + h
    return acc


@case(lambda rng: [float(rng.uniform(0.5, 1.0))], order=2)
def conditional_expression(x):
    y = x * 2 if x > 0.75 else x**3
    return y + (np.sin(y) if y < 1.0 else np.cos(y))


@case(lambda rng: [float(rng.uniform(0.1, 0.3)), float(rng.uniform(0.5, 1.0))], wrts=(0, 1))
def euler_ode(k, y0):
    y = y0
    v = 0.0
    dt = 0.01
    for _ in range(200):
        a = -k * y - 0.1 * v
        y = y + dt * v
        v = v + dt * a
    return y * y + v


# ------------------------------------------------------------- calls to user code


def _layer(W, x, b):
    return np.tanh(W @ x + b)


def _split(x):
    return x * 2.0, np.sin(x)


def _power(x, n):
    if n == 0:
        return 1.0
    return x * _power(x, n - 1)


def _scaled(x, scale=3.0):
    return x * scale


@case(
    lambda rng: [rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)],
    wrts=(0, 1, 2, (0, 2)),
    order=2,
)
def calls_helpers(W, x, b):
    h = _layer(W, x, b)
    h = _layer(W, h, b)
    a, c = _split(h)
    return np.sum(a * c) + _power(np.sum(x), 3) + np.sum(_scaled(x)) + _scaled(1.0, scale=np.sum(b))


@case(lambda rng: [float(rng.uniform(0.5, 1.5)), 5], order=2)
def recursion_bounded(x, n):
    return _power(x, n) + _power(np.sin(x), 2)


@case(lambda rng: [rng.standard_normal(4)])
def helper_in_loop(x):
    s = 0.0
    for i in range(3):
        a, c = _split(x * i)
        s = s + np.sum(a * c)
    return s


# ------------------------------------------------ array methods and attributes


@case(lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal(4)], wrts=(0, 1), order=2)
def array_methods(A, v):
    B = A.copy().astype(float)
    s = B.sum() + B.mean() + B.sum(axis=0).dot(v)
    r = A.reshape(2, 6).T.reshape((12,))
    n = A.shape[0] * A.ndim + A.size + len(v) + len(A)
    return s * r.dot(r) / n + A.dot(v).sum() + v.dot(v) * A.shape[1]


# ---------------------------------------------------------------- indexing


@case(lambda rng: [rng.standard_normal(6)], order=2)
def index_basic(x):
    return x[0] * x[-1] + np.sum(x[1:4] ** 2) + np.sum(x[::-2] * x[:3]) + x[-2:].sum()


@case(lambda rng: [rng.standard_normal(7), 2], wrts=(0,))
def index_runtime_bounds(x, i):
    n = x.shape[0]
    return np.sum(x[i : i + 2] ** 2) + x[i] * x[n - 1] + np.sum(x[i::-1]) + x[len(x) - i]


@case(lambda rng: [rng.standard_normal((3, 4, 2))], order=2)
def index_multi(A):
    a = A[1, 2, 0] + np.sum(A[:, 1]) + np.sum(A[..., 1] ** 2)
    b = np.sum(A[None, 0] * A[1]) + np.sum(A[1:, ::-1, None] ** 3)
    c = np.sum(A[:, np.newaxis, 1:3, ...])
    return a + b * c


@case(lambda rng: [rng.standard_normal(5)], order=2)
def index_int_arrays(x):
    idx = [0, 3, 3, 1, 3]
    return np.sum(x[idx] ** 2) + np.sum(x[[4, 4]] * x[[0, 1]])


@case(lambda rng: [rng.standard_normal((4, 3)), np.array([2, 0, 2])], wrts=(0,))
def index_array_argument(A, rows):
    return np.sum(A[rows] ** 2) + np.sum(A[rows, [0, 1, 2]]) + np.sum(A[1:, rows] ** 3)


@case(lambda rng: [rng.standard_normal((4, 3))])
def index_masks(A):
    pos = A > 0
    return np.sum(A[pos] ** 2) + np.sum(A[A[:, 0] < 0.5] * 3) + np.sum(A[:, [True, False, True]])


@case(lambda rng: [rng.standard_normal((3, 4))])
def index_tuples(A):
    ij = (1, 2)
    rows = slice(0, 2)
    k = A.shape[1] - 1
    return A[ij] + np.sum(A[rows, k]) + np.sum(A[(0, slice(None))] ** 2) + A[A.shape[0] - 1, k]


# ------------------------------------------------------------------- writes


@case(
    lambda rng: [rng.standard_normal(5), float(rng.standard_normal())], wrts=(0, 1, (0, 1)), order=2
)
def write_basic(x, s):
    y = x.copy()
    y[0] = s * x[1]
    y[2:4] = x[:2] ** 2
    y[-1] += s**2
    y[1] *= x[4]
    return np.sum(y * x)


@case(lambda rng: [rng.standard_normal((3, 4)), rng.standard_normal(3)], wrts=(0, 1))
def write_columns_masks(A, v):
    B = A.copy()
    B[:, 1] = v * 2
    B[1, :] += A[0] ** 2
    B[B > 0.3] = 0.5
    B[A < -0.5] *= v[0]
    return B * A


@case(lambda rng: [rng.standard_normal(4)], order=2)
def write_twice_read_after(x):
    y = x * 1.0
    a = y[0]
    y[0] = x[1] ** 2
    b = y[0]
    y[0] = x[2] * b
    y[0] += a
    return np.sum(y**2) + a * b


@case(lambda rng: [rng.standard_normal(5), rng.standard_normal(3)], wrts=(0, 1))
def write_repeated_indices(x, v):
    y = x.copy()
    y[[0, 2, 0]] = v
    y[[1, 1]] += v[:2] * 3
    return y * x


@case(lambda rng: [rng.standard_normal(4)])
def write_aliases_maybe_numbers(x):
    y = x * 1.0
    z = y
    z += x  # in place: y is an array
    y[0] = 5.0 * x[1]
    s = x[2] * 1.0
    t = s
    t *= 3.0  # a number: s keeps its value
    w = y[1]
    y[1] = s * t
    return z * x + w * s


@case(lambda rng: [rng.standard_normal(4)])
def write_aliases(x):
    y = x.copy()
    z = y
    y[0] = 10.0 * x[3]
    z[1] = x[0] ** 2
    y *= 2
    z += x
    pair = (y, z)
    y[2] = -x[2]
    return pair[0] * pair[1] * x


@case(lambda rng: [rng.standard_normal((3, 3))], order=2)
def write_through_views(A):
    B = A.copy()
    top = B[:2]
    col = B[:, 0]
    T = B.T
    top[0, 1] = A[2, 2] ** 2
    B[2, 0] = A[0, 0] * 3
    T[2, 1] = A[1, 1]
    B[0][2] = A[1, 0] ** 2
    col += 1.0
    return np.sum(top * col[:2, None]) + np.sum(T * A) + np.sum(B)


@case(lambda rng: [rng.standard_normal(4)])
def write_zeros_like(x):
    y = np.zeros_like(x)
    y[0] = x[0] ** 2
    y[1] = x[1] * x[0]
    y[2] = np.sin(x[2])
    y[3] = y[0] + y[2]
    return y


@case(lambda rng: [rng.standard_normal(3)])
def write_parameter(x):
    x = x * 1.0
    x[1] = x[0] * x[2]
    x /= 2.0
    return x


# ---------------------------------------------------------- builtins, math


@case(
    lambda rng: [float(rng.uniform(0.5, 1.5)), float(rng.uniform(0.5, 1.5))],
    wrts=(0, 1, (0, 1)),
    order=2,
)
def math_more(x, y):
    a = math.log(x, 2) + math.log(y, x) + math.log10(x) + math.log2(y) + math.pow(x, y)
    b = math.hypot(x, y) + math.hypot(x, y, 0.5) + math.atan2(y, x) + math.atan2(-y, -x)
    c = math.degrees(x) * math.radians(y) + math.fabs(x - 3.0) + math.tanh(y)
    return a * b + c


@case(
    lambda rng: [float(rng.uniform(0.5, 1.5)), float(rng.uniform(-1.5, -0.5))], wrts=(0, 1, (0, 1))
)
def builtins_scalars(x, y):
    a = max(x, y) + max(x * y, y, -3.0) + min(x, y, 0.0) + min((x, y * 2))
    b = sum([x, y, x * y]) + sum((x, y), 1.0) + abs(y) + pow(x, 2) + float(x) * int(3.7)
    n = len((x, y)) + len([1, 2, 3]) + int(x > 0)
    return a * b / n


@case(lambda rng: [rng.standard_normal((2, 3))])
def builtins_arrays(A):
    rows = [A[0], A[1] ** 2]
    total = sum(rows) + sum(A)
    m = max(A[0, 1], A[1, 2], 0.1)
    return total * m + np.sum(np.hypot(A[0], A[1])) + np.sum(np.arctan2(A[0], A[1]))


@case(lambda rng: [rng.standard_normal(4), rng.standard_normal(4)], wrts=(0, 1))
def tuple_unpacking(x, y):
    a, b = x, y
    b, a = a * 2, b
    (c, d), e = (a, b), a.shape
    first, *rest = [x, y, x * y]
    (n,) = x.shape
    r0, r1 = np.reshape(x, (2, 2))
    return np.sum(c * d) * e[0] + np.sum(rest[1] * first) / n + np.sum(r0 * r1)


@case(lambda rng: [rng.standard_normal(3)])
def nested_tuple_result(x):
    return x**2, (np.sum(x), [np.sin(x), x[0]]), {"k": x * 3, "j": [x[1]]}


@case(lambda rng: [rng.standard_normal(5), 3], wrts=(0,))
def ranges_and_lengths(x, n):
    r = range(1, n)
    return np.sum(x[r] ** 2) * len(range(n)) + np.sum(x[range(n)]) * len(r)


# --------------------------------------------------------------- writes in loops


@case(lambda rng: [rng.standard_normal(5)], order=2)
def fill_in_loop(x):
    y = np.zeros_like(x)
    for i in range(len(x)):
        y[i] = x[i] ** 2
    return np.sum(y * x)


@case(lambda rng: [rng.standard_normal(5)])
def write_alias_in_loop(x):
    y = x.copy()
    z = y
    for i in range(3):
        y[i] = y[i] * 2.0 + x[i + 1]
    return np.sum(z**2)


@case(lambda rng: [rng.standard_normal(4)])
def write_in_branch_in_loop(x):
    y = x * 1.0
    for i in range(4):
        if x[i] > 0:
            y[i] = np.sin(x[i])
        else:
            y[i] += 1.0
    return np.sum(y**2)


# ------------------------------------------------------------ builtins and logic


@case(lambda rng: [rng.standard_normal(4).reshape(2, 2), 3], wrts=(0,))
def builtins_and_logic(x, n):
    k = math.floor(n * 1.5) + math.ceil(n / 2) + math.trunc(n) + round(n * 0.7)
    flag = bool(n) and not (n > 10 or n < -10)
    y = x.flatten() * k
    if flag:
        y = y * adgen.stop_gradient(n * 0.5)
    return np.sum(y**2)


# ------------------------------------------------------- nested defs and lambdas


@case(
    lambda rng: [rng.standard_normal(3), np.array([0.5, -1.0, 2.0])], wrts=(0, 1, (0, 1)), order=2
)
def nested_def_and_lambda(x, w):
    scale = 2.0
    sq = lambda v: v * v * scale  # noqa: E731

    def layer(h, k=1.0):
        a = np.tanh(h * w + k)
        if np.sum(a) > 0:
            return a * 2.0
        return a

    h = layer(x)
    for _ in range(2):
        h = layer(h, k=0.5)
    return np.sum(sq(h)) + sq(1.5)


@case(lambda rng: [rng.standard_normal(6), 0.3], wrts=(0, 1, (0, 1)), order=2)
def smoothing_filter(x, w):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = w * y[i - 1] + (1.0 - w) * x[i]
    return np.sum(y[1:] ** 2)


# ---------------------------------------- everyday Python: lists, comprehensions, loops


@case(lambda rng: [rng.standard_normal(3), 0.7], wrts=(0, 1, (0, 1)), order=2)
def list_append_loop(x, w):
    xs = []
    for i in range(4):
        x = np.sin(x) * w + 0.1 * i
        xs.append(x)
    return np.sum(np.stack(xs) ** 2)


@case(lambda rng: [rng.standard_normal(4), rng.standard_normal(4)], wrts=(0, 1, (0, 1)), order=2)
def comprehension_sum(w, x):
    n = len(x)
    return sum(w[i] * x[i] ** 2 for i in range(n))


@case(
    lambda rng: [rng.standard_normal((3, 3)) * 0.5, rng.standard_normal((4, 3))],
    wrts=(0, 1),
    order=2,
)
def comprehension_rows(W, H):
    ys = [np.tanh(W @ h) for h in H]
    zs = [y * k for k, y in enumerate(ys) if k != 1]
    return np.sum(np.array(zs)) + sum([np.sum(y) for y in reversed(ys)])


@case(lambda rng: [rng.standard_normal(3), rng.standard_normal(3)], wrts=(0, 1), order=2)
def comprehension_nested(a, b):
    m = [[a[i] * b[j] for j in range(3) if j >= i] for i in range(3)]
    rows = [sum(r) for r in m]
    pairs = [u * v for u, v in zip(a, b)]
    huge = any(abs(v) > 1e300 for v in pairs)
    finite = all(v == v for v in pairs) and not huge
    return math.fsum(rows) + max(pairs) + min(pairs) + float(finite)


@case(lambda rng: [rng.standard_normal(3), float(rng.uniform(0.5, 1.0))], wrts=(0, 1), order=2)
def list_methods(x, s):
    xs = [x, 2.0 * x]
    xs.append(x * s)
    xs.insert(1, np.sin(x))
    xs.extend([x**2])
    xs += [s * x[0] * np.ones(3)]
    last = xs.pop()
    first = xs.pop(0)
    ys = xs[1:] + [last]
    return np.sum(np.vstack(ys)) + np.sum(first * xs[-1]) + len(ys) * s


@case(lambda rng: [rng.standard_normal(3), 0.9], wrts=(0, 1), order=2)
def list_methods_in_loop(x, s):
    xs = [x]
    for i in range(3):
        xs.insert(0, xs[-1] * s)
        xs.append(np.cos(xs[0]))
        if i == 1:
            y = xs.pop(1)
            xs.append(y * y)
    total = 0.0
    for v in xs:
        total = total + np.sum(v * v)
    return total + np.sum(np.concatenate(xs[:2])) + np.sum(np.hstack(xs[2:]))


@case(lambda rng: [rng.standard_normal(3)], order=2)
def list_aliasing(x):
    xs = [x]
    ys = xs
    ys.append(x * 2.0)
    for _ in range(3):
        zs = ys
        zs.append(xs[-1] * 0.5 + np.sin(xs[0]))
    return np.sum(np.stack(xs)) + float(len(xs))


@case(lambda rng: [rng.standard_normal(3), 0.5], wrts=(0, 1), order=2)
def list_grown_in_branches_and_while(x, c):
    xs = []
    if c > 0:
        xs.append(x * c)
    else:
        xs.append(x)
        xs.append(-x)
    k = 0
    while True:
        xs.append(np.tanh(xs[-1]) + c)
        k += 1
        if k >= 3:
            break
    xs[0] = xs[0] * 2.0
    return np.sum(np.array(xs) ** 2) + sum([np.sum(v) for v in xs[::2]])


@case(lambda rng: [rng.standard_normal(3), 0.5], wrts=(0, 1), order=2)
def loops_with_else(x, t):
    for v in x:
        if v > 10.0:
            break
    else:
        x = x * t
    n = 0
    while n < 3:
        x = np.sin(x) + t
        n += 1
    else:
        x = x * 2.0
    for i in range(3):
        for j in range(2):
            if j == 1:
                x = x + t * i
    return np.sum(x**2)


LOG = logging.getLogger("adgen.tests.catalog")


@case(lambda rng: [rng.standard_normal(3)])
def effects_do_not_change_values(x):
    print("x =", x, sep=" ")
    assert x.shape == (3,), f"x has shape {x.shape}, not (3,)"
    s = np.sum(x**2)
    if s < 0:
        raise ValueError("a sum of squares is never negative: {}".format(s))  # noqa: UP032
    if s > 1e300:
        warnings.warn("s is " + str(s) + ", x is " + repr(x), RuntimeWarning)  # noqa: B028
    logging.debug("s = %s", s)
    LOG.debug(f"{s:.3f}")
    return s * 2.0


def _lstm_params(rng: np.random.Generator) -> list[Any]:
    h = 4
    return [
        rng.standard_normal((4 * h, 2 * h)) * 0.3,
        rng.standard_normal(4 * h) * 0.1,
        rng.standard_normal((5, h)),
    ]


@case(_lstm_params, wrts=(0, 1, (0, 1)))
def lstm_objective(W, b, xs):
    """GradBench-style LSTM: a loop that appends hidden states, then np.stack."""
    n = xs.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    hidden = []
    for x in xs:
        z = W @ np.concatenate([x, h]) + b
        i = 1.0 / (1.0 + np.exp(-z[:n]))
        f = 1.0 / (1.0 + np.exp(-z[n : 2 * n]))
        o = 1.0 / (1.0 + np.exp(-z[2 * n : 3 * n]))
        g = np.tanh(z[3 * n :])
        c = f * c + i * g
        h = o * np.tanh(c)
        hidden.append(h)
    H = np.stack(hidden)
    pred = H[:-1]
    return np.sum((pred - xs[1:]) ** 2) / len(hidden)


@case(lambda rng: [rng.standard_normal(3), 3], wrts=(0,), order=2)
def loop_variables_after_the_loop(x, n):
    for i in range(n):
        y = np.sin(x) * (i + 1)
        x = x + 0.5 * y
    for row in np.stack([x, 2.0 * x]):
        last = row
    return np.sum(x * y) + i + np.sum(last)


import catalog_everyday  # noqa: E402,F401  (registers its cases)
import catalog_pytrees  # noqa: E402,F401  (registers its cases)
