"""Decompositions of NumPy: svd, eig and qr (pinv, lstsq: :mod:`.matrix_functions`).

Each component of a decomposition is a primitive of its own (``u, s, vh =
np.linalg.svd(a)`` is three ops); their rules use the reduced factors, so they
hold for stacks of matrices. What the rules assume, and what they do where a
formula divides by zero:

* SVD and eig: the derivatives of the vectors divide by the gaps between
  singular values (``s_j**2 - s_i**2``) or eigenvalues; as for ``eigh``, a gap
  that is exactly zero contributes 0 (the vectors of a repeated value are not
  unique, so their derivative is not defined there). The SVD's ``1 / s`` (the
  part of ``u`` outside the span of ``a`` for a tall ``a``, of ``v`` for a wide
  one) is likewise 0 for a zero singular value.
* A full-size SVD or QR factor with columns that are an arbitrary basis of a
  complement (``u`` of a tall matrix with ``full_matrices=True``) has no
  derivative: refused at run time (``require_shape``). QR is differentiated for
  matrices with at least as many rows as columns (and full column rank).
* ``np.linalg.eig`` is refused at run time when the spectrum is complex.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from .. import runtime
from ..errors import DifferentiationError
from .core import (
    Emitter,
    Primitive,
    Sym,
    call,
    define,
    define_tuple,
    keywords,
    multilinear_jvp,
    sum_tangents,
    template,
)
from .linalg import eig_gaps, mT, read_triangle


def part(func: str, index: int, single: tuple[str, Any] | None = None) -> Emitter:
    """Emit ``func(args, **attrs)[index]``; without the index when the attribute
    ``single[0]`` is ``single[1]`` (the call then returns one array)."""

    def emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
        node = ast.Call(func=template(func)([], {}), args=list(args), keywords=keywords(attrs))
        if single is not None and attrs.get(single[0], not single[1]) == single[1]:
            return node
        return ast.Subscript(value=node, slice=ast.Constant(index), ctx=ast.Load())

    return emit


def cols(m: Sym, v: Sym) -> Sym:
    """Each column j of the matrices ``m`` times ``v[..., j]`` (``m @ diag(v)``)."""
    return m * call("expand_dims", v, -2)


def rows(v: Sym, m: Sym) -> Sym:
    """Each row i of the matrices ``m`` times ``v[..., i]`` (``diag(v) @ m``)."""
    return call("expand_dims", v, -1) * m


def safe_reciprocal(s: Sym) -> Sym:
    """``1 / s``, and 0 where ``s`` is 0 (the convention of the gaps above)."""
    zero = call("eq", s, 0.0)
    return call("where", zero, 0.0, 1 / call("where", zero, 1.0, s))


def right_solve(x: Sym, r: Sym, transposed: bool = False) -> Sym:
    """``x @ inv(r)`` (``x @ inv(r).T`` if ``transposed``)."""
    return mT(call("solve", r if transposed else mT(r), mT(x)))


def checked(t: Sym, a: Sym, shape: str, what: str) -> Sym:
    """``t``, checked at run time to belong to a matrix ``a`` of that shape."""
    return call("require_shape", t, a, shape=shape, what=what)


define(
    Primitive(
        "require_shape",
        template("require_shape(_0, _1)"),
        ("g", "a"),
        attrs={"shape": "tall", "what": ""},
        jvp=multilinear_jvp("require_shape"),
        vjps=(lambda b, out, g, a, **kw: call("require_shape", b, a, **kw), None),
        shape_of=0,
        helpers=("require_shape",),
        shape_only=(1,),
        effect=True,
        callables=(runtime.require_shape,),
        doc="g, after checking at run time that the matrices of a are tall or wide (a "
        "derivative exists only then)",
    )
)


# ---------------------------------------------------------------------- SVD

SVD = {"full_matrices": True, "compute_uv": True, "hermitian": False}


def _svd(
    a: Sym, full_matrices: bool, hermitian: bool, side: str | None = None
) -> tuple[Sym, Sym, Sym, Sym]:
    """(u, s, v, f): the reduced factors of ``a`` and the gaps ``1 / (s_j^2 - s_i^2)``."""
    if hermitian:
        raise DifferentiationError(
            "np.linalg.svd with hermitian=True has no derivative rule in adgen; pass "
            "hermitian=False (the default), or use np.linalg.eigh for a symmetric matrix"
        )
    u = call("svd_u", a, full_matrices=False)
    # The reduced factors, computed as the user's reduced SVD is (common subexpressions).
    s = call("svd_s", a, full_matrices=False)
    v = mT(call("svd_vh", a, full_matrices=False))
    return u, s, v, eig_gaps(s * s)


def _full(t: Sym, a: Sym, full_matrices: bool, shape: str, factor: str) -> Sym:
    if not full_matrices:
        return t
    return checked(
        t,
        a,
        shape,
        f"the full-size {factor} of np.linalg.svd (full_matrices="
        "True, the default; pass full_matrices=False)",
    )


def _svd_u_jvp(ts: list[Sym | None], out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, kw["full_matrices"], kw["hermitian"])
    t = _full(ts[0], a, kw["full_matrices"], "wide", "u")
    p = mT(u) @ t @ v
    return u @ (f * (cols(p, s) + rows(s, mT(p)))) + cols(t @ v - u @ p, safe_reciprocal(s))


def _svd_u_vjp(g: Sym, out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, kw["full_matrices"], kw["hermitian"])
    g = _full(g, a, kw["full_matrices"], "wide", "u")
    j = mT(u) @ g
    return (cols(u @ (f * (j - mT(j))), s) + cols(g - u @ j, safe_reciprocal(s))) @ mT(v)


def svd_values_jvp(ts: list[Sym | None], out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, False, kw.get("hermitian", False))
    return call("sum", u * (ts[0] @ v), axis=-2)


def svd_values_vjp(g: Sym, out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, False, kw.get("hermitian", False))
    return cols(u, g) @ mT(v)


def _svd_vh_jvp(ts: list[Sym | None], out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, kw["full_matrices"], kw["hermitian"])
    t = _full(ts[0], a, kw["full_matrices"], "tall", "vh")
    p = mT(u) @ t @ v
    dv = v @ (f * (rows(s, p) + cols(mT(p), s))) + cols(mT(t) @ u - v @ mT(p), safe_reciprocal(s))
    return mT(dv)


def _svd_vh_vjp(g: Sym, out: Sym, a: Sym, **kw: Any) -> Sym:
    u, s, v, f = _svd(a, kw["full_matrices"], kw["hermitian"])
    vbar = mT(_full(g, a, kw["full_matrices"], "tall", "vh"))
    k = mT(v) @ vbar
    return u @ rows(s, f * (k - mT(k))) @ mT(v) + cols(u, safe_reciprocal(s)) @ mT(vbar - v @ k)


for _name, _index, _jvp, _vjp, _doc in [
    ("svd_u", 0, _svd_u_jvp, _svd_u_vjp, "u, _, _ = np.linalg.svd(a): left singular vectors"),
    (
        "svd_s",
        1,
        svd_values_jvp,
        svd_values_vjp,
        "_, s, _ = np.linalg.svd(a), np.linalg.svd(a, compute_uv=False): singular values",
    ),
    (
        "svd_vh",
        2,
        _svd_vh_jvp,
        _svd_vh_vjp,
        "_, _, vh = np.linalg.svd(a): right singular vectors (rows)",
    ),
]:
    define(
        Primitive(
            _name,
            part("np.linalg.svd", _index, ("compute_uv", False) if _index == 1 else None),
            ("a",),
            attrs=dict(SVD),
            jvp=_jvp,
            vjps=(_vjp,),
            fresh_array=True,
            float_result="always",
            doc=_doc + " (distinct singular values; a full-size factor only where unique)",
        )
    )

define_tuple(
    (np.linalg.svd,), ("svd_u", "svd_s", "svd_vh"), single=("compute_uv", 2, {False: "svd_s"})
)


# ---------------------------------------------------------------------- eig


def _eig(a: Sym) -> tuple[Sym, Sym, Sym]:
    w = call("eig_values", a)
    return w, call("eig_vectors", a), eig_gaps(w)


def _eig_values_jvp(ts: list[Sym | None], out: Sym, a: Sym) -> Sym:
    v = call("eig_vectors", a)
    return call("diagonal", call("solve", v, ts[0] @ v), axis1=-2, axis2=-1)


def _eig_values_vjp(g: Sym, out: Sym, a: Sym) -> Sym:
    v = call("eig_vectors", a)
    return call("solve", mT(v), rows(g, mT(v)))


def _unit(v: Sym, x: Sym) -> Sym:
    """x without its part along each column of v: numpy's eigenvectors have norm 1."""
    return x - cols(v, call("sum", v * x, axis=-2))


