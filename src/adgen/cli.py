"""The ``adgen`` command: generate, show, ir, check and graph.

Targets are written ``FILE.py:func`` or ``package.module:func``. Exit status:
0 on success, 1 when ``adgen check`` finds a mismatch, 2 for a user error
(no such file or function, unsupported syntax, bad ``--wrt``...), which is
reported as one line that starts with its location, without a traceback.
3 means a bug in adgen: set ``ADGEN_DEBUG=1`` (or pass ``--debug``) to see
its traceback.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from . import aot, graph, pipeline
from .calling import normalize_wrt
from .errors import DifferentiationError, UnsupportedSyntaxError
from .highlight import to_terminal
from .ir import format_function
from .pipeline import Kind, Request
from .testing import GradientCheckError, check_grads
from .version import __version__

#: The stages ``--after`` accepts: the pipeline's IR stages, and ``optimize`` for
#: the last optimisation pass.
STAGES = (*(s.name for s in pipeline.STAGES if s.ir), "optimize")
OPTIMIZED = "dce"


class UserError(Exception):
    """An error to report as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_target(p: argparse.ArgumentParser, many: bool = False) -> None:
    p.add_argument(
        "targets" if many else "target",
        nargs="+" if many else None,
        metavar="FILE.py:func",
        help="the function: a file and function name, or package.module:func",
    )


def _add_mode(
    p: argparse.ArgumentParser, default: str | None = "reverse", choices: Sequence[str] = aot.MODES
) -> None:
    p.add_argument(
        "--mode",
        choices=choices,
        default=default,
        help=f"forward (JVP) or reverse (VJP, gradient); default {default}",
    )
    p.add_argument(
        "--wrt",
        metavar="x,y",
        help="parameters to differentiate with respect to, by name or index, "
        "comma-separated (default: the first)",
    )


def _add_backend(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        choices=("numpy", "numba"),
        default="numpy",
        help="numba: the derivatives are decorated with numba.njit (the module imports "
        "numba); default numpy",
    )


def _add_array_api(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--array-api",
        action="store_true",
        help="write code against the array API (Dask, PyTorch, CuPy...: needs "
        "array-api-compat) instead of NumPy",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="adgen",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Source-to-source automatic differentiation for Python and NumPy.",
        epilog="examples:\n"
        "  adgen generate model.py:loss --wrt w,b -o loss_grad.py\n"
        "  adgen show model.py:loss --mode forward\n"
        '  adgen check model.py:loss --shapes "w=3 b= X=10,3 y=10" --wrt w,b\n\n'
        "Targets are FILE.py:func or package.module:func. Exit status: 0 done, "
        "1 'check' found\na mismatch, 2 user error (one line, with its location), "
        "3 internal error\n(rerun with --debug for its traceback).",
    )
    parser.add_argument("--version", action="version", version=f"adgen {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show Python tracebacks of internal errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "generate",
        help="write derivatives as a standalone module",
        description="Write one standalone module (needing only NumPy) with "
        "the derivatives of the given functions: <func>_vjp, "
        "<func>_value_and_grad and <func>_grad in reverse mode, <func>_jvp in "
        "forward mode.",
    )
    _add_target(p, many=True)
    _add_mode(p)
    _add_backend(p)
    _add_array_api(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT.py", help="the module to write")

    p = sub.add_parser(
        "show",
        help="print the generated module",
        description="Print what 'adgen generate' would write; highlighted on "
        "a terminal when Pygments is installed.",
    )
    _add_target(p, many=True)
    _add_mode(p)
    _add_backend(p)
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="syntax highlighting (auto: when printing to a terminal)",
    )

    p = sub.add_parser(
        "ir",
        help="print the IR at a stage of the pipeline",
        description="Print the IR after a stage of the pipeline: "
        + "; ".join(f"{s.name}: {s.why}" for s in pipeline.STAGES)
        + ".",
    )
    _add_target(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--after",
        choices=STAGES,
        default=None,
        help="print the function after this stage (default optimize: all the optimisation passes)",
    )
    where.add_argument(
        "--dump-after",
        metavar="STAGE[,STAGE]",
        type=_stage_list,
        help="print the function and every function it calls after each "
        f"named stage ({', '.join(pipeline.NAMES)}; emit prints the "
        "generated source)",
    )
    _add_mode(p)

    p = sub.add_parser(
        "check",
        help="compare derivatives with finite differences",
        description="Check the derivative against central finite differences "
        "at seeded random inputs; exit status 1 on a mismatch.",
    )
    _add_target(p)
    _add_mode(p, default="both", choices=(*aot.MODES, "both"))
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--shapes",
        metavar='"x=3,4 y=4 s="',
        help="the shape of each parameter (empty for a float); parameters "
        "with defaults may be left out",
    )
    given.add_argument(
        "--inputs",
        metavar="FILE.py:make_inputs",
        help="a function returning the arguments (a tuple, or a dict by "
        "name); it is passed a numpy Generator if it takes a parameter",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--atol", type=float, default=1e-6)

    p = sub.add_parser(
        "graph",
        help="draw the computational graph",
        description="The computational graph of the function's IR (or, with "
        "--mode, of its derivative) as Graphviz DOT, or as an image when "
        "Graphviz is installed.",
    )
    _add_target(p)
    _add_mode(p, default=None)
    p.add_argument(
        "--after",
        choices=STAGES,
        default=None,
        help="the stage (default: lower without --mode, optimize with it)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.dot|svg|png|pdf",
        help="where to write it (default: DOT on standard output)",
    )
    return parser


# ----------------------------------------------------------------- helpers


def _stage_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in pipeline.NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"no stage {(unknown or [text])[0]!r}; the stages are {', '.join(pipeline.NAMES)}"
        )
    return names


