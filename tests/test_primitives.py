"""Every primitive in the table, in both modes, against finite differences.

Each :class:`Check` is a small function that reaches one or more primitives
the way user code does (``np.sum(x, axis=1)``, ``x.max()``, ``a @ b``), an
input builder, the arguments to differentiate with respect to, and the
derivative order. The checks are built by the generators below from tables of
primitives crossed with shapes (scalars, vectors, matrices, broadcasting
pairs) and attributes (every axis and keepdims). Second-order checks use a
scalar function of the primitive's result (``np.sum(np.sin(f(x)))``), so
that the Hessian exercises the derivative rules of the primitives the rules
themselves use.

``test_every_primitive_is_checked`` fails if a primitive in
``adgen.primitives.PRIMITIVES`` appears in no check's lowered IR.
"""

from __future__ import annotations

import importlib.util
import math
import operator
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import adgen
from adgen import runtime
from adgen.ir import walk
from adgen.pipeline import lower
from adgen.primitives import PRIMITIVES
from adgen.primitives.core import load_deferred
from adgen.testing import check_grads

HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
if HAVE_SCIPY:
    import scipy.special

    load_deferred(force=True)

Maker = Callable[[np.random.Generator], list[Any]]


@dataclass(frozen=True)
class Check:
    """``f(*make(rng))`` differentiated with respect to each entry of ``wrts``."""

    name: str
    f: Callable[..., Any]
    make: Maker
    wrts: tuple[Any, ...] = (0,)
    order: int = 1
    rtol: float = 1e-5


CHECKS: list[Check] = []


def add(
    name: str,
    f: Callable[..., Any],
    make: Maker,
    wrts: tuple[Any, ...] = (0,),
    order: int = 1,
    rtol: float = 1e-5,
) -> None:
    CHECKS.append(Check(name, f, make, wrts, order, rtol))


# ------------------------------------------------------------------ inputs


def normal(*shape: int) -> Callable[[np.random.Generator], Any]:
    """Standard normal values of ``shape``; a Python float for no shape."""
    return lambda rng: rng.standard_normal(shape) if shape else float(rng.standard_normal())


def uniform(lo: float, hi: float, *shape: int) -> Callable[[np.random.Generator], Any]:
    return lambda rng: rng.uniform(lo, hi, shape) if shape else float(rng.uniform(lo, hi))


def spd(n: int, batch: tuple[int, ...] = ()) -> Callable[[np.random.Generator], Any]:
    """A well-conditioned symmetric positive definite matrix (or stack of them)."""

    def make(rng: np.random.Generator) -> Any:
        m = rng.standard_normal(batch + (n, n))
        return m @ np.swapaxes(m, -1, -2) / n + np.eye(n)

    return make


def square(n: int, batch: tuple[int, ...] = ()) -> Callable[[np.random.Generator], Any]:
    """A well-conditioned square matrix (or stack of them)."""
    return lambda rng: rng.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def args(*makers: Callable[[np.random.Generator], Any]) -> Maker:
    return lambda rng: [m(rng) for m in makers]


def shape_name(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) or "scalar"


def name_of(fn: Any) -> str:
    """A short name for a callable in test ids: ``sin``, ``math.sin``, ``operator.add``."""
    module = getattr(fn, "__module__", None) or ""
    prefix = {"math": "math.", "_operator": "operator.", "builtins": "builtins."}.get(module, "")
    return prefix + getattr(fn, "__name__", type(fn).__name__)


