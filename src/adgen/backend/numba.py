"""Emission for numba: the NumPy backend's source, with tapes numba compiles to machine code.

The code is the NumPy backend's (:mod:`adgen.backend.emit`) except for the
tapes of reverse mode. A tape made just before the loop that fills it, used
only by its pushes and pops (a *plain* tape), becomes one array per slot
whose values are certainly scalars (:mod:`adgen.backend.numba_types`) and a
list per other slot, with a count of the entries pushed::

    tape = []                         tape_n = 0
    for i in range(n):                tape_0 = np.empty(trip_count(0, n, 1), np.float64)
        ...                           for i in range(n):
        tape.append((x, t1))   ->         ...
    ...                                   tape_0[tape_n] = x
    x, t1 = tape.pop()                    tape_1.append(t1)
                                          tape_n += 1
                                      ...
                                      tape_n -= 1
                                      x = tape_0[tape_n]
                                      t1 = tape_1.pop()

A ``for`` loop's trip count is known before it runs, so its arrays are
allocated once; a ``while`` loop's arrays grow geometrically (``tape_grow``).
Other tapes (an inner loop's tape, pushed onto the outer loop's) stay lists,
which numba compiles too. What numba cannot compile is refused before any
code is emitted (:func:`refusal`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..ir import Block, Const, ForRange, Function, Op, Var, While
from ..ir.util import walk
from ..primitives import PRIMITIVES
from .emit import Emitted, Emitter
from .lines import INDENT, located
from .numba_prune import prepare
from .numba_types import Kinds, scalar_kinds

__all__ = ["NUMBA_HELPERS", "TAPE_HELPERS", "emit_numba", "refusal"]

# The runtime helpers :mod:`adgen.backend.numba_runtime` gives numba versions of.
NUMBA_HELPERS = frozenset(
    {
        "scalar_output",
        "zeros_like",
        "unbroadcast",
        "broadcast_like",
        "reshape_like",
        "index_add",
        "row_adjoint",
        "scatter_add",
        "setitem",
    }
)
# Helpers the numba emission itself calls (not in adgen.runtime).
TAPE_HELPERS = frozenset({"trip_count", "tape_grow"})
_DTYPES = {"f": "np.float64", "i": "np.int64", "b": "np.bool_"}
_WHILE_START = 16  # the first capacity of a while loop's tape arrays


@dataclass
class _Tape:
    """How one plain tape is stored: the Python name stem, each slot's kind (None: a
    list), and the loop that fills it."""

    stem: str
    slots: list[str | None]
    loop: Op


def _recursion(fns: list[Function]) -> str | None:
    """The first call that closes a cycle of calls among ``fns``, described, or None."""
    calls = {fn.name: [op for op in walk(fn.body) if op.prim == "call"] for fn in fns}
    for start in calls:
        seen, todo = set(), [start]
        while todo:
            for op in calls.get(todo.pop(), []):
                target = op.attrs.get("fn")
                if target == start:
                    where = f" (line {op.loc.lineno}: {op.loc.text.strip()})" if op.loc else ""
                    return (
                        f"{start} calls itself through {target}{where}; numba compiles "
                        "recursion only with explicit type signatures"
                    )
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
    return None


def refusal(fns: list[Function]) -> str | None:
    """Why numba cannot compile these functions (naming the construct and its line), or None."""
    cycle = _recursion(fns)
    if cycle is not None:
        return cycle
    for fn in fns:
        for op in walk(fn.body):
            prim = PRIMITIVES[op.prim]
            where = (
                f" (line {op.loc.lineno} of {op.loc.filename}: {op.loc.text.strip()})"
                if op.loc is not None
                else ""
            )
            missing = sorted(set(prim.helpers) - NUMBA_HELPERS)
            if missing:
                return (
                    f"{op.prim} needs the runtime helper {missing[0]}, which the numba "
                    f"backend does not have{where}"
                )
            if prim.modules:
                return f"{op.prim} calls {prim.modules[0]}, which numba does not compile{where}"
            if op.prim in ("make_list", "make_dict"):
                return f"{op.prim} makes a Python object numba does not compile{where}"
            for a in op.args:
                if isinstance(a, Const) and not isinstance(a.value, (int, float, bool, type(None))):
                    if isinstance(a.value, tuple) and all(
                        isinstance(v, (int, float)) for v in a.value
                    ):
                        continue
                    return (
                        f"{op.prim} takes the constant {a.value!r} "
                        f"({type(a.value).__name__}), which numba does not "
                        f"compile{where}"
                    )
    return None


def _plain_tapes(fn: Function) -> dict[str, Op]:
    """Tape name -> the loop that fills it, for the tapes used only by their
    pushes and pops, made right before a loop whose body pushes them."""
    uses: dict[str, int] = {}
    for op in walk(fn.body):
        skip = 1 if op.prim in ("tape_push", "tape_pop") else 0
        for a in op.args[skip:]:
            if isinstance(a, Var):
                uses[a.name] = uses.get(a.name, 0) + 1
        for b in op.blocks:
            for v in b.results:
                if isinstance(v, Var):
                    uses[v.name] = uses.get(v.name, 0) + 1
    for v in fn.body.results:
        if isinstance(v, Var):
            uses[v.name] = uses.get(v.name, 0) + 1
    out: dict[str, Op] = {}
    for block in _blocks(fn.body):
        for k, op in enumerate(block.ops[:-1]):
            if op.prim != "tape_new" or uses.get(op.results[0]):
                continue
            loop = block.ops[k + 1]
            if isinstance(loop, (ForRange, While)) and any(
                p.prim == "tape_push" and p.args[0] == Var(op.results[0]) for p in loop.body.ops
            ):
                out[op.results[0]] = loop
    return out


def _blocks(block: Block) -> list[Block]:
    out = [block]
    for op in block.ops:
        for b in op.blocks:
            out.extend(_blocks(b))
    return out


class NumbaEmitter(Emitter):
    """The NumPy emitter, with plain tapes as typed arrays (see the module doc)."""

    def __init__(self, fn: Function, kinds: Kinds) -> None:
        super().__init__(fn)
        self.kinds = kinds
        self.tapes: dict[str, _Tape] = {}
        self.plain = _plain_tapes(fn)
        self.tape_helpers: set[str] = set()

    def _slots(self, name: str, loop: Op) -> list[str | None]:
        push = next(p for p in loop.body.ops if p.prim == "tape_push" and p.args[0] == Var(name))
        slots = []
        for a in push.args[1:]:
            kind = self.kinds.get(a.name) if isinstance(a, Var) else None
            slots.append(kind if kind in _DTYPES else None)
        return slots

    def statement(self, op: Op, indent: str) -> list[str]:
        if op.prim == "tape_new" and op.results[0] in self.plain:
            return self._new(op, indent)
        if (
            op.prim in ("tape_push", "tape_pop")
            and isinstance(op.args[0], Var)
            and op.args[0].name in self.tapes
        ):
            tape = self.tapes[op.args[0].name]
            return (
                self._push(op, tape, indent)
                if op.prim == "tape_push"
                else self._pop(op, tape, indent)
            )
        if op.prim == "index_add" and self._int_index(op):
            return self._index_add(op, indent)
        lines = super().statement(op, indent)
        if isinstance(op, ForRange) and op.reverse:
            lines = [_forward_range(line, indent) for line in lines]
        return lines

    def op_expr(self, op: Op) -> ast.expr:
        return _NoIndexExpressions().visit(super().op_expr(op))

    def _int_index(self, op: Op) -> bool:
        index = op.args[2:]
        return op.attrs.get("kinds", "v") == "v" * len(index) and all(
            (isinstance(a, Var) and self.kinds.get(a.name) == "i")
            or (isinstance(a, Const) and type(a.value) is int)
            for a in index
        )

    def _index_add(self, op: Op, indent: str) -> list[str]:
        """``acc[i, j] += g`` in place of the helper call, for integer indices."""
        acc, g, *index = (ast.unparse(self.value(a)) for a in op.args)
        lines = [f"{indent}{acc}[{', '.join(index)}] += {g}"]
        if self.name(op.results[0]) != acc:
            lines.append(f"{indent}{self.name(op.results[0])} = {acc}")
        return lines

    def _new(self, op: Op, indent: str) -> list[str]:
        name = op.results[0]
        loop = self.plain[name]
        stem = self.name(name)
        tape = _Tape(stem, self._slots(name, loop), loop)
        self.tapes[name] = tape
        if isinstance(loop, ForRange):
            self.tape_helpers.add("trip_count")
            bounds = ", ".join(ast.unparse(self.value(b)) for b in loop.bounds)
            size = f"trip_count({bounds})"
        else:
            self.tape_helpers.add("tape_grow")
            size = str(_WHILE_START)
        lines = [f"{indent}{stem}_n = 0"]
        for k, kind in enumerate(tape.slots):
            init = "[]" if kind is None else f"np.empty({size}, {_DTYPES[kind]})"
            lines.append(f"{indent}{stem}_{k} = {init}")
        return lines

    def _push(self, op: Op, tape: _Tape, indent: str) -> list[str]:
        lines = []
        grows = isinstance(tape.loop, While)
        stem = tape.stem
        if grows and any(k is not None for k in tape.slots):
            first = next(k for k, kind in enumerate(tape.slots) if kind is not None)
            lines.append(f"{indent}if {stem}_n == {stem}_{first}.shape[0]:")
            lines.extend(
                f"{indent}{INDENT}{stem}_{k} = tape_grow({stem}_{k})"
                for k, kind in enumerate(tape.slots)
                if kind is not None
            )
        for k, (kind, v) in enumerate(zip(tape.slots, op.args[1:])):
            code = ast.unparse(self.value(v))
            lines.append(
                f"{indent}{stem}_{k}.append({code})"
                if kind is None
                else f"{indent}{stem}_{k}[{stem}_n] = {code}"
            )
        lines.append(f"{indent}{stem}_n += 1")
        return lines

    def _pop(self, op: Op, tape: _Tape, indent: str) -> list[str]:
        stem = tape.stem
        lines = [f"{indent}{stem}_n -= 1"]
        for k, (kind, r) in enumerate(zip(tape.slots, op.results)):
            src = f"{stem}_{k}.pop()" if kind is None else f"{stem}_{k}[{stem}_n]"
            lines.append(f"{indent}{self.name(r)} = {src}")
        return lines


class _NoIndexExpressions(ast.NodeTransformer):
    """``np.s_[a:b, i]`` (an index passed to a helper) as ``(slice(a, b), i)``, which
    numba compiles (it has no ``np.s_``)."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        v = node.value
        if not (
            isinstance(v, ast.Attribute)
            and v.attr == "s_"
            and isinstance(v.value, ast.Name)
            and v.value.id == "np"
        ):
            return node
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        out = [self._slice(p) for p in parts]
        return out[0] if len(out) == 1 else ast.Tuple(elts=out, ctx=ast.Load())

    @staticmethod
    def _slice(part: ast.expr) -> ast.expr:
        if not isinstance(part, ast.Slice):
            return part
        none = ast.Constant(value=None)
        args = [part.lower or none, part.upper or none, part.step or none]
        return ast.Call(func=ast.Name(id="slice", ctx=ast.Load()), args=args, keywords=[])


