"""Forward mode: carry a tangent next to every active value.

``forward(fn, wrt)`` returns a function of the primal parameters followed by
one tangent parameter per ``wrt`` parameter (named ``dx`` for ``x``), which
returns ``(value, tangent)`` with the structure of ``fn``'s result.

Control flow keeps its shape: a branch yields the tangents of the values it
yields, a loop carries the tangents of its carried values, and a tape of
values (in reverse-mode code being differentiated again) gets a twin tape of
their tangents.
"""

from __future__ import annotations

from typing import Any

from ..analysis.activity import active, diff_positions
from ..analysis.lists import list_values
from ..ir import Block, Const, ForRange, Function, If, Loop, Namer, Op, Value, Var, While
from ..primitives import PRIMITIVES
from .common import attrs_of, emit_one, namer_for, run_rule, shift_structure, stem


def forward(fn: Function, wrt: list[str]) -> Function:
    """The tangent (JVP) function of ``fn`` with respect to the parameters ``wrt``."""
    namer = namer_for(fn)
    t = Tangents(namer, active(fn, wrt), list_values(fn))
    tparams = []
    for p in wrt:
        d = namer.fresh("d" + stem(namer, p))
        tparams.append(d)
        t.set_tangent(p, Var(d))
    t.program = fn.program
    ops = t.block_ops(fn.body.ops)
    results = list(fn.body.results)
    tresults: list[Value] = []
    for v in results:
        tv = t.tangent.get(v.name) if isinstance(v, Var) else None
        if tv is None or isinstance(tv, Const):
            zero = "list_zeros" if isinstance(v, Var) and v.name in t.lists else "zero"
            zop, tv = emit_one(namer, zero, [v], "d" + _stem(namer, v), "tangent")
            ops.append(zop)
        tresults.append(tv)
    primal = fn.result_structure()
    return Function(
        name=fn.name + "_jvp",
        params=fn.params + tparams,
        body=Block(ops=ops, results=results + tresults),
        freevars=dict(fn.freevars),
        filename=fn.filename,
        doc=fn.doc,
        structure=(primal, shift_structure(primal, len(results))),
        families=dict(namer.family),
        program=fn.program,
        shape_links=fn.shape_links + t.links,
    )


def _stem(namer: Namer, v: Value) -> str:
    return stem(namer, v.name) if isinstance(v, Var) else "out"


