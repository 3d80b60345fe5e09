"""The primitive table's machinery: :class:`Primitive`, rule building, emission.

A primitive's entry holds everything about it in one place: how the frontend
finds it (the callables it stands for and its call signature), how it is
emitted as Python, and its derivative rules. Rules are ordinary Python
functions over :class:`Sym` values; running a rule appends primitive ops to a
:class:`Builder`. Because rules are written in primitives, the code they build
can be differentiated again, which is how ``hessian`` (forward over reverse)
and higher orders work.

Rule conventions, for a primitive ``out = p(x0, x1, ..., **attrs)``:

* ``jvp(tangents, out, *args, **attrs)`` returns the tangent of ``out`` (a
  :class:`Sym`) or ``None`` for zero; ``tangents[i]`` is ``None`` where the
  operand is inactive. Primitives may instead give ``jvps``, one partial rule
  per operand ``(t, out, *args, **attrs) -> Sym``, whose results are summed.
* ``vjps[i](g, out, *args, **attrs)`` returns operand ``i``'s share of the
  adjoint given the adjoint ``g`` of ``out``, already shaped like operand
  ``i`` (or ``None`` for zero); a ``None`` rule marks an operand the
  primitive is not differentiable in.
* A *variadic* primitive takes any number of operands. Its last rule in
  ``vjps`` applies to every operand from that position on, and each of its
  rules is called with the keyword ``position``, the operand's index.

How user code reaches a primitive: through ``callables`` (``np.sin``,
``math.sin``), through ``methods`` (``x.sum()``), or, for a function that
returns a tuple, through :func:`define_tuple` (``s, l = np.linalg.slogdet(a)``
becomes one primitive per component). A *listed* primitive takes its operands
as a list written in the call (``np.concatenate([a, b], axis=0)``).
"""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ir import Const, Loc, Namer, Op, Value, Var
from . import identities

Emitter = Callable[[list[ast.expr], dict[str, Any]], ast.expr]


@dataclass(frozen=True)
class Ty:
    """What the shape analysis (:mod:`adgen.analysis.types`) knows of a value.

    ``kind``: "int" (a Python int), "float" (a Python float), "bool", "array"
    (an ndarray), "tuple" (a tuple of ints, from ``np.shape``) or "?" (not
    known: a number of shape ``()`` may be any scalar, or a 0-d array).
    ``shape``: the shape, with None for a length not known; None when even the
    number of axes is not known. ``value``: the value, for ints and shape
    tuples the analysis can compute (``x.shape[0]`` of an argument), else None.
    """

    kind: str = "?"
    shape: tuple[int | None, ...] | None = None
    value: Any = None

    @property
    def scalar(self) -> bool:
        """Whether the value is known to have shape ``()``."""
        return self.shape == ()

    @property
    def known(self) -> bool:
        """Whether the whole shape (every length) is known."""
        return self.shape is not None and all(d is not None for d in self.shape)


UNKNOWN = Ty()


def broadcast(shapes: Sequence[tuple[int | None, ...] | None]) -> tuple[int | None, ...] | None:
    """NumPy's broadcast of ``shapes`` (None where a length or a shape is not known).

    An unknown length against a known one ``k > 1`` is ``k`` (the program runs
    only if they broadcast); against 1 or another unknown length it stays unknown.
    """
    if any(s is None for s in shapes):
        return None
    ndim = max((len(s) for s in shapes), default=0)  # type: ignore[arg-type]
    out: list[int | None] = []
    for k in range(ndim):
        dims = [
            s[len(s) - ndim + k]
            for s in shapes  # type: ignore[index, arg-type]
            if len(s) - ndim + k >= 0
        ]  # type: ignore[arg-type]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError("shapes do not broadcast")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


#: A shape rule: the result's :class:`Ty` from the operands' and the op's attributes.
ShapeRule = Callable[[list[Ty], dict[str, Any]], Ty]


