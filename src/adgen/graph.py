"""The computational graph of an IR function, as Graphviz DOT text.

One node per parameter, free value and op; an edge from each value to every
op that reads it. Ops are grouped in boxes by the source line they came from
(labelled with that line), ops holding nested blocks (loops, branches) become
boxes of their own, and tangent and adjoint ops are coloured apart from the
primal ones. The text is deterministic. :func:`render` turns it into an image
with Graphviz's ``dot`` program when that is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from itertools import count

from .ir import Block, Const, Function, Op, Var

FILL = {"": "#ffffff", "tangent": "#e3f4e1", "adjoint": "#fde8d4"}
IMAGE_FORMATS = ("svg", "png", "pdf")


def _q(text: str) -> str:
    """A DOT string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _op_label(op: Op) -> str:
    args = ", ".join(a.name if isinstance(a, Var) else repr(a.value) for a in op.args)
    attrs = "".join(f", {k}={v!r}" for k, v in sorted(op.attrs.items()))
    lhs = ", ".join(op.results)
    call = f"{op.prim}({args}{attrs})"
    return f"{lhs} = {call}" if lhs else call


class _Dot:
    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.lines: list[str] = []
        # Edges go at the top level, after every node: an edge written inside a box
        # (cluster) would pull both its ends into that box, parameters included.
        self.edges: list[str] = []
        self.node_of: dict[str, str] = {}
        self.ids = count()
        self.clusters = count()

    def node(self, name: str, attrs: str, indent: str) -> str:
        node_id = f"n{next(self.ids)}"
        self.node_of[name] = node_id
        self.lines.append(f"{indent}{node_id} [{attrs}];")
        return node_id

    def edges_into(self, target: str, op: Op, indent: str) -> None:
        for a in op.args:
            if isinstance(a, Var) and a.name in self.node_of:
                self.edges.append(f"  {self.node_of[a.name]} -> {target};")

    def block(self, block: Block, indent: str) -> None:
        for p in block.params:
            self.node(p, f"label={_q(p)}, shape=ellipse", indent)
        group: tuple[int, str] | None = None
        group_indent = indent
        for op in block.ops:
            key = (op.loc.lineno, op.tag) if op.loc is not None else None
            if key != group:
                if group is not None:
                    self.lines.append(f"{indent}}}")
                group = key
                group_indent = indent
                if key is not None and op.loc is not None:
                    what = {"adjoint": "adjoint of ", "tangent": "tangent of "}.get(op.tag, "")
                    label = f"{what}line {op.loc.lineno}: {op.loc.text}"
                    self.lines.append(f"{indent}subgraph cluster_{next(self.clusters)} {{")
                    self.lines.append(
                        f"{indent}  label={_q(label)}; style=dashed; "
                        'color="#9ca3af"; fontname="Helvetica"; fontsize=10;'
                    )
                    group_indent = indent + "  "
                else:
                    group = None
            self.op(op, group_indent)
        if group is not None:
            self.lines.append(f"{indent}}}")

    def op(self, op: Op, indent: str) -> None:
        fill = FILL.get(op.tag, FILL[""])
        tooltip = (
            f", tooltip={_q(f'{os.path.basename(op.loc.filename)}:{op.loc.lineno}')}"
            if op.loc
            else ""
        )
        if not op.blocks:
            node_id = f"n{next(self.ids)}"
            self.lines.append(
                f"{indent}{node_id} [label={_q(_op_label(op))}, shape=box, "
                f'style="rounded,filled", fillcolor="{fill}"{tooltip}];'
            )
            for r in op.results:
                self.node_of[r] = node_id
            self.edges_into(node_id, op, indent)
            return
        self.lines.append(f"{indent}subgraph cluster_{next(self.clusters)} {{")
        self.lines.append(
            f'{indent}  label={_q(_op_label(op))}; style=solid; fontname="Helvetica"; fontsize=10;'
        )
        head = f"n{next(self.ids)}"
        self.lines.append(
            f"{indent}  {head} [label={_q(op.prim)}, shape=diamond, "
            f'style=filled, fillcolor="{fill}"{tooltip}];'
        )
        self.edges_into(head, op, indent + "  ")
        for k, inner in enumerate(op.blocks):
            self.lines.append(f"{indent}  subgraph cluster_{next(self.clusters)} {{")
            self.lines.append(f"{indent}    label={_q(f'block {k}')}; style=dotted;")
            self.block(inner, indent + "    ")
            if inner.results:
                out = f"n{next(self.ids)}"
                self.lines.append(f'{indent}    {out} [label="yield", shape=point];')
                for v in inner.results:
                    if isinstance(v, Var) and v.name in self.node_of:
                        self.edges.append(f"  {self.node_of[v.name]} -> {out};")
            self.lines.append(f"{indent}  }}")
        self.lines.append(f"{indent}}}")
        for r in op.results:
            self.node_of[r] = head

    def function(self, title: str) -> str:
        fn = self.fn
        self.lines = [
            f"digraph {_q(fn.name)} {{",
            f'  label={_q(title)}; labelloc=t; fontname="Helvetica";',
            '  node [fontname="Helvetica", fontsize=11];',
            '  edge [color="#6b7280", fontname="Helvetica", fontsize=10];',
        ]
        for p in fn.params:
            self.node(p, f'label={_q(p)}, shape=ellipse, style=filled, fillcolor="#dbeafe"', "  ")
        for name in sorted(fn.freevars):
            self.node(
                name, f'label={_q(name)}, shape=note, style=filled, fillcolor="#f3f4f6"', "  "
            )
        self.block(fn.body, "  ")
        out = f"n{next(self.ids)}"
        self.lines.append(f'  {out} [label="return", shape=doubleoctagon];')
        many = len(fn.body.results) > 1
        for k, v in enumerate(fn.body.results):
            if isinstance(v, Var) and v.name in self.node_of:
                label = f" [label={_q(str(k))}]" if many else ""
                self.edges.append(f"  {self.node_of[v.name]} -> {out}{label};")
            elif isinstance(v, Const):
                const = f"n{next(self.ids)}"
                self.lines.append(f"  {const} [label={_q(repr(v.value))}, shape=plaintext];")
                self.edges.append(f"  {const} -> {out};")
        self.lines += self.edges
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"


def to_dot(fn: Function, title: str | None = None) -> str:
    """DOT text of ``fn``'s computational graph."""
    return _Dot(fn).function(title if title is not None else fn.name)


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` program is not installed."""


def render(dot: str, fmt: str) -> bytes:
    """``dot`` text rendered by Graphviz as ``fmt`` (svg, png, pdf)."""
    exe = shutil.which(os.environ.get("ADGEN_DOT", "dot"))
    if exe is None:
        raise GraphvizMissing(
            f"drawing a {fmt} image needs Graphviz's 'dot' program, which is not installed "
            "(apt-get install graphviz, brew install graphviz, or conda install graphviz); "
            "write a .dot file instead and render it elsewhere"
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot.encode(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout
