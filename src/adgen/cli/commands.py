"""The commands that write or print a derivative: generate, show, ir and graph."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import aot, graph, pipeline
from ..highlight import to_terminal
from ..ir import format_function
from .common import (
    UserError,
    command_line,
    ir_at,
    module_text,
    resolve,
    run_pipeline,
    write_file,
    wrt_spec,
)


def cmd_generate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    targets = [resolve(t) for t in args.targets]
    wrt = wrt_spec(args.wrt)
    groups = [
        aot.derivatives(t, args.mode, wrt, backend=args.backend, array_api=args.array_api)
        for t in targets
    ]
    text = aot.generate_module(groups, command_line(argv))
    write_file(args.output, text, targets)
    names = ", ".join(p.name for g in groups for p in g.parts)
    print(f"wrote {args.output}: {names}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, argv: Sequence[str]) -> int:
    text = module_text(args, None)
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
    )
    if color:
        text = to_terminal(text)
    sys.stdout.write(text)
    return 0


def cmd_ir(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = resolve(args.target)
    if args.dump_after is None:
        fn = ir_at(target, args.after or "optimize", args.mode, args.wrt)
        sys.stdout.write(format_function(fn))
        return 0
    wanted = [s.name for s in pipeline.STAGES if s.name in args.dump_after]
    state = run_pipeline(target, args.mode, args.wrt, until=wanted[-1], dump_after=wanted)
    for k, (stage, text) in enumerate(state.dumps):
        sys.stdout.write(("\n" if k else "") + f"# after {stage}\n" + text.rstrip("\n") + "\n")
    return 0


def cmd_graph(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = resolve(args.target)
    stage = args.after or ("optimize" if args.mode else "lower")
    fn = ir_at(target, stage, args.mode, args.wrt)
    title = (
        f"{target.spec}"
        if stage == "lower"
        else f"{target.spec}, {args.mode or 'reverse'} mode, after {stage}"
    )
    dot = graph.to_dot(fn, title)
    out = args.output
    if out is None:
        sys.stdout.write(dot)
        return 0
    fmt = os.path.splitext(out)[1].lstrip(".").lower()
    if fmt in ("dot", "gv"):
        write_file(out, dot, [target])
    elif fmt in graph.IMAGE_FORMATS:
        try:
            image = graph.render(dot, fmt)
        except graph.GraphvizMissing as exc:
            raise UserError(f"{out}: {exc}") from None
        write_file(out, image, [target])
    else:
        raise UserError(f"{out}: unknown output format {fmt!r}; use .dot, .svg, .png or .pdf")
    print(f"wrote {out}", file=sys.stderr)
    return 0
