"""Emission for array-API libraries (Dask, PyTorch, CuPy...): ``np.f`` becomes ``xp.f``.

The IR and its derivative are the same as for NumPy; only the text differs.
Each generated function starts with ``xp = namespace_of(<its parameters>)``
(:mod:`adgen.runtime_xp`), and every ``np.<name>`` the primitives emit is
translated to the array-API function of the same meaning (``np.arcsin`` ->
``xp.asin``, ``np.concatenate`` -> ``xp.concat``), with NumPy's positional
``axis`` passed by keyword as the standard requires. A few NumPy functions
with no standard counterpart are answered by helpers (``np.shape`` ->
``shape_of``, ``np.dot`` -> ``dot``). Indexed writes are never emitted in
place: they call the functional helpers of :mod:`adgen.runtime_xp`.

Anything else (a NumPy function without a translation, a helper without an
array-API version, ``scipy.special``) is refused when the derivative is
compiled, naming the function and the array library, so that no NumPy
fallback silently pulls a Dask array into one process.

NumPy code is untouched by this module: :class:`ArrayAPIEmitter` is a
subclass used only when the request asks for an array library.
"""

from __future__ import annotations

import ast
import copy
from typing import Any

from ..errors import DifferentiationError
from ..ir import Const, Function, Op, Value
from ..ir.names import RESERVED
from ..primitives import PRIMITIVES
from ..primitives.core import const_expr
from ..runtime_xp import XP_HELPERS
from .emit import Emitted, Emitter
from .lines import INDENT
from .naming import Liveness, python_names

#: The name generated code binds the namespace to.
XP = "xp"

#: NumPy name -> array-API name, where they differ.
RENAMED = {
    "arccos": "acos",
    "arcsin": "asin",
    "arctan": "atan",
    "arctan2": "atan2",
    "arccosh": "acosh",
    "arcsinh": "asinh",
    "arctanh": "atanh",
    "power": "pow",
    "absolute": "abs",
    "concatenate": "concat",
    "cumsum": "cumulative_sum",
    "cumprod": "cumulative_prod",
    "array": "asarray",
    "invert": "bitwise_invert",
    "true_divide": "divide",
    "amax": "max",
    "amin": "min",
}

#: NumPy names the array API has under the same name and meaning.
SAME = frozenset(
    """abs acos acosh add asin asinh atan atan2 atanh ceil cos cosh divide exp expm1 floor
    log log1p log2 log10 logaddexp multiply negative positive sign sin sinh
    sqrt square subtract tan tanh trunc round hypot copysign floor_divide remainder
    where sum prod max min mean std var matmul tensordot vecdot reshape broadcast_to
    expand_dims squeeze stack zeros ones zeros_like ones_like full full_like empty empty_like
    arange eye asarray linspace clip isnan isinf isfinite equal not_equal greater
    greater_equal less less_equal logical_and logical_or logical_not logical_xor all any
    argmax argmin sort argsort flip roll moveaxis real imag conj astype nonzero
    float64 float32 int64 int32 int8 int16 uint8 bool pi e inf nan newaxis result_type
    isdtype finfo iinfo tril triu meshgrid broadcast_arrays permute_dims matrix_transpose
    diff reciprocal signbit""".split()
)

#: NumPy names answered by a helper of :mod:`adgen.runtime_xp`.
HELPED = {
    "shape": "shape_of",
    "ndim": "ndim_of",
    "size": "size_of",
    "dot": "dot",
    "maximum": "maximum_of",
    "minimum": "minimum_of",
}

#: Functions whose NumPy signature takes ``axis`` second, where the standard wants a keyword.
AXIS_SECOND = frozenset(
    """sum prod max min mean std var all any argmax argmin sort argsort flip expand_dims
    squeeze concat stack cumulative_sum cumulative_prod""".split()
)

#: Array methods written as the NumPy function of the same name (then translated).
METHODS = frozenset(
    """astype sum prod mean max min std var all any argmax argmin reshape clip squeeze
    cumsum round conj dot""".split()
)

