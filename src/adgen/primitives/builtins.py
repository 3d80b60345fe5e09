"""Python builtins and ``math`` functions that the other primitive modules lack.

Conversions (``float`` is differentiable, ``int``/``bool``/``round`` are not),
``len``, list and range construction, ``math.atan2``/``math.hypot`` (also
``np.arctan2``/``np.hypot``), and :func:`stop_gradient`.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from .core import Primitive, Sym, define, template


def stop_gradient(x: Any) -> Any:
    """``x`` itself; adgen treats the result as a constant (its derivative is zero).

    Use it to hold part of a computation fixed, for example a target that
    should not be differentiated: ``loss = (y - stop_gradient(y_target)) ** 2``.
    """
    return x


define(
    Primitive(
        "stop_gradient",
        lambda args, attrs: args[0],
        ("x",),
        differentiable=False,
        callables=(stop_gradient,),
        shape_of=0,
        doc="x, with a zero derivative (adgen.stop_gradient)",
    )
)


for _name, _text, _callables in [
    ("bool", "bool(_0)", (bool,)),
    ("round_builtin", "round(_0)", (round,)),
    ("int_floor", "int(np.floor(_0))", (math.floor,)),
    ("int_ceil", "int(np.ceil(_0))", (math.ceil,)),
    ("int_trunc", "int(_0)", (math.trunc,)),
]:
    define(
        Primitive(
            _name,
            template(_text),
            ("x",),
            differentiable=False,
            callables=_callables,
            int_result=_name != "bool",
            doc=f"{_text.replace('_0', 'x')} (not differentiable)",
        )
    )

define(
    Primitive(
        "make_list",
        lambda args, attrs: ast.List(elts=list(args), ctx=ast.Load()),
        ("items",),
        differentiable=False,
        variadic=True,
        index_array=True,
        doc="a list of non-differentiable values (indices, shapes)",
    )
)

define(
    Primitive(
        "make_range",
        lambda args, attrs: ast.Call(
            func=ast.Name(id="range", ctx=ast.Load()), args=list(args), keywords=[]
        ),
        ("start",),
        differentiable=False,
        variadic=True,
        index_array=True,
        doc="range(...) used as a value (an index, a length)",
    )
)


def _atan2_dy(out: Sym, y: Sym, x: Sym) -> Sym:
    return x / (x * x + y * y)


def _atan2_dx(out: Sym, y: Sym, x: Sym) -> Sym:
    return -y / (x * x + y * y)