@dataclass
class Primitive:
    """One entry of the primitive table."""

    name: str
    emit: Emitter
    operands: tuple[str, ...]
    attrs: dict[str, Any] = field(default_factory=dict)
    jvp: Callable[..., Sym | None] | None = None
    vjps: tuple[Callable[..., Sym] | None, ...] | None = None
    differentiable: bool = True
    # The result has the shape of this operand (elementwise with scalars, and
    # the like); lets simplification drop reshaping of adjoints that already fit.
    shape_of: int | None = None
    # Callables in user code that this primitive stands for.
    callables: tuple[Any, ...] = ()
    # Runtime helper functions (names in adgen.runtime) that emission needs.
    helpers: tuple[str, ...] = ()
    doc: str = ""
    # Has an effect beyond its result (raises, writes memory): never removed or moved.
    effect: bool = False
    # Elementwise in all operands with NumPy broadcasting.
    elementwise: bool = False
    # Takes any number of operands (``operands`` then names the leading ones).
    variadic: bool = False
    # Variadic, with its operands written as a list literal in the first argument.
    listed: bool = False
    # The listed primitive to use instead when the first argument is a list
    # literal (``np.array([a, b])``, while ``np.array(x)`` copies x).
    of_list: str | None = None
    # The call's first argument is a tuple whose items are the first ``packed``
    # operands (``cho_solve((c, lower), b)``, ``cho_solve(cho_factor(a), b)``).
    packed: int = 0
    # Array methods that stand for this primitive, the array being operand 0.
    methods: tuple[str, ...] = ()
    # Modules the emitted code refers to by name besides ``np`` (``scipy.special``).
    modules: tuple[str, ...] = ()
    # The module of adgen.primitives that defined it (for the documentation).
    family: str = ""

    # What the frontend, transforms and passes may assume about the result
    # (every default is the safe "nothing known").
    # The result holds integers or booleans: used as an index it is advanced
    # indexing, which selects a copy (so writes through it are not views).
    index_array: bool = False
    # The result is a Python integer: used as an index it is basic, like a literal.
    int_result: bool = False
    # Integer operands give an integer result (``n - 1`` is still an integer).
    int_closed: bool = False
    # The result is always a new array, never an operand or a view of one
    # (``x *= 2`` on it may then change it in place).
    fresh_array: bool = False
    # Whether the result may share memory with operand 0, so that a write to
    # one must reach the other: "view" (always a view: the frontend replays the
    # op after a write to the base, and writes back through it), "maybe" (a view
    # or a copy depending on the run-time layout: the frontend refuses code
    # whose meaning depends on which), None (never). ``getitem`` is classified
    # per op by the frontend.
    view: str | None = None
    # A view of operand 0 that keeps the element order: a write to the view is
    # written back into operand 0 by reshaping.
    same_order: bool = False
    # The result is a truth value (bool or NumPy bool): a flag set from it
    # needs no ``bool()``.
    boolean: bool = False
    # Operand positions read only for their shape (the ``like`` of an adjoint
    # helper): the reverse sweep need not keep their values, only their shapes.
    shape_only: tuple[int, ...] = ()
    # The result is operand 0 brought to operand 1's shape (summed or
    # broadcast); the identity where the two shapes are known to be equal.
    reshaper: bool = False
    # Each op makes an object that later ops change in place (a tape, an
    # accumulator): two equal ops must not be merged by CSE.
    no_cse: bool = False
    # The result is a scalar (shape ()): True, or a test of the op's attributes
    # (``np.sum(x)`` without axis or keepdims).
    scalar_result: bool | Callable[[dict[str, Any]], bool] = False
    # When the result is floating or complex (which lets ``x * 1.0`` become
    # ``x``, see :mod:`adgen.primitives.identities`): "always" (``np.sin``,
    # true division), "any" (when any operand is: ``+``, ``*``), "first" (when
    # operand 0 is: ``np.sum``, ``unbroadcast``), "" (not known).
    float_result: str = ""
    # The result is a Python list (see primitives/lists.py): its zero is ``list_zeros``
    # and its adjoints add item by item (``list_add``), not with ``+``.
    list_result: bool = False
    # The result's type and shape from its operands' (see Ty); None: the
    # generic rules of adgen.analysis.types (elementwise broadcasting,
    # shape_of, scalar_result, int_result), else unknown.
    shape_rule: ShapeRule | None = None

    @property
    def nargs(self) -> int | None:
        return None if self.variadic else len(self.operands)

    def gives_scalar(self, attrs: dict[str, Any]) -> bool:
        """Whether an op of this primitive with ``attrs`` has a scalar result."""
        test = self.scalar_result
        return test(attrs) if callable(test) else test

    def vjp_rule(self, i: int) -> Callable[..., Sym | None] | None:
        """The adjoint rule for operand ``i``, or None if not differentiable in it."""
        if not self.differentiable or self.vjps is None:
            return None
        if not self.variadic:
            return self.vjps[i]
        rule = self.vjps[min(i, len(self.vjps) - 1)]
        if rule is None or "position" not in inspect.signature(rule).parameters:
            return rule
        return functools.partial(rule, position=i)

    def diff_positions(self, nargs: int) -> list[int]:
        """Indices of the operands (of an op with ``nargs``) it is differentiable in."""
        if not self.differentiable:
            return []
        if self.vjps is None:
            return list(range(nargs)) if self.jvp is not None else []
        return [i for i in range(nargs) if self.vjp_rule(i) is not None]