#: NumPy array methods with no array-API form (or another meaning in PyTorch).
NUMPY_ONLY = frozenset(
    """transpose swapaxes fill repeat take put sort argsort diagonal trace nonzero ptp
    searchsorted compress choose resize cumprod tobytes view flat""".split()
)

#: Names a generated function must not give user values in this mode.
XP_RESERVED = frozenset({XP, *XP_HELPERS})


def refuse(what: str, library: str, why: str = "has no array-API translation") -> None:
    raise DifferentiationError(
        f"{what} {why}, so adgen cannot run this derivative on {library} arrays "
        "without pulling them into one NumPy process; rewrite the function without it, "
        "or pass NumPy arrays"
    )


class _Translate(ast.NodeTransformer):
    """Rewrites the ``np.<name>`` references of one emitted expression."""

    def __init__(self, library: str, helpers: set[str]) -> None:
        self.library = library
        self.helpers = helpers

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and not (isinstance(func.value, ast.Name) and func.value.id in ("np", "scipy", XP))
            and not _dotted(func).startswith("np.")
        ):
            out = self._method(func, node)
            return out if out is node else self.visit(out)
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == XP and func.attr in AXIS_SECOND and len(node.args) >= 2:
                node.keywords.insert(0, ast.keyword(arg="axis", value=node.args[1]))
                node.args = [node.args[0], *node.args[2:]]
            elif func.value.id == XP and func.attr == "tensordot" and len(node.args) >= 3:
                node.keywords.insert(0, ast.keyword(arg="axes", value=node.args[2]))
                node.args = node.args[:2]
        return node

    def _method(self, func: ast.Attribute, node: ast.Call) -> ast.expr:
        """``x.sum(0)`` as ``np.sum(x, 0)`` (translated next), ``x.copy()`` as a copy."""
        name, args = func.attr, [func.value, *node.args]
        if name == "copy" and not node.args:
            self.helpers.add("copied")
            return _call("copied", [func.value], [])
        if name in ("ravel", "flatten") and not node.args:
            return _call("np.reshape", [func.value, ast.Constant(-1)], [])
        if name == "reshape" and len(node.args) > 1:
            args = [func.value, ast.Tuple(elts=node.args, ctx=ast.Load())]
        elif name == "astype":
            args = [func.value, *(_dtype(a) for a in node.args)]
        elif name in NUMPY_ONLY:
            refuse(f"the array method .{name}()", self.library)
        elif name not in METHODS:  # a list's .append, a string's .format...
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            func.value = self.visit(func.value)
            return node
        return _call(f"np.{name}", args, node.keywords)

    def visit_Slice(self, node: ast.Slice) -> ast.AST:
        self.generic_visit(node)
        step = node.step
        if self.library == "torch" and isinstance(step, (ast.UnaryOp, ast.Constant)):
            if isinstance(step, ast.UnaryOp) or (isinstance(step.value, int) and step.value < 0):
                refuse("a slice with a negative step", self.library, "has no PyTorch form")
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        v = node.value
        if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name):
            if v.value.id == "np" and v.attr in ("s_", "index_exp"):
                return _index_value(self.visit(node.slice))
        self.generic_visit(node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr == "size" and not (isinstance(node.value, ast.Name) and node.value.id == "np"):
            self.helpers.add("size_of")  # PyTorch's .size is a method
            return _call("size_of", [node.value], [])
        if not isinstance(node.value, ast.Name):
            if _dotted(node).startswith("np."):
                refuse(f"{_dotted(node)}", self.library)
            return node
        if node.value.id == "scipy":
            refuse(f"scipy.{node.attr}", self.library)
        if node.value.id != "np":
            return node
        name = node.attr
        if name in HELPED:
            self.helpers.add(HELPED[name])
            return ast.Name(id=HELPED[name], ctx=ast.Load())
        if name in RENAMED or name in SAME:
            return ast.Attribute(
                value=ast.Name(id=XP, ctx=ast.Load()), attr=RENAMED.get(name, name), ctx=node.ctx
            )
        refuse(f"np.{name}", self.library)
        return node


def _call(dotted: str, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
    func: ast.expr = ast.Name(id=dotted.split(".")[0], ctx=ast.Load())
    for part in dotted.split(".")[1:]:
        func = ast.Attribute(value=func, attr=part, ctx=ast.Load())
    return ast.Call(func=func, args=args, keywords=keywords)


def _dtype(node: ast.expr) -> ast.expr:
    """A dtype argument with Python's ``float``/``int``/``bool`` as the library's own."""
    if isinstance(node, ast.Name) and node.id in ("float", "int", "bool"):
        attr = {"float": "float64", "int": "int64", "bool": "bool"}[node.id]
        return ast.Attribute(value=ast.Name(id=XP, ctx=ast.Load()), attr=attr, ctx=ast.Load())
    return node


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _index_value(index: ast.expr) -> ast.expr:
    """``np.s_[index]`` as an expression any library takes (``slice(1, None, None)``)."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        return ast.Call(
            func=ast.Name(id="slice", ctx=ast.Load()),
            args=[p if p is not None else ast.Constant(None) for p in parts],
            keywords=[],
        )
    if isinstance(index, ast.Tuple):
        return ast.Tuple(elts=[_index_value(e) for e in index.elts], ctx=ast.Load())
    return index


class ArrayAPIEmitter(Emitter):
    """An :class:`Emitter` whose output calls the array API instead of NumPy."""

    def __init__(self, fn: Function, library: str) -> None:
        super().__init__(fn)
        self.library = library
        live = Liveness(fn)
        self.py = python_names(fn, RESERVED | XP_RESERVED | set(fn.freevars), live)
        self.inplace = set()  # every indexed write goes through a functional helper
        self.translate = _Translate(library, self.helpers)

    def value(self, v: Value) -> ast.expr:
        if isinstance(v, Const):
            return self.translate.visit(copy.deepcopy(const_expr(v.value)))
        return super().value(v)

    def op_expr(self, op: Op) -> ast.expr:
        prim = PRIMITIVES[op.prim]
        missing = sorted(set(prim.helpers) - set(XP_HELPERS))
        if missing:
            refuse(
                f"{_what(op)} (its derivative uses {', '.join(missing)})",
                self.library,
                "has no array-API version yet",
            )
        if prim.modules:
            refuse(_what(op), self.library)
        return self.translate.visit(copy.deepcopy(super().op_expr(op)))

    def function(self, name: str, doc: str) -> Emitted:
        out = super().function(name, doc)
        lines = out.source.split("\n")
        at = 1 + _docstring_lines(lines[1:])
        params = ", ".join(p.split("=")[0] for p in self.fn.params)
        lines.insert(at, f"{INDENT}{XP} = namespace_of({params})")
        out.source = "\n".join(lines)
        out.line_locs = {(k + 1 if k > at else k): v for k, v in out.line_locs.items()}
        out.helpers |= {"namespace_of"}
        out.library = self.library
        return out


def _what(op: Op) -> str:
    """The NumPy function (or operation) an op stands for, for messages."""
    if op.loc is not None:
        return f"{op.prim} (at {op.loc.text.strip()!r})"
    return op.prim


def _docstring_lines(lines: list[str]) -> int:
    """How many of ``lines`` (a function body) its docstring takes."""
    first = lines[0].strip() if lines else ""
    if not first.startswith('"""'):
        return 0
    if first.count('"""') >= 2 and len(first) > 3:
        return 1
    for k, line in enumerate(lines[1:], 2):
        if line.strip().endswith('"""'):
            return k
    return 0


def emit_array_api(fn: Function, name: str, doc: str, library: str) -> Emitted:
    """Source of ``fn`` for the array library ``library`` (see the module docstring)."""
    return ArrayAPIEmitter(fn, library).function(name, doc)


def helper_table() -> dict[str, Any]:
    """The helpers array-API code runs with, by the names it calls them."""
    return dict(XP_HELPERS)
