"""The ``adgen`` command: generate, show, ir, check and graph.

Targets are written ``FILE.py:func`` or ``package.module:func``. Exit status:
0 on success, 1 when ``adgen check`` finds a mismatch, 2 for a user error
(no such file or function, unsupported syntax, bad ``--wrt``...), which is
reported as one line that starts with its location, without a traceback.
3 means a bug in adgen: set ``ADGEN_DEBUG=1`` (or pass ``--debug``) to see
its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .. import aot
from ..errors import DifferentiationError, UnsupportedSyntaxError
from .check import cmd_check
from .commands import cmd_generate, cmd_graph, cmd_ir, cmd_show
from .common import OPTIMIZED, UserError, ir_at
from .parser import STAGES, build_parser

__all__ = ["COMMANDS", "OPTIMIZED", "STAGES", "UserError", "ir_at", "build_parser", "main"]

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
