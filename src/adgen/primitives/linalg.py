"""Linear algebra: products (``@``, dot, einsum...), solves, decompositions, norms.

Products are linear in each operand, so their tangents are products of
tangents (:func:`multilinear_jvp`) and their adjoints are the runtime helpers
``<product>_adjoint_a``/``_b`` (see :mod:`.helpers`). Matrix functions act on
the last two axes, so stacks of matrices work throughout.

``np.linalg.cholesky`` and ``np.linalg.eigh`` read only one triangle of their
argument (the lower one by default); their derivatives are those of the
functions NumPy computes, so the adjoint of the input lies in that triangle.
Eigenvector derivatives need distinct eigenvalues.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

import numpy as np

from ..errors import DifferentiationError
from .arith import unbroadcast
from .core import (
    UNKNOWN,
    Primitive,
    Sym,
    Ty,
    call,
    call_template,
    define,
    define_tuple,
    keywords,
    multilinear_jvp,
    sum_tangents,
    template,
)
from .matrix_norms import MATRIX_ORDS, matrix_norm_jvp, matrix_norm_vjp
from .reductions import restore, ties


def mT(a: Sym) -> Sym:
    """The transpose of each matrix in a stack: ``np.swapaxes(a, -1, -2)``."""
    return call("swapaxes", a, axis1=-1, axis2=-2)


def _matmul_shape(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    """The type of ``a @ b`` for 1-D and 2-D operands (unknown for stacks)."""
    a, b = args[0].shape, args[1].shape
    if a is None or b is None or not a or not b or len(a) > 2 or len(b) > 2:
        return UNKNOWN
    shape = a[:-1] + b[1:]
    return Ty("array", shape) if shape else Ty("?", ())


def product(
    name: str,
    emit: str,
    callables: tuple[Any, ...],
    doc: str,
    attrs: dict[str, Any] | None = None,
    adjoints: str | None = None,
) -> None:
    """A bilinear product whose adjoints are the helpers ``<adjoints>_adjoint_a``/``_b``."""
    helper = adjoints or name
    define(
        Primitive(
            name,
            template(emit),
            ("a", "b"),
            attrs=attrs or {},
            jvp=multilinear_jvp(name, (0, 1)),
            vjps=(
                lambda g, out, a, b, **kw: call(f"{helper}_adjoint_a", g, a, b, **kw),
                lambda g, out, a, b, **kw: call(f"{helper}_adjoint_b", g, a, b, **kw),
            ),
            callables=callables,
            methods=(name,) if name == "dot" else (),
            shape_rule=_matmul_shape if name in ("matmul", "dot") else None,
            # NumPy's type promotion: floating if an operand is (tensordot: by its axes).
            float_result="any" if name in ("matmul", "dot", "kron") else "",
            doc=doc,
        )
    )


product(
    "matmul",
    "_0 @ _1",
    (np.matmul, operator.matmul),
    "matrix product with NumPy's matmul broadcasting",
)
product("dot", "np.dot(_0, _1)", (np.dot,), "np.dot of scalars, vectors, matrices and N-D arrays")
product(
    "tensordot",
    "np.tensordot(_0, _1)",
    (np.tensordot,),
    "sum of products over the given axes",
    attrs={"axes": 2},
)
product("kron", "np.kron(_0, _1)", (np.kron,), "Kronecker product")

# inner(a, b) is tensordot over the last axes of both.
_LAST = ((-1,), (-1,))
define(
    Primitive(
        "inner",
        template("np.inner(_0, _1)"),
        ("a", "b"),
        jvp=multilinear_jvp("inner", (0, 1)),
        vjps=(
            lambda g, out, a, b: call("inner_adjoint_a", g, a, b),
            lambda g, out, a, b: call("inner_adjoint_b", g, a, b),
        ),
        callables=(np.inner,),
        doc="sum of products over the last axes (a scalar operand multiplies)",
    )
)

define(
    Primitive(
        "vdot",
        template("np.vdot(_0, _1)"),
        ("a", "b"),
        jvp=multilinear_jvp("vdot", (0, 1)),
        vjps=(
            lambda g, out, a, b: call("reshape_like", g * call("ravel", b), a),
            lambda g, out, a, b: call("reshape_like", g * call("ravel", a), b),
        ),
        callables=(np.vdot,),
        doc="dot product of the flattened arrays (real)",
    )
)

define(
    Primitive(
        "outer",
        template("np.outer(_0, _1)"),
        ("a", "b"),
        jvp=multilinear_jvp("outer", (0, 1)),
        vjps=(
            lambda g, out, a, b: call("reshape_like", call("dot", g, call("ravel", b)), a),
            lambda g, out, a, b: call("reshape_like", call("dot", call("ravel", a), g), b),
        ),
        callables=(np.outer,),
        doc="outer product of the flattened arrays",
    )
)


# ------------------------------------------------------------------ einsum


def _subscripts(s: Sym) -> str:
    value = getattr(s.v, "value", None)
    if not isinstance(value, str):
        raise DifferentiationError(
            "np.einsum needs its subscripts as a string constant or, in the sublist form, "
            "every sublist as a constant list of integers"
        )
    return value


def _einsum_first(g: Sym, out: Sym, subscripts: Sym, *xs: Sym, **attrs: Any) -> None:
    # Reached only if the first operand is an active array: a sublist form whose
    # sublists were not constants while lowering.
    _subscripts(subscripts)


def _einsum_jvp(
    ts: list[Sym | None], out: Sym, subscripts: Sym, *xs: Sym, **attrs: Any
) -> Sym | None:
    if ts[0] is not None:
        _subscripts(subscripts)
    parts = []
    for i, t in enumerate(ts[1:]):
        if t is not None:
            ys = list(xs)
            ys[i] = t
            parts.append(call("einsum", subscripts, *ys, **attrs))
    return sum_tangents(parts)


def _einsum_vjp(g: Sym, out: Sym, subscripts: Sym, *xs: Sym, position: int, **attrs: Any) -> Sym:
    return call("einsum_adjoint", g, *xs, subscripts=_subscripts(subscripts), index=position - 1)


define(
    Primitive(
        "einsum",
        call_template("np.einsum"),
        ("subscripts", "operands"),
        attrs={"optimize": False},
        jvp=_einsum_jvp,
        vjps=(_einsum_first, _einsum_vjp),
        callables=(np.einsum,),
        variadic=True,
        doc="Einstein summation with any subscripts ('ij,jk->ik', 'ii', '...ij->...ji')",
    )
)


# ------------------------------------------------------------------ trace


define(
    Primitive(
        "trace",
        template("np.trace(_0)"),
        ("x",),
        attrs={"offset": 0, "axis1": 0, "axis2": 1},
        jvp=lambda ts, out, x, **kw: call("trace", ts[0], **kw),
        vjps=(
            lambda g, out, x, **kw: call("diagonal_adjoint", call("expand_dims", g, -1), x, **kw),
        ),
        callables=(np.trace,),
        methods=("trace",),
        doc="sum along a diagonal",
    )
)


def _trace_last(a: Sym) -> Sym:
    return call("trace", a, axis1=-2, axis2=-1)


def _linalg(name: str, emit: str | None = None, **fields: Any) -> Primitive:
    return define(
        Primitive(
            name,
            template(emit or f"np.linalg.{name}(_0)"),
            fields.pop("operands", ("a",)),
            callables=(getattr(np.linalg, name),),
            **fields,
        )
    )


_linalg(
    "inv",
    jvp=lambda ts, out, a: -(out @ ts[0] @ out),
    vjps=(lambda g, out, a: -(mT(out) @ g @ mT(out)),),
    doc="matrix inverse",
)


def _solve_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym) -> Sym:
    ta, tb = ts
    rhs = tb if ta is None else -(ta @ out) if tb is None else tb - ta @ out
    return call("solve", a, rhs)


_linalg(
    "solve",
    "np.linalg.solve(_0, _1)",
    operands=("a", "b"),
    jvp=_solve_jvp,
    vjps=(
        lambda g, out, a, b: -call("matmul_adjoint_a", call("solve", mT(a), g), a, out),
        lambda g, out, a, b: unbroadcast(call("solve", mT(a), g), b),
    ),
    doc="the solution x of a @ x = b (b a vector only when 1-D, as in NumPy 2)",
)


def _scale_matrices(s: Sym, m: Sym) -> Sym:
    """Each matrix of the stack ``m`` times the matching number of ``s``."""
    return call("expand_dims", s, (-2, -1)) * m


_linalg(
    "det",
    jvp=lambda ts, out, a: out * _trace_last(call("solve", a, ts[0])),
    vjps=(lambda g, out, a: _scale_matrices(g * out, mT(call("inv", a))),),
    doc="determinant",
)

define(
    Primitive(
        "slogdet_sign",
        template("np.linalg.slogdet(_0)[0]"),
        ("a",),
        differentiable=False,
        doc="sign, _ = np.linalg.slogdet(a): the sign of the determinant (not differentiable)",
    )
)

define(
    Primitive(
        "slogdet_logabsdet",
        template("np.linalg.slogdet(_0)[1]"),
        ("a",),
        jvp=lambda ts, out, a: _trace_last(call("solve", a, ts[0])),
        vjps=(lambda g, out, a: _scale_matrices(g, mT(call("inv", a))),),
        doc="_, logabsdet = np.linalg.slogdet(a): log |det a|",
    )
)

define_tuple((np.linalg.slogdet,), ("slogdet_sign", "slogdet_logabsdet"))


# ------------------------------------------- functions of a symmetric matrix


def read_triangle(t: Sym, uplo: str) -> Sym:
    """The symmetric matrix NumPy uses when it reads only one triangle of ``t``."""
    if uplo == "L":
        return call("tril", t) + mT(call("tril", t, k=-1))
    return call("triu", t) + mT(call("triu", t, k=1))


def fold_triangle(q: Sym, uplo: str) -> Sym:
    """The adjoint of :func:`read_triangle`: q's entries moved into that triangle."""
    if uplo == "L":
        return call("tril", q) + call("tril", mT(q), k=-1)
    return call("triu", q) + call("triu", mT(q), k=1)