def _eig_vectors_jvp(ts: list[Sym | None], out: Sym, a: Sym) -> Sym:
    w, v, f = _eig(a)
    return _unit(v, v @ (f * call("solve", v, ts[0] @ v)))


def _eig_vectors_vjp(g: Sym, out: Sym, a: Sym) -> Sym:
    w, v, f = _eig(a)
    return call("solve", mT(v), (f * (mT(v) @ _unit(v, g))) @ mT(v))


define(
    Primitive(
        "eig_values",
        template("real_eig(_0)"),
        ("a",),
        jvp=_eig_values_jvp,
        vjps=(_eig_values_vjp,),
        helpers=("real_eig",),
        callables=(np.linalg.eigvals,),
        fresh_array=True,
        doc="w, _ = np.linalg.eig(a), np.linalg.eigvals(a): eigenvalues of a real matrix "
        "(refused at run time when they are complex)",
    )
)

define(
    Primitive(
        "eig_vectors",
        template("real_eig(_0, 1)"),
        ("a",),
        jvp=_eig_vectors_jvp,
        vjps=(_eig_vectors_vjp,),
        helpers=("real_eig",),
        fresh_array=True,
        float_result="always",
        doc="_, v = np.linalg.eig(a): unit eigenvectors of a real matrix with real, distinct "
        "eigenvalues (refused at run time when they are complex)",
    )
)

