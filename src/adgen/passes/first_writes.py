"""An addition into zeros at a position nothing else writes is a write: ``acc[i] = g``.

Contract: in the body of a ``for_range`` whose start and step the shape analysis
knows (start >= 0, step >= 1, so every iteration's index is a distinct
position), a carried accumulator whose initial value is ``zeros_array(...)``
and whose body parameter has one use, ``index_add(acc, g, i)`` with ``i`` the
loop index (a basic integer index) and the result as the slot's next value,
becomes ``setitem(acc, g, i)``: position ``i`` still holds the zero it was
made with, and ``0 + g`` is ``g``. The backend writes it in place as it does
``index_add`` (the accumulator is memory the generated code made), so the
reverse sweep of ``y = y + x[t] * c`` in a loop reads nothing back from the
accumulator, as a hand-written ``g[t] = ...`` does not.

Also: a slot whose final value nothing reads, read in the loop only at the loop
index and written there (``by[i] = 0.0`` after reading ``by[i]``), passes its
value on unchanged instead: no later iteration reads that position.

Before::

    bx = zeros_array(x)
    bx2 = for_range(0, n, 1, bx, reverse=True)
      body(i, bx1):
        bx3 = index_add(bx1, g, i)
        yield bx3

After::

        bx3 = setitem(bx1, g, i)
"""

from __future__ import annotations

from ..analysis.types import Types
from ..ir import Block, ForRange, Function, Op, Var
from ..ir.util import count_uses, walk


def run(fn: Function) -> Function:
    """Turn the index_adds described above into setitems."""
    loops = [op for op in walk(fn.body) if isinstance(op, ForRange)]
    if not any(o.prim in ("index_add", "setitem") for loop in loops for o in loop.body.ops):
        return fn
    types = Types(fn)
    uses = count_uses(fn.body)
    defs = {r: op for op in walk(fn.body) for r in op.results}
    for loop in loops:
        if _distinct(loop, types):
            _loop(loop, uses, defs)
    return fn


def _distinct(loop: ForRange, types: Types) -> bool:
    """Whether the loop's indices are distinct positions (no negative index wraps around)."""
    start, _, step = (types.of(b).value for b in loop.bounds)
    return isinstance(start, int) and isinstance(step, int) and start >= 0 and step >= 1


def _loop(loop: ForRange, uses: dict[str, int], defs: dict[str, Op]) -> None:
    body: Block = loop.body
    index = body.params[0]
    carried = body.params[1:]
    inits = loop.args[3 : 3 + len(carried)]
    for k, param in enumerate(carried):
        _unread_write(loop, k, param, uses)
    for k, (param, init) in enumerate(zip(carried, inits)):
        made = defs.get(init.name) if isinstance(init, Var) else None
        if made is None or made.prim != "zeros_array" or uses.get(param, 0) != 1:
            continue
        nxt = body.results[k]
        op = next((o for o in body.ops if o.results == [getattr(nxt, "name", None)]), None)
        if (
            op is not None
            and op.prim == "index_add"
            and op.args[0] == Var(param)
            and op.args[2:] == [Var(index)]
            and op.attrs.get("kinds", "v") == "v"
        ):
            op.prim = "setitem"


def _unread_write(loop: ForRange, k: int, param: str, uses: dict[str, int]) -> None:
    """Drop ``acc[i] = v`` from slot ``k`` when nothing reads ``acc`` but ``acc[i]`` in the
    loop and nothing reads it after: later iterations read other positions only."""
    body = loop.body
    index = Var(body.params[0])
    nxt = body.results[k]
    if uses.get(loop.results[k], 0) or not isinstance(nxt, Var):
        return
    readers = [o for o in body.ops if Var(param) in o.args]
    write = next((o for o in readers if o.results == [nxt.name]), None)
    if (
        write is None
        or write.prim != "setitem"
        or write.args[0] != Var(param)
        or write.args[2:] != [index]
        or uses.get(nxt.name, 0) != 1
        or uses.get(param, 0) != len(readers)  # no reads in nested blocks
        or any(
            o is not write
            and (o.prim != "getitem" or o.args[1:] != [index] or o.args[0] != Var(param))
            for o in readers
        )
        or any(o.attrs.get("kinds", "v") != "v" for o in readers)
    ):
        return
    body.results[k] = Var(param)  # the slot now passes its value on unchanged