def each(*cases: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Call the decorated check builder once per case.

    Each call is a scope of its own, so the functions a builder defines keep
    that case's values (closures in a plain loop would all see the last one).
    """

    def run(build: Callable[..., None]) -> Callable[..., None]:
        for case in cases:
            build(*case)
        return build

    return run


# -------------------------------------------------------- elementwise, unary

SHAPES = [(), (4,), (2, 3)]
MATH_EXP2 = (math.exp2,) if hasattr(math, "exp2") else ()
MATH_CBRT = (math.cbrt,) if hasattr(math, "cbrt") else ()

UNARY: list[tuple[tuple[Any, ...], float, float]] = [
    ((np.sin, math.sin), -2, 2),
    ((np.cos, math.cos), -2, 2),
    ((np.tan, math.tan), -1, 1),
    ((np.arcsin, math.asin), -0.9, 0.9),
    ((np.arccos, math.acos), -0.9, 0.9),
    ((np.arctan, math.atan), -2, 2),
    ((np.sinh, math.sinh), -2, 2),
    ((np.cosh, math.cosh), -2, 2),
    ((np.tanh, math.tanh), -2, 2),
    ((np.arcsinh, math.asinh), -2, 2),
    ((np.arccosh, math.acosh), 1.2, 3),
    ((np.arctanh, math.atanh), -0.8, 0.8),
    ((np.deg2rad, np.radians, math.radians), -90, 90),
    ((np.rad2deg, np.degrees, math.degrees), -2, 2),
    ((np.exp, math.exp), -2, 2),
    ((np.exp2, *MATH_EXP2), -2, 2),
    ((np.log, math.log), 0.5, 3),
    ((np.log2, math.log2), 0.5, 3),
    ((np.log10, math.log10), 0.5, 3),
    ((np.log1p, math.log1p), -0.5, 2),
    ((np.expm1, math.expm1), -2, 2),
    ((np.sqrt, math.sqrt), 0.5, 3),
    ((np.cbrt, *MATH_CBRT), 0.5, 3),
    ((np.square,), -2, 2),
    ((np.reciprocal,), 0.5, 3),
    ((np.abs, abs), -2, 2),  # np.absolute is np.abs
    ((np.fabs, math.fabs), -2, 2),
    ((np.sinc,), -2, 2),
    ((np.negative, operator.neg), -2, 2),
    ((np.positive, operator.pos), -2, 2),
]


def unary_checks(fn: Any, lo: float, hi: float, arrays: bool) -> None:
    """``fn(x)`` on scalars, vectors and matrices (scalars only unless ``arrays``)."""

    def f(x):
        return fn(x)

    def s(x):
        return np.sum(fn(x) * x)

    for shape in SHAPES if arrays else [()]:
        add(f"{name_of(fn)}-{shape_name(shape)}", f, args(uniform(lo, hi, *shape)))
    add(f"{name_of(fn)}-second", s, args(uniform(lo, hi, *((4,) if arrays else ()))), order=2)


each(
    *[
        (fn, lo, hi, not name_of(fn).startswith(("math.", "operator.", "builtins.")))
        for fns, lo, hi in UNARY
        for fn in fns
    ]
)(unary_checks)


def unary_operators(x):
    return -x + (+x) * 2.0


add("neg-pos-operators", unary_operators, args(normal(3)))


@each((np.floor,), (np.ceil,), (np.trunc,), (np.fix,), (np.rint,), (np.around,), (np.sign,))
def _piecewise(fn: Any) -> None:
    # Zero derivative: the function's value enters the result, its derivative does not.
    def f(x):
        return fn(x) * x + fn(x * 3.0)

    add(f"{name_of(fn)}-zero-derivative", f, args(uniform(-3, 3, 2, 3)))


def rounding(x):
    return np.round(x, decimals=1) * x + x.round(1) * x + np.round(x, 2)


add("round", rounding, args(uniform(-3, 3, 4)))


@each((np.isfinite,), (np.isnan,), (np.isinf,), (np.signbit,), (np.logical_not,))
def _tests(fn: Any) -> None:
    def f(x):
        return np.where(fn(x), x, 2.0 * x)

    add(f"{name_of(fn)}-condition", f, args(normal(2, 3)))


def math_tests(x):
    return x * math.isfinite(x) + x * math.isnan(x) + x * math.isinf(x)


add("math-tests", math_tests, args(normal()))


@each((np.logical_and,), (np.logical_or,), (np.logical_xor,))
def _logical(fn: Any) -> None:
    def f(x, y):
        return np.where(fn(x > 0, y > 0), x, y)

    add(f"{name_of(fn)}-condition", f, args(normal(2, 3), normal(3)), wrts=(0, 1))


# ------------------------------------------------------- elementwise, binary

PAIRS = [((), ()), ((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]

BINARY: list[tuple[tuple[Any, ...], tuple[float, float], tuple[float, float], bool]] = [
    # (callables, x domain, y domain, second order: smooth where checked)
    ((np.add, operator.add), (-2, 2), (-2, 2), True),
    ((np.subtract, operator.sub), (-2, 2), (-2, 2), True),
    ((np.multiply, operator.mul), (-2, 2), (-2, 2), True),
    ((np.divide, operator.truediv), (-2, 2), (0.5, 2), True),  # np.true_divide too
    ((np.power, operator.pow, pow), (0.5, 2), (-1.5, 1.5), True),
    ((np.float_power, math.pow), (0.5, 2), (-1.5, 1.5), True),
    ((np.hypot, math.hypot), (-2, 2), (0.5, 2), True),
    ((np.arctan2, math.atan2), (-2, 2), (0.5, 2), True),
    ((np.logaddexp,), (-2, 2), (-2, 2), True),
    ((np.logaddexp2,), (-2, 2), (-2, 2), True),
    ((np.maximum,), (-2, 2), (-2, 2), True),
    ((np.minimum,), (-2, 2), (-2, 2), True),
    ((np.fmax,), (-2, 2), (-2, 2), True),
    ((np.fmin,), (-2, 2), (-2, 2), True),
    ((np.remainder, operator.mod), (-3, 3), (0.7, 1.3), True),  # np.mod too
    ((np.fmod, math.fmod), (-3, 3), (0.7, 1.3), True),
]


def binary_checks(
    fn: Any, xd: tuple[float, float], yd: tuple[float, float], smooth: bool, arrays: bool
) -> None:
    """``fn(x, y)`` over broadcasting pairs of shapes (scalars only unless ``arrays``)."""

    def f(x, y):
        return fn(x, y)

    def s(x, y):
        return np.sum(fn(x, y) * x)

    for xs, ys in PAIRS if arrays else [((), ())]:
        add(
            f"{name_of(fn)}-{shape_name(xs)}-{shape_name(ys)}",
            f,
            args(uniform(*xd, *xs), uniform(*yd, *ys)),
            wrts=(0, 1, (0, 1)),
        )
    if smooth:
        shape = (2, 3) if arrays else ()
        add(
            f"{name_of(fn)}-second",
            s,
            args(uniform(*xd, *shape), uniform(*yd, *shape[1:])),
            wrts=(0, 1, (0, 1)),
            order=2,
        )


each(
    *[
        (fn, xd, yd, smooth, isinstance(fn, np.ufunc))
        for fns, xd, yd, smooth in BINARY
        for fn in fns
    ]
)(binary_checks)


def operators(x, y):
    return (x + y) * (x - y) / (y * y + 1.0) + x**2 + x % 1.5 - x // y


add("arithmetic-operators", operators, args(uniform(0.5, 2, 2, 3), uniform(0.5, 2, 3)), wrts=(0, 1))


def comparisons(x, y):
    a = np.where(x < y, x, y) + np.where(x <= y, y, x) + np.where(x > y, 1.0, x * y)
    b = np.where(x >= y, x, 0.0) + np.where(x == y, x, y) + np.where(x != y, x, y)
    c = np.where(np.less(x, y), x, y) * np.greater(x, y) + np.where(np.equal(x, 0), 0, x)
    d = x * np.not_equal(x, y) + y * np.less_equal(x, y) + x * np.greater_equal(x, y)
    return a + b + c + d + np.floor_divide(x, y) * y


add("comparisons", comparisons, args(normal(2, 3), normal(3)), wrts=(0, 1))


@each(((4,), (4,), (4,)), ((2, 3), (3,), ()), ((2, 1), (1, 3), (2, 3)))
def _where(cs: Any, xs: Any, ys: Any) -> None:
    def f(c, x, y):
        return np.where(c > 0, x, y)

    add(
        f"where-{shape_name(cs)}-{shape_name(xs)}-{shape_name(ys)}",
        f,
        args(normal(*cs), normal(*xs), normal(*ys)),
        wrts=(1, 2, (1, 2)),
    )


def bound(shape: Any, lo: float) -> Callable[[np.random.Generator], Any]:
    """A clip bound: None, a float or an array."""
    if shape is None:
        return lambda rng: None
    return uniform(lo, lo + 1.0, *shape)


@each(((6,), (), ()), ((2, 3), (3,), (2, 1)), ((4,), (4,), None), ((4,), None, ()))
def _clip(xs: Any, ls: Any, hs: Any) -> None:
    def f(x, lo, hi):
        return np.clip(x * 2.0, lo, hi)

    wrts = [0] + [i for i, sh in ((1, ls), (2, hs)) if sh is not None]
    add(
        f"clip-{shape_name(xs)}-{ls}-{hs}",
        f,
        args(normal(*xs), bound(ls, -1.5), bound(hs, 0.5)),
        wrts=tuple(wrts),
    )


def clip_method(x):
    return x.clip(-0.5, 0.5) * x


def clip_second(x, lo, hi):
    return np.sum(np.sin(np.clip(x, lo, hi)) * x)


add("clip-method", clip_method, args(normal(6)))
add(
    "clip-second",
    clip_second,
    args(normal(2, 3), uniform(-1.5, -0.5, 3), uniform(0.5, 1.5)),
    wrts=(0, 1, 2),
    order=2,
)


# ------------------------------------------------------------- reductions

AXES_2D = [None, 0, 1, -1, (0, 1)]
AXES_3D = [(0, 2), -2, (1,)]


def reduction_checks(
    label: str, fn: Any, make_2d: Any, make_3d: Any, ddof: int | None = None, smooth: bool = True
) -> None:
    """``fn(x, axis, keepdims)`` for every axis and keepdims, on matrices and 3-D arrays."""

    @each(
        *[(make_2d, axis, keep) for axis in AXES_2D for keep in (False, True)],
        *[(make_3d, axis, keep) for axis in AXES_3D for keep in (False, True)],
    )
    def _reduce(make: Any, axis: Any, keepdims: bool) -> None:
        def f(x):
            return fn(x, axis=axis, keepdims=keepdims)

        def f_ddof(x):
            return fn(x, axis=axis, keepdims=keepdims, ddof=ddof)

        add(f"{label}-axis{axis}-keep{keepdims}", f if ddof is None else f_ddof, args(make))

    @each(*[(axis,) for axis in (None, 1)] if smooth else [])
    def _second(axis: Any) -> None:
        def s(x):
            return np.sum(np.sin(fn(x, axis=axis)))

        def s_ddof(x):
            return np.sum(np.sin(fn(x, axis=axis, ddof=ddof)))

        add(f"{label}-axis{axis}-second", s if ddof is None else s_ddof, args(make_2d), order=2)


reduction_checks("sum", np.sum, normal(3, 4), normal(2, 3, 4))
reduction_checks("mean", np.mean, normal(3, 4), normal(2, 3, 4))
reduction_checks("prod", np.prod, uniform(0.5, 1.5, 3, 4), uniform(0.5, 1.5, 2, 3, 4))
reduction_checks("max", np.max, normal(3, 4), normal(2, 3, 4))
reduction_checks("amax", np.amax, normal(3, 4), normal(2, 3, 4), smooth=False)
reduction_checks("min", np.min, normal(3, 4), normal(2, 3, 4))
reduction_checks("amin", np.amin, normal(3, 4), normal(2, 3, 4), smooth=False)
for _ddof in (0, 1):
    reduction_checks(f"var-ddof{_ddof}", np.var, normal(3, 4), normal(2, 3, 4), _ddof)
    reduction_checks(f"std-ddof{_ddof}", np.std, normal(3, 4), normal(2, 3, 4), _ddof)


def reduction_methods(x):
    a = x.sum() + x.mean(axis=0).sum() + x.prod(axis=1).sum() + x.max() - x.min(axis=0).sum()
    return a + x.var(ddof=1) + x.std(axis=1).sum() + x.cumsum(axis=0).sum() + x.cumprod().sum()


add("reduction-methods", reduction_methods, args(uniform(0.5, 1.5, 3, 4)))


def max_of(x):
    return np.max(x)


def test_max_ties_share_the_gradient():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_allclose(adgen.grad(max_of)(x), [0, 0.5, 0.5, 0])


def prod_of(x):
    return np.prod(x)


def test_prod_gradient_is_exact_at_zeros():
    np.testing.assert_allclose(
        adgen.grad(prod_of)(np.array([2.0, 0.0, 3.0, 4.0])), [0.0, 24.0, 0.0, 0.0]
    )
    np.testing.assert_allclose(
        adgen.grad(prod_of)(np.array([2.0, 0.0, 0.0, 4.0])), [0.0, 0.0, 0.0, 0.0]
    )


@each(
    *[
        (label, fn, make, axis)
        for label, fn, make in [
            ("cumsum", np.cumsum, normal(3, 4)),
            ("cumprod", np.cumprod, uniform(0.5, 1.5, 3, 4)),
            ("sort", np.sort, normal(3, 4)),
        ]
        for axis in (None, 0, 1, -1)
    ]
)
def _scan(label: str, fn: Any, make: Any, axis: Any) -> None:
    def f(x):
        return fn(x, axis=axis)

    def s(x):
        return np.sum(np.sin(fn(x, axis=axis)))

    add(f"{label}-axis{axis}", f, args(make))
    add(f"{label}-axis{axis}-second", s, args(make), order=2)


def sort_default(x):
    return np.sort(x) * np.arange(4.0)


add("sort-default-axis", sort_default, args(normal(3, 4)))


def take_sorted(x, y):
    return np.take_along_axis(x, np.argsort(y, axis=1), axis=1)


def take_repeated(x, y):
    return np.take_along_axis(
        x, np.argmax(y, axis=0, keepdims=True) * np.ones((3, 4), int), axis=0
    ) + np.take_along_axis(x, np.zeros((3, 4), dtype=int), 0)


def take_flat(x, y):
    return np.take_along_axis(x, np.argsort(y, axis=None), axis=None)


def take_second(x, y):
    return np.sum(np.sin(np.take_along_axis(x, np.argsort(y), axis=-1)))


add("take_along_axis-argsort", take_sorted, args(normal(3, 4), normal(3, 4)))
add("take_along_axis-repeated", take_repeated, args(normal(3, 4), normal(3, 4)))
add("take_along_axis-flat", take_flat, args(normal(3, 4), normal(3, 4)))
add("take_along_axis-second", take_second, args(normal(3, 4), normal(3, 4)), order=2)


def index_functions(x):
    a = x * np.argmax(x) + x * np.argmin(x, axis=0) + x.argmax(axis=1, keepdims=True)
    b = x * x.argmin() + np.take_along_axis(x, x.argsort(axis=0), axis=0)
    c = (
        x * np.any(x > 0)
        + x * np.all(x > -5, axis=0)
        + x * x.any()
        + x * x.all(axis=1, keepdims=True)
    )
    return a + b + c + x * np.count_nonzero(x > 0, axis=1, keepdims=True)


add("argmax-argmin-argsort-any-all", index_functions, args(normal(3, 4)))

NORMS = [
    # (ord, axis, shape)
    (None, None, (5,)),
    (None, None, (3, 4)),
    (None, 0, (3, 4)),
    (None, 1, (3, 4)),
    (None, (0, 1), (3, 4)),
    (None, (1, 2), (2, 3, 4)),
    ("fro", None, (3, 4)),
    ("fro", (0, 1), (3, 4)),
    (2, 0, (3, 4)),
    (2, -1, (3, 4)),
    (1, 0, (3, 4)),
    (1, (1,), (3, 4)),
    (np.inf, 1, (3, 4)),
    (-np.inf, 1, (3, 4)),
    (3, 0, (3, 4)),
    (0.5, 1, (3, 4)),
    (2.5, -1, (2, 3, 4)),
]


@each(*NORMS)
def _norm(ord_: Any, axis: Any, shape: Any) -> None:
    def f(x):
        return np.linalg.norm(x, ord=ord_, axis=axis)

    def keep(x):
        return np.linalg.norm(x, ord=ord_, axis=axis, keepdims=True)

    def s(x):
        return np.sum(np.sin(np.linalg.norm(x, ord_, axis)))

    label = f"norm-ord{ord_}-axis{axis}-{shape_name(shape)}"
    add(label, f, args(normal(*shape)))
    add(label + "-keepdims", keep, args(normal(*shape)))
    if ord_ not in (np.inf, -np.inf):
        add(label + "-second", s, args(normal(*shape)), order=2)


def norm_zero(x):
    return np.linalg.norm(x, 0, 0) * x


def norm_default(x):
    return np.linalg.norm(x)


add("norm-ord0", norm_zero, args(normal(3, 4)))
add("norm-default", norm_default, args(normal(3, 4)), order=2)


def norm_without_axis(x):
    return np.linalg.norm(x, 1)


def test_matrix_norms_explain_what_to_do():
    with pytest.raises(adgen.DifferentiationError, match="give axis="):
        adgen.grad(norm_without_axis)(np.ones(3))


# ------------------------------------------------------------------ shapes


def pair(
    label: str,
    f: Callable[..., Any],
    s: Callable[..., Any] | None,
    make: Maker,
    wrts: tuple[Any, ...] = (0,),
) -> None:
    """A check of ``f``, and a second-order check of its scalar version ``s``."""
    add(label, f, make, wrts)
    if s is not None:
        add(label + "-second", s, make, wrts, order=2)


def weights(shape: Any) -> np.ndarray:
    """Distinct weights for the elements of a result, so that permutations show."""
    return np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)


@each(((6,),), ((2, 3),))
def _reshape(shape: Any) -> None:
    def f(x):
        return np.reshape(x, (3, 2)) + x.reshape(3, 2) + x.reshape((1, 6)).reshape(3, 2)

    w = weights((3, 2))

    def s(x):
        return np.sum(np.sin(np.reshape(x, (3, 2))) * w)

    pair(f"reshape-{shape_name(shape)}", f, s, args(normal(*shape)))


def ravel(x):
    return np.ravel(x) * 2.0 + x.ravel() + x.flatten()


def ravel_second(x):
    return np.sum(np.sin(np.ravel(x)) * x.flatten())


pair("ravel-flatten", ravel, ravel_second, args(normal(2, 3)))


@each((None,), ((1, 0, 2),), ((2, 0, 1),))
def _transpose(axes: Any) -> None:
    def f(x):
        return np.transpose(x, axes)

    w = weights(np.transpose(np.empty((2, 3, 4)), axes).shape)

    def s(x):
        return np.sum(np.sin(np.transpose(x, axes)) * w)

    pair(f"transpose-{axes}", f, s, args(normal(2, 3, 4)))


def transpose_forms(x):
    return x.T + x.transpose() + x.transpose(1, 0) + np.transpose(x)


add("transpose-forms", transpose_forms, args(normal(3, 3)))


@each((0, 1), (0, 2), (-1, 0))
def _swapaxes(a1: int, a2: int) -> None:
    def f(x):
        return np.swapaxes(x, a1, a2) + x.swapaxes(a1, a2)

    w = weights((2, 2, 2))

    def s(x):
        return np.sum(np.sin(np.swapaxes(x, a1, a2)) * w)

    pair(f"swapaxes-{a1}-{a2}", f, s, args(normal(2, 2, 2)))


@each((0, -1), (2, 0), ((0, 1), (2, 0)))
def _moveaxis(src: Any, dst: Any) -> None:
    def f(x):
        return np.moveaxis(x, src, dst)

    w = weights(np.moveaxis(np.empty((2, 3, 4)), src, dst).shape)

    def s(x):
        return np.sum(np.sin(np.moveaxis(x, src, dst)) * w)

    pair(f"moveaxis-{src}-{dst}", f, s, args(normal(2, 3, 4)))


@each((0,), (-1,), ((0, 2),))
def _expand_dims(axis: Any) -> None:
    def f(x):
        return np.expand_dims(x, axis)

    def s(x):
        return np.sum(np.sin(np.expand_dims(x, axis)) ** 2)

    pair(f"expand_dims-{axis}", f, s, args(normal(2, 3)))


@each((None,), (1,), ((0, 3),))
def _squeeze(axis: Any) -> None:
    def f(x):
        return np.squeeze(x, axis) + x.squeeze(axis)

    def s(x):
        return np.sum(np.sin(np.squeeze(x, axis)))

    pair(f"squeeze-{axis}", f, s, args(normal(1, 1, 3, 1)))


@each(((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3,)))
def _broadcast_to(shape: Any, target: Any) -> None:
    def f(x):
        return np.broadcast_to(x, target) * 1.0

    w = weights(target)

    def s(x):
        return np.sum(np.sin(np.broadcast_to(x, target)) * w)

    pair(f"broadcast_to-{shape_name(shape)}", f, s, args(normal(*shape)))


@each((None,), (0,), (1,), ((0, 1),))
def _flip(axis: Any) -> None:
    def f(x):
        return np.flip(x, axis)

    w = weights((2, 3))

    def s(x):
        return np.sum(np.sin(np.flip(x, axis)) * w)

    pair(f"flip-{axis}", f, s, args(normal(2, 3)))


def lr_ud(x):
    return np.fliplr(x) * 2.0 + np.flipud(x)


def lr_ud_second(x):
    return np.sum(np.sin(np.fliplr(x)) * x + np.cos(np.flipud(x)) * x)


pair("fliplr-flipud", lr_ud, lr_ud_second, args(normal(2, 3)))


@each((0,), (1,), (-1,))
def _triangles(k: int) -> None:
    def f(x):
        return np.triu(x, k) + 2.0 * np.tril(x, k=k)

    def s(x):
        return np.sum(np.sin(np.triu(x, k)) * x + np.sin(np.tril(x, k)))

    pair(f"triu-tril-{k}", f, s, args(normal(3, 4)))


def triangles_of_a_stack(x):
    return np.triu(x) + np.tril(x, -1) * 3.0


add("triu-tril-stack", triangles_of_a_stack, args(normal(2, 3, 3)))


@each((1, None), (-2, 0), ((1, -1), (0, 1)))
def _roll(shift: Any, axis: Any) -> None:
    def f(x):
        return np.roll(x, shift, axis=axis)

    def s(x):
        return np.sum(np.sin(np.roll(x, shift, axis)) * x)

    pair(f"roll-{shift}-{axis}", f, s, args(normal(2, 3)))


@each(((3,), 2), ((3,), (2, 2)), ((2, 3), (2, 1)), ((2, 3), (1, 2, 2)))
def _tile(shape: Any, reps: Any) -> None:
    def f(x):
        return np.tile(x, reps)

    w = weights(np.tile(np.empty(shape), reps).shape)

    def s(x):
        return np.sum(np.sin(np.tile(x, reps)) * w)

    pair(f"tile-{shape_name(shape)}-{reps}", f, s, args(normal(*shape)))


@each(
    ((4,), 2, None), ((2, 3), 2, 1), ((2, 3), (1, 0, 3), 1), ((2, 3), 3, None), ((2, 3), (2, 1), 0)
)
def _repeat(shape: Any, repeats: Any, axis: Any) -> None:
    def f(x):
        return np.repeat(x, repeats, axis=axis)

    def s(x):
        return np.sum(np.sin(np.repeat(x, repeats, axis)) * np.repeat(x, repeats, axis))

    pair(f"repeat-{shape_name(shape)}-{repeats}-{axis}", f, s, args(normal(*shape)))


def repeat_method(x):
    return x.repeat(2, axis=0)


add("repeat-method", repeat_method, args(normal(2, 3)))


@each(((3,), 0), ((3,), 1), ((3,), -2), ((3, 3), 0), ((3, 4), 1), ((4, 3), -1))
def _diag(shape: Any, k: int) -> None:
    def f(x):
        return np.diag(x, k)

    def s(x):
        return np.sum(np.sin(np.diag(x, k=k)) * np.sum(x))

    pair(f"diag-{shape_name(shape)}-{k}", f, s, args(normal(*shape)))


@each(((3, 4), 0, 0, 1), ((4, 3), 1, 0, 1), ((2, 3, 4), 0, 1, 2), ((3, 2, 4), -1, 2, 0))
def _diagonal(shape: Any, offset: int, axis1: int, axis2: int) -> None:
    def f(x):
        return np.diagonal(x, offset, axis1, axis2) + x.diagonal(offset, axis1, axis2)

    def s(x):
        return np.sum(np.sin(np.diagonal(x, offset, axis1, axis2)) ** 2)

    pair(f"diagonal-{shape_name(shape)}-{offset}-{axis1}-{axis2}", f, s, args(normal(*shape)))


@each(((3,), 2), ((3,), (1, 2)), ((2, 3), ((1, 0), (0, 2))), ((2, 3), ((1, 1),)))
def _pad(shape: Any, width: Any) -> None:
    def f(x):
        return np.pad(x, width)

    def s(x):
        return np.sum(np.sin(np.pad(x, width, mode="constant")) ** 2)

    pair(f"pad-{shape_name(shape)}-{width}", f, s, args(normal(*shape)))


def pad_values(x):
    return np.pad(x, 1, constant_values=2.0) * 3.0


add("pad-constant-values", pad_values, args(normal(2, 3)))


def pad_reflect(x):
    return np.sum(np.pad(x, 1, mode="reflect"))


def test_pad_modes_other_than_constant_are_refused():
    with pytest.raises(adgen.DifferentiationError, match="mode='constant'"):
        adgen.grad(pad_reflect)(np.ones(3))


# ------------------------------------------------------------------- joins

WRT_BOTH = (0, 1, (0, 1))


@each((0, (2, 3), (1, 3)), (1, (2, 1), (2, 3)), (-1, (2, 2), (2, 1)), (None, (2, 3), (4,)))
def _concatenate(axis: Any, xs: Any, ys: Any) -> None:
    def f(x, y):
        return np.concatenate((x, y), axis=axis)

    def s(x, y):
        return np.sum(np.sin(np.concatenate([x, y], axis)) ** 2)

    pair(f"concatenate-{axis}", f, s, args(normal(*xs), normal(*ys)), WRT_BOTH)


def concatenate_three(x, y):
    return np.concatenate([x, y, x * 2.0])


add("concatenate-three", concatenate_three, args(normal(2), normal(3)), WRT_BOTH)


@each((0,), (1,), (-1,))
def _stack(axis: int) -> None:
    def f(x, y):
        return np.stack([x, y, x + y], axis=axis)

    def s(x, y):
        return np.sum(np.sin(np.stack([x, y], axis)) ** 2)

    pair(f"stack-{axis}", f, s, args(normal(2, 3), normal(2, 3)), WRT_BOTH)


@each(
    *[
        (kind, shape)
        for kind in (np.hstack, np.vstack, np.dstack, np.column_stack)
        for shape in ((3,), (2, 3))
    ]
)
def _join(kind: Any, shape: Any) -> None:
    def f(x, y):
        return kind([x, y])

    def s(x, y):
        return np.sum(np.sin(kind([x, 2.0 * y])) ** 2)

    pair(
        f"{name_of(kind)}-{shape_name(shape)}", f, s, args(normal(*shape), normal(*shape)), WRT_BOTH
    )


def hstack_mixed(x, y):
    return np.hstack([x, y])


add("hstack-mixed", hstack_mixed, args(normal(2, 1), normal(2, 3)), WRT_BOTH)


def array_of_scalars(x, y):
    return np.array([x, y, x * y, 1.0])


def array_of_scalars_second(x, y):
    return np.sum(np.sin(np.array([x, y * x, 2.0])) ** 2)


pair("array-scalars", array_of_scalars, array_of_scalars_second, args(normal(), normal()), WRT_BOTH)


def array_of_arrays(x, y):
    return np.array([x, y]) + np.asarray([y, x]) + np.array([x, y], dtype=float)


def array_of_arrays_second(x, y):
    return np.sum(np.sin(np.array([x, y])) * np.asarray((y, x)))


pair("array-arrays", array_of_arrays, array_of_arrays_second, args(normal(3), normal(3)), WRT_BOTH)


def array_nested(x, y):
    return np.array([[x, y], [y, 2.0]])


add("array-nested", array_nested, args(normal(), normal()), WRT_BOTH)


def list_literals(x, y):
    return np.sum([x, y]) * np.mean([x * y, x], axis=0)


add("list-literal", list_literals, args(normal(3), normal(3)), WRT_BOTH)


def integer_array(x):
    return np.array([x, x], dtype=int) * x


add("array-int-dtype", integer_array, args(uniform(0.2, 0.8, 3)))


def concatenate_rows(x):
    return np.sum(np.concatenate(x))


def slogdet_unpacked_later(a):
    result = np.linalg.slogdet(a)
    return result


def test_list_and_tuple_misuse_is_explained():
    with pytest.raises(adgen.UnsupportedSyntaxError, match=r"needs its arrays as a list"):
        adgen.grad(concatenate_rows)(np.ones((2, 3)))
    with pytest.raises(adgen.UnsupportedSyntaxError, match="unpack it where it is called"):
        adgen.vjp(slogdet_unpacked_later)(np.eye(2), (1.0, 1.0))


def copy_of(x):
    y = np.array(x)
    return np.sum(y * 2.0)


def test_array_of_a_value_copies_it():
    assert "y = np.array(x)" in adgen.source(copy_of)


def copies(x):
    return np.array(x) + np.copy(x) * 2.0 + x.copy() + np.asarray(x) + np.asanyarray(x)


add("copy-asarray", copies, args(normal(2, 3)))


def astype(x):
    return x.astype(float) * x.astype(np.float64) + x.astype("float64") + x.astype(int)


def astype_second(x):
    return np.sum(np.sin(x.astype(float)) * x.astype(int))


pair("astype", astype, astype_second, args(uniform(-3, 3, 2, 3)))


def dtype_keyword(x):
    return np.asarray(x, dtype=float) + np.array(x, dtype=int) * x


add("dtype-keyword", dtype_keyword, args(uniform(-3, 3, 4)))


def to_float(x):
    return float(np.sum(x**2)) * float(len(x))


pair("float-len", to_float, to_float, args(normal(3)))


def to_int(x):
    return x * int(np.sum(x) * 10.0)


add("int", to_int, args(normal(3)))


# --------------------------------------------------------------- creation


def creation(x):
    a = x + np.zeros(3) + np.ones(3, dtype=float) + np.zeros_like(x) + np.ones_like(x)
    b = np.eye(3) @ x + np.identity(3) @ x + np.eye(3, 3, 1) @ x + np.arange(3) * x
    c = np.linspace(0.0, 1.0, 3) * x + np.arange(1.0, 4.0, 1.0) * x + np.linspace(0, 1, num=3)
    d = np.reshape(x, np.empty((3, 1)).shape) + np.reshape(x, np.shape(np.empty_like(x)))
    return a + b + c + np.sum(d)


add("zeros-ones-eye-arange-linspace-empty", creation, args(normal(3)))


def full(x, v):
    return np.full((2, 3), v) * x + np.full_like(x, v) + np.full(3, 2.0) * v


def full_of_arrays(x, v):
    return np.full(np.shape(x), v) * x + np.full_like(x, v, dtype=float)


def full_of_ints(x, v):
    return np.full(3, v, dtype=int) * x + np.full_like(x, v, dtype=int) * x


add("full-full_like", full, args(normal(3), normal()), WRT_BOTH)
add("full-array-fill", full_of_arrays, args(normal(2, 3), normal(3)), WRT_BOTH)
add("full-int", full_of_ints, args(normal(3), uniform(1, 3)), WRT_BOTH)


def shape_functions(x):
    y = np.reshape(x, (len(x), 1)) * x.ndim + np.ndim(x) * np.size(x)
    return y + np.reshape(x, x.shape) * x.size + np.reshape(x, np.shape(x))


add("shape-ndim-size-len", shape_functions, args(normal(3)))


# --------------------------------------------------------- linear algebra


@each(
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 2)),
    ((2, 3, 4), (2, 4, 2)),
    ((1, 3, 4), (2, 4, 2)),
    ((3, 4), (2, 4, 2)),
)
def _matmul(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return a @ b + np.matmul(a, b)

    def s(a, b):
        return np.sum(np.sin(a @ b))

    pair(
        f"matmul-{shape_name(ash)}-{shape_name(bsh)}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


@each(
    ((), (3,)),
    ((3,), ()),
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 2)),
    ((3, 4), (4, 2)),
    ((2, 3, 4), (4, 2)),
    ((2, 3, 4), (4,)),
    ((3, 4), (2, 4, 5)),
    ((2, 3), (4, 3, 2)),
)
def _dot(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return np.dot(a, b)

    def s(a, b):
        return np.sum(np.sin(np.dot(a, b)))

    pair(
        f"dot-{shape_name(ash)}-{shape_name(bsh)}", f, s, args(normal(*ash), normal(*bsh)), WRT_BOTH
    )


def dot_method(a, b):
    return a.dot(b)


add("dot-method", dot_method, args(normal(3, 4), normal(4)), WRT_BOTH)


@each(((4,), (4,)), ((2, 3), (6,)))
def _vdot(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return np.vdot(a, b)

    def s(a, b):
        return np.sin(np.vdot(a, b))

    pair(
        f"vdot-{shape_name(ash)}-{shape_name(bsh)}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


@each(((4,), (4,)), ((3, 4), (4,)), ((3, 4), (2, 4)), ((2, 3, 4), (5, 4)))
def _inner(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return np.inner(a, b)

    def s(a, b):
        return np.sum(np.sin(np.inner(a, b)))

    pair(
        f"inner-{shape_name(ash)}-{shape_name(bsh)}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


@each(((3,), (4,)), ((2, 3), (2,)))
def _outer(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return np.outer(a, b)

    def s(a, b):
        return np.sum(np.sin(np.outer(a, b)))

    pair(
        f"outer-{shape_name(ash)}-{shape_name(bsh)}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


@each(
    ((2, 3, 4), (3, 4, 5), 2),
    ((3, 4), (4, 5), 1),
    ((2, 3), (4,), 0),
    ((2, 3, 4), (4, 2), ((2, 0), (0, 1))),
    ((3, 4), (3, 2), ((0,), (0,))),
    ((2, 3, 4), (3, 2), ((1, 0), (0, 1))),
)
def _tensordot(ash: Any, bsh: Any, axes: Any) -> None:
    def f(a, b):
        return np.tensordot(a, b, axes)

    def s(a, b):
        return np.sum(np.sin(np.tensordot(a, b, axes=axes)))

    pair(
        f"tensordot-{shape_name(ash)}-{shape_name(bsh)}-{axes}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


@each(((3,), (2,)), ((2, 2), (2, 3)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)))
def _kron(ash: Any, bsh: Any) -> None:
    def f(a, b):
        return np.kron(a, b)

    def s(a, b):
        return np.sum(np.sin(np.kron(a, b)))

    pair(
        f"kron-{shape_name(ash)}-{shape_name(bsh)}",
        f,
        s,
        args(normal(*ash), normal(*bsh)),
        WRT_BOTH,
    )


EINSUM: list[tuple[str, tuple[tuple[int, ...], ...]]] = [
    ("ij,jk->ik", ((3, 4), (4, 2))),
    ("ij,jk", ((3, 4), (4, 2))),
    ("ij->", ((3, 4),)),
    ("ij->j", ((3, 4),)),
    ("ij->ji", ((3, 4),)),
    ("ii->i", ((3, 3),)),
    ("ii", ((3, 3),)),
    ("i,i", ((4,), (4,))),
    ("i,j->ij", ((3,), (2,))),
    ("ij,ij->i", ((3, 4), (3, 4))),
    ("bij,bjk->bik", ((2, 3, 4), (2, 4, 2))),
    ("...ij,...jk->...ik", ((2, 3, 4), (4, 2))),
    ("...ij->...ji", ((2, 3, 4),)),
    ("i...->...", ((3, 2, 2),)),
    ("ijk,k,kj->i", ((2, 3, 4), (4,), (4, 3))),
    ("iij->j", ((3, 3, 2),)),
    ("ij,kl->", ((2, 3), (4, 2))),
    ("i,i,i->", ((3,), (3,), (3,))),
]


def einsum_1(spec: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def f(a):
        return np.einsum(spec, a)

    def s(a):
        return np.sum(np.sin(np.einsum(spec, a)))

    return f, s


def einsum_2(spec: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def f(a, b):
        return np.einsum(spec, a, b)

    def s(a, b):
        return np.sum(np.sin(np.einsum(spec, a, b)))

    return f, s


def einsum_3(spec: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def f(a, b, c):
        return np.einsum(spec, a, b, c)

    def s(a, b, c):
        return np.sum(np.sin(np.einsum(spec, a, b, c, optimize=True)))

    return f, s


@each(*EINSUM)
def _einsum(spec: str, shapes: tuple[tuple[int, ...], ...]) -> None:
    n = len(shapes)
    f, s = (einsum_1, einsum_2, einsum_3)[n - 1](spec)
    wrts: tuple[Any, ...] = tuple(range(n)) + ((tuple(range(n)),) if n > 1 else ())
    pair(f"einsum-{spec}", f, s, args(*(normal(*sh) for sh in shapes)), wrts)


@each(((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1), ((2, 3, 3), 0, 1, 2), ((4, 2, 3), -1, 2, 0))
def _trace(shape: Any, offset: int, axis1: int, axis2: int) -> None:
    def f(x):
        return np.trace(x, offset, axis1, axis2) + x.trace(offset, axis1, axis2)

    def s(x):
        return np.sum(np.sin(np.trace(x, offset=offset, axis1=axis1, axis2=axis2)))

    pair(f"trace-{shape_name(shape)}-{offset}-{axis1}-{axis2}", f, s, args(normal(*shape)))


@each(((),), ((2,),))
def _matrix_functions(batch: Any) -> None:
    label = shape_name(batch)

    def inv(a):
        return np.linalg.inv(a)

    def inv_second(a):
        return np.sum(np.sin(np.linalg.inv(a)))

    def det(a):
        return np.linalg.det(a)

    def det_second(a):
        return np.sum(np.sin(np.linalg.det(a)))

    def slogdet(a):
        sign, logdet = np.linalg.slogdet(a)
        return sign * logdet

    def slogdet_second(a):
        sign, logdet = np.linalg.slogdet(a)
        return np.sum(np.sin(logdet))

    def cholesky(a):
        return np.linalg.cholesky(a)

    def cholesky_second(a):
        return np.sum(np.sin(np.linalg.cholesky(a)))

    def eigenvalues(a):
        w, v = np.linalg.eigh(a)
        return w

    def eigenvalues_second(a):
        w, v = np.linalg.eigh(a)
        return np.sum(np.sin(w))

    def eigenvectors(a):
        w, v = np.linalg.eigh(a)
        return v**2  # invariant under the choice of each eigenvector's sign

    def eigenvectors_second(a):
        w, v = np.linalg.eigh(a)
        return np.sum(np.sin(v**2)) + np.sum(w)

    pair(f"inv-{label}", inv, inv_second, args(square(3, batch)))
    pair(f"det-{label}", det, det_second, args(square(3, batch)))
    pair(f"slogdet-{label}", slogdet, slogdet_second, args(square(3, batch)))
    pair(f"cholesky-{label}", cholesky, cholesky_second, args(spd(3, batch)))
    pair(f"eigh-values-{label}", eigenvalues, eigenvalues_second, args(spd(3, batch)))
    pair(f"eigh-vectors-{label}", eigenvectors, eigenvectors_second, args(spd(3, batch)))


@each(("L",), ("U",))
def _eigh_triangle(uplo: str) -> None:
    def eigvalsh(a):
        return np.linalg.eigvalsh(a, UPLO=uplo)

    def eigvalsh_second(a):
        return np.sum(np.sin(np.linalg.eigvalsh(a, uplo)))

    def eigh(a):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        return w + np.sum(v**2 * np.arange(3.0), axis=0)

    pair(f"eigvalsh-{uplo}", eigvalsh, eigvalsh_second, args(spd(3)))
    add(f"eigh-{uplo}", eigh, args(spd(3)))


@each(((3,),), ((3, 2),))
def _solve(bsh: Any) -> None:
    def f(a, b):
        return np.linalg.solve(a, b)

    def s(a, b):
        return np.sum(np.sin(np.linalg.solve(a, b)))

    pair(f"solve-{shape_name(bsh)}", f, s, args(square(3), normal(*bsh)), WRT_BOTH)


def solve_stack(a, b):
    return np.linalg.solve(a, b)


add("solve-stack", solve_stack, args(square(3, (2,)), normal(2, 3, 2)), WRT_BOTH)


# ------------------------------------------------------------------- SciPy

if HAVE_SCIPY:
    each(
        *[
            (fn, lo, hi, True)
            for fn, lo, hi in [
                (scipy.special.expit, -3, 3),
                (scipy.special.logit, 0.2, 0.8),
                (scipy.special.erf, -2, 2),
                (scipy.special.erfc, -2, 2),
                (scipy.special.erfinv, -0.8, 0.8),
                (scipy.special.ndtr, -2, 2),
                (scipy.special.log_ndtr, -2, 2),
                (scipy.special.gamma, 0.5, 3),
                (scipy.special.gammaln, 0.5, 3),
                (scipy.special.digamma, 0.5, 3),
            ]
        ]
    )(unary_checks)
    each(
        (scipy.special.xlogy, (-2, 2), (0.5, 2), True, True),
        (scipy.special.xlog1py, (-2, 2), (-0.5, 2), True, True),
    )(binary_checks)
    reduction_checks("logsumexp", scipy.special.logsumexp, normal(3, 4), normal(2, 3, 4))

    @each(
        *[
            (fn, axis)
            for fn in (scipy.special.softmax, scipy.special.log_softmax)
            for axis in (None, 0, 1, -1, (0, 1))
        ]
    )
    def _softmax(fn: Any, axis: Any) -> None:
        def f(x):
            return fn(x, axis=axis)

        def s(x):
            return np.sum(np.sin(fn(x, axis)))

        pair(f"{name_of(fn)}-axis{axis}", f, s, args(normal(3, 4)))

    def polygamma(x):
        return scipy.special.polygamma(1, x) + scipy.special.polygamma(2, x)

    def polygamma_second(x):
        return np.sum(scipy.special.polygamma(1, x) * x)

    pair("polygamma", polygamma, polygamma_second, args(uniform(0.5, 3, 4)))


# ----------------------------------------------------------------- helpers
# The runtime helpers that generated code calls are primitives too: called here
# directly, they are checked like the others (and so, to second order, are the
# rules that use them).


def unbroadcast(g, x):
    return runtime.unbroadcast(g, x) + runtime.broadcast_like(runtime.unbroadcast(g, x), x)


def reshape_like(g, x):
    return np.sum(runtime.reshape_like(g, x) ** 2) + np.sum(
        np.sin(runtime.expand_reduced(np.sum(g, axis=1), g, 1)) * g
    )


def scalar_output(x):
    return runtime.scalar_output(np.sum(x**2))


add("unbroadcast-broadcast_like", unbroadcast, args(normal(2, 3), normal(3)))
add("reshape_like-expand_reduced", reshape_like, args(normal(2, 3), normal(3, 2)))
pair("scalar_output", scalar_output, scalar_output, args(normal(3)))


def updated_in_place(x, y):
    return np.sum(runtime.updated_in_place(x * y, x) ** 2)


pair(
    "updated_in_place", updated_in_place, updated_in_place, args(normal(3), normal(3)), wrts=(0, 1)
)


def gradient_like(g, x):
    # An array kept as it is, and a number spread to x's shape.
    return np.sum(np.sin(runtime.gradient_like(g, x)) * x) + np.sum(
        runtime.gradient_like(np.sum(g**2), x) * x
    )


add("gradient_like", gradient_like, args(normal(3), normal(3)), wrts=(0, 1))


@each(
    ("matmul", args(normal(3, 2), normal(3, 4), normal(4, 2))),
    ("dot", args(normal(3, 2), normal(3, 4), normal(4, 2))),
    ("kron", args(normal(4, 6), normal(2, 3), normal(2, 2))),
)
def _product_adjoints(product: str, make: Maker) -> None:
    adjoint_a = getattr(runtime, f"{product}_adjoint_a")
    adjoint_b = getattr(runtime, f"{product}_adjoint_b")

    def f(g, a, b):
        return np.sum(adjoint_a(g, a, b) ** 2) + np.sum(np.sin(adjoint_b(g, a, b)))

    pair(f"{product}_adjoint", f, f, make, (0, 2, (0, 1, 2)))


def tensordot_adjoints(g, a, b):
    return np.sum(runtime.tensordot_adjoint_a(g, a, b, axes=([1], [0])) ** 2) + np.sum(
        np.sin(runtime.tensordot_adjoint_b(g, a, b, ([1], [0])))
    )


pair(
    "tensordot_adjoint",
    tensordot_adjoints,
    tensordot_adjoints,
    args(normal(2, 4), normal(2, 3), normal(3, 4)),
    (0, 1, 2),
)


def einsum_adjoint(g, a, b):
    return runtime.einsum_adjoint(g, a, b, subscripts="ij,jk->ik", index=1)


def einsum_adjoint_second(g, a, b):
    return np.sum(np.sin(runtime.einsum_adjoint(g, a, b, subscripts="ij,jk->ik")))


pair(
    "einsum_adjoint",
    einsum_adjoint,
    einsum_adjoint_second,
    args(normal(3, 2), normal(3, 4), normal(4, 2)),
    (0, 1, 2),
)


def join_part(g, a, b):
    return runtime.join_part(g, a, b, index=1, join="concatenate", axis=1)


def join_part_second(g, a, b):
    return np.sum(np.sin(runtime.join_part(g, a, b, join="stack")))


add("join_part", join_part, args(normal(2, 5), normal(2, 2), normal(2, 3)))
add("join_part-second", join_part_second, args(normal(2, 3), normal(3), normal(3)), order=2)


def prod_others(x):
    return runtime.prod_others(x, axis=1)


def prod_others_second(x):
    return np.sum(np.sin(runtime.prod_others(x)))


pair("prod_others", prod_others, prod_others_second, args(uniform(0.5, 1.5, 3, 4)))


def repeat_adjoint(g, x):
    return runtime.repeat_adjoint(g, x, 2, axis=1) * 1.0


def tile_adjoint(g, x):
    return runtime.tile_adjoint(g, x, (2, 1))


def diag_adjoints(g, x):
    return runtime.diag_adjoint(g, x, k=1) + runtime.diagonal_adjoint(g, x, offset=1)


def pad_adjoint(g, x):
    return runtime.pad_adjoint(g, x, ((1, 0), (2, 1)))


def take_along_axis_adjoint(g, x, y):
    return runtime.take_along_axis_adjoint(g, x, np.argsort(y, axis=0), axis=0)


add("repeat_adjoint", repeat_adjoint, args(normal(2, 6), normal(2, 3)))
add("tile_adjoint", tile_adjoint, args(normal(4, 3), normal(2, 3)))
add("diag_adjoint-diagonal_adjoint", diag_adjoints, args(normal(2), normal(2, 3)))
add("pad_adjoint", pad_adjoint, args(normal(3, 6), normal(2, 3)))
add(
    "take_along_axis_adjoint",
    take_along_axis_adjoint,
    args(normal(3, 2), normal(3, 2), normal(3, 2)),
)


# ------------------------------------------------------------ the checks

FIRST = [
    pytest.param(c, wrt, mode, id=f"{c.name}-wrt{wrt}-{mode}")
    for c in CHECKS
    if c.order == 1
    for wrt in c.wrts
    for mode in ("forward", "reverse")
]
SECOND = [
    pytest.param(c, wrt, id=f"{c.name}-wrt{wrt}") for c in CHECKS if c.order >= 2 for wrt in c.wrts
]


def _ids_are_unique() -> None:
    ids = [p.id for p in FIRST + SECOND]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes


_ids_are_unique()


@pytest.mark.parametrize("check,wrt,mode", FIRST)
def test_first_order(check: Check, wrt: Any, mode: str) -> None:
    rng = np.random.default_rng(7)
    check_grads(check.f, check.make(rng), wrt=wrt, modes=(mode,), rtol=check.rtol)


@pytest.mark.parametrize("check,wrt", SECOND)
def test_second_order(check: Check, wrt: Any) -> None:
    rng = np.random.default_rng(11)
    check_grads(check.f, check.make(rng), wrt=wrt, modes=("reverse",), order=2, rtol=check.rtol)


# Primitives no check reaches through user code, and why that is enough.
EXEMPT: dict[str, str] = {
    **dict.fromkeys(
        ("batch_align", "batch_lift", "batch_like", "batch_map", "batch_unbroadcast"),
        "made only by adgen.transforms.batching: tests/test_batched.py checks batched "
        "derivatives against one call per direction over the catalog",
    ),
    "attr": "attributes of objects that are not differentiated (self.w in a method); "
    "tests/test_api.py::test_method",
    "truth": "made by simplification from `if c: f = True else: f = False` when c is not "
    "already a truth value; not differentiable",
    "zeros_array": "made by simplification (passes/known_zeros.py) from `zero` of a value "
    "known to be an array; not differentiable; tests/test_golden_specialised.py",
}


def _prims_of(fn: Any) -> set[str]:
    """Primitives in ``fn`` and in the functions of its program it calls."""
    out = {op.prim for op in walk(fn.body)}
    if fn.program is not None:
        for callee in fn.program.reachable(fn):
            out |= {op.prim for op in walk(callee.body)}
    return out


def test_every_primitive_is_checked():
    """Every primitive is reached by a check here or by a catalog case (control flow,
    indexing and calls are checked there), in user code or in its derivatives."""
    from catalog import CASES
    from test_primitives_arrays2 import CHECKS as ARRAYS2
    from test_primitives_linalg import CHECKS as LINALG
    from test_primitives_more import CHECKS as MORE
    from test_primitives_stats import CHECKS as STATS

    from adgen.pipeline import derive

    seen: set[str] = set()
    for c in CHECKS + MORE + STATS + ARRAYS2:
        seen |= _prims_of(lower(c.f))
    # The linear algebra checks count with their derivatives, whose helpers
    # (require_shape, expm_frechet, lu_rows) appear only there.
    for c in LINALG:
        primal = lower(c.f)
        seen |= _prims_of(primal)
        for kind in ("vjp", "jvp"):
            seen |= _prims_of(derive(primal, kind, [primal.params[0]]))
    for case in CASES:
        primal = lower(case.f, trees=case.trees(), types=case.types())
        seen |= _prims_of(primal)
        names = case.first_wrt(primal)
        for kind in ("vjp", "jvp"):
            seen |= _prims_of(derive(primal, kind, names))
    # Primitives made by custom rules that tests register are not part of the table.
    table = {p for p in PRIMITIVES if not p.startswith("custom.")}
    missing = sorted(table - seen - set(EXEMPT))
    assert not missing, f"primitives no check or catalog case reaches: {missing}"


def test_every_differentiable_primitive_has_both_rules():
    # Control flow and calls are differentiated by the transforms themselves.
    structural = {"if", "for_range", "while", "call", "tape_new", "tape_push", "tape_pop"}
    for name, prim in PRIMITIVES.items():
        if prim.differentiable and name not in structural:
            assert prim.jvp is not None and prim.vjps is not None, name


# -------------------------------------------------------------------- docs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(
    not HAVE_SCIPY or sys.version_info < (3, 11),
    reason="the page lists SciPy's functions and math.cbrt and math.exp2 (Python 3.11)",
)
def test_primitive_docs_are_up_to_date():
    from adgen.primitives import docgen

    with open(os.path.join(ROOT, "docs", "primitives.md"), encoding="utf-8") as f:
        written = f.read()
    assert written == docgen.render(), (
        "docs/primitives.md is out of date: run `python -m adgen.primitives.docgen`"
    )


def test_adgen_does_not_import_scipy():
    code = "import sys, adgen; adgen.grad; print('scipy' in sys.modules)"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "False"
