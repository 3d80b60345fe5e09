"""Lowering of calls that are not one primitive applied to its operands.

Python builtins (``len``, ``float``, ``int``, ``sum``, ``min``, ``max``,
``range``, ``slice``, ``tuple``, ``list``), ``math`` functions that are
rewritten onto other primitives (``math.log`` with a base, ``math.log10``,
``math.pow``, ``math.hypot`` of any number of values...), array methods
(``x.copy()``, ``x.astype(float)``, and methods whose NumPy function is a
primitive), and calls of functions given custom rules (:mod:`adgen.custom`).

``min``/``max`` of several values follow Python: ``max(a, b)`` is ``a``
unless ``b > a``, so the derivative follows the value chosen (the first one on
a tie); they are lowered onto ``np.minimum``/``np.maximum``, which pick and
differentiate the same way, elementwise for arrays.
"""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import gast
import numpy as np

from .. import custom
from ..ir import Const, Value
from ..primitives.core import lookup_method
from .values import Pack, SliceValue

_HANDLERS: dict[Any, str] = {
    builtins.len: "call_len",
    builtins.sum: "call_sum",
    builtins.max: "call_max",
    builtins.min: "call_min",
    builtins.range: "call_range",
    builtins.slice: "call_slice",
    builtins.tuple: "call_tuple",
    builtins.list: "call_list",
    builtins.float: "call_convert",
    builtins.int: "call_convert",
    builtins.bool: "call_convert",
    math.log: "call_math_log",
    math.log10: "call_math_log",
    math.log2: "call_math_log",
    math.pow: "call_math_pow",
    math.fabs: "call_math_fabs",
    math.degrees: "call_math_angle",
    math.radians: "call_math_angle",
    math.hypot: "call_math_hypot",
    math.fsum: "call_sum",
    np.einsum: "call_einsum",
}