PRIMITIVES: dict[str, Primitive] = {}
# Callable object -> primitive name, for resolving names in user code.
BY_CALLABLE: dict[Any, str] = {}
# Array method name -> primitive name.
BY_METHOD: dict[str, str] = {}
# Callable returning a tuple -> the primitives that compute its components.
TUPLE_RESULTS: dict[Any, tuple[str, ...]] = {}


def define(prim: Primitive) -> Primitive:
    """Add ``prim`` to the table; each name and callable may be defined once."""
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} defined twice")
    if prim.vjps is not None and len(prim.vjps) != len(prim.operands):
        raise ValueError(f"primitive {prim.name!r}: one vjp per operand expected")
    if prim.listed and not prim.variadic:
        raise ValueError(f"primitive {prim.name!r}: a listed primitive is variadic")
    if not prim.family:
        prim.family = _defining_module()
    PRIMITIVES[prim.name] = prim
    for c in prim.callables:
        try:
            BY_CALLABLE.setdefault(c, prim.name)
        except TypeError:  # unhashable callables cannot be looked up
            pass
    for m in prim.methods:
        if m in BY_METHOD:
            raise ValueError(f"method .{m}() given to {BY_METHOD[m]!r} and {prim.name!r}")
        BY_METHOD[m] = prim.name
    return prim


