"""Reverse mode: the forward sweep, then a reverse sweep that accumulates adjoints.

``reverse(fn, wrt, seed)`` returns a function of the primal parameters that
computes ``fn``'s ops (the forward sweep), then, walking them backwards, the
adjoint ``bx`` of every active value ``x`` (the reverse sweep), and returns the
adjoints of the ``wrt`` parameters. With ``seed="cotangent"`` it takes one more
parameter, the cotangent of the result (a VJP); with ``seed="one"`` the result
must be a scalar and is seeded with 1 (a gradient), and the function returns
``(value, gradient)``.

It plans, then applies: the reverse sweep is built from the forward IR
without changing it, collecting in a plan what the forward sweep must keep for
it (tapes, branch values, iteration counts; see ``tapes``); the forward sweep
is then a copy of ``fn``'s ops with the plan applied. Adjoints of branches and
loops are in ``branches`` and ``loops``; those of tape ops (reverse mode over
reverse-mode code, ``grad(grad(f))`` through loops) in ``retape``.
"""

from __future__ import annotations

from typing import Literal

from ...analysis.activity import active, diff_positions
from ...analysis.lists import list_values
from ...errors import DifferentiationError
from ...ir import Block, Const, Function, If, Loop, Op, Value, Var, flatten_structure
from ...ir.names import is_temporary
from ...ir.util import walk
from ...primitives import PRIMITIVES
from ..common import attrs_of, emit_one, namer_for, run_rule, shift_structure, stem
from .adjoints import AdjointState
from .branches import adjoint_if
from .dead import dead_ops, mark_kept
from .loops import adjoint_loop
from .retape import adjoint_pop, adjoint_push, create_adjoint_tapes
from .tapes import TapeInfo


def reverse(
    fn: Function,
    wrt: list[str],
    seed: Literal["cotangent", "one"],
    as_tuple: bool = False,
    packed: bool = True,
) -> Function:
    """The adjoint (VJP or gradient) function of ``fn`` with respect to ``wrt``.

    The gradients come back as a tuple if there are several or ``as_tuple``.
    The cotangent of a tuple result is one tuple parameter if ``packed``, else
    one parameter per element (how derivatives of callees are called).
    ``fn`` is not changed.
    """
    namer = namer_for(fn)
    ops: list[Op] = list(fn.body.ops)
    structure = fn.result_structure()
    leaves = flatten_structure(structure)
    results = [fn.body.results[i] for _, i in leaves]
    if seed == "one":
        if isinstance(structure, tuple):
            raise DifferentiationError(
                f"grad needs a function with a scalar output, but {fn.name} returns a "
                "tuple; use vjp with a cotangent for each output, or jacobian"
            )
        if isinstance(results[0], Var):
            name = stem(namer, results[0].name)
            check, checked = emit_one(
                namer, "scalar_output", [results[0]], "value" if is_temporary(name) else name, ""
            )
            ops.append(check)
            results = [checked]
    body = Function(fn.name, fn.params, Block(ops=ops, results=results), freevars=fn.freevars)
    act = active(body, wrt)
    retaped = any(op.prim == "tape_new" for op in walk(body.body))
    rev = Adjoints(
        namer, act, fn.program, TapeInfo(body, act) if retaped else None, list_values(body)
    )
    sweep: list[Op] = []
    adj: dict[str, Value] = {}

    cot_params: list[str] = []
    seed_links: list[tuple[str, str]] = []
    pack = seed == "cotangent" and isinstance(structure, tuple) and packed
    if pack:
        packed_name = namer.fresh("bout")
        cot_params.append(packed_name)
    for (path, _), v in zip(leaves, results):
        vstem = stem(namer, v.name) if isinstance(v, Var) and not is_temporary(v.name) else "out"
        if seed == "one":
            seed_value: Value = Const(1.0)
        elif pack:
            seed_value = Var(packed_name)
            for k, index in enumerate(path):
                item, seed_value = emit_one(
                    namer,
                    "item",
                    [seed_value],
                    "b" + vstem if k == len(path) - 1 else "t",
                    "adjoint",
                    index=index,
                )
                sweep.append(item)
        else:
            c = namer.fresh("b" + vstem)
            cot_params.append(c)
            seed_value = Var(c)
        if isinstance(v, Var) and v.name in rev.act:
            rev.accumulate(adj, v.name, seed_value, sweep, None)
        if isinstance(v, Var) and isinstance(seed_value, Var):
            seed_links.append((seed_value.name, v.name))

    sweep.extend(rev.sweep(ops, adj))
    grads: list[Value] = []
    for p in wrt:
        g = adj.get(p)
        if g is None or isinstance(g, Const) and g.value == 0:
            zop, g = emit_one(namer, "zero", [Var(p)], "b" + stem(namer, p), "adjoint")
            sweep.append(zop)
        grads.append(g)
    grad_structure = tuple(range(len(grads))) if len(wrt) > 1 or as_tuple else 0
    if seed == "one":
        out_results = results + grads
        out_structure = (0, shift_structure(grad_structure, 1))
        name = fn.name + "_grad"
    else:
        out_results = grads
        out_structure = grad_structure
        name = fn.name + "_vjp"
    forward = rev.plan.apply(ops)
    mark_kept(ops, forward, dead_ops(body.body))  # it may raise: the VJP must too
    return Function(
        name=name,
        params=list(fn.params) + cot_params,
        body=Block(ops=forward + sweep, results=out_results),
        freevars=dict(fn.freevars),
        filename=fn.filename,
        doc=fn.doc,
        structure=out_structure,
        defaults=fn.defaults if seed == "one" else (),
        families=dict(namer.family),
        shape_links=fn.shape_links + rev.links + seed_links,
        program=fn.program,
    )


