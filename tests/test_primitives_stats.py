"""Checks of the scipy.stats composites and the incomplete gamma/beta primitives.

Each check is a :class:`test_primitives.Check`, run in both modes (and to
second order where marked) against finite differences of the same function
run by SciPy itself, whose value the derivative's value must also match;
``test_every_primitive_is_checked`` counts these too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from check_runner import runners_for
from test_primitives import Check, args, normal, spd, uniform

import adgen

CHECKS: list[Check] = []

stats = pytest.importorskip("scipy.stats")
sp = pytest.importorskip("scipy.special")


def add(name: str, f: Any, make: Any, wrts: tuple[Any, ...] = (0,), order: int = 1) -> None:
    CHECKS.append(Check(name, f, make, wrts, order))


def _loc_scale(
    dist: str, method: str, x: Any, shapes: tuple[Any, ...] = (), order: int = 2
) -> None:
    fn = getattr(getattr(stats, dist), method)
    n = len(shapes)

    def f0(x, loc, scale):
        return np.sum(np.sin(fn(x, loc, scale)))

    def f1(x, s, loc, scale):
        return np.sum(np.sin(fn(x, s, loc, scale)))

    def f2(x, s, r, loc, scale):
        return np.sum(np.sin(fn(x, s, r, loc, scale)))

    f = (f0, f1, f2)[n]
    # x alone, and every argument at once along a random direction (which checks
    # the derivative in each parameter: the direction weights them all).
    wrts = (0, tuple(range(n + 3)))
    add(f"{dist}.{method}", f, args(x, *shapes, uniform(-0.2, 0.2), uniform(0.8, 1.5)), wrts, order)


_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
for _m in _METHODS:
    _loc_scale("norm", _m, normal(4))
    _loc_scale("logistic", _m, normal(4))
    _loc_scale("cauchy", _m, normal(4))
    _loc_scale("laplace", _m, uniform(0.4, 2, 4))  # away from the kink at loc
    _loc_scale("laplace", _m, uniform(-2, -0.4, 4))
    _loc_scale("expon", _m, uniform(0.5, 3, 4))

# The shape parameters are differentiable in the densities only.
for _m in ("logpdf", "pdf"):
    _loc_scale("t", _m, normal(4), (uniform(2, 6),))
    _loc_scale("gamma", _m, uniform(0.5, 3, 4), (uniform(1.5, 4),))
    _loc_scale("beta", _m, uniform(0.35, 0.65, 4), (uniform(1.5, 4), uniform(1.5, 4)))


def _shape_constant(dist: str, method: str, x: Any, shapes: tuple[float, ...]) -> None:
    fn = getattr(getattr(stats, dist), method)

    a, b = (*shapes, 0.0)[:2]

    def f1(x, loc, scale):
        return np.sum(np.sin(fn(x, a, loc, scale)))

    def f2(x, loc, scale):
        return np.sum(np.sin(fn(x, a, b, loc, scale)))

    f = f1 if len(shapes) == 1 else f2
    add(
        f"{dist}.{method}-constant-shape",
        f,
        args(x, uniform(-0.2, 0.2), uniform(0.8, 1.5)),
        (0, (0, 1, 2)),
        2,
    )


for _m in ("cdf", "logcdf", "sf", "logsf"):
    _shape_constant("t", _m, normal(4), (3.5,))
    _shape_constant("gamma", _m, uniform(0.5, 3, 4), (2.5,))
    _shape_constant("beta", _m, uniform(0.3, 0.6, 4), (2.5, 1.7))


def _poisson(method: str) -> None:
    fn = getattr(stats.poisson, method)
    k = np.array([0.0, 1.0, 3.0, 6.0])

    def f(mu):
        return np.sum(np.sin(fn(k, mu)))

    add(f"poisson.{method}", f, args(uniform(1.0, 4.0, 4)), order=2)


for _m in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
    _poisson(_m)


def mvn(x, mean, root):
    cov = root @ root.T + np.eye(3)  # symmetric, as SciPy assumes
    return np.sum(np.sin(stats.multivariate_normal.logpdf(x, mean, cov))) + np.sum(
        stats.multivariate_normal.pdf(x, mean, cov)
    )


add(
    "multivariate_normal-1d", mvn, args(normal(3), normal(3), spd(3)), (0, 1, 2, (0, 1, 2)), order=2
)
add("multivariate_normal-2d", mvn, args(normal(4, 3), normal(3), spd(3)), (0, 1, 2), order=2)


def dirichlet(p, alpha):
    x = p / np.sum(p)  # on the simplex, as SciPy requires
    return np.sin(stats.dirichlet.logpdf(x, alpha)) + stats.dirichlet.pdf(x, alpha)


add("dirichlet", dirichlet, args(uniform(0.5, 1.5, 3), uniform(1.5, 3, 3)), (0, 1, (0, 1)), order=2)


def incomplete(a, b, x):
    return np.sum(
        np.sin(sp.gammainc(a, x))
        + sp.gammaincc(b, x) ** 2
        + np.cos(sp.betainc(a, b, x / 4))
        + sp.stdtr(a + 1, x - 1)
    )


add("gammainc-betainc-stdtr", lambda x: incomplete(2.5, 1.7, x), args(uniform(0.5, 3, 4)), order=2)


def logsumexp_signed(a, b):
    lse, sign = sp.logsumexp(a, 1, b, return_sign=True)
    return np.sum(np.sin(lse) * sign)


def logsumexp_weighted(a, b):
    return np.sum(sp.logsumexp(a, axis=0, b=b, keepdims=True) ** 2) + sp.logsumexp(a, b=b)


def logsumexp_sign_only(a):
    lse, sign = sp.logsumexp(a, return_sign=True)
    return lse * sign


add(
    "logsumexp-return_sign",
    logsumexp_signed,
    args(normal(3, 4), uniform(-1, 1, 3, 4)),
    (0, 1, (0, 1)),
    order=2,
)
add(
    "logsumexp-b",
    logsumexp_weighted,
    args(normal(3, 4), uniform(0.5, 2, 3, 4)),
    (0, 1, (0, 1)),
    order=2,
)
add("logsumexp-b-scalar", logsumexp_weighted, args(normal(3, 4), uniform(0.5, 2)), (0, 1), order=2)
add("logsumexp-sign-no-b", logsumexp_sign_only, args(normal(4)), order=2)


test_first_order, test_second_order = runners_for(CHECKS)


def test_outside_the_support_matches_scipy() -> None:
    def f(x):
        return (
            stats.gamma.logpdf(x, 2.0)
            + stats.expon.cdf(x)
            + stats.beta.pdf(x, 2.0, 3.0)
            + stats.expon.sf(x)
        )

    x = np.array([-1.0, 0.5, 2.0])
    value, grad = adgen.value_and_grad(lambda x: np.sum(np.where(x > 0, f(x), 0.0)))(x)
    assert np.allclose(value, np.sum(np.where(x > 0, f(x), 0.0)))
    assert grad[0] == 0.0
    assert np.all(np.isneginf(adgen.jvp(f)(x, np.ones(3))[0][:1]))


@pytest.mark.parametrize(
    "call,operand",
    [
        (lambda a, x: stats.gamma.cdf(x, a), "a"),
        (lambda a, x: stats.beta.sf(x / 4, 2.0, a), "b"),
        (lambda a, x: stats.t.cdf(x, a), "df"),
        (lambda a, x: sp.gammainc(a, x), "a"),
    ],
)
def test_shape_parameters_without_closed_form_are_refused(call: Any, operand: str) -> None:
    for mode in (adgen.grad(call, 0), lambda a, x: adgen.jvp(call, 0)(a, x, 1.0)):
        with pytest.raises(adgen.DifferentiationError, match=f"parameter {operand} here"):
            mode(2.5, 1.5)


def test_poisson_counts_are_refused() -> None:
    def f(k, mu):
        return stats.poisson.logpmf(k, mu)

    with pytest.raises(adgen.DifferentiationError, match="is a count"):
        adgen.grad(f, 0)(3.0, 2.0)
    with pytest.raises(adgen.DifferentiationError, match="is a count"):
        adgen.jvp(f, 0)(3.0, 2.0, 1.0)
    assert np.isclose(adgen.grad(f, 1)(3.0, 2.0), 3.0 / 2.0 - 1.0)


def test_frozen_distributions_are_refused() -> None:
    def f(x):
        return stats.norm(0.0, 1.0).logpdf(x)

    with pytest.raises(adgen.DifferentiationError, match="frozen distribution"):
        adgen.grad(f)(0.5)


@pytest.mark.parametrize(
    "fn",
    [
        stats.laplace.cdf,
        stats.laplace.sf,
        stats.laplace.logcdf,
        stats.laplace.logsf,
        stats.expon.cdf,
        stats.expon.sf,
        stats.expon.logpdf,
        lambda x: stats.gamma.logpdf(x, 2.5),
        lambda x: stats.gamma.cdf(x, 0.5),
        lambda x: stats.beta.cdf(x / 1000, 0.5, 0.7),
    ],
    ids=[
        "laplace.cdf",
        "laplace.sf",
        "laplace.logcdf",
        "laplace.logsf",
        "expon.cdf",
        "expon.sf",
        "expon.logpdf",
        "gamma.logpdf",
        "gamma.cdf",
        "beta.cdf",
    ],
)
def test_far_tails_have_finite_derivatives(fn: Any) -> None:
    """The branch a piecewise formula does not take has no NaN to leak into the adjoint."""
    x = np.array([-800.0, -3.0, 0.5, 2.0, 800.0])

    def f(x):
        return np.sum(np.where(np.isfinite(fn(x)), fn(x), 0.0))

    with np.errstate(over="raise", invalid="raise"):
        value, grad = adgen.value_and_grad(f)(x)
        tangent = adgen.jvp(f)(x, np.ones(5))[1]
    # (The values are checked against SciPy's by the checks above; in the far tails
    # laplace.logcdf is -z - log 2 where SciPy's log of an underflowed cdf is -inf.)
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.isfinite(tangent)
