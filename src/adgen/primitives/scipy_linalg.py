"""SciPy's linear algebra: solve_triangular, cho_factor/cho_solve, lu_factor/lu_solve, expm.

SciPy is optional: this module is imported only once the user's program has
imported ``scipy.linalg`` (see :func:`adgen.primitives.core.load_deferred`).

The factorizations return matrices that hold a factor in one triangle; the
derivatives are those of the arrays SciPy returns. ``cho_factor`` leaves the
entries of ``a`` in the other triangle, whose derivative is then that of
``a``; ``cho_solve`` and ``solve_triangular`` read one triangle only, so the
adjoint of that argument lies in it. ``expm``'s derivative is SciPy's Fréchet
derivative (``expm_frechet``), for a single matrix; its second derivative in
``a`` is refused.
"""

from __future__ import annotations

from typing import Any

import scipy.linalg

from .. import runtime
from ..errors import DifferentiationError
from .core import Primitive, Sym, call, define, define_tuple, sum_tangents, template
from .decompositions import part
from .linalg import cholesky_jvp, cholesky_vjp, mT

SL = ("scipy.linalg",)
CHECK = {"overwrite_b": False, "check_finite": True}


def triangle(x: Sym, lower: bool, strict: bool = False) -> Sym:
    """The lower (or upper) triangle of x, without the diagonal if ``strict``."""
    if lower:
        return call("tril", x, k=-1 if strict else 0)
    return call("triu", x, k=1 if strict else 0)


# --------------------------------------------------------- solve_triangular


def _transposed(trans: Any) -> bool:
    if trans not in (0, 1, 2, "N", "T", "C"):
        raise DifferentiationError(
            f"solve_triangular: trans={trans!r} is not 0, 1, 2, 'N', 'T' or 'C'"
        )
    return trans in (1, 2, "T", "C")


def _used(t: Sym, lower: bool, unit_diagonal: bool) -> Sym:
    """The part of a tangent of ``a`` that solve_triangular reads."""
    return triangle(t, lower, strict=unit_diagonal)


def _tri_solve(a: Sym, b: Sym, kw: dict[str, Any], flip: bool = False) -> Sym:
    trans = kw["trans"]
    if flip:
        trans = 0 if _transposed(trans) else 1
    return call("solve_triangular", a, b, **{**kw, "trans": trans})


def _solve_triangular_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym, **kw: Any) -> Sym:
    ta, tb = ts
    rhs: Sym | None = tb
    if ta is not None:
        used = _used(ta, kw["lower"], kw["unit_diagonal"])
        op = mT(used) if _transposed(kw["trans"]) else used
        rhs = sum_tangents([tb, -(op @ out)])
    assert rhs is not None
    return _tri_solve(a, rhs, kw)


def _solve_triangular_vjp_a(g: Sym, out: Sym, a: Sym, b: Sym, **kw: Any) -> Sym:
    gb = _tri_solve(a, g, kw, flip=True)
    ga = -call("matmul_adjoint_a", gb, a, out)
    if _transposed(kw["trans"]):
        ga = mT(ga)
    return _used(ga, kw["lower"], kw["unit_diagonal"])


define(
    Primitive(
        "solve_triangular",
        template("scipy.linalg.solve_triangular(_0, _1)"),
        ("a", "b"),
        attrs={"trans": 0, "lower": False, "unit_diagonal": False, **CHECK},
        jvp=_solve_triangular_jvp,
        vjps=(_solve_triangular_vjp_a, lambda g, out, a, b, **kw: _tri_solve(a, g, kw, True)),
        callables=(scipy.linalg.solve_triangular,),
        modules=SL,
        fresh_array=True,
        doc="the solution x of a @ x = b (or a.T @ x = b) for a triangular a (reads one "
        "triangle of a)",
    )
)


# ---------------------------------------------------------------- Cholesky

CHO = {"lower": False, "overwrite_a": False, "check_finite": True}


def _cho_factor_jvp(ts: list[Sym | None], out: Sym, a: Sym, lower: bool, **kw: Any) -> Sym:
    t = ts[0]
    factor = triangle(out, lower)
    if lower:
        df = cholesky_jvp([t], factor, a)
    else:  # c holds U = L.T, with L the factor of the matrix a's upper triangle stands for
        df = mT(cholesky_jvp([mT(t)], mT(factor), mT(a)))
    return triangle(df, lower) + triangle(t, not lower, strict=True)


def _cho_factor_vjp(g: Sym, out: Sym, a: Sym, lower: bool, **kw: Any) -> Sym:
    factor, gf = triangle(out, lower), triangle(g, lower)
    if lower:
        ga = cholesky_vjp(gf, factor, a)
    else:
        ga = mT(cholesky_vjp(mT(gf), mT(factor), mT(a)))
    return ga + triangle(g, not lower, strict=True)


define(
    Primitive(
        "cho_factor_c",
        part("scipy.linalg.cho_factor", 0),
        ("a",),
        attrs=dict(CHO),
        jvp=_cho_factor_jvp,
        vjps=(_cho_factor_vjp,),
        modules=SL,
        fresh_array=True,
        doc="c, _ = scipy.linalg.cho_factor(a): the Cholesky factor in one triangle of c "
        "(the other holds a's entries)",
    )
)

define(
    Primitive(
        "cho_factor_lower",
        template("_lower", {"lower": False}),
        ("a",),
        attrs=dict(CHO),
        differentiable=False,
        boolean=True,
        doc="_, lower = scipy.linalg.cho_factor(a): which triangle holds the factor",
    )
)

define_tuple((scipy.linalg.cho_factor,), ("cho_factor_c", "cho_factor_lower"))


def _cho_lower_factor(c: Sym, lower: Sym) -> Sym:
    """The lower Cholesky factor L that ``(c, lower)`` stands for (lower is a run-time flag)."""
    return call("where", lower, call("tril", c), mT(call("triu", c)))


def _cho_used(x: Sym, lower: Sym) -> Sym:
    """A lower-triangular L's adjoint moved into the triangle of c that holds the factor."""
    return call("where", lower, call("tril", x), call("triu", mT(x)))


def _cho_solve_jvp(ts: list[Sym | None], out: Sym, c: Sym, lower: Sym, b: Sym, **kw: Any) -> Sym:
    tc, _, tb = ts
    rhs: Sym | None = tb
    if tc is not None:
        low = _cho_lower_factor(c, lower)
        dl = _cho_lower_factor(tc, lower)
        da = dl @ mT(low) + low @ mT(dl)
        rhs = sum_tangents([tb, -(da @ out)])
    assert rhs is not None
    return call("cho_solve", c, lower, rhs)


def _cho_solve_vjp_c(g: Sym, out: Sym, c: Sym, lower: Sym, b: Sym, **kw: Any) -> Sym:
    gb = call("cho_solve", c, lower, g)
    ga = -call("matmul_adjoint_a", gb, c, out)
    return _cho_used((ga + mT(ga)) @ _cho_lower_factor(c, lower), lower)


define(
    Primitive(
        "cho_solve",
        template("scipy.linalg.cho_solve((_0, _1), _2)"),
        ("c", "lower", "b"),
        attrs=dict(CHECK),
        jvp=_cho_solve_jvp,
        vjps=(
            _cho_solve_vjp_c,
            None,
            lambda g, out, c, lower, b, **kw: call("cho_solve", c, lower, g),
        ),
        callables=(scipy.linalg.cho_solve,),
        modules=SL,
        packed=2,
        fresh_array=True,
        doc="the solution x of a @ x = b from cho_factor(a) = (c, lower) (reads the factor's "
        "triangle of c)",
    )
)


# ------------------------------------------------------------------- expm


def _expm_second_refused(*args: Any, **kwargs: Any) -> None:
    raise DifferentiationError(
        "the second derivative of scipy.linalg.expm in its matrix is refused by adgen "
        "(its Fréchet derivative is differentiated only in the direction)"
    )


define(
    Primitive(
        "expm",
        template("scipy.linalg.expm(_0)"),
        ("a",),
        jvp=lambda ts, out, a: call("expm_frechet", a, ts[0]),
        vjps=(lambda g, out, a: call("expm_frechet", mT(a), g),),
        callables=(scipy.linalg.expm,),
        modules=SL,
        fresh_array=True,
        doc="matrix exponential of a matrix (derivative for a single matrix, not a stack)",
    )
)


def _frechet_jvp(ts: list[Sym | None], out: Sym, a: Sym, e: Sym) -> Sym | None:
    if ts[0] is not None:
        _expm_second_refused()
    return None if ts[1] is None else call("expm_frechet", a, ts[1])


define(
    Primitive(
        "expm_frechet",
        template("scipy.linalg.expm_frechet(_0, _1, compute_expm=False)"),
        ("a", "e"),
        jvp=_frechet_jvp,
        vjps=(_expm_second_refused, lambda g, out, a, e: call("expm_frechet", mT(a), g)),
        modules=SL,
        fresh_array=True,
        doc="the Fréchet derivative of expm at a in the direction e (linear in e; its "
        "derivative in a is refused)",
    )
)


# ---------------------------------------------------------------------- LU
# lu_factor(a) = (lu, piv) with a = P @ L @ U: L unit lower triangular (below the
# diagonal of lu), U upper triangular (on and above it), P the pivots' permutation.


def _l_solve(lu: Sym, m: Sym, transposed: bool = False) -> Sym:
    """inv(L) @ m (inv(L).T @ m if ``transposed``)."""
    return call(
        "solve_triangular", lu, m, lower=True, unit_diagonal=True, trans=1 if transposed else 0
    )


def _times_u_inverse(m: Sym, lu: Sym, transposed: bool = False) -> Sym:
    """m @ inv(U) (m @ inv(U).T if ``transposed``)."""
    return mT(call("solve_triangular", lu, mT(m), trans=0 if transposed else 1))


