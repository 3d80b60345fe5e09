"""Shape manipulation: reshapes, transposes, flips, rolls, tiling and padding.

Reshaping, transposing and flipping are linear maps whose adjoints are their
inverse shape changes. Joins and dtype conversions are in :mod:`.conversions`,
array creation in :mod:`.creation`.
"""

from __future__ import annotations

import ast
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
    const_expr,
    define,
    template,
)


def linear(name: str) -> Any:
    """The ``jvp`` of a primitive linear in operand 0: the primitive of the tangent."""
    return lambda ts, out, x, *rest, **attrs: call(name, ts[0], *rest, **attrs)


def _emit_transpose(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    if attrs.get("axes") is None:
        return ast.Attribute(value=args[0], attr="T", ctx=ast.Load())
    return template("np.transpose(_0, _1)")([args[0], const_expr(attrs["axes"])], {})


def _transpose_vjp(g: Sym, out: Sym, x: Sym, axes: Any) -> Sym:
    if axes is None:
        return call("transpose", g)
    n = len(axes)
    inverse = tuple(int(i) for i in np.argsort([a % n for a in axes]))
    return call("transpose", g, axes=inverse)


def _transposed(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x, axes = args[0], attrs.get("axes")
    if x.kind != "array" or x.shape is None:
        return UNKNOWN
    order = tuple(reversed(range(len(x.shape)))) if axes is None else tuple(axes)
    return Ty("array", tuple(x.shape[k] for k in order))


define(
    Primitive(
        "transpose",
        _emit_transpose,
        ("x",),
        attrs={"axes": None},
        shape_rule=_transposed,
        jvp=linear("transpose"),
        vjps=(_transpose_vjp,),
        callables=(np.transpose,),
        methods=("transpose",),
        view="view",
        doc="x.T, np.transpose(x, axes)",
    )
)

define(
    Primitive(
        "reshape",
        template("np.reshape(_0, _1)"),
        ("x", "shape"),
        jvp=linear("reshape"),
        vjps=(lambda g, out, x, shape: call("reshape_like", g, x), None),
        callables=(np.reshape,),
        methods=("reshape",),
        same_order=True,
        view="maybe",
        doc="np.reshape(x, shape)",
    )
)


def reshaping(
    name: str,
    emit: str,
    operands: tuple[str, ...] = ("x",),
    attrs: dict[str, Any] | None = None,
    callables: tuple[Any, ...] | None = None,
    methods: tuple[str, ...] = (),
    doc: str = "",
    **facts: Any,
) -> None:
    """A primitive that only rearranges x's elements: its adjoint reshapes back.

    ``facts`` are further :class:`Primitive` fields (``view="view"``).
    """
    define(
        Primitive(
            name,
            template(emit),
            operands,
            attrs=attrs or {},
            jvp=linear(name),
            vjps=(lambda g, out, x, *rest, **kw: call("reshape_like", g, x),)
            + (None,) * (len(operands) - 1),
            callables=(getattr(np, name),) if callables is None else callables,
            methods=methods,
            doc=doc,
            **facts,
        )
    )


reshaping(
    "ravel",
    "np.ravel(_0)",
    methods=("ravel",),
    doc="the elements of x in a 1-D array",
    view="maybe",
    same_order=True,
)
reshaping(
    "flatten",
    "_0.flatten()",
    callables=(),
    methods=("flatten",),
    doc="x.flatten(): a 1-D copy of x",
)
reshaping(
    "squeeze",
    "np.squeeze(_0)",
    attrs={"axis": None},
    methods=("squeeze",),
    view="view",
    same_order=True,
    doc="x without axes of length 1",
)
reshaping(
    "expand_dims",
    "np.expand_dims(_0, _1)",
    operands=("x", "axis"),
    view="view",
    same_order=True,
    doc="x with new axes of length 1",
)

define(
    Primitive(
        "swapaxes",
        template("np.swapaxes(_0, _axis1, _axis2)", {"axis1": 0, "axis2": 1}),
        ("x",),
        attrs={"axis1": 0, "axis2": 1},
        jvp=linear("swapaxes"),
        vjps=(lambda g, out, x, **kw: call("swapaxes", g, **kw),),
        callables=(np.swapaxes,),
        methods=("swapaxes",),
        view="view",
        doc="x with two axes interchanged",
    )
)

define(
    Primitive(
        "moveaxis",
        template("np.moveaxis(_0, _source, _destination)", {"source": 0, "destination": 0}),
        ("x",),
        attrs={"source": 0, "destination": 0},
        jvp=linear("moveaxis"),
        vjps=(
            lambda g, out, x, source, destination: call(
                "moveaxis", g, source=destination, destination=source
            ),
        ),
        callables=(np.moveaxis,),
        view="view",
        doc="x with axes moved to new positions",
    )
)

define(
    Primitive(
        "broadcast_to",
        template("np.broadcast_to(_0, _1)"),
        ("x", "shape"),
        jvp=linear("broadcast_to"),
        vjps=(lambda g, out, x, shape: unbroadcast(g, x), None),
        callables=(np.broadcast_to,),
        view="view",
        doc="x broadcast to a shape (a read-only view)",
    )
)

for _name, _attrs, _doc in [
    ("flip", {"axis": None}, "x with the order of elements along axes reversed"),
    ("fliplr", {}, "x with its columns (axis 1) reversed"),
    ("flipud", {}, "x with its rows (axis 0) reversed"),
    ("triu", {"k": 0}, "the upper triangle of x (of each matrix in a stack)"),
    ("tril", {"k": 0}, "the lower triangle of x (of each matrix in a stack)"),
]:
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            attrs=_attrs,
            jvp=linear(_name),
            vjps=(lambda g, out, x, _n=_name, **kw: call(_n, g, **kw),),
            callables=(getattr(np, _name),),
            shape_of=0,
            view="view" if _name.startswith("flip") else None,  # np.flip returns a view
            doc=f"{_doc}; its own adjoint",
        )
    )


