"""A loop's adjoint accumulator adds in place: ``bW[:] += h.T @ g``, not ``bW = bW + ...``.

Contract: in the body of a ``for_range``, a carried slot whose initial value is
``zeros_array(...)`` (memory the generated code made) and whose body parameter
has one use, ``add(acc, g)`` yielded as the slot's next value, becomes
``index_add(acc, g, :)`` when the shape analysis knows that ``acc`` is an array
of at least one axis and that the sum has ``acc``'s shape (``g`` adds into it
as it is, or broadcast). The backend writes it ``acc[:] += g``: the same
additions, without a new array per iteration.

Before::

    bW = zeros_array(W)
    bW2 = for_range(0, n, 1, bW, reverse=True)
      body(t, bW1):
        t9 = matmul(t8, g)
        bW3 = add(bW1, t9)
        yield bW3

After::

        bW3 = index_add(bW1, t9, None, None, None, kinds='s')
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Const, ForRange, Function, Var
from ..ir.util import count_uses, walk

_ALL = (Const(None), Const(None), Const(None))  # the slice ``:``


def run(fn: Function) -> Function:
    """Make the accumulations described above add in place."""
    loops = [op for op in walk(fn.body) if isinstance(op, ForRange)]
    if not loops:
        return fn
    types: Types | None = None
    uses = count_uses(fn.body)
    defs = {r: op for op in walk(fn.body) for r in op.results}
    for loop in loops:
        body = loop.body
        carried = body.params[1:]
        for k, (param, init) in enumerate(zip(carried, loop.args[3 : 3 + len(carried)])):
            made = defs.get(init.name) if isinstance(init, Var) else None
            nxt = body.results[k]
            if made is None or made.prim != "zeros_array" or uses.get(param, 0) != 1:
                continue
            op = next((o for o in body.ops if o.results == [getattr(nxt, "name", None)]), None)
            if op is None or op.prim != "add" or Var(param) not in op.args:
                continue
            types = types or Types(fn)
            acc = types.of(Var(param))
            if (
                acc.kind != "array"
                or not acc.shape
                or not acc.known
                or types.of(Var(op.results[0])) != acc
            ):
                continue
            g = op.args[1] if op.args[0] == Var(param) else op.args[0]
            op.prim, op.args, op.attrs = "index_add", [Var(param), g, *_ALL], {"kinds": "s"}
    return fn
