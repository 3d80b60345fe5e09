"""Simplification: the rewrites of this package in the order that suits them.

Not a rewrite of its own: it runs :data:`SEQUENCE` over a function, as the
pipeline's one ``simplify`` stage (``adgen.passes.PASSES`` lists the same
rewrites one by one). The first round brings patterns together that the
second then finds (dropping a reshape puts a negation next to its use).
"""

from __future__ import annotations

from collections.abc import Callable

from ..ir import Function
from . import (
    accumulate,
    algebra,
    basic_gather,
    broadcasts,
    cse,
    doubling,
    flags,
    identities,
    index_adds,
    invariant_slots,
    known_sizes,
    known_unbroadcast,
    known_zeros,
    matmul_adjoints,
    positive,
    reads_first,
    reshapes,
    scalar_outputs,
    tape_slots,
)

ROUND: tuple[Callable[[Function], Function], ...] = (
    accumulate.run, algebra.run, flags.run, reshapes.run, known_sizes.run, broadcasts.run,
    known_zeros.run, basic_gather.run, invariant_slots.run, scalar_outputs.run,
    matmul_adjoints.run, doubling.run, known_unbroadcast.run, positive.run)
SEQUENCE = (*ROUND, *ROUND, identities.run, tape_slots.run, cse.run, index_adds.run,
            reads_first.run)


def run(fn: Function) -> Function:
    """Run every rewrite of :data:`SEQUENCE` in turn."""
    for rewrite in SEQUENCE:
        fn = rewrite(fn)
    return fn