define_tuple((np.linalg.eig,), ("eig_values", "eig_vectors"))


# ----------------------------------------------------------------------- QR


def _qr(a: Sym, mode: str) -> tuple[Sym, Sym]:
    if mode not in ("reduced", "complete", "r"):
        raise DifferentiationError(
            f"np.linalg.qr with mode={mode!r} has no derivative rule in adgen; use "
            "mode='reduced' (the default), 'complete' or 'r'"
        )
    return call("qr_q", a), call("qr_r", a)


def _qr_checked(t: Sym, a: Sym, mode: str) -> Sym:
    t = checked(t, a, "tall", "np.linalg.qr")
    if mode == "complete":
        t = checked(t, a, "wide", "np.linalg.qr with mode='complete' (use mode='reduced')")
    return t


def _qr_tangents(t: Sym, a: Sym, mode: str) -> tuple[Sym, Sym]:
    """(dq, dr) for a tangent t of a."""
    q, r = _qr(a, mode)
    t_rinv = right_solve(_qr_checked(t, a, mode), r)
    c = mT(q) @ t_rinv
    low = call("tril", c, k=-1)
    omega = low - mT(low)
    return q @ (omega - c) + t_rinv, (c - omega) @ r


def _qr_adjoint(gq: Sym | None, gr: Sym | None, a: Sym, mode: str) -> Sym:
    q, r = _qr(a, mode)
    gq = None if gq is None else _qr_checked(gq, a, mode)
    gr = None if gr is None else _qr_checked(gr, a, mode)
    m = sum_tangents([None if gr is None else r @ mT(gr), None if gq is None else -(mT(gq) @ q)])
    left = q @ read_triangle(m, "L")
    return right_solve(left if gq is None else gq + left, r, transposed=True)


define(
    Primitive(
        "qr_q",
        part("np.linalg.qr", 0),
        ("a",),
        attrs={"mode": "reduced"},
        jvp=lambda ts, out, a, mode: _qr_tangents(ts[0], a, mode)[0],
        vjps=(lambda g, out, a, mode: _qr_adjoint(g, None, a, mode),),
        fresh_array=True,
        float_result="always",
        doc="q, _ = np.linalg.qr(a): orthonormal factor (a with at least as many rows as "
        "columns, full column rank)",
    )
)

define(
    Primitive(
        "qr_r",
        part("np.linalg.qr", 1, ("mode", "r")),
        ("a",),
        attrs={"mode": "reduced"},
        jvp=lambda ts, out, a, mode: _qr_tangents(ts[0], a, mode)[1],
        vjps=(lambda g, out, a, mode: _qr_adjoint(None, g, a, mode),),
        fresh_array=True,
        float_result="always",
        doc="_, r = np.linalg.qr(a), np.linalg.qr(a, mode='r'): upper triangular factor",
    )
)

define_tuple((np.linalg.qr,), ("qr_q", "qr_r"), single=("mode", 1, {"r": "qr_r"}))