def _defining_module() -> str:
    """The short name of the module whose top-level code is running ``define``."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_name != "<module>":
        frame = frame.f_back  # type: ignore[assignment]
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return name.rpartition(".")[2]


def define_tuple(
    callables: Sequence[Any],
    parts: Sequence[str],
    single: tuple[str, int, dict[Any, str]] | None = None,
) -> None:
    """Make ``a, b = f(...)`` (f one of ``callables``) compute each part on its own.

    ``parts`` names one single-result primitive per tuple component; each takes
    the call's arguments. ``single`` is ``(argument, position, {value: primitive})``
    for a function that returns one array when that argument (by name or at that
    position) has one of the given constant values (``np.linalg.svd(a,
    compute_uv=False)``): the primitive then computes the call.
    """
    for c in callables:
        TUPLE_RESULTS[c] = tuple(parts)
        if single is not None:
            TUPLE_SINGLE[c] = single


# Callable returning a tuple -> when it returns one array instead (see define_tuple).
TUPLE_SINGLE: dict[Any, tuple[str, int, dict[Any, str]]] = {}


# Families of primitives for optional libraries: defined (by importing the
# adgen module on the right) only once the user's program has imported the
# library on the left, so that adgen never imports it itself.
DEFERRED = {
    "scipy.special": "adgen.primitives.special",
    "scipy.linalg": "adgen.primitives.scipy_linalg",
    "scipy.stats": "adgen.primitives.stats",
}


def load_deferred(force: bool = False) -> None:
    """Define the primitives of the optional libraries already imported (all if ``force``)."""
    for library, family in list(DEFERRED.items()):
        if library in sys.modules or force:
            try:
                importlib.import_module(family)
            except ImportError:  # the library is not installed
                if not force:
                    raise
            DEFERRED.pop(library, None)


def lookup_callable(obj: Any) -> str | None:
    """The primitive a callable stands for, or None."""
    try:
        found = BY_CALLABLE.get(obj)
    except TypeError:
        return None
    if found is None and DEFERRED:
        load_deferred()
        found = BY_CALLABLE.get(obj)
    return found


def lookup_method(name: str) -> str | None:
    """The primitive the array method ``name`` stands for, or None."""
    return BY_METHOD.get(name)


def lookup_tuple(obj: Any) -> tuple[str, ...] | None:
    """The component primitives of a tuple-returning callable, or None."""
    try:
        return TUPLE_RESULTS.get(obj)
    except TypeError:
        return None


def dtype_attr(obj: Any) -> str | None:
    """The name of the dtype ``obj`` denotes (``float``, ``np.float32``), or None.

    Dtypes are attributes; they are kept as names so attributes stay plain
    constants. Python's own types keep their names (``'float'``).
    """
    if isinstance(obj, type) and obj in (float, int, bool, complex):
        return obj.__name__
    if isinstance(obj, np.dtype) or (isinstance(obj, type) and issubclass(obj, np.generic)):
        return np.dtype(obj).name
    return None


def dtype_kind(name: Any) -> str:
    """NumPy's kind letter of a dtype attribute (``'f'`` for ``'float'``); None gives 'f'."""
    return "f" if name is None else np.dtype(name).kind


# ---------------------------------------------------------------- emission


@functools.cache
def _template(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


class _Fill(ast.NodeTransformer):
    def __init__(self, args: Sequence[ast.expr], attrs: dict[str, Any]) -> None:
        self.args = args
        self.attrs = attrs
        self.used: set[int] = set()

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id.startswith("_") and node.id[1:].isdigit():
            # The operands are built afresh for each op: copy one only if the
            # template uses it twice.
            k = int(node.id[1:])
            arg = self.args[k]
            if k in self.used:
                return copy.deepcopy(arg)
            self.used.add(k)
            return arg
        if node.id.startswith("_") and node.id[1:] in self.attrs:
            return const_expr(self.attrs[node.id[1:]])
        return node


def template(text: str, defaults: dict[str, Any] | None = None) -> Emitter:
    """An emitter from a template such as ``"np.sin(_0)"``; ``_i`` is operand i.

    Attributes that differ from the primitive's defaults are appended to a call
    as keyword arguments (``np.sum(x, axis=0)``). Attributes NumPy needs
    written out are named in the template as ``_name``, with the primitive's
    ``defaults`` (``template("np.swapaxes(_0, _axis1, _axis2)", defaults)``).
    """
    named = set(defaults or ())

    def emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
        full = {**(defaults or {}), **attrs}
        node = _Fill(args, {k: v for k, v in full.items() if k in named}).visit(
            copy.deepcopy(_template(text))
        )
        rest = {k: v for k, v in attrs.items() if k not in named}
        if rest and isinstance(node, ast.Call):
            node.keywords.extend(keywords(rest))
        return node

    return emit


def listed_template(func: str) -> Emitter:
    """An emitter for a listed primitive: ``func([_0, _1, ...], **attrs)``."""

    def emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
        items = ast.List(elts=list(args), ctx=ast.Load())
        return ast.Call(func=copy.deepcopy(_template(func)), args=[items], keywords=keywords(attrs))

    return emit


def call_template(func: str) -> Emitter:
    """An emitter for a call with every operand as a positional argument: ``func(_0, ...)``."""

    def emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
        return ast.Call(
            func=copy.deepcopy(_template(func)), args=list(args), keywords=keywords(attrs)
        )

    return emit


def keywords(attrs: dict[str, Any]) -> list[ast.keyword]:
    """Keyword arguments for attributes; ``dtype`` is written as a type (``float``)."""
    return [
        ast.keyword(arg=k, value=dtype_expr(v) if k == "dtype" else const_expr(v))
        for k, v in attrs.items()
    ]


def dtype_expr(name: Any) -> ast.expr:
    """A Python expression for a dtype attribute: ``float``, ``np.float32``, or a string."""
    if name in ("float", "int", "bool", "complex"):
        return ast.Name(id=name, ctx=ast.Load())
    if isinstance(name, str) and isinstance(getattr(np, name, None), type):
        return copy.deepcopy(_template(f"np.{name}"))
    return const_expr(name)


def const_expr(value: Any) -> ast.expr:
    """A Python expression for a constant (numbers, None, str, tuples)."""
    if isinstance(value, tuple):
        return ast.Tuple(elts=[const_expr(v) for v in value], ctx=ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-value))
    if isinstance(value, float) and value != value:
        return _template("float('nan')")
    if isinstance(value, float) and value in (float("inf"), -float("inf")):
        return _template("float('inf')")
    return ast.Constant(value)