def _resolve(spec: str) -> aot.Target:
    return aot.resolve(spec)


def _wrt(text: str | None) -> Any:
    try:
        return aot.parse_wrt(text)
    except DifferentiationError as exc:
        raise UserError(str(exc)) from None


def _command_line(argv: Sequence[str]) -> str:
    return "adgen " + " ".join(shlex.quote(a) for a in argv)


def _module_text(args: argparse.Namespace, command: str | None) -> str:
    wrt = _wrt(args.wrt)
    groups = [aot.derivatives(_resolve(t), args.mode, wrt, args.backend) for t in args.targets]
    return aot.generate_module(groups, command)


def _kind(mode: str) -> Kind:
    return "jvp" if mode == "forward" else "vjp"


def _run(
    target: aot.Target,
    mode: str | None,
    wrt_text: str | None,
    until: str | None = None,
    dump_after: Sequence[str] = (),
) -> pipeline.State:
    """The pipeline run for ``target`` as ``adgen generate`` would compile its VJP (or JVP)."""
    with aot.located(target):
        if until == "lower":  # the function itself: --mode and --wrt do not matter
            return pipeline.run(Request(target.func), until=until, dump_after=dump_after)
        names, _, as_tuple = normalize_wrt(target.func, _wrt(wrt_text))
        request = Request(target.func, _kind(mode or "reverse"), names, as_tuple, conform=True)
        return pipeline.run(request, until=until, dump_after=dump_after)


def _ir_at(target: aot.Target, stage: str, mode: str | None, wrt_text: str | None) -> Any:
    """The function (not its callees) after ``stage`` (``optimize``: after all passes)."""
    state = _run(target, mode, wrt_text, until=OPTIMIZED if stage == "optimize" else stage)
    return state.primal if stage == "lower" else state.fn


def _write(path: str, data: str | bytes, sources: Sequence[aot.Target] = ()) -> None:
    full = os.path.abspath(path)
    for t in sources:
        src = getattr(t.func, "__code__", None)
        if src is not None and os.path.abspath(src.co_filename) == full:
            raise UserError(
                f"{path}: refusing to overwrite the source of {t.name}; choose another output file"
            )
    try:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(
            path,
            mode,
            **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": "\n"}),
        ) as fh:
            fh.write(data)
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None


# ---------------------------------------------------------------- commands


def cmd_generate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    targets = [_resolve(t) for t in args.targets]
    wrt = _wrt(args.wrt)
    groups = [
        aot.derivatives(t, args.mode, wrt, backend=args.backend, array_api=args.array_api)
        for t in targets
    ]
    text = aot.generate_module(groups, _command_line(argv))
    _write(args.output, text, targets)
    names = ", ".join(p.name for g in groups for p in g.parts)
    print(f"wrote {args.output}: {names}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, argv: Sequence[str]) -> int:
    text = _module_text(args, None)
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
    )
    if color:
        text = to_terminal(text)
    sys.stdout.write(text)
    return 0


