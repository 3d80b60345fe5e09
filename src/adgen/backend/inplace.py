"""Which indexed writes may change their array in place instead of copying it.

(``index_add`` always adds in place, into an accumulator the code owns;
:func:`basic_index_adds` says where it may be written ``acc[i] += g``.)

The IR's ``y1 = setitem(y, v, *index)`` is functional: a copy of ``y`` with
``y[index] = v``. Emitted as that copy, filling an array of n elements in a
loop costs O(n^2). The write may happen in place, ``y[index] = v``, when no
one can tell the difference:

- every allocation ``y`` may refer to was made by the generated code itself
  and is writable (:meth:`adgen.analysis.aliases.Aliases.owned`: not an
  argument, a free variable, a view of one, a read-only broadcast, or a value
  a tape will hand back to the reverse sweep);
- no value that may share memory with ``y`` (``y`` included) is read after
  the write, in program order, with a use inside a loop of a value defined
  outside it lasting to the loop's end (:class:`adgen.backend.naming.Liveness`).

Values defined after the write see the new contents, as they should: they
derive from ``y1``.
"""

from __future__ import annotations

from ..analysis.aliases import Aliases
from ..analysis.types import Types
from ..ir import Function, Var
from ..ir.util import walk
from .naming import Liveness


def inplace_writes(fn: Function, live: Liveness) -> set[int]:
    """The ids of the ``setitem`` ops of ``fn`` that may write in place."""
    aliases: Aliases | None = None
    out: set[int] = set()
    for op in walk(fn.body):
        if op.prim != "setitem" or not isinstance(op.args[0], Var):
            continue
        if aliases is None:
            aliases = Aliases(fn, Types(fn))
        base = op.args[0].name
        if not aliases.owned(base):
            continue
        roots = aliases.roots[base]
        pos, path = live.at[id(op)]
        if not any(
            v.pos <= pos
            and name not in op.results
            and aliases.roots.get(name, frozenset()) & roots
            and live.live_after(name, pos, path)
            for name, v in live.values.items()
        ):
            out.add(id(op))
    return out


def basic_index_adds(fn: Function) -> set[int]:
    """The ids of the ``index_add`` ops of ``fn`` whose index is basic (ints, slices,
    None: no position repeats), which may be written ``acc[index] += g``."""
    ops = [op for op in walk(fn.body) if op.prim == "index_add" and isinstance(op.args[0], Var)]
    if not ops:
        return set()
    types = Types(fn)
    out = set()
    for op in ops:
        parts, k = [], 2
        for kind in op.attrs.get("kinds", "v"):
            parts.append(None if kind == "s" else op.args[k])
            k += 3 if kind == "s" else 1
        if all(p is None or types.of(p).kind in ("int", "none") for p in parts):
            out.add(id(op))
    return out