class Adjoints(AdjointState):
    """Builds the reverse sweep of one function: dispatches each op to its adjoint."""

    def sweep(self, ops: list[Op], adj: dict[str, Value]) -> list[Op]:
        out: list[Op] = create_adjoint_tapes(self, ops)
        for op in reversed(ops):
            if isinstance(op, If):
                out.extend(adjoint_if(self, op, adj))
            elif isinstance(op, Loop):
                out.extend(adjoint_loop(self, op, adj))
            elif op.prim == "call":
                out.extend(self.call(op, adj))
            elif op.prim == "tape_pop":
                out.extend(adjoint_pop(self, op, adj))
            elif op.prim == "tape_push":
                out.extend(adjoint_push(self, op, adj))
            elif op.prim != "tape_new":  # a tape's adjoint tape is made where needed
                out.extend(self.primitive(op, adj))
        return out

    def primitive(self, op: Op, adj: dict[str, Value]) -> list[Op]:
        """The adjoint of a straight-line op: its VJP rules, one per active operand."""
        out: list[Op] = []
        result = op.results[0] if op.results else None
        if result is None or result not in adj or result not in self.act:
            return out
        prim = PRIMITIVES[op.prim]
        for i in diff_positions(op):
            a = op.args[i]
            if not (isinstance(a, Var) and a.name in self.act):
                continue
            rule = prim.vjp_rule(i)
            g = adj[result]

            def build(b, rule=rule, g=g):
                return rule(
                    b.sym(g), b.sym(Var(result)), *[b.sym(x) for x in op.args], **attrs_of(op)
                )

            base = self.bname(a.name) if a.name not in adj else "t"
            new_ops, value = run_rule(self.namer, op.loc, base, "adjoint", build)
            out.extend(new_ops)
            self.accumulate(adj, a.name, value, out, op.loc)
        return out

    def call(self, op: Op, adj: dict[str, Value]) -> list[Op]:
        """``y = f(x)`` gets ``bx = f_vjp(x, by)`` in the reverse sweep.

        The callee's VJP runs the callee's forward sweep again itself, so the
        caller keeps nothing of the call on its own tape.
        """
        if not any(r in adj and r in self.act for r in op.results):
            return []
        active_at = [i for i, a in enumerate(op.args) if isinstance(a, Var) and a.name in self.act]
        if not active_at:
            return []
        args: list[Var] = [op.args[i] for i in active_at]  # type: ignore[misc]
        out: list[Op] = []
        callee = self.program.functions[op.attrs["fn"]]
        wrt = tuple(callee.params[i] for i in active_at)
        vjp_name = self.program.derivative(op.attrs["fn"], "vjp", wrt)
        cots = [adj[r] if r in adj else self.zero(Var(r), out) for r in op.results]
        grads = [self.namer.fresh(self.bname(a.name) if a.name not in adj else "t") for a in args]
        if len({a.name for a in args}) < len(args):
            grads = [self.namer.fresh("t") for _ in args]
        attrs = (
            {"fn": vjp_name, "structure": tuple(range(len(args)))}
            if len(args) > 1
            else {"fn": vjp_name}
        )
        out.append(Op(grads, "call", list(op.args) + cots, attrs, op.loc, tag="adjoint"))
        for a, g in zip(args, grads):
            self.accumulate(adj, a.name, Var(g), out, op.loc)
        return out
