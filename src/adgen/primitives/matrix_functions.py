"""NumPy's pinv, lstsq and matrix_power.

``pinv`` and ``lstsq``: the formulas hold where the rank of ``a`` is constant
near ``a`` (the usual case, full rank; a rank cut by ``rcond`` well below the
smallest kept singular value); at a change of rank the functions are not
continuous, and no derivative exists. ``lstsq`` uses ``pinv`` with its own
cut-off. ``matrix_power``'s derivative has ``|n|`` terms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DifferentiationError
from .core import Primitive, Sym, call, define, define_tuple, sum_tangents, template
from .decompositions import part, svd_values_jvp, svd_values_vjp
from .linalg import mT

# --------------------------------------------------------------------- pinv


def pinv_tangent(t: Sym, p: Sym, a: Sym) -> Sym:
    """The tangent of ``p = pinv(a)`` for a tangent ``t`` of ``a`` (constant rank)."""
    tt, pt = mT(t), mT(p)
    return -(p @ t @ p) + (p @ pt) @ (tt - tt @ a @ p) + (tt - p @ a @ tt) @ (pt @ p)


def pinv_adjoint(g: Sym, p: Sym, a: Sym) -> Sym:
    """The adjoint of ``a`` given the adjoint ``g`` of ``p = pinv(a)`` (constant rank)."""
    gt, pt = mT(g), mT(p)
    ppt, ptp = p @ pt, pt @ p
    return -(pt @ g @ pt) + (gt - a @ p @ gt) @ ppt + ptp @ (gt - gt @ p @ a)


def _no_hermitian(hermitian: bool) -> None:
    if hermitian:
        raise DifferentiationError(
            "np.linalg.pinv with hermitian=True has no derivative rule in adgen; pass "
            "hermitian=False (the default)"
        )


define(
    Primitive(
        "pinv",
        template("np.linalg.pinv(_0)"),
        ("a",),
        attrs={"rcond": None, "hermitian": False, "rtol": None},
        jvp=lambda ts, out, a, hermitian, **kw: (
            _no_hermitian(hermitian) or pinv_tangent(ts[0], out, a)
        ),
        vjps=(
            lambda g, out, a, hermitian, **kw: _no_hermitian(hermitian) or pinv_adjoint(g, out, a),
        ),
        callables=(np.linalg.pinv,),
        fresh_array=True,
        doc="Moore-Penrose pseudo-inverse (derivative where the rank is locally constant)",
    )
)


# -------------------------------------------------------------------- lstsq


def _lstsq_pinv(a: Sym, rcond: Any) -> Sym:
    """pinv(a) with lstsq's cut-off for small singular values."""
    return call("pinv", a, rtol=None) if rcond is None else call("pinv", a, rcond=rcond)


def _lstsq_x_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym, rcond: Any) -> Sym | None:
    p = _lstsq_pinv(a, rcond)
    return sum_tangents(
        [
            None if ts[0] is None else pinv_tangent(ts[0], p, a) @ b,
            None if ts[1] is None else p @ ts[1],
        ]
    )


def _lstsq_x_vjp_a(g: Sym, out: Sym, a: Sym, b: Sym, rcond: Any) -> Sym:
    p = _lstsq_pinv(a, rcond)
    return pinv_adjoint(call("matmul_adjoint_a", g, p, b), p, a)


def _lstsq_x_vjp_b(g: Sym, out: Sym, a: Sym, b: Sym, rcond: Any) -> Sym:
    return call("matmul_adjoint_b", g, _lstsq_pinv(a, rcond), b)


def _residuals_refused(*args: Any, **kwargs: Any) -> None:
    raise DifferentiationError(
        "the residuals of np.linalg.lstsq have no derivative rule in adgen (their shape "
        "depends on the rank); compute them from the solution: "
        "np.sum((b - a @ x) ** 2, axis=0)"
    )


LSTSQ = {"rcond": None}


def _lstsq(name: str, index: int, doc: str, **fields: Any) -> None:
    define(
        Primitive(
            name, part("np.linalg.lstsq", index), ("a", "b"), attrs=dict(LSTSQ), doc=doc, **fields
        )
    )


_lstsq(
    "lstsq_x",
    0,
    "x, _, _, _ = np.linalg.lstsq(a, b): least-squares solution "
    "(derivative where the rank of a is locally constant)",
    jvp=_lstsq_x_jvp,
    vjps=(_lstsq_x_vjp_a, _lstsq_x_vjp_b),
    float_result="always",
)
_lstsq(
    "lstsq_residuals",
    1,
    "_, res, _, _ = np.linalg.lstsq(a, b): sums of squared "
    "residuals (refused: compute them from x)",
    jvp=_residuals_refused,
    vjps=(_residuals_refused, _residuals_refused),
    float_result="always",
)
_lstsq(
    "lstsq_rank",
    2,
    "_, _, rank, _ = np.linalg.lstsq(a, b): the rank of a (an integer)",
    differentiable=False,
    int_result=True,
)
_lstsq(
    "lstsq_sv",
    3,
    "_, _, _, sv = np.linalg.lstsq(a, b): singular values of a",
    jvp=lambda ts, out, a, b, rcond: None if ts[0] is None else svd_values_jvp(ts[:1], out, a),
    vjps=(lambda g, out, a, b, rcond: svd_values_vjp(g, out, a), None),
    float_result="always",
)

define_tuple((np.linalg.lstsq,), ("lstsq_x", "lstsq_residuals", "lstsq_rank", "lstsq_sv"))


# ------------------------------------------------------------- matrix_power


def _power(base: Sym, k: int) -> Sym | None:
    """base ** k as a matrix power, None for the identity (k = 0)."""
    if k == 0:
        return None
    return base if k == 1 else call("matrix_power", base, n=k)


def _sandwich(left: Sym | None, t: Sym, right: Sym | None) -> Sym:
    t = t if left is None else left @ t
    return t if right is None else t @ right


def _power_parts(a: Sym, n: int) -> tuple[Sym, int]:
    """(base, m) with a ** n = base ** m, m >= 0."""
    return (a, n) if n >= 0 else (call("inv", a), -n)


def _matrix_power_jvp(ts: list[Sym | None], out: Sym, a: Sym, n: int) -> Sym | None:
    if n == 0:
        return None
    base, m = _power_parts(a, n)
    t = ts[0] if n > 0 else -(base @ ts[0] @ base)
    return sum_tangents([_sandwich(_power(base, k), t, _power(base, m - 1 - k)) for k in range(m)])


def _matrix_power_vjp(g: Sym, out: Sym, a: Sym, n: int) -> Sym | None:
    if n == 0:
        return None
    base, m = _power_parts(a, n)
    parts = []
    for k in range(m):
        left, right = _power(base, k), _power(base, m - 1 - k)
        parts.append(
            _sandwich(None if left is None else mT(left), g, None if right is None else mT(right))
        )
    total = sum_tangents(parts)
    assert total is not None
    return total if n > 0 else -(mT(base) @ total @ mT(base))


define(
    Primitive(
        "matrix_power",
        template("np.linalg.matrix_power(_0, _n)", {"n": 1}),
        ("a",),
        attrs={"n": 1},
        jvp=_matrix_power_jvp,
        vjps=(_matrix_power_vjp,),
        callables=(np.linalg.matrix_power,),
        doc="a ** n for a constant integer n (negative: powers of the inverse); the "
        "derivative has |n| terms",
    )
)