def _forward_range(line: str, indent: str) -> str:
    """``for i in reversed(range(a, b, c)):`` as a range numba compiles (numba has no
    ``reversed``): ``range(a + (trip_count(a, b, c) - 1) * c, a - c, -c)``."""
    head = f"{indent}for "
    if not line.startswith(head) or "reversed(range(" not in line:
        return line
    loop = ast.parse(line.strip() + " pass").body[0]
    assert isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call)
    args = [ast.unparse(a) for a in loop.iter.args[0].args]  # type: ignore[attr-defined]
    if len(args) == 1:
        new = f"range({_minus_one(args[0])}, -1, -1)"
    elif len(args) == 2:
        new = f"range({_minus_one(args[1])}, {_minus_one(args[0])}, -1)"
    else:
        a, b, c = map(_paren, args)
        new = f"range({a} + (trip_count({a}, {b}, {c}) - 1) * {c}, {a} - {c}, -{c})"
    out = f"{head}{ast.unparse(loop.target)} in {new}:"
    return located(out, getattr(line, "loc", None))


def _minus_one(code: str) -> str:
    """``code - 1`` as source, folded when ``code`` is an integer literal."""
    if code.lstrip("-").isdigit():
        return str(int(code) - 1)
    return f"{_paren(code)} - 1"


def _paren(code: str) -> str:
    return code if code.isidentifier() or code.lstrip("-").isdigit() else f"({code})"


def emit_numba(
    fn: Function, name: str, doc: str, shapes: tuple[Any, ...] | None, wrt: list[str]
) -> Emitted:
    """Source of ``fn`` for numba (see the module doc); ``shapes`` and ``wrt`` say
    which parameters are float scalars and arrays (:func:`scalar_kinds`)."""
    kinds = scalar_kinds(fn, shapes, wrt)
    fn = prepare(fn, kinds, set(_plain_tapes(fn)))
    em = NumbaEmitter(fn, kinds)
    out = em.function(name, doc)
    out.helpers |= em.tape_helpers
    return out
