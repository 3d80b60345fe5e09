"""Source-to-source rewrites that run on the parsed function before lowering.

Each pass takes the gast ``FunctionDef`` and returns it rewritten into
simpler Python the lowerer handles directly. They run in the order of
:data:`PASSES`; adding one is one line here, with the reason it sits where it
does. Each pass has a source-in/source-out test (tests/test_frontend_desugar.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gast

from .comprehensions import comprehensions
from .lambdas import lambda_to_def, named_lambdas
from .loop_else import loop_else
from .loop_locals import loop_locals
from .returns import early_returns


@dataclass(frozen=True)
class Pass:
    name: str
    run: Callable[[gast.FunctionDef], gast.FunctionDef]
    why: str


PASSES: tuple[Pass, ...] = (
    Pass(
        "named_lambdas",
        named_lambdas,
        "first: the lambdas it turns into defs then get the other passes too",
    ),
    Pass(
        "comprehensions",
        comprehensions,
        "before loop_else: the loops it writes are plain; the lowerer then sees only "
        "lists built by appending",
    ),
    Pass("loop_else", loop_else, "before early_returns: a return in an else clause moves with it"),
    Pass(
        "loop_locals",
        loop_locals,
        "after the passes that write loops (their variables are theirs), before "
        "early_returns, which may copy statements after a loop",
    ),
    Pass(
        "early_returns",
        early_returns,
        "last: moves the statements that later passes may have produced",
    ),
)


def desugar(node: gast.FunctionDef) -> gast.FunctionDef:
    """``node`` after every pass of :data:`PASSES`."""
    for p in PASSES:
        node = p.run(node)
    return node


__all__ = ["PASSES", "Pass", "desugar", "lambda_to_def"]