def _negated(shift: Any) -> Any:
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


define(
    Primitive(
        "roll",
        template("np.roll(_0, _shift)", {"shift": 0}),
        ("x",),
        attrs={"shift": 0, "axis": None},
        jvp=linear("roll"),
        vjps=(lambda g, out, x, shift, axis: call("roll", g, shift=_negated(shift), axis=axis),),
        callables=(np.roll,),
        shape_of=0,
        doc="x with elements shifted cyclically (shift a constant)",
    )
)

define(
    Primitive(
        "tile",
        template("np.tile(_0, _1)"),
        ("x", "reps"),
        jvp=linear("tile"),
        vjps=(lambda g, out, x, reps: call("tile_adjoint", g, x, reps), None),
        callables=(np.tile,),
        doc="x repeated as tiles",
    )
)

define(
    Primitive(
        "repeat",
        template("np.repeat(_0, _1)"),
        ("x", "repeats"),
        attrs={"axis": None},
        jvp=linear("repeat"),
        vjps=(
            lambda g, out, x, repeats, axis: call("repeat_adjoint", g, x, repeats, axis=axis),
            None,
        ),
        callables=(np.repeat,),
        methods=("repeat",),
        doc="each element of x repeated",
    )
)

define(
    Primitive(
        "diag",
        template("np.diag(_0)"),
        ("v",),
        attrs={"k": 0},
        jvp=linear("diag"),
        vjps=(lambda g, out, v, k: call("diag_adjoint", g, v, k=k),),
        callables=(np.diag,),
        doc="the matrix with v on its k-th diagonal (v 1-D), or the k-th diagonal (v 2-D)",
    )
)

define(
    Primitive(
        "diagonal",
        template("np.diagonal(_0)"),
        ("x",),
        attrs={"offset": 0, "axis1": 0, "axis2": 1},
        jvp=linear("diagonal"),
        vjps=(lambda g, out, x, **kw: call("diagonal_adjoint", g, x, **kw),),
        callables=(np.diagonal,),
        methods=("diagonal",),
        view="view",
        doc="a diagonal of x (a read-only view)",
    )
)


def _constant_pad(mode: str) -> None:
    if mode != "constant":
        raise DifferentiationError(
            f"np.pad with mode={mode!r} has no derivative rule in adgen; only "
            "mode='constant' is differentiable"
        )


def _pad_jvp(
    ts: list[Sym | None], out: Sym, x: Sym, pad_width: Sym, mode: str, constant_values: Any
) -> Sym:
    _constant_pad(mode)
    return call("pad", ts[0], pad_width)  # the padding is constant: its tangent is 0


def _pad_vjp(g: Sym, out: Sym, x: Sym, pad_width: Sym, mode: str, constant_values: Any) -> Sym:
    _constant_pad(mode)
    return call("pad_adjoint", g, x, pad_width)


define(
    Primitive(
        "pad",
        template("np.pad(_0, _1)"),
        ("x", "pad_width"),
        attrs={"mode": "constant", "constant_values": 0},
        jvp=_pad_jvp,
        vjps=(_pad_vjp, None),
        callables=(np.pad,),
        doc="x padded with a constant (mode='constant' only is differentiable)",
    )
)