def _l_times(lu: Sym, m: Sym) -> Sym:
    """L @ m."""
    return m + call("tril", lu, k=-1) @ m


def _lu_factor_jvp(ts: list[Sym | None], out: Sym, a: Sym, **kw: Any) -> Sym:
    piv = call("lu_factor_piv", a, **kw)
    x = _times_u_inverse(_l_solve(out, call("lu_rows", ts[0], piv)), out)
    return _l_times(out, call("tril", x, k=-1)) + call("triu", x) @ call("triu", out)


def _lu_factor_vjp(g: Sym, out: Sym, a: Sym, **kw: Any) -> Sym:
    piv = call("lu_factor_piv", a, **kw)
    lt_g = g + mT(call("tril", out, k=-1)) @ g
    x = call("tril", lt_g, k=-1) + call("triu", g @ mT(call("triu", out)))
    y = _times_u_inverse(_l_solve(out, x, transposed=True), out, transposed=True)
    return call("lu_rows", y, piv, inverse=True)


LU = {"overwrite_a": False, "check_finite": True}

define(
    Primitive(
        "lu_factor_lu",
        part("scipy.linalg.lu_factor", 0),
        ("a",),
        attrs=dict(LU),
        jvp=_lu_factor_jvp,
        vjps=(_lu_factor_vjp,),
        modules=SL,
        fresh_array=True,
        doc="lu, _ = scipy.linalg.lu_factor(a): L (below the diagonal, unit diagonal "
        "implied) and U (on and above it) of a = P @ L @ U (pivots constant nearby)",
    )
)

define(
    Primitive(
        "lu_factor_piv",
        part("scipy.linalg.lu_factor", 1),
        ("a",),
        attrs=dict(LU),
        differentiable=False,
        index_array=True,
        modules=SL,
        doc="_, piv = scipy.linalg.lu_factor(a): the pivots (integers)",
    )
)

define_tuple((scipy.linalg.lu_factor,), ("lu_factor_lu", "lu_factor_piv"))

define(
    Primitive(
        "lu_rows",
        template("lu_rows(_0, _1)"),
        ("x", "piv"),
        attrs={"inverse": False},
        jvp=lambda ts, out, x, piv, inverse: call("lu_rows", ts[0], piv, inverse=inverse),
        vjps=(lambda g, out, x, piv, inverse: call("lu_rows", g, piv, inverse=not inverse), None),
        helpers=("lu_rows",),
        callables=(runtime.lu_rows,),
        shape_of=0,
        doc="the rows of x permuted by lu_factor's pivots (P.T @ x; P @ x if inverse)",
    )
)


def _lu_matrix_tangent(t: Sym, lu: Sym, piv: Sym) -> Sym:
    """The tangent of a = P @ L @ U for a tangent t of lu."""
    inner = call("tril", t, k=-1) @ call("triu", lu) + _l_times(lu, call("triu", t))
    return call("lu_rows", inner, piv, inverse=True)


def _lu_solve_jvp(
    ts: list[Sym | None], out: Sym, lu: Sym, piv: Sym, b: Sym, trans: Any, **kw: Any
) -> Sym:
    tl, _, tb = ts
    rhs: Sym | None = tb
    if tl is not None:
        da = _lu_matrix_tangent(tl, lu, piv)
        rhs = sum_tangents([tb, -((mT(da) if _transposed(trans) else da) @ out)])
    assert rhs is not None
    return call("lu_solve", lu, piv, rhs, trans=trans, **kw)


def _lu_solve_b(g: Sym, lu: Sym, piv: Sym, trans: Any, kw: dict[str, Any]) -> Sym:
    return call("lu_solve", lu, piv, g, trans=0 if _transposed(trans) else 1, **kw)


def _lu_solve_vjp_lu(g: Sym, out: Sym, lu: Sym, piv: Sym, b: Sym, trans: Any, **kw: Any) -> Sym:
    gb = _lu_solve_b(g, lu, piv, trans, kw)
    ga = -call("matmul_adjoint_a", gb, lu, out)
    if _transposed(trans):
        ga = mT(ga)
    ga = call("lu_rows", ga, piv)
    lt_ga = ga + mT(call("tril", lu, k=-1)) @ ga
    return call("tril", ga @ mT(call("triu", lu)), k=-1) + call("triu", lt_ga)


define(
    Primitive(
        "lu_solve",
        template("scipy.linalg.lu_solve((_0, _1), _2)"),
        ("lu", "piv", "b"),
        attrs={"trans": 0, **CHECK},
        jvp=_lu_solve_jvp,
        vjps=(
            _lu_solve_vjp_lu,
            None,
            lambda g, out, lu, piv, b, trans, **kw: _lu_solve_b(g, lu, piv, trans, kw),
        ),
        callables=(scipy.linalg.lu_solve,),
        modules=SL,
        packed=2,
        fresh_array=True,
        doc="the solution x of a @ x = b (a.T @ x = b with trans=1) from lu_factor(a) = (lu, piv)",
    )
)