def cmd_ir(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = _resolve(args.target)
    if args.dump_after is None:
        fn = _ir_at(target, args.after or "optimize", args.mode, args.wrt)
        sys.stdout.write(format_function(fn))
        return 0
    wanted = [s.name for s in pipeline.STAGES if s.name in args.dump_after]
    state = _run(target, args.mode, args.wrt, until=wanted[-1], dump_after=wanted)
    for k, (stage, text) in enumerate(state.dumps):
        sys.stdout.write(("\n" if k else "") + f"# after {stage}\n" + text.rstrip("\n") + "\n")
    return 0


def _parse_shapes(text: str) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for item in text.replace(";", " ").split():
        name, sep, dims = item.partition("=")
        if not sep or not name.isidentifier():
            raise UserError(
                f"--shapes: expected name=dims (like x=3,4 or s= for a float), not {item!r}"
            )
        dims = dims.strip("()[]")
        try:
            shapes[name] = tuple(int(d) for d in dims.replace("x", ",").split(",") if d)
        except ValueError:
            raise UserError(f"--shapes: {item!r}: dimensions must be whole numbers") from None
    return shapes


def _inputs_from_shapes(target: aot.Target, text: str, rng: np.random.Generator) -> list[Any]:
    shapes = _parse_shapes(text)
    sig = inspect.signature(target.func)
    unknown = [n for n in shapes if n not in sig.parameters]
    if unknown:
        raise aot.TargetError(
            f"--shapes names {unknown[0]!r}, which is not a parameter of "
            f"{target.name} ({', '.join(sig.parameters)})",
            target.location,
        )
    args = []
    for name, p in sig.parameters.items():
        if name in shapes:
            shape = shapes[name]
            args.append(float(rng.standard_normal()) if shape == () else rng.standard_normal(shape))
        elif p.default is not inspect.Parameter.empty:
            args.append(p.default)
        else:
            raise aot.TargetError(
                f"--shapes gives no shape for {name!r}; add {name}=... ({name}= for a float)",
                target.location,
            )
    return args


def _inputs_from_function(target: aot.Target, spec: str, rng: np.random.Generator) -> list[Any]:
    maker = _resolve(spec)
    takes = [
        p
        for p in inspect.signature(maker.func).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    try:
        made = maker.func(rng) if takes else maker.func()
    except Exception as exc:
        raise aot.TargetError(f"{maker.name} raised {aot.exc_line(exc)}", maker.location) from None
    sig = inspect.signature(target.func)
    try:
        bound = sig.bind(**made) if isinstance(made, dict) else sig.bind(*made)
    except TypeError as exc:
        raise aot.TargetError(
            f"the inputs from {maker.name} do not fit {target.name}: {exc}", maker.location
        ) from None
    bound.apply_defaults()
    return list(bound.args)


def _describe_inputs(target: aot.Target, args: Sequence[Any]) -> str:
    names = list(inspect.signature(target.func).parameters)
    return ", ".join(
        f"{n}: {np.shape(a) if isinstance(a, np.ndarray) else type(a).__name__}"
        for n, a in zip(names, args, strict=False)
    )


def cmd_check(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = _resolve(args.target)
    rng = np.random.default_rng(args.seed)
    if args.shapes is not None:
        inputs = _inputs_from_shapes(target, args.shapes, rng)
    else:
        inputs = _inputs_from_function(target, args.inputs, rng)
    wrt = _wrt(args.wrt)
    with aot.located(target):
        names, _, _ = normalize_wrt(target.func, wrt)
        pipeline.lower(target.func)  # report unsupported syntax before running anything
    modes = aot.MODES if args.mode == "both" else (args.mode,)
    try:
        target.func(*inputs)
    except Exception as exc:
        raise aot.TargetError(
            f"{target.name} raised {aot.exc_line(exc)} at the inputs "
            f"({_describe_inputs(target, inputs)})",
            target.location,
        ) from None
    what = f"{target.name} with respect to {', '.join(names)}"
    try:
        check_grads(
            target.func,
            inputs,
            wrt=wrt,
            modes=modes,
            seed=args.seed,
            rtol=args.rtol,
            atol=args.atol,
        )
    except GradientCheckError as exc:
        print(
            f"{target.location}: mismatch: {exc} (derivative of {what}, "
            f"inputs {_describe_inputs(target, inputs)}, seed {args.seed})"
        )
        return 1
    print(
        f"ok: {' and '.join(modes)} mode derivatives of {what} match finite differences "
        f"(inputs {_describe_inputs(target, inputs)}, seed {args.seed})"
    )
    return 0


def cmd_graph(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = _resolve(args.target)
    stage = args.after or ("optimize" if args.mode else "lower")
    fn = _ir_at(target, stage, args.mode, args.wrt)
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
        _write(out, dot, [target])
    elif fmt in graph.IMAGE_FORMATS:
        try:
            image = graph.render(dot, fmt)
        except graph.GraphvizMissing as exc:
            raise UserError(f"{out}: {exc}") from None
        _write(out, image, [target])
    else:
        raise UserError(f"{out}: unknown output format {fmt!r}; use .dot, .svg, .png or .pdf")
    print(f"wrote {out}", file=sys.stderr)
    return 0


COMMANDS = {
    "generate": cmd_generate,
    "show": cmd_show,
    "ir": cmd_ir,
    "check": cmd_check,
    "graph": cmd_graph,
}


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, UnsupportedSyntaxError):
        where = f"{aot.display_path(exc.filename)}:{exc.lineno}:{exc.col_offset + 1}"
        code = f" (in `{exc.line.strip()}`)" if exc.line.strip() else ""
        return f"{where}: error: {exc.reason}{code}"
    if isinstance(exc, aot.TargetError):
        return (
            f"{exc.location}: error: {exc.reason}"
            if exc.location
            else f"adgen: error: {exc.reason}"
        )
    text = " ".join(str(exc).split())
    return f"adgen: error: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``adgen`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    debug = args.debug or bool(os.environ.get("ADGEN_DEBUG"))
    try:
        return COMMANDS[args.command](args, argv)
    except (UserError, DifferentiationError) as exc:
        if debug:
            raise
        print(_error_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `adgen show ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if debug:
            raise
        print(
            f"adgen: internal error: {type(exc).__name__}: {exc} -- this is a bug in adgen; "
            "please report it (rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
