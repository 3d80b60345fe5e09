"""What the ``adgen`` commands share: targets, ``--wrt``, pipeline runs and writing files."""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Sequence
from typing import Any

from .. import aot, pipeline
from ..errors import DifferentiationError
from ..pipeline import Kind, Request
from ..signatures import normalize_wrt

#: The last optimisation pass (``--after optimize`` shows the IR after it).
OPTIMIZED = "dce"


class UserError(Exception):
    """An error to report as one line and exit status 2."""


def resolve(spec: str) -> aot.Target:
    return aot.resolve(spec)


def wrt_spec(text: str | None) -> Any:
    try:
        return aot.parse_wrt(text)
    except DifferentiationError as exc:
        raise UserError(str(exc)) from None


def command_line(argv: Sequence[str]) -> str:
    return "adgen " + " ".join(shlex.quote(a) for a in argv)


def module_text(args: argparse.Namespace, command: str | None) -> str:
    wrt = wrt_spec(args.wrt)
    groups = [aot.derivatives(resolve(t), args.mode, wrt, args.backend) for t in args.targets]
    return aot.generate_module(groups, command)


def kind_of(mode: str) -> Kind:
    return "jvp" if mode == "forward" else "vjp"


def run_pipeline(
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
        names, _, as_tuple = normalize_wrt(target.func, wrt_spec(wrt_text))
        request = Request(target.func, kind_of(mode or "reverse"), names, as_tuple, conform=True)
        return pipeline.run(request, until=until, dump_after=dump_after)


def ir_at(target: aot.Target, stage: str, mode: str | None, wrt_text: str | None) -> Any:
    """The function (not its callees) after ``stage`` (``optimize``: after all passes)."""
    state = run_pipeline(target, mode, wrt_text, until=OPTIMIZED if stage == "optimize" else stage)
    return state.primal if stage == "lower" else state.fn


def write_file(path: str, data: str | bytes, sources: Sequence[aot.Target] = ()) -> None:
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
