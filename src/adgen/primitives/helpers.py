"""Primitives that generated code uses to undo broadcasting and reductions.

Each is emitted as a call to the helper of the same name in
:mod:`adgen.runtime`, and has derivative rules of its own so that generated
derivatives can be differentiated again (``hessian`` is forward over reverse).
"""

from __future__ import annotations

from .core import Primitive, call, define, multilinear_jvp, template

define(Primitive(
    "unbroadcast", template("unbroadcast(_0, _1)"), ("g", "like"),
    jvp=multilinear_jvp("unbroadcast"),
    vjps=(lambda b, out, g, like: call("broadcast_like", b, g), None),
    shape_of=1, helpers=("unbroadcast",),
    doc="sum g down to the shape of like",
))

define(Primitive(
    "broadcast_like", template("broadcast_like(_0, _1)"), ("g", "like"),
    jvp=multilinear_jvp("broadcast_like"),
    vjps=(lambda b, out, g, like: call("unbroadcast", b, g), None),
    shape_of=1, helpers=("broadcast_like",),
    doc="broadcast g to the shape of like",
))

define(Primitive(
    "reshape_like", template("reshape_like(_0, _1)"), ("g", "like"),
    jvp=multilinear_jvp("reshape_like"),
    vjps=(lambda b, out, g, like: call("reshape_like", b, g), None),
    shape_of=1, helpers=("reshape_like",),
    doc="reshape g to the shape of like",
))

define(Primitive(
    "expand_reduced", template("expand_reduced(_0, _1)"), ("g", "like"), attrs={"axis": None},
    jvp=multilinear_jvp("expand_reduced"),
    vjps=(lambda b, out, g, like, axis: call("reshape_like", b, g), None),
    helpers=("expand_reduced",),
    doc="reinsert the axes a reduction removed",
))

define(Primitive(
    "matmul_adjoint_a", template("matmul_adjoint_a(_0, _1, _2)"), ("g", "a", "b"),
    jvp=multilinear_jvp("matmul_adjoint_a", (0, 2)),
    vjps=(
        lambda bo, out, g, a, b: call("matmul", bo, b),
        None,
        lambda bo, out, g, a, b: call("matmul_adjoint_b", g, bo, b),
    ),
    shape_of=1, helpers=("matmul_adjoint_a",),
    doc="adjoint of a in a @ b",
))

define(Primitive(
    "matmul_adjoint_b", template("matmul_adjoint_b(_0, _1, _2)"), ("g", "a", "b"),
    jvp=multilinear_jvp("matmul_adjoint_b", (0, 1)),
    vjps=(
        lambda bo, out, g, a, b: call("matmul", a, bo),
        lambda bo, out, g, a, b: call("matmul_adjoint_a", g, a, bo),
        None,
    ),
    shape_of=2, helpers=("matmul_adjoint_b",),
    doc="adjoint of b in a @ b",
))

define(Primitive(
    "scalar_output", template("scalar_output(_0)"), ("y",),
    jvp=lambda ts, out, y: ts[0],
    vjps=(lambda b, out, y: b,),
    shape_of=0, helpers=("scalar_output",), effect=True,
    doc="the function's output, checked to be a scalar (grad needs one)",
))

define(Primitive(
    "row_adjoint", template("row_adjoint(_0, _1, _2)"), ("g", "like", "i"),
    jvp=multilinear_jvp("row_adjoint"),
    vjps=(lambda b, out, g, like, i: call("row", b, i), None, None),
    helpers=("row_adjoint",), shape_of=1,
    doc="zeros shaped like `like`, with row i set to g: the adjoint of like[i]",
))

define(Primitive(
    "zero", template("zeros_like(_0)"), ("like",), differentiable=False, shape_of=0,
    helpers=("zeros_like",),
    doc="a zero adjoint or tangent shaped like `like` (0.0 for a scalar)",
))