# ------------------------------------------------------------ rule building


class Builder:
    """Appends primitive ops to a list, naming results with a :class:`Namer`.

    Applies the algebraic identities that keep generated code small as it
    builds (``x * 1``, ``x + 0``, ``x ** 1``, ``-(-x)``, constant arithmetic).
    """

    def __init__(self, namer: Namer, loc: Loc | None = None) -> None:
        self.namer = namer
        self.loc = loc
        self.ops: list[Op] = []
        # Name -> the op that defined it, for peephole simplification.
        self.defs: dict[str, Op] = {}
        # Whether a value is floating or complex, for identities such as x * 1.0 -> x.
        # Rules combine tangents and adjoints, which are; a builder over user values
        # (see :mod:`adgen.primitives.composite`) knows nothing of the kind.
        self.inexact: Callable[[Value], bool] = lambda v: True

    def sym(self, value: Value | Any) -> Sym:
        if isinstance(value, Sym):
            return value
        if not isinstance(value, (Var, Const)):
            value = Const(value)
        return Sym(self, value)

    def emit_op(self, prim: str, args: Sequence[Value], attrs: dict[str, Any], base: str) -> Var:
        # Names are provisional until finish(), so the final names have no gaps.
        name = f"%{len(self.ops)}"
        op = Op([name], prim, list(args), dict(attrs), self.loc)
        self.ops.append(op)
        self.defs[name] = op
        return Var(name)

    def finish(
        self, result: Sym | Value | None, base: str, tag: str = ""
    ) -> tuple[list[Op], Value | None]:
        """The ops built, with final names, and the value of ``result``.

        The op computing ``result`` is named from ``base`` (``dx``, ``bx``...),
        the other ops ``t1``, ``t2``...; ops whose results are unused are dropped.
        """
        value = result.v if isinstance(result, Sym) else result
        needed: set[str] = set()
        if isinstance(value, Var):
            needed.add(value.name)
        kept = []
        for op in reversed(self.ops):
            if op.results[0] in needed:
                kept.append(op)
                needed.update(a.name for a in op.args if isinstance(a, Var))
        kept.reverse()
        rename: dict[str, str] = {}
        for op in kept:
            old = op.results[0]
            is_result = isinstance(value, Var) and old == value.name
            rename[old] = self.namer.fresh(base if is_result else "t")
            op.results = [rename[old]]
            op.args = [
                Var(rename[a.name]) if isinstance(a, Var) and a.name in rename else a
                for a in op.args
            ]
            op.tag = tag
        if isinstance(value, Var) and value.name in rename:
            value = Var(rename[value.name])
        return kept, value

    def call(self, prim: str, *args: Any, base: str = "t", **attrs: Any) -> Sym:
        entry = PRIMITIVES[prim]
        vals = [self.sym(a).v for a in args]
        full = {k: attrs.get(k, d) for k, d in entry.attrs.items()}
        simple = _peephole(self, prim, vals, full)
        if simple is not None:
            return self.sym(simple)
        shown = {
            k: v
            for k, v in full.items()
            if entry.attrs[k] != v or type(v) is not type(entry.attrs[k])
        }
        return Sym(self, self.emit_op(prim, vals, shown, base))


