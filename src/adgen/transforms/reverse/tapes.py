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

from ...ir import Block, Const, Function, If, Loop, Op, Value, Var
from ...ir.util import walk


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
        new = Op(list(op.results), op.prim, list(op.args), dict(op.attrs), op.loc, blocks, op.tag)
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
            body.ops.append(Op([c.next], "add", [Var(c.param), Const(1)], {}, op.loc, tag="tape"))
            body.results.insert(len(op.carried), Var(c.next))
            new.args.append(Const(0))
            new.results.append(c.total)
        return new


class TapeInfo:
    """Which names of a function are tapes, and which tapes are one object.

    Tapes are results of ``tape_new``, the tape operand of a push or pop, and
    an ``if`` result a branch yields a tape as. Two names are one object when
    a tape pushed at some slot is popped at that slot of the same object, or an
    ``if`` yields one as the other. ``active_slots[root]`` are the slots of a
    tape (by its root) that some pop's result is active in.
    """

    def __init__(self, fn: Function, act: set[str]) -> None:
        ops = list(walk(fn.body))
        self.names: set[str] = {r for op in ops if op.prim == "tape_new" for r in op.results}
        self.names |= {
            op.args[0].name
            for op in ops
            if op.prim in ("tape_push", "tape_pop") and isinstance(op.args[0], Var)
        }
        self._parent: dict[str, str] = {}
        pushes = [op for op in ops if op.prim == "tape_push"]
        pops = [op for op in ops if op.prim == "tape_pop"]
        ifs = [op for op in ops if isinstance(op, If)]
        changed = True
        while changed:
            changed = False
            for push in pushes:
                for pop in pops:
                    if self.root(push.args[0].name) != self.root(pop.args[0].name):  # type: ignore
                        continue
                    for a, r in zip(push.args[1:], pop.results):
                        if isinstance(a, Var) and (a.name in self.names or r in self.names):
                            changed |= self._union(a.name, r)
            for op in ifs:
                for k, r in enumerate(op.results):
                    for b in op.blocks:
                        y = b.results[k]
                        if isinstance(y, Var) and (y.name in self.names or r in self.names):
                            changed |= self._union(y.name, r)
        # Pushed onto another tape, or yielded by a branch: its adjoint tape comes
        # off that tape's adjoint tape, or is the ``if`` result's.
        self.inherited = {
            a.name
            for op in pushes
            for a in op.args[1:]
            if isinstance(a, Var) and a.name in self.names
        }
        self.inherited |= {
            y.name
            for op in ifs
            for b in op.blocks
            for y in b.results
            if isinstance(y, Var) and y.name in self.names
        }
        self.active_slots: dict[str, list[int]] = {}
        for pop in pops:
            slots = self.active_slots.setdefault(self.root(pop.args[0].name), [])  # type: ignore
            for k, r in enumerate(pop.results):
                if r in act and k not in slots:
                    slots.append(k)
        for slots in self.active_slots.values():
            slots.sort()

    def root(self, name: str) -> str:
        while self._parent.get(name, name) != name:
            name = self._parent[name]
        return name

    def _union(self, a: str, b: str) -> bool:
        new = {a, b} - self.names
        self.names |= new
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return bool(new)
        self._parent[rb] = ra
        return True

    def slots(self, tape: str) -> list[int]:
        return self.active_slots.get(self.root(tape), [])

    def touched(self, op: Op, act: set[str]) -> bool:
        """Whether ``op``'s blocks push or pop an active tape with active slots.

        The adjoint of such an op must run even when none of its results has an
        adjoint, so that every push onto an adjoint tape meets its pop.
        """
        return any(
            o.prim in ("tape_push", "tape_pop")
            and isinstance(o.args[0], Var)
            and o.args[0].name in act
            and self.slots(o.args[0].name)
            for b in op.blocks
            for o in walk(b)
        )
