"""IR passes: each a function ``run(fn) -> fn`` that returns an equivalent function.

Each module holds one rewrite, its contract and a before/after example in its
docstring. :data:`PASSES` lists them in the order the pipeline runs them, each
with the reason it sits there; ``simplify.run`` runs the middle of the list as
one stage. A pass keeps no state between runs: what it learns about a
function lives in objects made for that run (:class:`~.uses.Uses`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..ir import Function
from . import (
    accumulate,
    algebra,
    basic_gather,
    basic_scatter,
    broadcasts,
    cse,
    dce,
    doubling,
    first_writes,
    flags,
    identities,
    index_adds,
    inplace_sums,
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


@dataclass(frozen=True)
class Pass:
    """One entry of :data:`PASSES`."""

    name: str
    run: Callable[[Function], Function]
    why: str


_ROUND = (
    Pass(
        "accumulate",
        accumulate.run,
        "before algebra, which would turn the adds of scatters it merges into other shapes",
    ),
    Pass(
        "algebra",
        algebra.run,
        "moves negations out while each inner value still has "
        "one use, so they cancel or merge into subtractions",
    ),
    Pass("flags", flags.run, "turns branch flags into ops before DCE sees the if"),
    Pass(
        "reshapes",
        reshapes.run,
        "after CSE, so equal values share a name and their shapes are seen to agree",
    ),
    Pass(
        "known_sizes",
        known_sizes.run,
        "after the reshapes: sizes known from the arguments' shapes become constants",
    ),
    Pass(
        "broadcasts",
        broadcasts.run,
        "drops broadcasts an elementwise op makes itself, "
        "once the reshapes left the operands next to each other",
    ),
    Pass(
        "known_zeros", known_zeros.run, "zeros of scalars become 0.0, which algebra then adds away"
    ),
    Pass(
        "basic_gather",
        basic_gather.run,
        "gathers with basic indices become reads, which the backend may then write after in place",
    ),
    Pass(
        "basic_scatter",
        basic_scatter.run,
        "beside basic_gather: a basic scatter into a float argument becomes zeros, "
        "written in place",
    ),
    Pass(
        "invariant_slots",
        invariant_slots.run,
        "carried values a loop passes on unchanged (an adjoint seed) become their initial value",
    ),
    Pass("scalar_outputs", scalar_outputs.run, "scalar checks the analysis proves go"),
    Pass(
        "matmul_adjoints",
        matmul_adjoints.run,
        "2-D matmul adjoints become products with a transpose, once shapes are known",
    ),
    Pass(
        "doubling",
        doubling.run,
        "after the broadcasts: g * y + y * g of a squared value becomes 2 * (g * y)",
    ),
    Pass(
        "known_unbroadcast",
        known_unbroadcast.run,
        "after the reshapes, which drop the equal shapes: the others become sums over known axes",
    ),
    Pass("positive", positive.run, "last of a round: algebra makes the +x it drops"),
)
PASSES: tuple[Pass, ...] = (
    Pass("cse", cse.run, "first, so equal values are one name for every later pass"),
    *_ROUND,
    # A second round: dropping reshapes brings negations next to their uses.
    *(Pass(p.name + "_again", p.run, "again: " + p.why) for p in _ROUND),
    Pass(
        "identities",
        identities.run,
        "after the reshapes, whose removal exposes the seed 1.0 of a gradient in 1.0 * c",
    ),
    Pass(
        "algebra_last",
        algebra.run,
        "after identities, whose removal of 1.0 * x puts constant factors next to each other",
    ),
    Pass(
        "tape_slots",
        tape_slots.run,
        "after the rewrites, which decide what the reverse "
        "sweep reads: duplicate and cheap tape slots go",
    ),
    Pass("cse_again", cse.run, "after tape_slots, whose recomputed reads may repeat others"),
    Pass(
        "index_adds",
        index_adds.run,
        "after CSE: repeated additions into one accumulator at one index become one",
    ),
    Pass(
        "first_writes",
        first_writes.run,
        "after index_adds merged the additions of one iteration: an addition into "
        "zeros at the loop's own index becomes a write",
    ),
    Pass(
        "inplace_sums",
        inplace_sums.run,
        "after first_writes, which takes the additions at the loop index: a loop's "
        "adjoint accumulator made of zeros adds in place",
    ),
    Pass(
        "reads_first",
        reads_first.run,
        "after the rewrites, which may add reads; moves "
        "reads of an array above the write replacing it, for in-place writes",
    ),
    Pass("dce", dce.run, "last, to drop what the passes above left unused"),
)

__all__ = ["PASSES", "Pass"]
