"""Primitives that generated code uses to undo broadcasting, reductions and joins.

Each is emitted as a call to the helper of the same name in
:mod:`adgen.runtime`, and has derivative rules of its own so that generated
derivatives can be differentiated again (``hessian`` is forward over reverse).
Most are the adjoint of some primitive ``p``: linear in their first operand
(an adjoint ``g``), with ``p`` itself as their own adjoint. The runtime
functions are also their callables, so they can be called and checked like
any other primitive.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from .. import runtime
from .core import (
    Primitive,
    Sym,
    call,
    call_template,
    define,
    multilinear_jvp,
    sum_tangents,
    template,
)

define(
    Primitive(
        "unbroadcast",
        template("unbroadcast(_0, _1)"),
        ("g", "like"),
        jvp=multilinear_jvp("unbroadcast"),
        vjps=(lambda b, out, g, like: call("broadcast_like", b, g), None),
        shape_of=1,
        helpers=("unbroadcast",),
        callables=(runtime.unbroadcast,),
        reshaper=True,
        shape_only=(1,),
        float_result="first",
        doc="sum g down to the shape of like",
    )
)

define(
    Primitive(
        "broadcast_like",
        template("broadcast_like(_0, _1)"),
        ("g", "like"),
        jvp=multilinear_jvp("broadcast_like"),
        vjps=(lambda b, out, g, like: call("unbroadcast", b, g), None),
        shape_of=1,
        helpers=("broadcast_like",),
        callables=(runtime.broadcast_like,),
        reshaper=True,
        shape_only=(1,),
        float_result="first",
        doc="broadcast g to the shape of like",
    )
)

define(
    Primitive(
        "reshape_like",
        template("reshape_like(_0, _1)"),
        ("g", "like"),
        jvp=multilinear_jvp("reshape_like"),
        vjps=(lambda b, out, g, like: call("reshape_like", b, g), None),
        shape_of=1,
        helpers=("reshape_like",),
        callables=(runtime.reshape_like,),
        reshaper=True,
        shape_only=(1,),
        float_result="first",
        doc="reshape g to the shape of like",
    )
)

define(
    Primitive(
        "expand_reduced",
        template("expand_reduced(_0, _1)"),
        ("g", "like"),
        attrs={"axis": None},
        jvp=multilinear_jvp("expand_reduced"),
        vjps=(lambda b, out, g, like, axis: call("reshape_like", b, g), None),
        helpers=("expand_reduced",),
        callables=(runtime.expand_reduced,),
        doc="reinsert the axes a reduction removed",
    )
)

define(
    Primitive(
        "scalar_output",
        template("scalar_output(_0)"),
        ("y",),
        jvp=lambda ts, out, y: ts[0],
        vjps=(lambda b, out, y: b,),
        shape_of=0,
        helpers=("scalar_output",),
        effect=True,
        callables=(runtime.scalar_output,),
        doc="the function's output, checked to be a scalar (grad needs one)",
    )
)

define(
    Primitive(
        "updated_in_place",
        template("updated_in_place(_0, _1)"),
        ("new", "old"),
        jvp=lambda ts, out, new, old: ts[0],
        vjps=(lambda b, out, new, old: b, None),
        shape_of=0,
        helpers=("updated_in_place",),
        effect=True,
        callables=(runtime.updated_in_place,),
        doc="the result of an augmented assignment, checked to keep the array's shape "
        "(NumPy raises when it would not)",
    )
)

define(
    Primitive(
        "gradient_like",
        template("gradient_like(_0, _1)"),
        ("g", "x"),
        jvp=multilinear_jvp("gradient_like"),
        vjps=(lambda b, out, g, x: call("unbroadcast", b, g), None),
        shape_of=1,
        helpers=("gradient_like",),
        callables=(runtime.gradient_like,),
        doc="g given the type of x (a float for a number, x's dtype for an array): "
        "what a gradient is returned as",
    )
)

define(
    Primitive(
        "row_adjoint",
        template("row_adjoint(_0, _1, _2)"),
        ("g", "like", "i"),
        jvp=multilinear_jvp("row_adjoint"),
        vjps=(lambda b, out, g, like, i: call("row", b, i), None, None),
        helpers=("row_adjoint",),
        shape_of=1,
        shape_only=(1,),
        doc="zeros shaped like `like`, with row i set to g: the adjoint of like[i]",
    )
)

define(
    Primitive(
        "zero",
        template("zeros_like(_0)"),
        ("like",),
        differentiable=False,
        shape_of=0,
        helpers=("zeros_like",),
        shape_only=(0,),
        no_cse=True,
        fresh_array=True,
        doc="a zero adjoint or tangent shaped like `like` (0.0 for a scalar)",
    )
)

_ZEROS_LIKE = template("np.zeros_like(_0, dtype=np.result_type(_0, 1.0))")


def _emit_zeros_array(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    """``np.zeros(shape)`` when a pass knows ``like`` is float64 of that shape
    (attribute ``shape``: no dtype to read at run time), else zeros like it."""
    shape = attrs.get("shape")
    if shape is None:
        return _ZEROS_LIKE(args, attrs)
    return ast.parse(f"np.zeros({shape!r})", mode="eval").body


define(
    Primitive(
        "zeros_array",
        _emit_zeros_array,
        ("like",),
        differentiable=False,
        shape_of=0,
        no_cse=True,
        fresh_array=True,
        doc="`zero` of a value known to be an array: an array of zeros of its shape, of a "
        "floating dtype, made without the run-time test of zeros_like",
    )
)


def product_adjoints(product: str, attrs: dict[str, Any] | None = None) -> None:
    """The helpers ``<product>_adjoint_a`` and ``_b`` of a bilinear ``product(a, b)``.

    ``<product>_adjoint_a(g, a, b)`` is the adjoint of ``a`` given the result's
    adjoint ``g``; it is bilinear in ``g`` and ``b`` (``a`` gives only a shape),
    and ``<g, product(c, b)> = <adjoint_a(g, a, b), c>`` gives its own adjoints.
    """
    name_a, name_b = f"{product}_adjoint_a", f"{product}_adjoint_b"
    attrs = attrs or {}
    define(
        Primitive(
            name_a,
            template(f"{name_a}(_0, _1, _2)"),
            ("g", "a", "b"),
            attrs=dict(attrs),
            jvp=multilinear_jvp(name_a, (0, 2)),
            vjps=(
                lambda c, out, g, a, b, **kw: call(product, c, b, **kw),
                None,
                lambda c, out, g, a, b, **kw: call(name_b, g, c, b, **kw),
            ),
            shape_of=1,
            helpers=(name_a,),
            callables=(getattr(runtime, name_a),),
            doc=f"adjoint of a in {product}(a, b)",
        )
    )
    define(
        Primitive(
            name_b,
            template(f"{name_b}(_0, _1, _2)"),
            ("g", "a", "b"),
            attrs=dict(attrs),
            jvp=multilinear_jvp(name_b, (0, 1)),
            vjps=(
                lambda c, out, g, a, b, **kw: call(product, a, c, **kw),
                lambda c, out, g, a, b, **kw: call(name_a, g, a, c, **kw),
                None,
            ),
            shape_of=2,
            helpers=(name_b,),
            callables=(getattr(runtime, name_b),),
            doc=f"adjoint of b in {product}(a, b)",
        )
    )


product_adjoints("matmul")
product_adjoints("dot")
product_adjoints("tensordot", {"axes": 2})
product_adjoints("kron")
product_adjoints("inner")


def linear_helper(
    name: str,
    operands: tuple[str, ...],
    adjoint: Callable[..., Sym],
    doc: str,
    attrs: dict[str, Any] | None = None,
) -> None:
    """A helper linear in its first operand ``g``, the others giving shapes or indices.

    ``adjoint(c, *operands, **attrs)`` is its own adjoint in ``g``.
    """
    define(
        Primitive(
            name,
            template(f"{name}(" + ", ".join(f"_{i}" for i in range(len(operands))) + ")"),
            operands,
            attrs=attrs or {},
            jvp=multilinear_jvp(name),
            vjps=(lambda c, out, *args, **kw: adjoint(c, *args, **kw),)
            + (None,) * (len(operands) - 1),
            shape_of=1,
            helpers=(name,),
            callables=(getattr(runtime, name),),
            doc=doc,
        )
    )


linear_helper(
    "repeat_adjoint",
    ("g", "x", "repeats"),
    lambda c, g, x, repeats, axis: call("repeat", c, repeats, axis=axis),
    "adjoint of x in np.repeat(x, repeats, axis)",
    {"axis": None},
)
linear_helper(
    "tile_adjoint",
    ("g", "x", "reps"),
    lambda c, g, x, reps: call("tile", c, reps),
    "adjoint of x in np.tile(x, reps)",
)
linear_helper(
    "diag_adjoint",
    ("g", "x"),
    lambda c, g, x, k: call("diag", c, k=k),
    "adjoint of x in np.diag(x, k)",
    {"k": 0},
)
linear_helper(
    "diagonal_adjoint",
    ("g", "x"),
    lambda c, g, x, **kw: call("unbroadcast", call("diagonal", c, **kw), g),
    "adjoint of x in np.diagonal(x, offset, axis1, axis2); g may broadcast",
    {"offset": 0, "axis1": 0, "axis2": 1},
)
linear_helper(
    "pad_adjoint",
    ("g", "x", "pad_width"),
    lambda c, g, x, pad_width: call("pad", c, pad_width),
    "adjoint of x in np.pad(x, pad_width) (constant mode)",
)
linear_helper(
    "take_along_axis_adjoint",
    ("g", "arr", "indices"),
    lambda c, g, arr, indices, axis: call("take_along_axis", c, indices, axis=axis),
    "adjoint of arr in np.take_along_axis(arr, indices, axis)",
    {"axis": -1},
)


def _prod_others_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any) -> Sym:
    ratio = ts[0] / x
    return out * (call("sum", ratio, axis=axis, keepdims=True) - ratio)


def _prod_others_vjp(c: Sym, out: Sym, x: Sym, axis: Any) -> Sym:
    weighted = c * out
    return (call("sum", weighted, axis=axis, keepdims=True) - weighted) / x


define(
    Primitive(
        "prod_others",
        template("prod_others(_0)"),
        ("x",),
        attrs={"axis": None},
        jvp=_prod_others_jvp,
        vjps=(_prod_others_vjp,),
        shape_of=0,
        helpers=("prod_others",),
        callables=(runtime.prod_others,),
        doc="each element's product of the others along axis (the partials of np.prod); "
        "its own derivative divides by x, so it needs x without zeros",
    )
)


# ------------------------------------------------------------------ joins


def joined(kind: str, parts: list[Any], axis: Any) -> Sym:
    """``parts`` joined as the NumPy function ``kind`` joins them."""
    if kind in ("concatenate", "stack"):
        return call(kind, *parts, axis=axis)
    return call(kind, *parts)


def _join_part_jvp(ts: list[Sym | None], out: Sym, g: Sym, *xs: Sym, **attrs: Any) -> Sym | None:
    return None if ts[0] is None else call("join_part", ts[0], *xs, **attrs)


def _join_part_vjp(
    c: Sym, out: Sym, g: Sym, *xs: Sym, index: int, join: str, axis: Any, position: int
) -> Sym:
    parts = [c if i == index else call("zeros_like", x) for i, x in enumerate(xs)]
    return joined(join, parts, axis)


define(
    Primitive(
        "join_part",
        call_template("join_part"),
        ("g", "xs"),
        attrs={"index": 0, "join": "concatenate", "axis": 0},
        jvp=_join_part_jvp,
        vjps=(_join_part_vjp, None),
        variadic=True,
        helpers=("join_part",),
        callables=(runtime.join_part,),
        doc="the part of g where join (np.concatenate, np.stack...) put xs[index]",
    )
)


# ------------------------------------------------------------------ einsum


def _replace(items: tuple[Sym, ...], i: int, new: Sym) -> list[Sym]:
    out = list(items)
    out[i] = new
    return out


def _einsum_adjoint_jvp(
    ts: list[Sym | None], out: Sym, g: Sym, *xs: Sym, subscripts: str, index: int
) -> Sym | None:
    args = (g, *xs)
    return sum_tangents(
        [
            call("einsum_adjoint", *_replace(args, p, t), subscripts=subscripts, index=index)
            for p, t in enumerate(ts)
            if t is not None and p != index + 1
        ]
    )


def _einsum_adjoint_vjp(
    c: Sym, out: Sym, g: Sym, *xs: Sym, subscripts: str, index: int, position: int
) -> Sym | None:
    ys = _replace(xs, index, c)
    if position == 0:
        return call("einsum", subscripts, *ys)
    if position == index + 1:
        return None  # that operand gives only a shape
    return call("einsum_adjoint", g, *ys, subscripts=subscripts, index=position - 1)


define(
    Primitive(
        "einsum_adjoint",
        call_template("einsum_adjoint"),
        ("g", "operands"),
        attrs={"subscripts": "", "index": 0},
        jvp=_einsum_adjoint_jvp,
        vjps=(_einsum_adjoint_vjp, _einsum_adjoint_vjp),
        variadic=True,
        helpers=("einsum_adjoint",),
        callables=(runtime.einsum_adjoint,),
        doc="adjoint of operands[index] in np.einsum(subscripts, *operands)",
    )
)