def _lower_half_diagonal(x: Sym) -> Sym:
    """The lower triangle of x with its diagonal halved."""
    return 0.5 * (call("tril", x) + call("tril", x, k=-1))


def cholesky_jvp(ts: list[Sym | None], out: Sym, a: Sym) -> Sym:
    ds = read_triangle(ts[0], "L")
    inner = call("solve", out, mT(call("solve", out, ds)))  # L^-1 dS L^-T
    return out @ _lower_half_diagonal(inner)


def cholesky_vjp(g: Sym, out: Sym, a: Sym) -> Sym:
    p = _lower_half_diagonal(mT(out) @ g)
    q = mT(call("solve", mT(out), mT(call("solve", mT(out), p))))  # L^-T P L^-1
    return fold_triangle(q, "L")


_linalg(
    "cholesky",
    jvp=cholesky_jvp,
    vjps=(cholesky_vjp,),
    doc="lower Cholesky factor L of a = L @ L.T (reads the lower triangle of a)",
)


def _emit_eigh_vectors(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    call_node = ast.Call(
        func=template("np.linalg.eigh")([], {}), args=list(args), keywords=keywords(attrs)
    )
    return ast.Subscript(value=call_node, slice=ast.Constant(1), ctx=ast.Load())


def eig_gaps(w: Sym) -> Sym:
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 where eigenvalues are equal."""
    gap = call("expand_dims", w, -2) - call("expand_dims", w, -1)
    equal = call("eq", gap, 0.0)
    return call("where", equal, 0.0, 1 / call("where", equal, 1.0, gap))


def _eigh_values_jvp(ts: list[Sym | None], out: Sym, a: Sym, UPLO: str) -> Sym:
    v = call("eigh_vectors", a, UPLO=UPLO)
    return call("sum", v * (read_triangle(ts[0], UPLO) @ v), axis=-2)


def _eigh_values_vjp(g: Sym, out: Sym, a: Sym, UPLO: str) -> Sym:
    v = call("eigh_vectors", a, UPLO=UPLO)
    return fold_triangle(v * call("expand_dims", g, -2) @ mT(v), UPLO)


def _eigh_vectors_jvp(ts: list[Sym | None], out: Sym, a: Sym, UPLO: str) -> Sym:
    f = eig_gaps(call("eigh_values", a, UPLO=UPLO))
    return out @ (f * (mT(out) @ read_triangle(ts[0], UPLO) @ out))


def _eigh_vectors_vjp(g: Sym, out: Sym, a: Sym, UPLO: str) -> Sym:
    f = eig_gaps(call("eigh_values", a, UPLO=UPLO))
    return fold_triangle(out @ (f * (mT(out) @ g)) @ mT(out), UPLO)


define(
    Primitive(
        "eigh_values",
        template("np.linalg.eigvalsh(_0)"),
        ("a",),
        attrs={"UPLO": "L"},
        jvp=_eigh_values_jvp,
        vjps=(_eigh_values_vjp,),
        callables=(np.linalg.eigvalsh,),
        doc="w, _ = np.linalg.eigh(a), np.linalg.eigvalsh(a): eigenvalues of a symmetric matrix",
    )
)

define(
    Primitive(
        "eigh_vectors",
        _emit_eigh_vectors,
        ("a",),
        attrs={"UPLO": "L"},
        jvp=_eigh_vectors_jvp,
        vjps=(_eigh_vectors_vjp,),
        doc="_, v = np.linalg.eigh(a): eigenvectors of a symmetric matrix (distinct eigenvalues)",
    )
)

define_tuple((np.linalg.eigh,), ("eigh_values", "eigh_vectors"))


# ------------------------------------------------------------------- norms


def _norm_kind(ord: Any, axis: Any) -> str:
    """Which norm formula applies: 'euclid', 'matrix', 'max', 'min', 'zero' or 'p'."""
    matrix = isinstance(axis, tuple) and len(axis) == 2
    vector = isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1)
    if ord is None or ord == "fro" or (ord == 2 and vector):
        return "euclid"
    if (matrix or (axis is None and ord == "nuc")) and ord in MATRIX_ORDS:
        return "matrix"
    if matrix or not vector:
        raise DifferentiationError(
            f"np.linalg.norm with ord={ord!r} and axis={axis!r} has no derivative rule in "
            "adgen: without axis= the norm depends on the number of dimensions of x; give "
            "axis=(0, 1) (or (-2, -1)) for the matrix norm of a matrix, or axis=0 for the "
            "vector norm of a vector"
        )
    if ord == math.inf:
        return "max"
    if ord == -math.inf:
        return "min"
    if ord == 0:
        return "zero"
    return "p"


def _norm_weights(out: Sym, x: Sym, ord: Any, axis: Any, keepdims: bool) -> tuple[Sym, Sym]:
    """(w, s): the norm's gradient is ``restore(s) * w`` (w shaped like x)."""
    kind = _norm_kind(ord, axis)
    if kind == "euclid":
        return x, 1 / out
    if kind in ("max", "min"):
        at, count = ties(out, call("abs", x), axis, keepdims)
        return call("where", at, call("sign", x), 0.0), 1 / count
    if ord == 1:
        return call("sign", x), 1.0
    # (sum |x|^p)^(1/p)
    return call("sign", x) * call("abs", x) ** (ord - 1), out ** (1 - ord)


def _norm_jvp(
    ts: list[Sym | None], out: Sym, x: Sym, ord: Any, axis: Any, keepdims: bool
) -> Sym | None:
    kind = _norm_kind(ord, axis)
    if kind == "matrix":
        return matrix_norm_jvp(ts[0], out, x, ord, (-2, -1) if axis is None else axis)
    if kind == "zero":
        return None
    w, s = _norm_weights(out, x, ord, axis, keepdims)
    return call("sum", w * ts[0], axis=axis, keepdims=keepdims) * s


def _norm_vjp(g: Sym, out: Sym, x: Sym, ord: Any, axis: Any, keepdims: bool) -> Sym | None:
    kind = _norm_kind(ord, axis)
    if kind == "matrix":
        return matrix_norm_vjp(g, out, x, ord, (-2, -1) if axis is None else axis)
    if kind == "zero":
        return None
    w, s = _norm_weights(out, x, ord, axis, keepdims)
    return restore(g * s, x, axis, keepdims) * w


define(
    Primitive(
        "norm",
        template("np.linalg.norm(_0)"),
        ("x",),
        attrs={"ord": None, "axis": None, "keepdims": False},
        jvp=_norm_jvp,
        vjps=(_norm_vjp,),
        callables=(np.linalg.norm,),
        doc="vector norms along an integer axis (ord 2, 1, inf, -inf, 0, any p), matrix "
        "norms over two axes (ord 'nuc', 2, -2, 1, -1, inf, -inf; ties share the "
        "derivative) and the Euclidean/Frobenius norm (ord None or 'fro') over any axes",
    )
)
