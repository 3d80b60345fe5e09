"""Where lowering is: the block ops go to, the bindings of the user's names, the location.

One :class:`Scope` object holds them for a whole function; lowering a nested
block (a branch, a loop body, an inlined local function) enters it with
:meth:`Scope.enter`, which restores the outer frame on the way out, errors
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..ir import Block, Loc


@dataclass
class Frame:
    """The block being filled, what each user name denotes, the current location."""

    block: Block = field(default_factory=Block)
    env: dict[str, Any] = field(default_factory=dict)
    loc: Loc | None = None


class Scope:
    """The current :class:`Frame`, and nested frames entered as context managers."""

    def __init__(self) -> None:
        self.frame = Frame()

    @contextmanager
    def enter(
        self, env: dict[str, Any], params: list[str] | None = None, block: Block | None = None
    ) -> Iterator[Frame]:
        """A frame with a copy of ``env`` and a new block (or ``block``, to keep adding
        to one), current until the ``with`` ends."""
        outer = self.frame
        self.frame = Frame(
            block if block is not None else Block(params=list(params or [])), dict(env), outer.loc
        )
        try:
            yield self.frame
        finally:
            self.frame = outer
