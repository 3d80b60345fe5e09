"""Structured control flow, boolean logic, and the tapes reverse mode keeps.

Control-flow ops hold nested blocks (see :mod:`adgen.ir`); the transforms and
the emitter treat them specially, so their entries here carry no rules:

* ``if(cond)``: blocks ``[then, else]``, no parameters; each yields one value
  per result.
* ``for_range(start, stop, step, *inits)``: block ``[body]`` with parameters
  ``(i, *carried)`` yielding the next carried values, and, when the attribute
  ``exits`` is set, a last flag that leaves the loop (``break``). ``reverse``
  runs the range backwards.
* ``while(*inits)``: blocks ``[cond, body]``; ``cond`` has the parameters
  ``carried`` and yields one flag; ``body`` has no parameters (it sees what
  ``cond`` defines) and yields the next carried values, then an exit flag
  if ``exits`` is set.

Tapes are Python lists made by ``tape_new``; ``tape_push(tape, *values)``
appends a tuple and ``tape_pop(tape)`` takes it back, in the reverse sweep.
"""

from __future__ import annotations

import ast
from typing import Any

from .core import Primitive, call, define, template


def _no_emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    raise AssertionError("control-flow ops are emitted by emit.BLOCK_EMITTERS")


for _name, _doc in [
    ("if", "if/else with merged results"),
    ("for_range", "for loop over a range, with loop-carried values"),
    ("while", "while loop with loop-carried values"),
]:
    define(
        Primitive(
            _name,
            _no_emit,
            ("args",),
            variadic=True,
            attrs={"reverse": False, "exits": False}
            if _name == "for_range"
            else {"exits": False}
            if _name == "while"
            else {},
            doc=_doc,
        )
    )

define(
    Primitive(
        "not_",
        template("not _0"),
        ("x",),
        differentiable=False,
        boolean=True,
        doc="not x (not differentiable)",
    )
)
define(
    Primitive(
        "truth",
        template("bool(_0)"),
        ("x",),
        differentiable=False,
        boolean=True,
        doc="the truth value of x (not differentiable)",
    )
)
define(
    Primitive(
        "and_",
        template("_0 and _1"),
        ("x", "y"),
        differentiable=False,
        boolean=True,
        doc="x and y on truth values (not differentiable)",
    )
)
define(
    Primitive(
        "or_",
        template("_0 or _1"),
        ("x", "y"),
        differentiable=False,
        boolean=True,
        doc="x or y on truth values (not differentiable)",
    )
)
define(
    Primitive(
        "tape_new",
        template("[]"),
        (),
        no_cse=True,
        doc="a new, empty tape (a Python list) for the reverse sweep",
    )
)


def _emit_push(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    item = args[1] if len(args) == 2 else ast.Tuple(elts=args[1:], ctx=ast.Load())
    return ast.Call(
        func=ast.Attribute(value=args[0], attr="append", ctx=ast.Load()), args=[item], keywords=[]
    )


define(
    Primitive(
        "tape_push",
        _emit_push,
        ("tape",),
        variadic=True,
        effect=True,
        differentiable=False,
        doc="push values onto a tape",
    )
)
define(
    Primitive(
        "tape_pop",
        template("_0.pop()"),
        ("tape",),
        effect=True,
        differentiable=False,
        doc="pop the values last pushed onto a tape",
    )
)


def _row_vjp(g: Any, out: Any, x: Any, i: Any) -> Any:
    return call("row_adjoint", g, x, i)


define(
    Primitive(
        "row",
        template("_0[_1]"),
        ("x", "i"),
        jvp=lambda ts, out, x, i: None if ts[0] is None else call("row", ts[0], i),
        vjps=(_row_vjp, None),
        doc="x[i] for an integer i: the rows a for loop over an array visits",
    )
)


def _emit_call(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    return ast.Call(func=ast.Name(id=attrs["fn"], ctx=ast.Load()), args=list(args), keywords=[])


define(
    Primitive(
        "call",
        _emit_call,
        ("args",),
        variadic=True,
        attrs={"fn": "", "structure": 0},
        doc="a call to another function of the program (the user's own function, or a "
        "derivative of one); differentiated by calling that function's derivative",
    )
)
