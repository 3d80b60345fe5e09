"""The IR's stable, deterministic text form (``adgen ir``, tests)."""

from __future__ import annotations

from typing import Any

from .core import Block, Function


def _fmt_attrs(attrs: dict[str, Any]) -> str:
    return "".join(f", {k}={v!r}" for k, v in sorted(attrs.items()))


def _print_block(block: Block, indent: str, out: list[str]) -> None:
    for op in block.ops:
        args = ", ".join(str(a) for a in op.args)
        lhs = ", ".join(op.results)
        loc = f"  # {op.loc}" if op.loc else ""
        out.append(f"{indent}{lhs} = {op.prim}({args}{_fmt_attrs(op.attrs)}){loc}".rstrip())
        for i, inner in enumerate(op.blocks):
            params = ", ".join(inner.params)
            out.append(f"{indent}  block {i}({params}):")
            _print_block(inner, indent + "    ", out)
    if block.results:
        out.append(f"{indent}yield {', '.join(str(v) for v in block.results)}")


def format_function(fn: Function) -> str:
    """Stable, deterministic text of ``fn`` (used by ``adgen ir`` and tests)."""
    out = [f"func {fn.name}({', '.join(fn.params)}):"]
    if fn.freevars:
        out.append(f"  free {', '.join(sorted(fn.freevars))}")
    _print_block(fn.body, "  ", out)
    if out[-1].lstrip().startswith("yield"):
        out[-1] = out[-1].replace("yield", "return", 1)
    return "\n".join(out) + "\n"