class Tangents:
    """Builds tangent code for the ops of one function."""

    def __init__(self, namer: Namer, act: set[str], lists: frozenset[str] = frozenset()) -> None:
        self.namer = namer
        self.act = act
        # Names whose values are Python lists (their tangents are lists of tangents).
        self.lists = lists
        self.tangent: dict[str, Value] = {}
        self.program: Any = None
        # (tangent, primal) pairs: a tangent has its primal's shape.
        self.links: list[tuple[str, str]] = []

    def set_tangent(self, name: str, value: Value) -> None:
        self.tangent[name] = value
        if isinstance(value, Var):
            self.links.append((value.name, name))

    def fresh_tangent(self, name: str) -> str:
        return self.namer.fresh("d" + stem(self.namer, name))

    def zero(self, v: Value, out: list[Op], loc: object = None) -> Value:
        """A zero tangent for ``v``: ``zeros_like(v)``, or 0.0 for a constant."""
        if isinstance(v, Const):
            return Const(0.0)
        op, z = emit_one(
            self.namer,
            "list_zeros" if v.name in self.lists else "zero",
            [v],
            "d" + stem(self.namer, v.name),
            "tangent",
            loc,
        )  # type: ignore[arg-type]
        out.append(op)
        return z

    def of(self, v: Value, out: list[Op]) -> Value:
        """The tangent of ``v``, materialising a zero if it has none."""
        if isinstance(v, Var) and v.name in self.tangent:
            return self.tangent[v.name]
        return self.zero(v, out)

    def block_ops(self, ops: list[Op]) -> list[Op]:
        out: list[Op] = []
        for op in ops:
            if isinstance(op, If):
                out.extend(self.if_op(op))
            elif isinstance(op, Loop):
                out.extend(self.loop_op(op))
            elif op.prim in ("tape_new", "tape_push", "tape_pop"):
                out.extend(self.tape_op(op))
            elif op.prim == "call":
                out.extend(self.call_op(op))
            else:
                out.append(op)
                if any(r in self.act for r in op.results):
                    out.extend(self.primitive(op))
        return out

    def primitive(self, op: Op) -> list[Op]:
        prim = PRIMITIVES[op.prim]
        positions = set(diff_positions(op))
        out = op.results[0]

        def rule(b):
            ts = [
                b.sym(self.tangent[a.name])
                if i in positions and isinstance(a, Var) and a.name in self.tangent
                else None
                for i, a in enumerate(op.args)
            ]
            if all(x is None for x in ts):
                return None
            return prim.jvp(ts, b.sym(Var(out)), *[b.sym(a) for a in op.args], **attrs_of(op))

        new_ops, tv = run_rule(self.namer, op.loc, "d" + stem(self.namer, out), "tangent", rule)
        if tv is not None:
            self.set_tangent(out, tv)
        return new_ops

    def if_op(self, op: If) -> list[Op]:
        slots = [k for k, r in enumerate(op.results) if r in self.act]
        blocks = []
        for branch in (op.then, op.orelse):
            ops = self.block_ops(branch.ops)
            yields = list(branch.results)
            for k in slots:
                yields.append(self.of(branch.results[k], ops))
            blocks.append(Block(list(branch.params), ops, yields))
        tres = [self.fresh_tangent(op.results[k]) for k in slots]
        for k, d in zip(slots, tres):
            self.set_tangent(op.results[k], Var(d))
        return [If.new(op.results + tres, op.cond, blocks[0], blocks[1], loc=op.loc, tag=op.tag)]

    def loop_op(self, op: Loop) -> list[Op]:
        """The loop carries the tangents of its active carried values after them."""
        carried, inits, nexts = op.carried, op.inits, op.yields
        slots = [j for j, c in enumerate(carried) if c in self.act]
        pre: list[Op] = []
        tparams = [self.fresh_tangent(carried[j]) for j in slots]
        for j, d in zip(slots, tparams):
            self.set_tangent(carried[j], Var(d))
        tinits = [self.of(inits[j], pre) for j in slots]
        if isinstance(op, While):
            head = Block(
                op.head.params + tparams, self.block_ops(op.head.ops), list(op.head.results)
            )
            body = Block(list(op.body.params), self.block_ops(op.body.ops), [])
        else:
            assert isinstance(op, ForRange)
            body = Block(op.body.params + tparams, self.block_ops(op.body.ops), [])
        tnexts = [self.of(nexts[j], body.ops) for j in slots]
        flag = [op.exit_flag] if op.exit_flag is not None else []
        body.results = [*nexts, *tnexts, *flag]
        tres = [self.fresh_tangent(op.results[j]) for j in slots]
        for j, d in zip(slots, tres):
            self.set_tangent(op.results[j], Var(d))
        results = op.results + tres
        if isinstance(op, While):
            loop: Op = While.new(
                results, [*inits, *tinits], head, body, exits=op.exits, loc=op.loc, tag=op.tag
            )
        else:
            loop = ForRange.new(
                results,
                op.bounds,
                [*inits, *tinits],
                body,
                reverse=op.reverse,
                exits=op.exits,
                loc=op.loc,
                tag=op.tag,
            )
        return pre + [loop]

    def call_op(self, op: Op) -> list[Op]:
        """``y = f(x)`` becomes ``y, dy = f_jvp(x, dx)`` when ``y`` is active."""
        active = [i for i, a in enumerate(op.args) if isinstance(a, Var) and a.name in self.tangent]
        if not active or not any(r in self.act for r in op.results):
            return [op]
        callee = self.program.functions[op.attrs["fn"]]
        wrt = tuple(callee.params[i] for i in active)
        jvp_name = self.program.derivative(op.attrs["fn"], "jvp", wrt)
        tres = [self.fresh_tangent(r) for r in op.results]
        for r, d in zip(op.results, tres):
            self.set_tangent(r, Var(d))
        structure = op.attrs.get("structure", 0)
        tangents = [self.tangent[op.args[i].name] for i in active]  # type: ignore[union-attr]
        shifted = shift_structure(structure, len(op.results))
        attrs = {"fn": jvp_name, "structure": (structure, shifted)}
        return [
            Op(op.results + tres, "call", list(op.args) + tangents, attrs, op.loc, tag="tangent")
        ]

    def tape_op(self, op: Op) -> list[Op]:
        tape = op.results[0] if op.prim == "tape_new" else op.args[0].name  # type: ignore
        if tape not in self.act:
            return [op]
        out = [op]
        if op.prim == "tape_new":
            d = self.fresh_tangent(tape)
            self.set_tangent(tape, Var(d))
            out.append(Op([d], "tape_new", [], {}, op.loc, tag="tangent"))
        elif op.prim == "tape_push":
            dt = self.tangent[tape]
            vals = [self.of(a, out) for a in op.args[1:]]
            out.append(Op([], "tape_push", [dt, *vals], {}, op.loc, tag="tangent"))
        else:
            names = [self.fresh_tangent(r) for r in op.results]
            for r, d in zip(op.results, names):
                self.set_tangent(r, Var(d))
            out.append(Op(names, "tape_pop", [self.tangent[tape]], {}, op.loc, tag="tangent"))
        return out
