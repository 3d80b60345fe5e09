"""Reverse mode: a forward sweep, then a reverse sweep that accumulates adjoints.

``reverse(fn, wrt, seed)`` returns a function of the primal parameters that
computes ``fn``'s ops (the forward sweep), then, walking them backwards, the
adjoint ``bx`` of every active value ``x`` (the reverse sweep), and returns the
adjoints of the ``wrt`` parameters. With ``seed="cotangent"`` it takes one more
parameter, the cotangent of the result (a VJP); with ``seed="one"`` the result
must be a scalar and is seeded with 1 (a gradient), and the function returns
``(value, gradient)``.
"""

from __future__ import annotations

import re
from typing import Literal

from ..errors import DifferentiationError
from ..ir import Block, Const, Function, Namer, Op, Value, Var, flatten_structure
from ..passes.activity import active, diff_positions
from ..primitives import PRIMITIVES
from .common import attrs_of, emit_one, namer_for, run_rule


def reverse(fn: Function, wrt: list[str], seed: Literal["cotangent", "one"],
            as_tuple: bool = False) -> Function:
    """The adjoint (VJP or gradient) function of ``fn`` with respect to ``wrt``.

    The gradients come back as a tuple if there are several or ``as_tuple``.
    """
    namer = namer_for(fn)
    ops: list[Op] = list(fn.body.ops)
    structure = fn.result_structure()
    leaves = flatten_structure(structure)
    results = [fn.body.results[i] for _, i in leaves]
    params = list(fn.params)
    if seed == "one":
        if isinstance(structure, tuple):
            raise DifferentiationError(
                f"grad needs a function with a scalar output, but {fn.name} returns a "
                "tuple; use vjp with a cotangent for each output, or jacobian"
            )
        if isinstance(results[0], Var):
            check, checked = emit_one(namer, "scalar_output", [results[0]],
                                      _output_name(results[0].name), "")
            check.loc = ops[-1].loc if ops else None
            ops.append(check)
            results = [checked]
    body = Function(fn.name, fn.params, Block(ops=ops, results=results), freevars=fn.freevars)
    act = active(body, wrt)
    adj: dict[str, Value] = {}
    sweep: list[Op] = []

    def accumulate(name: str, new_ops: list[Op], value: Value | None) -> None:
        sweep.extend(new_ops)
        if value is None:
            return
        if name not in adj:
            adj[name] = value
            return
        op, total = emit_one(namer, "add", [adj[name], value], "b" + name, "adjoint",
                             new_ops[-1].loc if new_ops else None)
        sweep.append(op)
        adj[name] = total

    cot_params: list[str] = []
    if seed == "cotangent" and isinstance(structure, tuple):
        packed = namer.fresh("bout")
        cot_params.append(packed)
    for (path, _), v in zip(leaves, results):
        stem = v.name if isinstance(v, Var) and not _TEMP.match(v.name) else "out"
        if seed == "one":
            seed_value: Value = Const(1.0)
        elif isinstance(structure, tuple):
            seed_value = Var(packed)
            for k, index in enumerate(path):
                item, seed_value = emit_one(
                    namer, "item", [seed_value], "b" + stem if k == len(path) - 1 else "t",
                    "adjoint", index=index)
                sweep.append(item)
        else:
            c = namer.fresh("b" + stem)
            cot_params.append(c)
            seed_value = Var(c)
        if isinstance(v, Var) and v.name in act:
            accumulate(v.name, [], seed_value)

    for op in reversed(ops):
        out = op.results[0]
        if out not in adj or out not in act:
            continue
        for i in diff_positions(op):
            a = op.args[i]
            if isinstance(a, Var) and a.name in act:
                new_ops, value = _adjoint_ops(op, i, adj[out], namer, first=a.name not in adj)
                accumulate(a.name, new_ops, value)

    grads: list[Value] = []
    for p in wrt:
        g = adj.get(p)
        if g is None or isinstance(g, Const) and g.value == 0:
            zop, g = emit_one(namer, "zeros_like", [Var(p)], "b" + p, "adjoint")
            sweep.append(zop)
        grads.append(g)
    grad_structure = tuple(range(len(grads))) if len(wrt) > 1 or as_tuple else 0
    if seed == "one":
        out_results = results + grads
        out_structure = (0, _shift(grad_structure, 1))
        name = fn.name + "_grad"
    else:
        out_results = grads
        out_structure = grad_structure
        name = fn.name + "_vjp"
    return Function(
        name=name,
        params=params + cot_params,
        body=Block(ops=ops + sweep, results=out_results),
        freevars=dict(fn.freevars),
        filename=fn.filename,
        doc=fn.doc,
        structure=out_structure,
        defaults=fn.defaults if seed == "one" else (),
    )


_TEMP = re.compile(r"^t\d+(_\d+)?$")


def _output_name(name: str) -> str:
    """The name of a checked scalar output: the user's name, else ``value``."""
    return "value" if _TEMP.match(name) else name


def _shift(structure: object, k: int) -> object:
    if isinstance(structure, tuple):
        return tuple(_shift(s, k) for s in structure)
    return structure + k  # type: ignore[operator]


def _adjoint_ops(op: Op, i: int, g: Value, namer: Namer, first: bool) -> tuple[
        list[Op], Value | None]:
    prim = PRIMITIVES[op.prim]
    rule = prim.vjp_rule(i)
    a = op.args[i]
    base = "b" + a.name if first else "t"  # type: ignore[union-attr]

    def build(b):
        return rule(b.sym(g), b.sym(Var(op.results[0])), *[b.sym(x) for x in op.args],
                    **attrs_of(op))

    return run_rule(namer, op.loc, base, "adjoint", build)
