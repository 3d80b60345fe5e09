"""Matrix products: ``@``, ``np.matmul`` and ``np.dot`` (up to 2-D operands)."""

from __future__ import annotations

import operator

import numpy as np

from .core import Primitive, call, define, multilinear_jvp, template

define(Primitive(
    "matmul", template("_0 @ _1"), ("a", "b"),
    jvp=multilinear_jvp("matmul", (0, 1)),
    vjps=(
        lambda g, out, a, b: call("matmul_adjoint_a", g, a, b),
        lambda g, out, a, b: call("matmul_adjoint_b", g, a, b),
    ),
    callables=(np.matmul, operator.matmul),
    doc="matrix product with NumPy's matmul broadcasting",
))

define(Primitive(
    "dot", template("np.dot(_0, _1)"), ("a", "b"),
    jvp=multilinear_jvp("dot", (0, 1)),
    vjps=(
        lambda g, out, a, b: call("matmul_adjoint_a", g, a, b),
        lambda g, out, a, b: call("matmul_adjoint_b", g, a, b),
    ),
    callables=(np.dot,),
    doc="np.dot of vectors and matrices (operands of at most 2 dimensions)",
))
