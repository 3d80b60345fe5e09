"""Checks of the entries issue 12 added, with the machinery of test_primitives.py.

Each check is a :class:`test_primitives.Check`, run in both modes (and to
second order where marked) against finite differences;
``test_every_primitive_is_checked`` counts these too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_primitives import Check, args, normal, uniform

from adgen import runtime
from adgen.testing import check_grads

CHECKS: list[Check] = []


def add(name: str, f: Any, make: Any, wrts: tuple[Any, ...] = (0,), order: int = 1) -> None:
    CHECKS.append(Check(name, f, make, wrts, order))


def atleast_all(x):
    return (
        np.sum(np.sin(np.atleast_1d(x)))
        + np.sum(np.atleast_2d(x) ** 2)
        + np.sum(np.atleast_3d(x) ** 3)
    )


for _shape in ((), (3,), (2, 3)):
    add(f"atleast-{_shape}", atleast_all, args(normal(*_shape)), order=2)


def inner_of(a, b):
    return np.sum(np.sin(np.inner(a, b)))


for _sa, _sb in (((), ()), ((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (4, 3))):
    add(f"inner-{_sa}-{_sb}", inner_of, args(normal(*_sa), normal(*_sb)), (0, 1, (0, 1)), order=2)


def r_c(x, y):
    return np.sum(np.sin(np.r_[x, y])) + np.sum(np.c_[x, y] ** 2)


def inner_adjoints(g, a, b):
    return np.sum(np.sin(runtime.inner_adjoint_a(g, a, b))) + np.sum(
        runtime.inner_adjoint_b(g, a, b) ** 2
    )


for _sa, _sb in (((), (3,)), ((2, 3), (4, 3)), ((), ())):
    _g = tuple(d for d in (_sa[:-1] + _sb[:-1] if _sa and _sb else _sa + _sb))
    add(
        f"inner_adjoint-{_sa}-{_sb}",
        inner_adjoints,
        args(normal(*_g), normal(*_sa), normal(*_sb)),
        (0, 1, 2),
        order=2,
    )


add("r_-c_", r_c, args(normal(3), normal(3)), (0, 1), order=2)


# ------------------------------------------------ SciPy special functions

try:
    import scipy.special as sp
except ImportError:  # SciPy is optional
    sp = None

if sp is not None:
    from adgen.primitives.core import load_deferred

    load_deferred(force=True)

    def _unary_special(fn: Any, lo: float, hi: float) -> None:
        def f(x):
            return np.sum(np.sin(fn(x)))

        f.__name__ = f"special_{fn.__name__}"
        add(f.__name__, f, args(uniform(lo, hi, 4)), order=2)
        add(f.__name__ + "-scalar", f, args(uniform(lo, hi)), order=2)

    for _fn, _lo, _hi in (
        (sp.erfcinv, 0.2, 1.8),
        (sp.ndtri, 0.1, 0.9),
        (sp.i0, -2, 2),
        (sp.i1, -2, 2),
    ):
        _unary_special(_fn, _lo, _hi)

    def betaln(a, b):
        return np.sum(np.sin(sp.betaln(a, b)))

    add("betaln", betaln, args(uniform(0.5, 3, 3), uniform(0.5, 3, 3)), (0, 1, (0, 1)), order=2)

    def _order(fn: Any, lo: float) -> None:
        def f(x):
            return np.sum(np.sin(fn(1.5, x)) + fn(2.0, x))

        f.__name__ = f"special_{fn.__name__}"
        add(f.__name__, f, args(uniform(lo, 3, 4)), order=2)

    for _fn, _lo in ((sp.iv, 0.2), (sp.jv, 0.2), (sp.yv, 0.5), (sp.ive, 0.2)):
        _order(_fn, _lo)


@pytest.mark.skipif(sp is None, reason="needs SciPy")
@pytest.mark.parametrize("name", ["iv", "jv", "yv", "ive"])
def test_bessel_orders_are_refused(name: str) -> None:
    import adgen

    fn = getattr(sp, name)

    def f(v, x):
        return fn(v, x)

    with pytest.raises(adgen.DifferentiationError, match="order v"):
        adgen.grad(f, 0)(1.5, 2.0)
    with pytest.raises(adgen.DifferentiationError, match="order v"):
        adgen.jvp(f, 0)(1.5, 2.0, 1.0)


FIRST = [
    pytest.param(c, w, m, id=f"{c.name}-wrt{w}-{m}")
    for c in CHECKS
    for w in c.wrts
    for m in ("forward", "reverse")
]
SECOND = [pytest.param(c, w, id=f"{c.name}-wrt{w}") for c in CHECKS if c.order >= 2 for w in c.wrts]


@pytest.mark.parametrize("check,wrt,mode", FIRST)
def test_first_order(check: Check, wrt: Any, mode: str) -> None:
    check_grads(
        check.f, check.make(np.random.default_rng(7)), wrt=wrt, modes=(mode,), rtol=check.rtol
    )


@pytest.mark.parametrize("check,wrt", SECOND)
def test_second_order(check: Check, wrt: Any) -> None:
    check_grads(
        check.f,
        check.make(np.random.default_rng(11)),
        wrt=wrt,
        modes=("reverse",),
        order=2,
        rtol=check.rtol,
    )
