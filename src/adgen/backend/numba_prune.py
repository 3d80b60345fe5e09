"""Two rewrites of a derivative's IR before it is emitted for numba, where they pay.

1. A reshaping helper (``unbroadcast``, ``broadcast_like``, ...) applied to a
   scalar to bring it to the shape of another scalar is the identity: its
   uses read its operand instead. (The NumPy backend keeps them where the
   shape analysis cannot prove the shapes equal; a scalar's kind, see
   :mod:`adgen.backend.numba_types`, proves it.)
2. A tape slot whose popped value nothing reads any more (often one kept
   only for the shape a reshaping helper took from it) is no longer pushed:
   in compiled code a store to a tape costs about as much as the arithmetic.

(Also ``zeros_array`` is emitted as ``zeros_like``, which numba has.)

Both work on a copy: the IR a derivative keeps for higher derivatives is
left as it was.
"""

from __future__ import annotations

from ..ir import Block, Function, Value, Var, clone
from ..ir.util import count_uses, rename, substitute, walk
from ..primitives import PRIMITIVES
from .numba_types import Kinds

_SCALAR_KINDS = ("f", "i", "n", "b")


def _resolve(mapping: dict[str, Value]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name, v in mapping.items():
        while isinstance(v, Var) and v.name in mapping:
            v = mapping[v.name]
        out[name] = v
    return out


def _drop_reshapers(block: Block, kinds: Kinds, mapping: dict[str, Value]) -> None:
    kept = []
    for op in block.ops:
        for inner in op.blocks:
            _drop_reshapers(inner, kinds, mapping)
        prim = PRIMITIVES[op.prim]
        args = op.args
        if (
            prim.reshaper
            and len(op.results) == 1
            and len(args) == 2
            and all(isinstance(a, Var) and kinds.get(a.name) in _SCALAR_KINDS for a in args)
        ):
            mapping[op.results[0]] = args[0]
            kinds[op.results[0]] = kinds[args[0].name]  # type: ignore[union-attr]
            continue
        kept.append(op)
    block.ops = kept


def _prune_tapes(fn: Function, plain: set[str]) -> None:
    uses = count_uses(fn.body)
    pushes: dict[str, list] = {}
    pops: dict[str, list] = {}
    for op in walk(fn.body):
        if (
            op.prim in ("tape_push", "tape_pop")
            and isinstance(op.args[0], Var)
            and op.args[0].name in plain
        ):
            (pushes if op.prim == "tape_push" else pops).setdefault(op.args[0].name, []).append(op)
    for tape, push_ops in pushes.items():
        pop_ops = pops.get(tape, [])
        if len(push_ops) != 1:
            continue
        (push,) = push_ops
        n = len(push.args) - 1
        if any(len(p.results) != n for p in pop_ops):
            continue
        keep = [k for k in range(n) if any(uses[p.results[k]] for p in pop_ops)]
        if len(keep) == n:
            continue
        push.args = [push.args[0], *(push.args[1 + k] for k in keep)]
        for p in pop_ops:
            p.results = [p.results[k] for k in keep]


def prepare(fn: Function, kinds: Kinds, plain: set[str]) -> Function:
    """A copy of ``fn`` with the two rewrites of the module doc applied (``kinds``
    is updated for the copy; ``plain`` are the tapes whose pushes and pops are
    all in ``fn``)."""
    fn = clone(fn)
    for op in walk(fn.body):
        if op.prim == "zeros_array":
            # np.result_type has no numba version; numba's zeros_like gives the same
            # zeros for the real arrays numba is given (see backend.numba_runtime).
            op.prim, op.attrs = "zero", {}  # (a known shape attribute is the NumPy emitter's)
    mapping: dict[str, Value] = {}
    _drop_reshapers(fn.body, kinds, mapping)
    mapping = _resolve(mapping)
    rename(fn.body.ops, mapping)
    fn.body.results = [substitute(v, mapping) for v in fn.body.results]
    _prune_tapes(fn, plain)
    return fn