_EINSUM_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class CallsMixin:
    """Builtins, ``math`` rewrites, array methods and custom-rule calls."""

    def special_call(self, node: gast.Call, obj: Any) -> Any:
        """Lower a call of ``obj`` if it needs more than a primitive; else None."""
        entry = custom.lookup(obj)
        if entry is not None:
            return self.custom_call(node, entry)
        try:
            handler = _HANDLERS.get(obj)
        except TypeError:
            return None
        if handler is None:
            return None
        return getattr(self, handler)(node, obj)

    def _args(self, node: gast.Call, low: int, high: int | None, what: str,
              keywords: tuple[str, ...] = ()) -> list[Any]:
        if any(isinstance(a, gast.Starred) for a in node.args):
            raise self.error(node, f"*arguments in a call of {what} are not supported")
        for kw in node.keywords:
            if kw.arg not in keywords:
                raise self.error(node, f"{what} does not support the keyword argument "
                                 f"{kw.arg!r} here")
        n = len(node.args)
        if n < low or (high is not None and n > high):
            count = f"{low}" if high == low else f"{low} to {high}" if high else f"{low} or more"
            raise self.error(node, f"{what} takes {count} argument(s) here, not {n}")
        return [self.live(self.expr(a), a) for a in node.args]

    def _keyword(self, node: gast.Call, name: str) -> gast.AST | None:
        for kw in node.keywords:
            if kw.arg == name:
                return kw.value
        return None

    # --------------------------------------------------------------- einsum
    def call_einsum(self, node: gast.Call, obj: Any) -> Any:
        """``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``, the sublist form, as subscripts.

        Returns None (the ordinary call) for the string form. The sublists must
        be constants known while lowering (literals or variables bound to them).
        """
        args = node.args
        if len(args) < 2 or any(isinstance(a, gast.Starred) for a in args) or \
                self._sublist(args[1]) is None:
            return None
        terms = [self._sublist(a) for a in args[1::2]]
        out = self._sublist(args[-1]) if len(args) % 2 else None
        if any(t is None for t in terms) or (len(args) % 2 and out is None):
            raise self.error(node, "np.einsum in the sublist form needs every sublist as a "
                             "constant list of integers written in the source")
        subscripts = ",".join(terms) + ("" if out is None else "->" + out)
        operands = [self.value(a) for a in args[0:len(args) - len(args) % 2:2]]
        attrs = {}
        for kw in node.keywords:
            value = self.expr(kw.value)
            if kw.arg != "optimize" or not isinstance(value, Const):
                raise self.error(node, f"np.einsum does not support the keyword {kw.arg!r} "
                                 "here")
            attrs["optimize"] = value.value
        return self.emit("einsum", [Const(subscripts), *operands], attrs)

    def _sublist(self, node: gast.AST) -> str | None:
        """The subscripts a constant einsum sublist stands for, or None."""
        if isinstance(node, (gast.List, gast.Tuple)):
            items: Any = [Ellipsis if isinstance(e, gast.Name) and e.id == "Ellipsis"
                          else self.expr(e) for e in node.elts]
        elif isinstance(node, gast.Name):
            value = self.expr(node)
            items = value.items if isinstance(value, Pack) else (
                value.value if isinstance(value, Const) and isinstance(value.value, tuple)
                else None)
        else:
            return None
        if items is None:
            return None
        text = ""
        for item in items:
            v = item.value if isinstance(item, Const) else item
            if v is Ellipsis:
                text += "..."
            elif type(v) is int and 0 <= v < len(_EINSUM_LETTERS):
                text += _EINSUM_LETTERS[v]
            else:
                return None
        return text

    # ------------------------------------------------------------ builtins
    def call_len(self, node: gast.Call, obj: Any) -> Any:
        (x,) = self._args(node, 1, 1, "len")
        if isinstance(x, Pack):
            return Const(len(x.items))
        if isinstance(x, Const) and isinstance(x.value, (tuple, str)):
            return Const(len(x.value))
        return self.emit("len", [self.as_value(x, node.args[0])])

    def call_convert(self, node: gast.Call, obj: Any) -> Any:
        (x,) = self._args(node, 1, 1, obj.__name__)
        x = self.as_value(x, node.args[0])
        if isinstance(x, Const):
            try:
                return Const(obj(x.value))
            except (TypeError, ValueError):
                raise self.error(node, f"{obj.__name__}({x.value!r}) fails") from None
        return self.emit(obj.__name__, [x])

    def _items(self, x: Any, node: gast.AST, what: str) -> list[Any] | None:
        """The items of a tuple or list known while lowering, else None."""
        if isinstance(x, Pack) and x.kind != "dict":
            return [self.live(i, node) for i in x.items]
        if isinstance(x, Const) and isinstance(x.value, tuple):
            return [Const(v) for v in x.value]
        return None

    def call_sum(self, node: gast.Call, obj: Any) -> Any:
        what = "math.fsum" if obj is math.fsum else "sum"
        args = self._args(node, 1, 1 if obj is math.fsum else 2, what,
                          () if obj is math.fsum else ("start",))
        start_node = self._keyword(node, "start")
        start: Any = args[1] if len(args) > 1 else (
            self.expr(start_node) if start_node is not None else Const(0))
        start = self.as_value(start, node)
        items = self._items(args[0], node.args[0], what)
        if items is None:
            # Python sums an array over its first axis.
            total = self.emit("sum", [self.as_value(args[0], node.args[0])], {"axis": 0})
            items = [total]
        total = start
        for item in items:
            value = self.as_value(item, node)
            total = value if _is_zero(total) else self.emit("add", [total, value])
        return total

    def _extremum(self, node: gast.Call, prim: str, what: str) -> Any:
        args = self._args(node, 1, None, what)
        items = args
        if len(args) == 1:
            items = self._items(args[0], node.args[0], what)  # type: ignore[assignment]
            if items is None:
                raise self.error(node, f"{what}() of one array compares its rows; use "
                                 f"np.{'amax' if what == 'max' else 'amin'}(x, axis=0) or "
                                 f"np.{what}imum(a, b) instead")
            if not items:
                raise self.error(node, f"{what}() of an empty sequence fails")
        result = self.as_value(items[0], node)
        for item in items[1:]:
            result = self.emit(prim, [result, self.as_value(item, node)])
        return result

    def call_max(self, node: gast.Call, obj: Any) -> Any:
        return self._extremum(node, "maximum", "max")

    def call_min(self, node: gast.Call, obj: Any) -> Any:
        return self._extremum(node, "minimum", "min")

    def call_range(self, node: gast.Call, obj: Any) -> Any:
        args = self._args(node, 1, 3, "range")
        return self.emit("make_range", [self.as_value(a, node) for a in args])

    def call_slice(self, node: gast.Call, obj: Any) -> Any:
        args = [self.as_value(a, node) for a in self._args(node, 1, 3, "slice")]
        if len(args) == 1:
            args = [Const(None), args[0]]
        return SliceValue.of(*args)

    def call_tuple(self, node: gast.Call, obj: Any) -> Any:
        return self._convert_sequence(node, "tuple")

    def call_list(self, node: gast.Call, obj: Any) -> Any:
        return self._convert_sequence(node, "list")

    def _convert_sequence(self, node: gast.Call, kind: str) -> Any:
        args = self._args(node, 0, 1, kind)
        if not args:
            return Pack(kind, ())
        items = self._items(args[0], node.args[0], kind)
        if items is None:
            raise self.error(node, f"{kind}() of this value is not supported; build the "
                             f"{kind} from its items")
        return Pack(kind, tuple(items))

    # ---------------------------------------------------------------- math
    def call_math_log(self, node: gast.Call, obj: Any) -> Any:
        high = 2 if obj is math.log else 1
        args = [self.as_value(a, node) for a in self._args(node, 1, high, obj.__name__)]
        log = self.emit("log", [args[0]])
        if obj is math.log10:
            return self.emit("mul", [log, Const(1 / math.log(10))])
        if obj is math.log2:
            return self.emit("mul", [log, Const(1 / math.log(2))])
        if len(args) == 2:
            base = args[1]
            if isinstance(base, Const) and isinstance(base.value, (int, float)):
                return self.emit("mul", [log, Const(1 / math.log(base.value))])
            return self.emit("div", [log, self.emit("log", [base])])
        return log

    def call_math_pow(self, node: gast.Call, obj: Any) -> Any:
        x, y = (self.as_value(a, node) for a in self._args(node, 2, 2, "math.pow"))
        return self.emit("pow", [x, y])

    def call_math_fabs(self, node: gast.Call, obj: Any) -> Any:
        (x,) = self._args(node, 1, 1, "math.fabs")
        return self.emit("abs", [self.as_value(x, node)])

    def call_math_angle(self, node: gast.Call, obj: Any) -> Any:
        (x,) = self._args(node, 1, 1, obj.__name__)
        factor = 180 / math.pi if obj is math.degrees else math.pi / 180
        return self.emit("mul", [self.as_value(x, node), Const(factor)])

    def call_math_hypot(self, node: gast.Call, obj: Any) -> Any:
        args = [self.as_value(a, node) for a in self._args(node, 1, None, "math.hypot")]
        if len(args) == 1:
            return self.emit("abs", args)
        if len(args) == 2:
            return self.emit("hypot", args)
        total: Value | None = None
        for a in args:
            sq = self.emit("mul", [a, a])
            total = sq if total is None else self.emit("add", [total, sq])
        return self.emit("sqrt", [total])  # type: ignore[list-item]

    # ------------------------------------------------------------- custom
    def custom_call(self, node: gast.Call, entry: custom.CustomFunction) -> Any:
        """A call of a function with custom rules: one op, its rules bound by name."""
        if any(isinstance(a, gast.Starred) for a in node.args):
            raise self.error(node, f"*arguments in a call of {entry.name} are not supported")
        if len(node.args) > len(entry.params):
            raise self.error(node, f"{entry.name} takes {len(entry.params)} argument(s) "
                             f"({', '.join(entry.params)})")
        bound: dict[str, Any] = dict(zip(entry.params, node.args, strict=False))
        for kw in node.keywords:
            if kw.arg not in entry.params or kw.arg in bound:
                raise self.error(node, f"unsupported keyword argument {kw.arg!r} for "
                                 f"{entry.name}")
            bound[kw.arg] = kw.value
        operands: list[Value] = []
        for p in entry.params:
            if p in bound:
                operands.append(self.value(bound[p]))
            elif p in entry.defaults and _constant(entry.defaults[p]):
                operands.append(Const(entry.defaults[p]))
            else:
                raise self.error(node, f"{entry.name} needs its argument {p!r}")
        for name, obj in entry.bindings().items():
            if self.freevars.get(name, obj) is not obj:
                raise self.error(node, f"the name {name!r} of a custom rule clashes with "
                                 "another value this function uses; register the rule "
                                 "under another name (name=...)")
            self.freevars[name] = obj
            self.namer.reserve(name)
        return self.emit(entry.prim, operands)

    # ----------------------------------------------------------- operators
    def static_binop(self, node: gast.BinOp, prim: str, left: Any, right: Any) -> Any:
        """``a op b`` known while lowering: integer arithmetic on constants (so that
        ``axis=n - 1`` stays a constant), tuple and list concatenation; else None."""
        if isinstance(left, Pack) or isinstance(right, Pack):
            if prim == "add" and isinstance(left, Pack) and isinstance(right, Pack) and \
                    left.kind == right.kind != "dict":
                return Pack(left.kind, left.items + right.items)
            if prim == "add" and isinstance(left, Pack) and isinstance(right, Const) and \
                    isinstance(right.value, tuple) and left.kind == "tuple":
                return Pack("tuple", left.items + tuple(Const(v) for v in right.value))
            if prim == "add" and isinstance(right, Pack) and isinstance(left, Const) and \
                    isinstance(left.value, tuple) and right.kind == "tuple":
                return Pack("tuple", tuple(Const(v) for v in left.value) + right.items)
            return None
        if isinstance(left, Const) and isinstance(right, Const):
            a, b = left.value, right.value
            if isinstance(a, tuple) and isinstance(b, tuple) and prim == "add":
                return Const(a + b)
            if type(a) is int and type(b) is int and prim in _INT_FOLD:
                try:
                    return Const(_INT_FOLD[prim](a, b))
                except (ZeroDivisionError, ValueError, OverflowError):
                    return None
        return None

    # ------------------------------------------------------------ methods
    def special_method(self, node: gast.Call, base: Value, name: str) -> Any:
        """``base.name(...)`` for methods beyond the primitive table; None if unknown."""
        if lookup_method(name) is not None:
            return None  # the table knows it
        if name == "copy":
            self._args(node, 0, 0, "copy")
            return self.emit("copy", [base])
        if name == "astype":
            if len(node.args) != 1 or node.keywords:
                raise self.error(node, "astype takes one argument, the dtype, here")
            dtype = self.static_dtype(node.args[0])
            return self.emit("astype", [base], {"dtype": dtype})
        return None

    def static_dtype(self, node: gast.AST) -> str:
        out = self.expr(node)
        obj = out.obj if hasattr(out, "obj") else (out.value if isinstance(out, Const) else None)
        try:
            if obj is None:
                raise TypeError(obj)
            return np.dtype(obj).name  # type: ignore[arg-type]
        except TypeError:
            raise self.error(node, "the dtype must be written in the source (float, "
                             "np.float32, 'float64'...)") from None


_INT_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "floordiv": operator.floordiv}


def _is_zero(v: Value) -> bool:
    return isinstance(v, Const) and type(v.value) is int and v.value == 0


def _constant(v: Any) -> bool:
    return v is None or type(v) in (bool, int, float, complex, str)

