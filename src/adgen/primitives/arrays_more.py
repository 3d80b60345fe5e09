"""Array functions of issue 12: diff, rot90, nan_to_num, take, convolve, cross, searchsorted;
np.append, np.correlate, np.interp and np.polyval as composites.

The linear maps (``diff``, ``rot90``, ``take``) have as adjoint another linear
map whose own adjoint is the first one again, so every derivative stays in the
table and can be differentiated again. ``convolve`` and ``cross`` are bilinear.
``np.interp`` is lowered onto a search for the segment of each point (an
integer, not differentiable) and the straight line through its two knots, so
it is differentiable in ``x`` (the slope of the segment: kinks at the knots),
in the knots ``xp`` and in the values ``fp``, to any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import runtime
from ..errors import DifferentiationError
from ..ir import Const
from .arith import unbroadcast
from .composite import Composite, define_composite
from .core import Primitive, Sym, call, define, multilinear_jvp, template
from .refused import refuse


def _linear(name: str) -> Any:
    return multilinear_jvp(name)


define(
    Primitive(
        "diff",
        template("np.diff(_0)"),
        ("a",),
        attrs={"n": 1, "axis": -1},
        jvp=_linear("diff"),
        vjps=(lambda g, out, a, n, axis: call("diff_adjoint", g, a, n=n, axis=axis),),
        callables=(np.diff,),
        fresh_array=True,
        float_result="first",
        doc="n-th differences along axis (prepend and append are not supported)",
    )
)

define(
    Primitive(
        "diff_adjoint",
        template("diff_adjoint(_0, _1)"),
        ("g", "like"),
        attrs={"n": 1, "axis": -1},
        jvp=_linear("diff_adjoint"),
        vjps=(lambda g, out, h, like, n, axis: call("diff", g, n=n, axis=axis), None),
        helpers=("diff_adjoint",),
        callables=(runtime.diff_adjoint,),
        shape_only=(1,),
        fresh_array=True,
        float_result="first",
        doc="adjoint of a in np.diff(a, n, axis)",
    )
)


define(
    Primitive(
        "rot90",
        template("np.rot90(_0)"),
        ("m",),
        attrs={"k": 1, "axes": (0, 1)},
        jvp=_linear("rot90"),
        vjps=(lambda g, out, m, k, axes: call("rot90", g, k=-k, axes=axes),),
        callables=(np.rot90,),
        view="maybe",
        doc="m rotated by 90 degrees k times in the plane of axes; the adjoint rotates back",
    )
)


def _finite_only(t: Sym, x: Sym) -> Sym:
    return call("where", call("isfinite", x), t, 0.0)


define(
    Primitive(
        "nan_to_num",
        template("np.nan_to_num(_0)"),
        ("x",),
        attrs={"nan": 0.0, "posinf": None, "neginf": None},
        jvp=lambda ts, out, x, **kw: _finite_only(ts[0], x),
        vjps=(lambda g, out, x, **kw: _finite_only(g, x),),
        callables=(np.nan_to_num,),
        fresh_array=True,
        shape_of=0,
        float_result="first",
        doc="x with NaN and infinities replaced by numbers; derivative 1 where x is finite, "
        "0 where it was replaced",
    )
)


define(
    Primitive(
        "take",
        template("np.take(_0, _1)"),
        ("a", "indices"),
        attrs={"axis": None},
        jvp=lambda ts, out, a, indices, axis: (
            None if ts[0] is None else call("take", ts[0], indices, axis=axis)
        ),
        vjps=(
            lambda g, out, a, indices, axis: call("take_adjoint", g, a, indices, axis=axis),
            None,
        ),
        callables=(np.take,),
        methods=("take",),
        fresh_array=True,
        doc="elements of a at integer indices (along axis, or of the flattened a); "
        "not differentiable in the indices",
    )
)

define(
    Primitive(
        "take_adjoint",
        template("take_adjoint(_0, _1, _2)"),
        ("g", "like", "indices"),
        attrs={"axis": None},
        jvp=lambda ts, out, g, like, indices, axis: (
            None if ts[0] is None else call("take_adjoint", ts[0], like, indices, axis=axis)
        ),
        vjps=(
            lambda h, out, g, like, indices, axis: call("take", h, indices, axis=axis),
            None,
            None,
        ),
        helpers=("take_adjoint",),
        callables=(runtime.take_adjoint,),
        shape_only=(1,),
        fresh_array=True,
        float_result="first",
        doc="adjoint of a in np.take(a, indices, axis): g added where it was taken from",
    )
)

define(
    Primitive(
        "searchsorted",
        template("np.searchsorted(_0, _1)"),
        ("a", "v"),
        attrs={"side": "left"},
        differentiable=False,
        callables=(np.searchsorted,),
        index_array=True,
        fresh_array=True,
        doc="where v would be inserted into the sorted a (not differentiable)",
    )
)


def _convolve_jvp(ts: list[Sym | None], out: Sym, a: Sym, v: Sym, mode: str) -> Sym | None:
    parts = []
    if ts[0] is not None:
        parts.append(call("convolve", ts[0], v, mode=mode))
    if ts[1] is not None:
        parts.append(call("convolve", a, ts[1], mode=mode))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1] if parts else None


define(
    Primitive(
        "convolve",
        template("np.convolve(_0, _1)"),
        ("a", "v"),
        attrs={"mode": "full"},
        jvp=_convolve_jvp,
        vjps=(
            lambda g, out, a, v, mode: call("convolve_adjoint", g, a, v, mode=mode),
            lambda g, out, a, v, mode: call("convolve_adjoint", g, v, a, mode=mode),
        ),
        callables=(np.convolve,),
        fresh_array=True,
        float_result="any",
        doc="discrete linear convolution of two 1-D arrays (mode 'full', 'same' or 'valid')",
    )
)

define(
    Primitive(
        "convolve_adjoint",
        template("convolve_adjoint(_0, _1, _2)"),
        ("g", "like", "v"),
        attrs={"mode": "full"},
        jvp=lambda ts, out, g, like, v, mode: _sum_parts(
            None if ts[0] is None else call("convolve_adjoint", ts[0], like, v, mode=mode),
            None if ts[2] is None else call("convolve_adjoint", g, like, ts[2], mode=mode),
        ),
        vjps=(
            lambda h, out, g, like, v, mode: call("convolve", h, v, mode=mode),
            None,
            lambda h, out, g, like, v, mode: call("convolve_adjoint", g, v, h, mode=mode),
        ),
        helpers=("convolve_adjoint",),
        callables=(runtime.convolve_adjoint,),
        shape_only=(1,),
        fresh_array=True,
        float_result="any",
        doc="adjoint of a in np.convolve(a, v, mode), where like has a's shape",
    )
)


def _sum_parts(p: Sym | None, q: Sym | None) -> Sym | None:
    if p is None or q is None:
        return p if q is None else q
    return p + q


def _cross_adjoint_jvp(ts: Sequence[Sym | None], out: Sym, g: Sym, a: Sym, b: Sym, index: int):
    # Linear in g and in the operand it pairs g with (b for index 0, a for index 1).
    tg, ta, tb = ts
    paired = (
        (None if tb is None else call("cross_adjoint", g, a, tb, index=0))
        if index == 0
        else (None if ta is None else call("cross_adjoint", g, ta, b, index=1))
    )
    return _sum_parts(None if tg is None else call("cross_adjoint", tg, a, b, index=index), paired)


define(
    Primitive(
        "cross_adjoint",
        template("cross_adjoint(_0, _1, _2)"),
        ("g", "a", "b"),
        attrs={"index": 0},
        jvp=_cross_adjoint_jvp,
        vjps=(
            lambda h, out, g, a, b, index: unbroadcast(
                call("cross", h, b) if index == 0 else call("cross", a, h), g
            ),
            lambda h, out, g, a, b, index: (
                None if index == 0 else unbroadcast(call("cross_adjoint", g, h, h, index=0), a)
            ),
            lambda h, out, g, a, b, index: (
                None if index == 1 else unbroadcast(call("cross_adjoint", g, h, h, index=1), b)
            ),
        ),
        helpers=("cross_adjoint",),
        callables=(runtime.cross_adjoint,),
        fresh_array=True,
        float_result="any",
        doc="adjoint of operand index of np.cross(a, b) (2- or 3-vectors) given g",
    )
)


define(
    Primitive(
        "cross",
        template("np.cross(_0, _1)"),
        ("a", "b"),
        jvp=lambda ts, out, a, b: _sum_parts(
            None if ts[0] is None else call("cross", ts[0], b),
            None if ts[1] is None else call("cross", a, ts[1]),
        ),
        vjps=(
            lambda g, out, a, b: unbroadcast(call("cross_adjoint", g, a, b, index=0), a),
            lambda g, out, a, b: unbroadcast(call("cross_adjoint", g, a, b, index=1), b),
        ),
        helpers=("cross_adjoint",),
        callables=(np.cross,),
        fresh_array=True,
        float_result="any",
        doc="cross product of 2- or 3-vectors along the last axis (both operands the same "
        "length; axis arguments are not supported)",
    )
)


# ------------------------------------------------------------------ composites


def _is_none(s: Sym) -> bool:
    return isinstance(s.v, Const) and s.v.value is None


def _append(arr: Sym, values: Sym, axis: Any = None) -> Sym:
    if axis is None:
        return call("concatenate", call("ravel", arr), call("ravel", values))
    return call("concatenate", arr, values, axis=axis)


define_composite(
    Composite(
        "append",
        ("arr", "values"),
        _append,
        attrs={"axis": None},
        callables=(np.append,),
        doc="np.append(arr, values, axis): a concatenation (of the flattened arrays for axis None)",
    )
)


def _correlate(a: Sym, v: Sym, mode: str = "valid") -> Sym:
    if mode == "same":
        # NumPy centres mode 'same' differently when v is the longer array.
        raise DifferentiationError(
            "np.correlate with mode='same' is not supported (its alignment depends on "
            "which array is longer); use mode='full' and slice the result"
        )
    return call("convolve", a, call("flip", v), mode=mode)


define_composite(
    Composite(
        "correlate",
        ("a", "v"),
        _correlate,
        attrs={"mode": "valid"},
        callables=(np.correlate,),
        doc="np.correlate(a, v, mode) of real 1-D arrays, mode 'valid' or 'full': "
        "np.convolve(a, v[::-1], mode)",
    )
)


def _interp(x: Sym, xp: Sym, fp: Sym, left: Sym, right: Sym, period: Any = None) -> Sym:
    if period is not None:
        raise DifferentiationError(
            "np.interp with period= is not supported; map x into "
            "one period first (with np.remainder)"
        )
    last = call("len", xp) - 2
    i = call("clip", call("searchsorted", xp, x, side="right") - 1, 0, last)
    x0, x1 = call("getitem", xp, i), call("getitem", xp, i + 1)
    f0, f1 = call("getitem", fp, i), call("getitem", fp, i + 1)
    line = f0 + (x - x0) / (x1 - x0) * (f1 - f0)
    below = call("getitem", fp, 0) if _is_none(left) else left
    above = call("getitem", fp, -1) if _is_none(right) else right
    return call(
        "where",
        x < call("getitem", xp, 0),
        below,
        call("where", x > call("getitem", xp, -1), above, line),
    )


define_composite(
    Composite(
        "interp",
        ("x", "xp", "fp", "left", "right"),
        _interp,
        defaults={"left": None, "right": None},
        attrs={"period": None},
        callables=(np.interp,),
        doc="np.interp(x, xp, fp, left, right): piecewise linear, differentiable in x (the "
        "slope of each segment; kinks at the knots), xp, fp, left and right; at least two "
        "knots; period= refused",
    )
)


def _polyval(p: Sym, x: Sym) -> Sym:
    powers = call("arange", call("len", p) - 1, -1, -1)
    return call("sum", p * call("expand_dims", x, -1) ** powers, axis=-1)


define_composite(
    Composite(
        "polyval",
        ("p", "x"),
        _polyval,
        callables=(np.polyval,),
        doc="np.polyval(p, x) of a 1-D array of coefficients: sum(p * x[..., None] ** powers)",
    )
)


# ------------------------------------------------------------------ splits

_SPLITS = {
    "split": np.split,
    "array_split": np.array_split,
    "hsplit": np.hsplit,
    "vsplit": np.vsplit,
    "dsplit": np.dsplit,
}
_SPLIT_ATTRS = {"func": "split", "sections": 1, "axis": 0, "part": 0}


def _split_call(attrs: dict[str, Any]) -> str:
    a = {**_SPLIT_ATTRS, **attrs}
    axis = f", axis={a['axis']}" if a["func"] in ("split", "array_split") else ""
    return f"np.{a['func']}(_0, {a['sections']!r}{axis})[{a['part']}]"


define(
    Primitive(
        "split_part",
        lambda args, attrs: template(_split_call(attrs))(args, {}),
        ("x",),
        attrs=dict(_SPLIT_ATTRS),
        jvp=_linear("split_part"),
        vjps=(lambda g, out, x, **kw: call("split_part_adjoint", g, x, **kw),),
        view="maybe",
        float_result="first",
        doc="one part of np.split, np.array_split, np.hsplit, np.vsplit or np.dsplit "
        "(a, b = np.split(x, 2) makes one op per part)",
    )
)

define(
    Primitive(
        "split_part_adjoint",
        template("split_part_adjoint(_0, _1)"),
        ("g", "like"),
        attrs=dict(_SPLIT_ATTRS),
        jvp=_linear("split_part_adjoint"),
        vjps=(lambda h, out, g, like, **kw: call("split_part", h, **kw), None),
        helpers=("split_part_adjoint",),
        callables=(runtime.split_part_adjoint,),
        shape_only=(1,),
        fresh_array=True,
        float_result="first",
        doc="adjoint of x in one part of a split of x: g placed where the part was, zeros "
        "elsewhere",
    )
)


def _splitter(func: str) -> Any:
    def body(x: Sym, indices_or_sections: Any = None, axis: int = 0) -> list[Sym]:
        sections = indices_or_sections
        if isinstance(sections, bool) or not isinstance(sections, (int, tuple)):
            raise DifferentiationError(
                f"np.{func} needs its sections as an integer or a tuple or list of "
                "indices written in the source"
            )
        count = sections if isinstance(sections, int) else len(sections) + 1
        return [
            call("split_part", x, func=func, sections=sections, axis=axis, part=k)
            for k in range(count)
        ]

    return body


for _func, _obj in _SPLITS.items():
    _with_axis = _func in ("split", "array_split")
    define_composite(
        Composite(
            _func,
            ("ary",),
            _splitter(_func),
            attrs={"indices_or_sections": None, **({"axis": 0} if _with_axis else {})},
            callables=(_obj,),
            doc=f"np.{_func}(ary, indices_or_sections{', axis' if _with_axis else ''}): a "
            "list of parts, the sections a constant",
        )
    )


# ------------------------------------------------------------------ gradient


def _gradient(f: Sym, h: Sym, axis: Any = None, edge_order: int = 1) -> Sym:
    if axis is None or not isinstance(axis, int):
        raise DifferentiationError(
            "np.gradient needs axis= (one integer, a constant) here, as in "
            "np.gradient(y, axis=0) for a 1-D y: without it NumPy returns one array per "
            "axis of y"
        )
    if edge_order != 1:
        raise DifferentiationError("np.gradient with edge_order=2 is not supported")
    if isinstance(h, Sym):  # a value: NumPy would read an array as coordinates
        h = call("scalar_spacing", h)
    y = call("moveaxis", f, source=axis, destination=0)
    d = call("diff", y, axis=0) / h
    first = call("getitem", d, None, 1, None, kinds="s")
    last = call("getitem", d, -1, None, None, kinds="s")
    inner = 0.5 * (
        call("getitem", d, 1, None, None, kinds="s") + call("getitem", d, None, -1, None, kinds="s")
    )
    return call(
        "moveaxis", call("concatenate", first, inner, last, axis=0), source=0, destination=axis
    )


define(
    Primitive(
        "scalar_spacing",
        template("scalar_spacing(_0)"),
        ("h",),
        jvp=lambda ts, out, h: ts[0],
        vjps=(lambda g, out, h: g,),
        helpers=("scalar_spacing",),
        callables=(runtime.scalar_spacing,),
        doc="h, after checking it is one number (np.gradient's uniform spacing)",
    )
)


define_composite(
    Composite(
        "gradient",
        ("f", "h"),
        _gradient,
        defaults={"h": 1.0},
        attrs={"axis": None, "edge_order": 1},
        callables=(np.gradient,),
        doc="np.gradient(f, h, axis=k) with a scalar spacing h (differentiable in f and h); "
        "axis required, edge_order 1 only",
    )
)


refuse(
    (np.put_along_axis, np.put),
    "np.put_along_axis and np.put write into their argument in place (and return None), "
    "which adgen does not follow; write the values with an indexed assignment "
    "(y = x.copy(); y[index] = v) or use np.where",
)
