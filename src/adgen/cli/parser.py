"""The ``adgen`` command line's arguments: one parser, a sub-parser per command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import NoReturn

from .. import aot, pipeline
from ..version import __version__

#: The stages ``--after`` accepts: the pipeline's IR stages, and ``optimize`` for
#: the last optimisation pass.
STAGES = (*(s.name for s in pipeline.STAGES if s.ir), "optimize")


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