def _peephole(b: Builder, prim: str, vals: list[Value], attrs: dict[str, Any]) -> Value | None:
    """The table of :mod:`~adgen.primitives.identities`, applied while a rule builds.

    Operands are taken to be inexact (floating or complex) as ``b.inexact`` says.
    """
    return identities.simplify(prim, vals, b.defs.get, b.inexact)


class Sym:
    """A value while a rule is being built; arithmetic on it appends ops."""

    __slots__ = ("b", "v")

    def __init__(self, builder: Builder, value: Value) -> None:
        self.b = builder
        self.v = value

    def _bin(self, prim: str, other: Any, swap: bool = False) -> Sym:
        o = self.b.sym(other)
        return self.b.call(prim, o, self) if swap else self.b.call(prim, self, o)

    def __add__(self, o: Any) -> Sym:
        return self._bin("add", o)

    def __radd__(self, o: Any) -> Sym:
        return self._bin("add", o, True)

    def __sub__(self, o: Any) -> Sym:
        return self._bin("sub", o)

    def __rsub__(self, o: Any) -> Sym:
        return self._bin("sub", o, True)

    def __mul__(self, o: Any) -> Sym:
        return self._bin("mul", o)

    def __rmul__(self, o: Any) -> Sym:
        return self._bin("mul", o, True)

    def __truediv__(self, o: Any) -> Sym:
        return self._bin("div", o)

    def __rtruediv__(self, o: Any) -> Sym:
        return self._bin("div", o, True)

    def __pow__(self, o: Any) -> Sym:
        return self._bin("pow", o)

    def __rpow__(self, o: Any) -> Sym:
        return self._bin("pow", o, True)

    def __matmul__(self, o: Any) -> Sym:
        return self._bin("matmul", o)

    def __neg__(self) -> Sym:
        return self.b.call("neg", self)

    def __gt__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._bin("gt", o)

    def __ge__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._bin("ge", o)

    def __lt__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._bin("lt", o)

    def __le__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._bin("le", o)

    def __bool__(self) -> bool:
        raise TypeError("a symbolic value has no truth value while building rules")

    __hash__ = None  # type: ignore[assignment]


def call(prim: str, *args: Any, **attrs: Any) -> Sym:
    """Apply ``prim`` to symbolic ``args`` (at least one must be a :class:`Sym`)."""
    for a in args:
        if isinstance(a, Sym):
            return a.b.call(prim, *args, **attrs)
    raise TypeError(f"{prim}: no symbolic operand")


def sum_tangents(parts: list[Sym | None]) -> Sym | None:
    """The sum of the non-zero tangents in ``parts`` (None if all are zero)."""
    total: Sym | None = None
    for p in parts:
        if p is not None:
            total = p if total is None else total + p
    return total


def from_partials(*partials: Callable[..., Sym] | None) -> Callable[..., Sym | None]:
    """A ``jvp`` rule that sums one partial rule per operand."""

    def jvp(tangents: list[Sym | None], out: Sym, *args: Sym, **attrs: Any) -> Sym | None:
        parts = []
        for rule, t in zip(partials, tangents, strict=False):
            if t is not None and rule is not None:
                parts.append(rule(t, out, *args, **attrs))
        return sum_tangents(parts)

    return jvp


def multilinear_jvp(prim: str, positions: Sequence[int] = (0,)) -> Callable[..., Sym | None]:
    """The ``jvp`` of a primitive linear in each operand at ``positions`` separately.

    For ``p(a, b)`` linear in ``a`` and in ``b`` (a product), the tangent is
    ``p(da, b) + p(a, db)``; with one position this is the rule of a linear map.
    """

    def jvp(tangents: list[Sym | None], out: Sym, *args: Sym, **attrs: Any) -> Sym | None:
        parts: list[Sym | None] = []
        for i in positions:
            if tangents[i] is not None:
                new: list[Any] = list(args)
                new[i] = tangents[i]
                parts.append(call(prim, *new, **attrs))
        return sum_tangents(parts)

    return jvp
