"""Checks of the linear algebra entries of issue 12, with the machinery of test_primitives.py.

Decompositions (svd, eig, qr), pinv, lstsq, matrix_power, the matrix norms and
SciPy's solve_triangular, cho_factor/cho_solve, lu_factor/lu_solve and expm,
each a :class:`test_primitives.Check` run in both modes (and to second order
where marked) against finite differences on seeded well-conditioned inputs.
Functions of singular or eigen vectors are invariant under the sign of each
vector (``v ** 2``), which is not unique. ``test_every_primitive_is_checked``
counts these checks, their derivatives included (the helpers they use, such as
``require_shape`` and ``expm_frechet``, appear only there). The refusals
follow: complex spectra and non-unique full-size factors at run time, the rest
while differentiating.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_primitives import Check, args, normal, shape_name, spd, square

import adgen
from adgen.testing import check_grads

CHECKS: list[Check] = []
BOTH = (0, 1, (0, 1))


def add(
    name: str, f: Any, make: Any, wrts: tuple[Any, ...] = (0,), order: int = 1, rtol: float = 1e-5
) -> None:
    CHECKS.append(Check(name, f, make, wrts, order, rtol))


def real_spectrum(n: int, batch: tuple[int, ...] = ()) -> Any:
    """A non-symmetric matrix with real, well separated eigenvalues."""

    def make(rng: np.random.Generator) -> Any:
        v = np.eye(n) + 0.3 * rng.standard_normal(batch + (n, n))
        w = np.arange(1.0, n + 1) * 1.5 + 0.1 * rng.standard_normal(batch + (n,))
        return v @ (w[..., :, None] * np.linalg.inv(v))

    return make


# ---------------------------------------------------------------------- SVD


def each(*cases: Any) -> Any:
    def run(build: Any) -> Any:
        for case in cases:
            build(*case)
        return build

    return run


@each(((4, 3),), ((3, 4),), ((3, 3),), ((2, 4, 3),))
def _svd(shape: tuple[int, ...]) -> None:
    label = shape_name(shape)

    def reduced(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(np.sin(u**2)) + np.sum(s * np.arange(1.0, 4.0)) + np.sum(np.cos(vh**2))

    def values(a):
        return np.linalg.svd(a, compute_uv=False)

    def values_positional(a):
        return np.sin(np.linalg.svd(a, False, False))

    def full(a):
        u, s, vh = np.linalg.svd(a)
        return np.sum(s**2) + np.sum(np.sin(u**2))

    def full_tall(a):
        u, s, vh = np.linalg.svd(a, True)
        return np.sum(s**2) + np.sum(np.sin(vh**2))

    def values_second(a):
        return np.sum(np.sin(np.linalg.svd(a, compute_uv=False)))

    add(f"svd-reduced-{label}", reduced, args(normal(*shape)), order=2)
    add(f"svd-values-{label}", values, args(normal(*shape)))
    add(f"svd-values-second-{label}", values_second, args(normal(*shape)), order=2)
    add(f"svd-values-positional-{label}", values_positional, args(normal(*shape)))
    if shape[-2] <= shape[-1]:
        add(f"svd-full-{label}", full, args(normal(*shape)))
    if shape[-2] >= shape[-1]:
        add(f"svd-full-tall-{label}", full_tall, args(normal(*shape)))


# ---------------------------------------------------------------------- eig


@each(((),), ((2,),))
def _eig(batch: tuple[int, ...]) -> None:
    label = shape_name(batch)

    def values(a):
        w, v = np.linalg.eig(a)
        return w

    def vectors(a):
        w, v = np.linalg.eig(a)
        return v**2

    def eigvals(a):
        return np.sum(np.sin(np.linalg.eigvals(a)))

    def both(a):
        w, v = np.linalg.eig(a)
        return np.sum(np.sin(v**2)) + np.sum(w**2)

    add(f"eig-values-{label}", values, args(real_spectrum(3, batch)))
    add(f"eig-vectors-{label}", vectors, args(real_spectrum(3, batch)))
    add(f"eigvals-{label}", eigvals, args(real_spectrum(3, batch)), order=2)
    add(f"eig-second-{label}", both, args(real_spectrum(3, batch)), order=2)


# ----------------------------------------------------------------------- QR


@each(((4, 3), "reduced"), ((3, 3), "reduced"), ((2, 4, 3), "reduced"), ((3, 3), "complete"))
def _qr(shape: tuple[int, ...], mode: str) -> None:
    def q_and_r(a):
        q, r = np.linalg.qr(a, mode=mode)
        return np.sum(np.sin(q)) + np.sum(np.cos(r))

    def r_only(a):
        return np.linalg.qr(a, "r")

    label = f"{shape_name(shape)}-{mode}"
    add(f"qr-{label}", q_and_r, args(normal(*shape)), order=2)
    add(f"qr-r-{label}", r_only, args(normal(*shape)))


# ------------------------------------------------------------ pinv, lstsq


@each(((4, 3),), ((3, 4),), ((3, 3),), ((2, 4, 3),))
def _pinv(shape: tuple[int, ...]) -> None:
    def f(a):
        return np.linalg.pinv(a)

    def s(a):
        return np.sum(np.sin(np.linalg.pinv(a, rcond=1e-10)))

    add(f"pinv-{shape_name(shape)}", f, args(normal(*shape)))
    add(f"pinv-second-{shape_name(shape)}", s, args(normal(*shape)), order=2)


@each(((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3,)), ((3, 3), (3, 2)))
def _lstsq(ashape: tuple[int, ...], bshape: tuple[int, ...]) -> None:
    def solution(a, b):
        x, res, rank, sv = np.linalg.lstsq(a, b)
        return x

    def second(a, b):
        x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
        return np.sum(np.sin(x)) + np.sum(sv**2) + rank

    label = f"{shape_name(ashape)}-{shape_name(bshape)}"
    add(f"lstsq-{label}", solution, args(normal(*ashape), normal(*bshape)), BOTH)
    add(f"lstsq-second-{label}", second, args(normal(*ashape), normal(*bshape)), BOTH, order=2)


# ------------------------------------------------------------- matrix_power


@each((0,), (1,), (2,), (3,), (-1,), (-2,))
def _matrix_power(n: int) -> None:
    def f(a):
        return np.linalg.matrix_power(a, n) * a

    def s(a):
        return np.sum(np.sin(np.linalg.matrix_power(a, n)))

    add(f"matrix_power-{n}", f, args(square(3)))
    add(f"matrix_power-second-{n}", s, args(square(3)), order=2)
    add(f"matrix_power-stack-{n}", s, args(square(3, (2,))))


# ------------------------------------------------------------- matrix norms

MATRIX_NORMS = [
    (ord_, axis, shape)
    for ord_ in ("nuc", 2, -2, 1, -1, np.inf, -np.inf)
    for axis, shape in (
        ((0, 1), (3, 4)),
        ((1, 0), (4, 3)),
        ((-1, -2), (2, 3, 4)),
        ((0, 2), (3, 2, 4)),
    )
]


@each(*MATRIX_NORMS)
def _matrix_norm(ord_: Any, axis: Any, shape: Any) -> None:
    def f(x):
        return np.linalg.norm(x, ord=ord_, axis=axis)

    def keep(x):
        return np.linalg.norm(x, ord_, axis, True)

    def s(x):
        return np.sum(np.sin(np.linalg.norm(x, ord_, axis)))

    label = f"norm-ord{ord_}-axis{axis}-{shape_name(shape)}"
    add(label, f, args(normal(*shape)))
    add(label + "-keepdims", keep, args(normal(*shape)))
    add(label + "-second", s, args(normal(*shape)), order=2)


def nuclear_without_axis(x):
    return np.linalg.norm(x, "nuc")


add("norm-nuc-no-axis", nuclear_without_axis, args(normal(3, 4)), order=2)


# ------------------------------------------------------------- scipy.linalg

try:
    import scipy.linalg as sl
except ImportError:  # SciPy is optional
    sl = None

if sl is not None:
    from adgen.primitives.core import load_deferred

    load_deferred(force=True)

    @each(
        *[
            (trans, lower, unit, bshape)
            for trans in (0, 1, "T")
            for lower in (False, True)
            for unit in (False, True)
            for bshape in ((3,), (3, 2))
            if not (unit and bshape == (3,) and trans == "T")
        ]
    )
    def _solve_triangular(trans: Any, lower: bool, unit: bool, bshape: Any) -> None:
        def f(a, b):
            return np.sum(
                np.sin(sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit))
            )

        add(
            f"solve_triangular-{trans}-{lower}-{unit}-{shape_name(bshape)}",
            f,
            args(square(3), normal(*bshape)),
            BOTH,
            order=2,
        )

    @each((False,), (True,))
    def _cho(lower: bool) -> None:
        def factor(a):
            c, low = sl.cho_factor(a, lower=lower)
            return np.sum(np.sin(c))

        def solve_pair(a, b):
            c, low = sl.cho_factor(a, lower=lower)
            return np.sum(np.sin(sl.cho_solve((c, low), b)))

        def solve_call(a, b):
            return sl.cho_solve(sl.cho_factor(a, lower), b)

        add(f"cho_factor-{lower}", factor, args(spd(3)), order=2)
        add(f"cho_solve-pair-{lower}", solve_pair, args(spd(3), normal(3, 2)), BOTH, order=2)
        add(f"cho_solve-call-{lower}", solve_call, args(spd(3), normal(3)), BOTH)

    def lu_factor(a):
        lu, piv = sl.lu_factor(a)
        return np.sum(np.sin(lu))

    add("lu_factor", lu_factor, args(normal(4, 4)), order=2)

    @each((0,), (1,))
    def _lu_solve(trans: int) -> None:
        def solve_pair(a, b):
            lu, piv = sl.lu_factor(a)
            return np.sum(np.sin(sl.lu_solve((lu, piv), b, trans=trans)))

        def solve_call(a, b):
            return sl.lu_solve(sl.lu_factor(a), b, trans)

        add(f"lu_solve-pair-{trans}", solve_pair, args(normal(4, 4), normal(4, 2)), BOTH, order=2)
        add(f"lu_solve-call-{trans}", solve_call, args(normal(4, 4), normal(4)), BOTH)

    def expm(a):
        return sl.expm(a)

    def expm_sin(a):
        return np.sum(np.sin(sl.expm(a)))

    add("expm", expm, args(normal(3, 3)))
    add("expm-sin", expm_sin, args(normal(4, 4)))


FIRST = [
    pytest.param(c, w, m, id=f"{c.name}-wrt{w}-{m}")
    for c in CHECKS
    for w in c.wrts
    for m in ("forward", "reverse")
]
SECOND = [pytest.param(c, w, id=f"{c.name}-wrt{w}") for c in CHECKS if c.order >= 2 for w in c.wrts]


def test_ids_are_unique() -> None:
    ids = [p.id for p in FIRST + SECOND]
    assert len(ids) == len(set(ids))


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


# ------------------------------------------------------------------ refusals

ROTATION = np.array([[0.0, -1.0], [1.0, 0.0]])  # eigenvalues +i and -i


def eig_sum(a):
    w, v = np.linalg.eig(a)
    return np.sum(w)


def svd_full_u(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u**2 * np.arange(4.0))


def svd_full_vh(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(vh**2 * np.arange(4.0))


def svd_full_values(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(s)


def qr_sum(a):
    q, r = np.linalg.qr(a)
    return np.sum(np.sin(r)) + np.sum(np.sin(q))


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_complex_spectrum_is_refused_at_run_time(mode: str) -> None:
    with pytest.raises(adgen.DifferentiationError, match="complex eigenvalues.*eigh"):
        if mode == "reverse":
            adgen.grad(eig_sum)(ROTATION)
        else:
            adgen.jvp(eig_sum)(ROTATION, np.ones((2, 2)))
    # The same function differentiates where the spectrum is real.
    check_grads(eig_sum, [real_spectrum(2)(np.random.default_rng(0))])


@pytest.mark.parametrize("f,shape", [(svd_full_u, (4, 3)), (svd_full_vh, (3, 4)), (qr_sum, (3, 4))])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_factors_without_a_derivative_are_refused_at_run_time(
    f: Any, shape: Any, mode: str
) -> None:
    a = np.random.default_rng(0).standard_normal(shape)
    with pytest.raises(adgen.DifferentiationError, match="at least as many"):
        if mode == "reverse":
            adgen.grad(f)(a)
        else:
            adgen.jvp(f)(a, np.ones(shape))


def test_unique_parts_of_a_full_svd_are_differentiated() -> None:
    rng = np.random.default_rng(3)
    check_grads(svd_full_values, [rng.standard_normal((4, 3))])
    check_grads(svd_full_u, [rng.standard_normal((4, 5))])
    check_grads(svd_full_vh, [rng.standard_normal((5, 4))])


def svd_hermitian(a):
    return np.sum(np.linalg.svd(a, hermitian=True, compute_uv=False))


def pinv_hermitian(a):
    return np.sum(np.linalg.pinv(a, hermitian=True))


def qr_raw(a):
    h, tau = np.linalg.qr(a, mode="raw")
    return np.sum(h)


def lstsq_residuals(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b)
    return np.sum(res)


def matrix_norm_without_axis(x):
    return np.linalg.norm(x, 2)


@pytest.mark.parametrize(
    "f,match",
    [
        (svd_hermitian, "hermitian=False"),
        (pinv_hermitian, "hermitian=False"),
        (qr_raw, "mode='raw'"),
        (matrix_norm_without_axis, "axis=\\(0, 1\\)"),
    ],
)
def test_refused_while_differentiating(f: Any, match: str) -> None:
    with pytest.raises(adgen.DifferentiationError, match=match):
        adgen.grad(f)(spd(3)(np.random.default_rng(0)))


def test_lstsq_residuals_are_refused_with_the_way_out() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(adgen.DifferentiationError, match="b - a @ x"):
        adgen.grad(lstsq_residuals)(rng.standard_normal((5, 3)), rng.standard_normal(5))


def test_gaps_that_are_zero_contribute_zero() -> None:
    """At a repeated singular value the vectors' derivative is not defined; as for eigh,
    the zero gap contributes 0 (finite numbers, never inf or nan)."""

    def f(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(u**2 * np.arange(3.0))

    g = adgen.grad(f)(np.diag([2.0, 2.0, 1.0]))
    assert np.all(np.isfinite(g))


if sl is not None:

    def expm_hessian_target(a):
        return np.sum(np.sin(sl.expm(a)))

    def test_second_derivative_of_expm_is_refused() -> None:
        with pytest.raises(adgen.DifferentiationError, match="second derivative"):
            adgen.hessian(expm_hessian_target)(np.eye(2) * 0.5)
