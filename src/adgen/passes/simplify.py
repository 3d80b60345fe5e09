"""Simplification: the rewrites of this package in the order that suits them.

Not a rewrite of its own: it runs :data:`SEQUENCE` over a function, as the
pipeline's one ``simplify`` stage. The sequence is the middle of
:data:`adgen.passes.PASSES` (which gives each rewrite's reason for its place):
all but the first CSE and the last DCE, which are pipeline stages of their own.
The first round brings patterns together that the second then finds
(dropping a reshape puts a negation next to its use).
"""

from __future__ import annotations

from ..ir import Function
from . import PASSES

SEQUENCE = tuple(p.run for p in PASSES[1:-1])


def run(fn: Function) -> Function:
    """Run every rewrite of :data:`SEQUENCE` in turn."""
    for rewrite in SEQUENCE:
        fn = rewrite(fn)
    return fn
