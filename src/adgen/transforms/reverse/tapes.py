"""What the forward sweep must keep for the reverse sweep, and keeping it.

The reverse sweep is built first, reading forward values as if they were all
still there. What it reads that the forward sweep would otherwise lose goes
into a :class:`Plan`, keyed by the forward op that must keep it:

- a loop's per-iteration values that its adjoint reads are pushed onto a tape
  (a Python list made just before the loop) at the end of every iteration;
- a loop that can ``break``, and every ``while``, counts its iterations, so
  that its adjoint runs as many;
- an ``if`` inside a loop yields the branch values its adjoint reads (``None``
  from the other branch), so the loop can tape them whichever branch ran.

:meth:`Plan.apply` then writes all of it into a copy of the forward ops in one
step; the forward IR handed to the transform is never changed. For a loop
that may ``break``, whose adjoint reads ``s1`` (for ``cos(s1)``)::

    s2 = for_range(0, n, 1, s0)        tape = tape_new()
      body(i, s1):                     s2, n_iter2 = for_range(0, n, 1, s0, 0)
        t = sin(s1)             ->       body(i, s1, n_iter):
        s = add(s1, t)                     t = sin(s1)
        c = gt(s, 9.0)                     s = add(s1, t)
        yield s, c                         c = gt(s, 9.0)
                                           tape_push(tape, s1)
                                           n_iter1 = add(n_iter, 1)
                                           yield s, n_iter1, c
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...ir import Block, Const, Loop, Op, Value, Var


@dataclass(frozen=True)
class Counter:
    """Names of a loop's iteration count: the count so far (a carried
    parameter), the count after this iteration, and the loop's final count."""

    param: str
    next: str
    total: str


@dataclass
class LoopKeep:
    """What one forward loop keeps: a tape and the values each iteration
    pushes onto it, and its iteration count."""

    tape: str | None = None
    pushed: list[str] = field(default_factory=list)
    counter: Counter | None = None


@dataclass(frozen=True)
class Export:
    """A value of branch ``branch`` of an ``if``, yielded as its result ``result``."""

    branch: int
    name: str
    result: str


@dataclass
class Plan:
    """What the forward sweep keeps, by forward op (an op's identity is its key,
    so a plan belongs to one forward IR, which must stay alive and unchanged)."""

    loops: dict[int, LoopKeep] = field(default_factory=dict)
    exports: dict[int, list[Export]] = field(default_factory=dict)

    def tape(self, loop: Loop, tape: str, pushed: list[str]) -> None:
        keep = self.loops.setdefault(id(loop), LoopKeep())
        keep.tape, keep.pushed = tape, list(pushed)

    def count(self, loop: Loop, counter: Counter) -> None:
        self.loops.setdefault(id(loop), LoopKeep()).counter = counter

    def export(self, op: Op, branch: int, name: str, result: str) -> None:
        self.exports.setdefault(id(op), []).append(Export(branch, name, result))

    # ---------------------------------------------------------- reading
    def defines(self, block: Block) -> list[str]:
        """Names ``block`` will define once the plan is applied, in program order
        (as :func:`adgen.ir.util.defines` lists them): tapes, counts and exports
        of the ops nested in it included."""
        out = list(block.params)
        for op in block.ops:
            out.extend(self._op_defines(op))
        return out

    def _op_defines(self, op: Op) -> list[str]:
        keep = self.loops.get(id(op))
        counter = keep.counter if keep else None
        out = [keep.tape] if keep and keep.tape else []
        last = len(op.blocks) - 1
        for k, inner in enumerate(op.blocks):
            out.extend(inner.params)
            if counter and k == 0:
                out.append(counter.param)
            for nested in inner.ops:
                out.extend(self._op_defines(nested))
            if counter and k == last:
                out.append(counter.next)
        out.extend(op.results)
        if counter:
            out.append(counter.total)
        out.extend(e.result for e in self.exports.get(id(op), ()))
        return out

    # --------------------------------------------------------- applying
    def apply(self, ops: list[Op]) -> list[Op]:
        """A copy of ``ops`` (nested blocks too) that keeps what the plan says."""
        out: list[Op] = []
        for op in ops:
            keep = self.loops.get(id(op))
            if keep and keep.tape:
                out.append(Op([keep.tape], "tape_new", [], {}, op.loc, tag="tape"))
            out.append(self._copy(op, keep))
        return out

    def _copy(self, op: Op, keep: LoopKeep | None) -> Op:
        blocks = [Block(list(b.params), self.apply(b.ops), list(b.results)) for b in op.blocks]
        new = Op(list(op.results), op.prim, list(op.args), dict(op.attrs), op.loc, blocks,
                 op.tag)
        for e in self.exports.get(id(op), ()):
            new.results.append(e.result)
            for k, b in enumerate(blocks):
                b.results.append(Var(e.name) if k == e.branch else Const(None))
        if keep is None:
            return new
        assert isinstance(op, Loop), op
        body = blocks[-1]
        if keep.tape:
            pushed: list[Value] = [Var(keep.tape), *map(Var, keep.pushed)]
            body.ops.append(Op([], "tape_push", pushed, {}, op.loc, tag="tape"))
        if keep.counter:
            c = keep.counter
            blocks[0].params.append(c.param)
            body.ops.append(Op([c.next], "add", [Var(c.param), Const(1)], {}, op.loc,
                               tag="tape"))
            body.results.insert(len(op.carried), Var(c.next))
            new.args.append(Const(0))
            new.results.append(c.total)
        return new
