"""Emission of control-flow ops: ``if``, ``for_range``, ``while`` as Python statements.

Loop-carried values live in the Python variables named by the body's block
parameters; the emitter assigns the initial values before the loop, the next
values at the end of the body, and the results after the loop, skipping every
assignment of a name to itself.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Protocol

from ..ir import Block, Const, ForRange, If, Op, Value, Var, While
from .lines import INDENT, located


class Emitter(Protocol):
    """What these emitters use of :class:`adgen.backend.emit.Emitter`."""

    inline: dict[str, Op]

    def value(self, v: Value) -> ast.expr: ...

    def name(self, ssa: str) -> str: ...

    def block_lines(self, block: Block, indent: str) -> list[str]: ...


def _assign(em: Emitter, names: list[str], values: list[Value], indent: str) -> list[str]:
    """``a, b = x, y`` for the pairs that differ (a parallel assignment)."""
    pairs = [
        (em.name(n), v)
        for n, v in zip(names, values)
        if not (isinstance(v, Var) and v.name not in em.inline and em.name(v.name) == em.name(n))
    ]
    if not pairs:
        return []
    lhs = ", ".join(n for n, _ in pairs)
    rhs = ", ".join(ast.unparse(em.value(v)) for _, v in pairs)
    return [f"{indent}{lhs} = {rhs}"]


def _body(
    em: Emitter,
    block: Block,
    indent: str,
    yields: list[str],
    values: list[Value],
    exit_flag: Value | None = None,
) -> list[str]:
    """The block's statements, then ``yields = values`` and an optional ``break``.

    The statements are emitted first: they decide which temporaries are folded
    into the expressions of the assignments that follow.
    """
    lines = em.block_lines(block, indent) + _assign(em, yields, values, indent)
    if exit_flag is not None:
        lines += [f"{indent}if {ast.unparse(em.value(exit_flag))}:", f"{indent}{INDENT}break"]
    return lines or [f"{indent}pass"]


def emit_if(em: Emitter, op: If, indent: str) -> list[str]:
    inner = indent + INDENT
    cond = ast.unparse(em.value(op.cond))
    then_block, else_block = op.then, op.orelse
    then_lines = _body(em, then_block, inner, op.results, then_block.results)
    else_lines = _body(em, else_block, inner, op.results, else_block.results)
    if else_lines == [f"{inner}pass"]:
        else_lines = []
    if then_lines == [f"{inner}pass"] and else_lines:
        return [f"{indent}if not {_paren(cond)}:", *else_lines]
    lines = [f"{indent}if {cond}:", *then_lines]
    if else_lines:
        lines += [f"{indent}else:", *else_lines]
    return lines


def _paren(code: str) -> str:
    return code if code.isidentifier() else f"({code})"


def _range(em: Emitter, op: ForRange) -> str:
    start, stop, step = op.bounds
    parts = [start, stop, step]
    if step == Const(1):
        parts = [stop] if start == Const(0) else [start, stop]
    text = f"range({', '.join(ast.unparse(em.value(p)) for p in parts)})"
    return f"reversed({text})" if op.reverse else text


def emit_for(em: Emitter, op: ForRange, indent: str) -> list[str]:
    inner = indent + INDENT
    carried = op.carried
    lines = _assign(em, carried, op.inits, indent)
    header = f"{indent}for {em.name(op.index)} in {_range(em, op)}:"
    lines += [header, *_body(em, op.body, inner, carried, op.yields, op.exit_flag)]
    lines += _assign(em, op.results, [Var(c) for c in carried], indent)
    return lines


def emit_while(em: Emitter, op: While, indent: str) -> list[str]:
    inner = indent + INDENT
    carried = op.carried
    lines = _assign(em, carried, op.inits, indent)
    cond_lines = em.block_lines(op.head, inner)
    flag = ast.unparse(em.value(op.cond))
    if cond_lines:
        lines += [
            f"{indent}while True:",
            *cond_lines,
            f"{inner}if not {_paren(flag)}:",
            f"{inner}{INDENT}break",
        ]
    else:
        lines.append(f"{indent}while {flag}:")
    body_lines = _body(em, op.body, inner, carried, op.yields, op.exit_flag)
    if cond_lines and body_lines == [f"{inner}pass"]:
        body_lines = []
    lines += body_lines
    lines += _assign(em, op.results, [Var(c) for c in carried], indent)
    return lines


def _with_loc(emitter):
    """Tag the lines an emitter writes for the op itself (headers, copies) with its loc."""

    def emit(em: Emitter, op: Op, indent: str) -> list[str]:
        return [located(line, op.loc) for line in emitter(em, op, indent)]

    return emit


emit_if, emit_for, emit_while = _with_loc(emit_if), _with_loc(emit_for), _with_loc(emit_while)

# Control-flow primitive -> its statement emitter; the Emitter dispatches on it.
CONTROL_EMITTERS: dict[str, Callable[[Any, Any, str], list[str]]] = {
    "if": emit_if,
    "for_range": emit_for,
    "while": emit_while,
}
