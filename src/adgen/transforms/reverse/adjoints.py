"""The state of one reverse sweep: adjoint names, accumulation, shape links, plan.

The sweep itself (:class:`adgen.transforms.reverse.sweep.Adjoints`) walks ops
backwards; the adjoints of branches and loops (``branches``, ``loops``) are
functions of this state, so they depend on it and not on the sweep.
"""

from __future__ import annotations

from typing import Any

from ...ir import Const, Namer, Op, Value, Var
from ..common import emit_one, stem
from .tapes import Plan, TapeInfo


class AdjointState:
    """What every part of one reverse sweep shares.

    ``act`` are the active names; ``plan`` collects what the forward sweep
    must keep; ``links`` are (adjoint, primal) pairs, an adjoint having its
    primal's shape; ``loop_depth`` counts the loops being swept around the
    current op (an ``if`` inside one exports the branch values it reads).
    ``tape_info`` describes the tapes of reverse-mode code being differentiated
    again (None if it has none), and ``tapes`` maps each such tape to its
    adjoint tape (see ``retape``).
    """

    def __init__(
        self,
        namer: Namer,
        act: set[str],
        program: Any,
        tape_info: TapeInfo | None = None,
        lists: frozenset[str] = frozenset(),
    ) -> None:
        self.namer = namer
        # Names whose values are Python lists (their adjoints are lists of adjoints).
        self.lists = lists
        self.act = act
        self.program = program
        self.plan = Plan()
        self.loop_depth = 0
        self.links: list[tuple[str, str]] = []
        self.tape_info = tape_info
        self.tapes: dict[str, Value] = {}

    def keeps_tapes_balanced(self, op: Op) -> bool:
        """Whether the adjoint of the control op ``op`` must be built even if none
        of its results has an adjoint (it pushes or pops an adjoint tape)."""
        return self.tape_info is not None and self.tape_info.touched(op, self.act)

    def sweep(self, ops: list[Op], adj: dict[str, Value]) -> list[Op]:
        """The adjoint ops of ``ops``, walked backwards, accumulating into ``adj``
        (name -> its adjoint so far). Never changes ``ops``."""
        raise NotImplementedError

    def link(self, adjoint: Value | str, primal: str) -> None:
        name = adjoint.name if isinstance(adjoint, Var) else adjoint
        if isinstance(name, str):
            self.links.append((name, primal))

    def bname(self, name: str) -> str:
        """The stem of the adjoint of ``name``: ``bx`` for ``x``."""
        return "b" + stem(self.namer, name)

    def zero(self, v: Value, out: list[Op]) -> Value:
        """A zero adjoint for ``v``, appending the op that makes it to ``out``."""
        if isinstance(v, Const):
            return Const(0.0)
        op, z = emit_one(
            self.namer,
            "list_zeros" if v.name in self.lists else "zero",
            [v],
            self.bname(v.name),
            "adjoint",
        )
        out.append(op)
        return z

    def add(self, name: str) -> str:
        """The primitive that adds two adjoints of ``name``."""
        return "list_add" if name in self.lists else "add"

    def accumulate(
        self, adj: dict[str, Value], name: str, value: Value | None, out: list[Op], loc: object
    ) -> None:
        """Add ``value`` into the adjoint of ``name`` (ops appended to ``out``)."""
        if value is None:
            return
        if isinstance(value, Var):
            self.link(value, name)
        if name not in adj:
            adj[name] = value
            return
        op, total = emit_one(
            self.namer, self.add(name), [adj[name], value], self.bname(name), "adjoint", loc
        )  # type: ignore[arg-type]
        out.append(op)
        adj[name] = total
        self.link(total, name)
