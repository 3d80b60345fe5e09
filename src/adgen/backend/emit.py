"""IR to Python source: deterministic and readable.

Each op becomes one assignment, except temporaries (``t1``, ``bt1``...) used
exactly once, right where they are computed, which are folded back into the
expression that uses them (``bh = bt1 * (1 - h ** 2)``). Above the code for
each source line stands a comment that quotes it; the reverse sweep of an
adjoint is marked. Expressions are built as ``ast`` nodes and printed with
``ast.unparse``, which adds exactly the parentheses precedence needs.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..ir import Block, Const, Function, Loc, Op, Value, Var
from ..ir.names import RESERVED, is_temporary
from ..ir.util import count_uses
from ..primitives import PRIMITIVES
from ..primitives.core import const_expr
from ..primitives.indexing import subscript_index
from .control_flow import CONTROL_EMITTERS
from .inplace import basic_index_adds, inplace_writes
from .lines import INDENT, Line, located
from .naming import Liveness, python_names


@dataclass
class Emitted:
    """Generated source of one function and what it needs to run."""

    name: str
    source: str
    helpers: set[str] = field(default_factory=set)
    freevars: dict[str, Any] = field(default_factory=dict)
    # Line number in ``source`` (1-based) -> where in the user's source that line comes from.
    line_locs: dict[int, Loc] = field(default_factory=dict)

    # Modules besides NumPy the source refers to by name (``scipy.special``).
    modules: set[str] = field(default_factory=set)
    # The array library it was written for (adgen.backend.array_api); None: NumPy.
    library: str | None = None


class Emitter:
    """Turns one IR function into Python source text."""

    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.uses: Counter[str] = count_uses(fn.body)
        self.helpers: set[str] = set()
        self.modules: set[str] = set()
        live = Liveness(fn)
        self.py = python_names(fn, RESERVED | set(fn.freevars), live)
        # setitem ops written in place (y[i] = v), see adgen.backend.inplace, and
        # index_add ops with a basic index, written acc[i] += g.
        self.inplace = inplace_writes(fn, live)
        self.inplace |= basic_index_adds(fn)
        self.inline: dict[str, Op] = {}
        self.last_comment: tuple[str, Any] | None = None
        self.in_reverse = False

    # ------------------------------------------------------- expressions
    def value(self, v: Value) -> ast.expr:
        if isinstance(v, Const):
            return const_expr(v.value)
        if v.name in self.inline:
            return self.op_expr(self.inline.pop(v.name))
        return ast.Name(id=self.name(v.name), ctx=ast.Load())

    def name(self, ssa: str) -> str:
        """The Python name of an SSA value."""
        return self.py.get(ssa, ssa)

    def op_expr(self, op: Op) -> ast.expr:
        prim = PRIMITIVES[op.prim]
        self.helpers.update(prim.helpers)
        self.modules.update(prim.modules)
        args = [self.value(a) for a in op.args]
        return prim.emit(
            args, {**prim.attrs, **op.attrs} if op.prim in ("attr", "call") else dict(op.attrs)
        )

    # -------------------------------------------------------- statements
    def _writes(self, op: Op) -> set[str]:
        """Python names an op assigns (inside its blocks too)."""
        out = {self.name(r) for r in op.results}
        if id(op) in self.inplace:
            out.add(self.name(op.args[0].name))  # type: ignore[union-attr]
        for b in op.blocks:
            out.update(self.name(p) for p in b.params)
            for inner in b.ops:
                out |= self._writes(inner)
        return out

    def _inlinable(self, block: Block) -> set[str]:
        """Temporaries of ``block`` that can be folded into their single use.

        A temporary is folded only if nothing assigns, between its definition
        and its use, a Python name its expression reads.
        """
        out: set[str] = set()
        # Pending temporary -> the Python names its (folded) expression reads.
        pending: dict[str, set[str]] = {}
        for op in block.ops:
            consumed: set[str] = set()
            direct: set[str] = set()
            for k, a in enumerate(op.args):
                if not isinstance(a, Var):
                    continue
                if k == 0 and id(op) in self.inplace:  # the array written needs a name
                    pending.pop(a.name, None)
                    direct.add(self.name(a.name))
                elif a.name in pending:
                    out.add(a.name)
                    consumed |= pending.pop(a.name)
                else:
                    direct.add(self.name(a.name))
            for inner in op.blocks:
                for name in list(pending):
                    if _reads(inner, name):
                        del pending[name]
            prim = PRIMITIVES[op.prim]
            if prim.effect or op.blocks or id(op) in self.inplace:
                pending.clear()  # (an in-place write may change what a pending one reads)
            writes = self._writes(op)
            for name in list(pending):
                if pending[name] & writes:
                    del pending[name]
            if (
                len(op.results) == 1
                and not op.blocks
                and not prim.effect
                and is_temporary(op.results[0])
                and self.uses[op.results[0]] == 1
            ):
                pending[op.results[0]] = direct | consumed
        for v in block.results:
            if isinstance(v, Var) and v.name in pending:
                out.add(v.name)
        return out

    def block_lines(self, block: Block, indent: str) -> list[str]:
        lines: list[str] = []
        folded = self._inlinable(block)
        for op in block.ops:
            if op.results and op.results[0] in folded:
                self.inline[op.results[0]] = op
                continue
            lines.extend(self.comment(op, indent))
            lines.extend(located(line, op.loc) for line in self.statement(op, indent))
        return lines

    def comment(self, op: Op, indent: str) -> list[str]:
        out = []
        if op.tag == "adjoint" and not self.in_reverse:
            self.in_reverse = True
            self.last_comment = None
            out.append(f"{indent}# Reverse sweep: adjoints, last line first.")
        if op.loc is None:
            return out
        key = (op.tag == "adjoint", op.loc.lineno)
        if key != self.last_comment:
            self.last_comment = key
            where = f"{os.path.basename(op.loc.filename)}:{op.loc.lineno}"
            what = "adjoint of " if op.tag == "adjoint" else ""
            out.append(f"{indent}# {what}{where}: {op.loc.text}")
        return out

    def statement(self, op: Op, indent: str) -> list[str]:
        if op.blocks:
            return CONTROL_EMITTERS[op.prim](self, op, indent)
        if id(op) in self.inplace:
            return self._inplace(op, indent)
        expr = self.op_expr(op)
        targets = ", ".join(self.name(r) for r in op.results) if op.results else None
        structure = op.attrs.get("structure") if op.prim == "call" else None
        if isinstance(structure, tuple):
            targets = self._target(structure, op.results, top=True)
        code = ast.unparse(expr)
        return [f"{indent}{targets} = {code}" if targets else f"{indent}{code}"]

    def _inplace(self, op: Op, indent: str) -> list[str]:
        """``y[index] = v`` for ``y1 = setitem(y, v, *index)`` (``+=`` for ``index_add``),
        then ``y1 = y`` if the two are named apart."""
        base = self.name(op.args[0].name)  # type: ignore[union-attr]
        args = [self.value(a) for a in op.args]
        target = ast.Subscript(
            value=ast.Name(id=base, ctx=ast.Load()),
            slice=subscript_index(args[2:], op.attrs.get("kinds", "v")),
            ctx=ast.Store(),
        )
        op_text = "+=" if op.prim == "index_add" else "="
        lines = [f"{indent}{ast.unparse(target)} {op_text} {ast.unparse(args[1])}"]
        if self.name(op.results[0]) != base:
            lines.append(f"{indent}{self.name(op.results[0])} = {base}")
        return lines

    def _target(self, structure: Any, results: list[str], top: bool = False) -> str:
        """Assignment targets nested like ``structure`` (``(a, b), (da, db)``)."""
        if isinstance(structure, tuple):
            inner = ", ".join(self._target(s, results) for s in structure)
            return inner if top else f"({inner})"
        return self.name(results[structure])

    def structure_expr(self, structure: Any, results: list[Value]) -> ast.expr:
        if isinstance(structure, tuple):
            return ast.Tuple(
                elts=[self.structure_expr(s, results) for s in structure], ctx=ast.Load()
            )
        return self.value(results[structure])

    def function(self, name: str, doc: str) -> Emitted:
        fn = self.fn
        params = list(fn.params)
        n_default = len(fn.defaults)
        if n_default:
            for k, d in enumerate(fn.defaults):
                i = len(params) - n_default + k
                params[i] = f"{params[i]}={ast.unparse(const_expr(d))}"
        lines = [f"def {name}({', '.join(params)}):"]
        if doc:
            lines.extend(_docstring(doc, INDENT))
        body = self.block_lines(fn.body, INDENT)
        ret = ast.unparse(self.structure_expr(fn.result_structure(), fn.body.results))
        if ret.startswith("(") and ret.endswith(")") and isinstance(fn.result_structure(), tuple):
            ret = ret[1:-1]
        lines.extend(body)
        # The return may compute a source line of its own (folded temporaries): name it too.
        last = next((op for op in reversed(fn.body.ops) if op.loc is not None), None)
        if last is not None and not _plain(ret):
            lines.extend(self.comment(last, INDENT))
        lines.append(located(f"{INDENT}return {ret}", last.loc if last else None))
        locs = {
            i: line.loc
            for i, line in enumerate(lines, 1)
            if isinstance(line, Line) and line.loc is not None
        }
        return Emitted(
            name,
            "\n".join(lines) + "\n",
            set(self.helpers),
            dict(fn.freevars),
            line_locs=locs,
            modules=set(self.modules),
        )


def _plain(expr: str) -> bool:
    """Whether a returned expression only names values (computes nothing)."""
    return all(
        isinstance(n, (ast.Name, ast.Tuple, ast.Load, ast.Expression, ast.Constant))
        for n in ast.walk(ast.parse(expr, mode="eval"))
    )


def _reads(block: Block, name: str) -> bool:
    for op in block.ops:
        if any(isinstance(a, Var) and a.name == name for a in op.args):
            return True
        if any(_reads(inner, name) for inner in op.blocks):
            return True
    return any(isinstance(v, Var) and v.name == name for v in block.results)


def _docstring(doc: str, indent: str) -> list[str]:
    text = doc.strip().replace('"""', "'''")
    body = text.splitlines()
    if len(body) == 1:
        return [f'{indent}"""{body[0]}"""']
    return (
        [f'{indent}"""{body[0]}']
        + [f"{indent}{b}" if b else "" for b in body[1:]]
        + [f'{indent}"""']
    )


def emit_function(fn: Function, name: str | None = None, doc: str = "") -> Emitted:
    """Python source for ``fn``, defined as ``name`` (default: ``fn.name``)."""
    return Emitter(fn).function(name or fn.name, doc)
