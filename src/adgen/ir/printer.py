"""The IR's stable, deterministic text form (``adgen ir``, tests)."""

from __future__ import annotations

from typing import Any

from .core import Block, Function, If, Op, While


def _fmt_attrs(attrs: dict[str, Any]) -> str:
    return "".join(f", {k}={v!r}" for k, v in sorted(attrs.items()))


def _block_labels(op: Op) -> list[str]:
    """What each nested block of ``op`` is, by the field that holds it."""
    if isinstance(op, If):
        return ["then", "else"]
    if isinstance(op, While):
        return ["head", "body"]
    return ["body" if op.prim == "for_range" else f"block {i}" for i in range(len(op.blocks))]


def _print_block(block: Block, indent: str, out: list[str]) -> None:
    for op in block.ops:
        args = ", ".join(str(a) for a in op.args)
        lhs = ", ".join(op.results)
        tag = f"  [{op.tag}]" if op.tag else ""
        loc = f"  # {op.loc}" if op.loc else ""
        out.append(f"{indent}{lhs} = {op.prim}({args}{_fmt_attrs(op.attrs)}){tag}{loc}".rstrip())
        for label, inner in zip(_block_labels(op), op.blocks):
            params = ", ".join(inner.params)
            out.append(f"{indent}  {label}({params}):")
            _print_block(inner, indent + "    ", out)
    if block.results:
        out.append(f"{indent}yield {', '.join(str(v) for v in block.results)}")


def format_function(fn: Function) -> str:
    """Stable, deterministic text of ``fn`` (used by ``adgen ir`` and tests)."""
    out = [f"func {fn.name}({', '.join(fn.params)}):"]
    if fn.freevars:
        out.append(f"  free {', '.join(sorted(fn.freevars))}")
    if fn.shape_links:
        out.append(f"  same shape {', '.join(f'{a}~{b}' for a, b in fn.shape_links)}")
    if fn.structure is not None:
        out.append(f"  returns structure {fn.structure!r}")
    if fn.param_leaves is not None:
        leaves = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(fn.param_leaves.items()))
        out.append(f"  parameter leaves {leaves}")
    _print_block(fn.body, "  ", out)
    if out[-1].lstrip().startswith("yield"):
        out[-1] = out[-1].replace("yield", "return", 1)
    return "\n".join(out) + "\n"
