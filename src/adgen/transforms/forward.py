"""Forward mode: carry a tangent next to every active value.

``forward(fn, wrt)`` returns a function of the primal parameters followed by
one tangent parameter per ``wrt`` parameter (named ``dx`` for ``x``), which
returns ``(value, tangent)`` with the structure of ``fn``'s result.
"""

from __future__ import annotations

from ..ir import Block, Const, Function, Op, Value, Var
from ..passes.activity import active, diff_positions
from ..primitives import PRIMITIVES
from .common import attrs_of, emit_one, namer_for, run_rule


def forward(fn: Function, wrt: list[str]) -> Function:
    """The tangent (JVP) function of ``fn`` with respect to the parameters ``wrt``."""
    namer = namer_for(fn)
    act = active(fn, wrt)
    tangent: dict[str, Value] = {}
    tparams = []
    for p in wrt:
        d = namer.fresh("d" + p)
        tparams.append(d)
        tangent[p] = Var(d)
    ops: list[Op] = []
    for op in fn.body.ops:
        ops.append(op)
        if not any(r in act for r in op.results):
            continue
        ops.extend(_tangent_ops(op, tangent, namer))
    results = list(fn.body.results)
    tresults: list[Value] = []
    for v in results:
        t = tangent.get(v.name) if isinstance(v, Var) else None
        if t is None or isinstance(t, Const):
            zop, t = emit_one(namer, "zeros_like", [v], "d" + _stem(v), "tangent")
            ops.append(zop)
        tresults.append(t)
    n = len(results)
    primal = fn.result_structure()
    tstruct = _shift(primal, n)
    return Function(
        name=fn.name + "_jvp",
        params=fn.params + tparams,
        body=Block(ops=ops, results=results + tresults),
        freevars=dict(fn.freevars),
        filename=fn.filename,
        doc=fn.doc,
        structure=(primal, tstruct),
    )


def _stem(v: Value) -> str:
    return v.name if isinstance(v, Var) else "out"


def _shift(structure: object, k: int) -> object:
    if isinstance(structure, tuple):
        return tuple(_shift(s, k) for s in structure)
    return structure + k  # type: ignore[operator]


def _tangent_ops(op: Op, tangent: dict[str, Value], namer) -> list[Op]:
    prim = PRIMITIVES[op.prim]
    positions = set(diff_positions(op))
    out = op.results[0]

    def rule(b):
        ts = [
            b.sym(tangent[a.name]) if i in positions and isinstance(a, Var) and a.name in tangent
            else None
            for i, a in enumerate(op.args)
        ]
        if all(t is None for t in ts):
            return None
        return prim.jvp(ts, b.sym(Var(out)), *[b.sym(a) for a in op.args], **attrs_of(op))

    new_ops, t = run_rule(namer, op.loc, "d" + out, "tangent", rule)
    if t is not None:
        tangent[out] = t
    return new_ops
