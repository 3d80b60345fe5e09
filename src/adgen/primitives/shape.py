"""Shape manipulation, joining arrays, dtype conversion, and array creation.

Reshaping, transposing and flipping are linear maps whose adjoints are their
inverse shape changes. Joins (``np.concatenate([a, b])``, ``np.stack``,
``np.array([a, b])``) take their operands from a list written in the call; the
adjoint of each operand is its part of the result (``join_part``). Array
creation is not differentiable, except ``np.full`` and ``np.full_like`` in
their fill value.
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
    call_template,
    const_expr,
    define,
    dtype_expr,
    dtype_kind,
    listed_template,
    template,
)
from .helpers import joined


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


# ---------------------------------------------------------------- dtypes


def _keeps_derivative(dtype: Any) -> bool:
    if dtype_kind(dtype) == "c":
        raise DifferentiationError(
            "adgen does not differentiate complex numbers: a conversion to a complex dtype "
            "of a differentiated value is refused; keep real and imaginary parts as two "
            "real arrays"
        )
    return dtype_kind(dtype) == "f"


def conversion(
    name: str,
    emit: Any,
    callables: tuple[Any, ...],
    doc: str,
    methods: tuple[str, ...] = (),
    of_list: str | None = None,
    **facts: Any,
) -> None:
    """A dtype conversion or copy: the identity on derivatives, unless to integers.

    The tangent is converted (or copied) as the value is, except that
    ``np.asarray`` without a dtype passes it through.
    """

    def jvp(ts: list[Sym | None], out: Sym, x: Sym, dtype: Any) -> Sym | None:
        if not _keeps_derivative(dtype):
            return None
        if name == "asarray" and dtype is None:
            return ts[0]
        return call(name, ts[0], dtype=dtype)

    define(
        Primitive(
            name,
            emit,
            ("x",),
            attrs={"dtype": None},
            jvp=jvp,
            vjps=(lambda g, out, x, dtype: g if _keeps_derivative(dtype) else None,),
            callables=callables,
            methods=methods,
            of_list=of_list,
            shape_of=0,
            doc=doc,
            **facts,
        )
    )


def _emit_astype(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.Call(
        func=ast.Attribute(value=args[0], attr="astype", ctx=ast.Load()),
        args=[dtype_expr(attrs.get("dtype"))],
        keywords=[],
    )


conversion(
    "astype",
    _emit_astype,
    (),
    "x.astype(dtype): differentiable to a float dtype, not to an integer one",
    methods=("astype",),
    fresh_array=True,
)
conversion(
    "copy",
    template("np.array(_0)"),
    (np.array, np.copy),
    "np.array(x), np.copy(x), x.copy(): a copy",
    methods=("copy",),
    of_list="array",
    fresh_array=True,
)
conversion(
    "asarray",
    template("np.asarray(_0)"),
    (np.asarray, np.asanyarray),
    "np.asarray(x)",
    of_list="array",
    same_order=True,
    view="maybe",
)


def _float_vjp(g: Sym, out: Sym, x: Sym) -> Sym:
    return call("reshape_like", g, x)


define(
    Primitive(
        "float",
        template("float(_0)"),
        ("x",),
        jvp=lambda ts, out, x: call("float", ts[0]),
        vjps=(_float_vjp,),
        callables=(float,),
        doc="float(x): a Python float from a number or a one-element array",
    )
)

define(
    Primitive(
        "int",
        template("int(_0)"),
        ("x",),
        differentiable=False,
        callables=(int,),
        int_result=True,
        doc="int(x) (not differentiable)",
    )
)


# ------------------------------------------------------------------ joins


def _join_jvp(kind: str) -> Any:
    def jvp(ts: list[Sym | None], out: Sym, *xs: Sym, **attrs: Any) -> Sym | None:
        if not _keeps_derivative(attrs.get("dtype")):
            return None
        parts = [t if t is not None else _zeros_like(x) for t, x in zip(ts, xs, strict=True)]
        if kind == "array":
            return call("array", *parts, **attrs)
        return joined(kind, parts, attrs.get("axis"))

    return jvp


def _zeros_like(x: Sym) -> Any:
    value = getattr(x.v, "value", None)
    if type(value) in (int, float):
        return 0.0
    return call("zeros_like", x)


def _join_vjp(kind: str) -> Any:
    def vjp(
        g: Sym, out: Sym, *xs: Sym, position: int, axis: Any = 0, dtype: Any = None
    ) -> Sym | None:
        if not _keeps_derivative(dtype):
            return None
        return call("join_part", g, *xs, index=position, join=kind, axis=axis)

    return vjp


for _name, _attrs, _doc in [
    ("array", {"dtype": None}, "np.array([a, b, ...]): an array of arrays or numbers"),
    ("concatenate", {"axis": 0}, "np.concatenate([a, b, ...], axis)"),
    ("stack", {"axis": 0}, "np.stack([a, b, ...], axis): joined along a new axis"),
    ("hstack", {}, "np.hstack([a, b, ...]): joined along columns (1-D: along axis 0)"),
    ("vstack", {}, "np.vstack([a, b, ...]): joined along rows"),
    ("dstack", {}, "np.dstack([a, b, ...]): joined along the third axis"),
    ("column_stack", {}, "np.column_stack([a, b, ...]): 1-D arrays as columns"),
]:
    define(
        Primitive(
            _name,
            listed_template(f"np.{_name}"),
            ("arrays",),
            attrs=_attrs,
            jvp=_join_jvp(_name),
            vjps=(_join_vjp(_name),),
            callables=() if _name == "array" else (getattr(np, _name),),
            variadic=True,
            listed=True,
            fresh_array=True,
            doc=_doc,
        )
    )


# --------------------------------------------------------------- creation


def _created_shape(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    """The type of ``np.zeros(shape)`` and the like, from the shape operand."""
    shape = args[0]
    if shape.kind == "int":
        return Ty("array", (shape.value,))
    if shape.kind == "tuple" and shape.value is not None:
        return Ty("array", tuple(shape.value))
    return UNKNOWN


def _shape_of_value(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x = args[0]
    if x.shape is None:
        return Ty("tuple")
    return Ty("tuple", (len(x.shape),), x.shape if x.known else None)


def _len(args: list[Ty], attrs: dict[str, Any]) -> Ty:
    x = args[0]
    if x.kind == "array" and x.shape:
        return Ty("int", (), x.shape[0])
    return Ty("int", ())


def creation(name: str, operands: tuple[str, ...] | None, attrs: dict[str, Any], doc: str) -> None:
    """An array-creating function (not differentiable).

    With ``operands`` None it is variadic: every positional argument is an
    operand (``np.arange(n)``, ``np.arange(a, b, step)``).
    """
    define(
        Primitive(
            name,
            call_template(f"np.{name}"),
            operands or ("args",),
            attrs=attrs,
            differentiable=False,
            variadic=operands is None,
            callables=(getattr(np, name),),
            fresh_array=True,
            shape_rule=_created_shape if operands == ("shape",) else None,
            doc=f"{doc} (not differentiable)",
        )
    )


creation("zeros", ("shape",), {"dtype": None}, "an array of zeros")
creation("ones", ("shape",), {"dtype": None}, "an array of ones")
creation("empty", ("shape",), {"dtype": None}, "an array left uninitialised")
creation("eye", ("N",), {"M": None, "k": 0, "dtype": None}, "a matrix with ones on a diagonal")
creation("identity", ("n",), {"dtype": None}, "an identity matrix")


def _arange_refused(ts: list[Sym | None], out: Sym, *args: Sym, **attrs: Any) -> None:
    # np.arange(stop) and the stop of np.arange(start, stop[, step]) only set the count:
    # their derivative is zero almost everywhere. Start and step move every value.
    if len(ts) > 1 and any(t is not None for i, t in enumerate(ts) if i != 1):
        raise DifferentiationError(
            "np.arange with a differentiated start or step is not supported; write "
            "start + step * np.arange(n) instead"
        )
    return None


def _arange_vjp(g: Sym, out: Sym, *args: Sym, position: int, **attrs: Any) -> None:
    if len(args) > 1 and position != 1:
        _arange_refused([g] * len(args), out, *args)
    return None


define(
    Primitive(
        "arange",
        call_template("np.arange"),
        ("args",),
        attrs={"dtype": None},
        jvp=_arange_refused,
        vjps=(_arange_vjp,),
        variadic=True,
        callables=(np.arange,),
        fresh_array=True,
        doc="evenly spaced values in an interval, by step (differentiable in nothing: the stop "
        "sets only the count; a differentiated start or step is refused)",
    )
)


def _linspace_dtype(dtype: Any) -> None:
    if dtype is not None and dtype_kind(dtype) != "f":
        raise DifferentiationError(
            "np.linspace with a non-float dtype has no derivative; "
            "leave dtype out (or use a float dtype)"
        )


def _linspace_jvp(
    ts: list[Sym | None], out: Sym, start: Sym, stop: Sym, *rest: Sym, **attrs: Any
) -> Sym | None:
    # linspace is linear in (start, stop) jointly: its tangent is the linspace of the tangents.
    _linspace_dtype(attrs.get("dtype"))
    if ts[0] is None and ts[1] is None:
        return None
    ta = ts[0] if ts[0] is not None else call("zeros_like", start)
    tb = ts[1] if ts[1] is not None else call("zeros_like", stop)
    return call("linspace", ta, tb, *rest, **attrs)


def _linspace_vjp(
    g: Sym, out: Sym, start: Sym, stop: Sym, *rest: Sym, position: int, **attrs: Any
) -> Sym | None:
    if position > 1:
        return None  # num: an integer count
    _linspace_dtype(attrs.get("dtype"))
    both = start + stop
    ones, zeros = call("ones_like", both), call("zeros_like", both)
    # The weight of start (or stop) in each value, shaped like the result.
    w = call("linspace", *((ones, zeros) if position == 0 else (zeros, ones)), *rest, **attrs)
    return unbroadcast(
        call("sum", g * w, axis=attrs.get("axis", 0)), start if position == 0 else stop
    )


define(
    Primitive(
        "linspace",
        call_template("np.linspace"),
        ("start", "stop", "num"),
        attrs={"num": 50, "endpoint": True, "dtype": None, "axis": 0},
        jvp=_linspace_jvp,
        vjps=(_linspace_vjp, _linspace_vjp, _linspace_vjp),
        variadic=True,
        callables=(np.linspace,),
        fresh_array=True,
        doc="evenly spaced values in an interval, by count (linear in start and stop)",
    )
)

for _name in ("zeros_like", "ones_like", "empty_like"):
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            attrs={"dtype": None},
            differentiable=False,
            callables=(getattr(np, _name),),
            shape_of=0,
            fresh_array=True,
            doc="an array shaped like x (not differentiable)",
        )
    )

define(
    Primitive(
        "full",
        template("np.full(_0, _1)"),
        ("shape", "fill_value"),
        attrs={"dtype": None},
        jvp=lambda ts, out, shape, v, dtype: (
            call("broadcast_to", ts[1], call("shape", out)) if _keeps_derivative(dtype) else None
        ),
        vjps=(
            None,
            lambda g, out, shape, v, dtype: unbroadcast(g, v) if _keeps_derivative(dtype) else None,
        ),
        callables=(np.full,),
        doc="an array filled with fill_value (differentiable in fill_value)",
    )
)

define(
    Primitive(
        "full_like",
        template("np.full_like(_0, _1)"),
        ("x", "fill_value"),
        attrs={"dtype": None},
        jvp=lambda ts, out, x, v, dtype: (
            call("broadcast_like", ts[1], out) if _keeps_derivative(dtype) else None
        ),
        vjps=(
            None,
            lambda g, out, x, v, dtype: unbroadcast(g, v) if _keeps_derivative(dtype) else None,
        ),
        callables=(np.full_like,),
        shape_of=0,
        doc="an array shaped like x filled with fill_value (differentiable in fill_value)",
    )
)

define(
    Primitive(
        "shape",
        template("np.shape(_0)"),
        ("x",),
        differentiable=False,
        callables=(np.shape,),
        shape_rule=_shape_of_value,
        doc="np.shape(x), x.shape (not differentiable)",
    )
)

define(
    Primitive(
        "ndim",
        template("np.ndim(_0)"),
        ("x",),
        differentiable=False,
        callables=(np.ndim,),
        int_result=True,
        scalar_result=True,
        doc="np.ndim(x), x.ndim (not differentiable)",
    )
)

define(
    Primitive(
        "len",
        template("len(_0)"),
        ("x",),
        differentiable=False,
        callables=(len,),
        int_result=True,
        scalar_result=True,
        shape_rule=_len,
        doc="len(x) (not differentiable)",
    )
)

define(
    Primitive(
        "make_tuple",
        lambda args, attrs: ast.Tuple(elts=list(args), ctx=ast.Load()),
        ("items",),
        differentiable=False,
        variadic=True,
        doc="a tuple of non-differentiable values (shapes)",
    )
)

define(
    Primitive(
        "item",
        lambda args, attrs: ast.Subscript(
            value=args[0], slice=const_expr(attrs.get("index", 0)), ctx=ast.Load()
        ),
        ("x",),
        attrs={"index": 0},
        differentiable=False,
        doc="an element of a tuple at a constant index (not differentiable)",
    )
)


def _attribute_refused(name: str) -> None:
    raise DifferentiationError(
        f"the attribute .{name} of a differentiated value has no derivative rule in adgen; "
        "compute it with NumPy functions instead"
    )


define(
    Primitive(
        "attr",
        lambda args, attrs: ast.Attribute(value=args[0], attr=attrs["name"], ctx=ast.Load()),
        ("obj",),
        attrs={"name": ""},
        jvp=lambda ts, out, obj, name: _attribute_refused(name),
        vjps=(lambda g, out, obj, name: _attribute_refused(name),),
        doc="obj.name for an object that is not differentiated (self.w in a method); "
        "refused on a differentiated value",
    )
)
