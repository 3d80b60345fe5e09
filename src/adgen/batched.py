"""Batched JVPs and VJPs: a stack of tangents (or cotangents) pushed through one call.

:class:`Batched` wraps a JVP or VJP :class:`~adgen.calling.Derivative`. Called
with directions stacked along a new leading axis (``B`` of them), it returns
what ``B`` calls of the derivative would, stacked the same way, from one call
of a generated function whose tangents (or cotangent) carry that axis (see
:mod:`adgen.transforms.batching`). Where that function cannot be made (a
branch on a tangent, a call of a helper function, the numba backend,
container arguments, ...) it makes the ``B`` calls instead: the numbers are
the same either way, and :data:`FALLBACKS` counts why each fallback happened.

This is what ``adgen.jvp(f, batched=True)``, ``adgen.vjp(f, batched=True)``,
``jacobian`` and ``hessian`` use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import cache, call_checks, trees
from .arguments import check_value
from .calling import Derivative
from .errors import DifferentiationError
from .fastpath import signature as _shapes
from .frontend.introspection import type_keys
from .transforms.batching import NotBatchable

#: Why batched calls fell back on one call per direction: the construct or primitive
#: named by :class:`~adgen.transforms.batching.NotBatchable`, or the reason in words.
FALLBACKS: Counter[str] = Counter()


def _leafwise(fn: Any, x: Any) -> Any:
    """``x`` with each leaf ``l`` (through any container, see adgen.trees) made ``fn(l)``."""
    tree = trees.tree_of(x)
    return trees.build(tree, iter(fn(leaf) for leaf in trees.leaves(x, tree)))


def _stack(rows: list[Any], like: Any) -> Any:
    """Results of one call per direction, stacked leaf by leaf (containers stay so)."""
    tree = trees.tree_of(like)
    columns = zip(*(trees.leaves(r, tree) for r in rows), strict=True)
    return trees.build(tree, iter(np.stack([np.asarray(c) for c in col]) for col in columns))


def _row(t: Any, i: int) -> Any:
    """Direction ``i`` of a stack of them (leaf by leaf through containers)."""
    return _leafwise(lambda leaf: leaf[i], t)


def _length(t: Any) -> int | None:
    """The length of the batch axis of a stack of directions (None if it has none)."""
    sizes = {
        np.shape(leaf)[0] if np.ndim(leaf) else None for leaf in trees.leaves(t, trees.tree_of(t))
    }
    return sizes.pop() if len(sizes) == 1 else None


def _spread(t: Any, like: Any, n: int) -> Any:
    """A batched result made whole: a leaf without the batch axis (a derivative that
    does not depend on the directions, hence zero) repeated along it."""
    if isinstance(like, dict):
        return {k: _spread(t[k], v, n) for k, v in like.items()}
    if isinstance(like, (tuple, list)):
        return type(like)(_spread(a, b, n) for a, b in zip(t, like))
    t = np.asarray(t)
    if t.ndim == np.ndim(like):
        return np.array(np.broadcast_to(t, (n, *t.shape)))
    return t


def _stack_empty(like: Any) -> Any:
    return _leafwise(lambda x: np.zeros((0, *np.shape(x)), dtype=np.result_type(x, 1.0)), like)


class Batched:
    """A JVP or VJP that takes its tangents (or cotangent) with a leading batch axis."""

    def __init__(self, d: Derivative) -> None:
        if d.kind not in ("jvp", "vjp"):
            raise ValueError(d.kind)
        self.d = d
        self.primal = d.primal
        self.kind = d.kind
        self.__name__ = d.__name__ + "_batched"
        # Shapes for which the batched function cannot be made: take the loop at once.
        self._refused: set[Any] = set()

    @property
    def source(self) -> str:
        """The generated source of the unbatched derivative (the batched one is made
        for the shapes of a call: see :meth:`batched_source`)."""
        return self.d.source

    def batched_source(self, *args: Any) -> str | None:
        """The source of the batched function for a call with ``args`` (None if the
        call falls back on one call per direction)."""
        entry = self._entry(*self._split(args))
        return None if entry is None else entry.source

    def __call__(self, *args: Any) -> Any:
        primals, directions = self._split(args)
        return self.call(primals, directions)

    def _split(self, args: Sequence[Any]) -> tuple[tuple[Any, ...], list[Any]]:
        n = 1 if self.kind == "vjp" else len(self.d.wrt_names)
        if len(args) < n:
            raise DifferentiationError(
                f"{self.__name__} takes the arguments of {self.d._fname}, then "
                f"{'the cotangents' if self.kind == 'vjp' else 'one stack of tangents per wrt'}"
                " argument, each with a leading batch axis"
            )
        return tuple(args[: len(args) - n]), list(args[len(args) - n :])

    def call(self, primals: tuple[Any, ...], directions: list[Any]) -> Any:
        """The derivative for each direction, stacked (see the module doc)."""
        sizes = {_length(t) for t in directions}
        if len(sizes) != 1 or None in sizes:
            raise DifferentiationError(
                f"{self.__name__}: every stack of directions needs the same leading batch "
                "axis (the number of directions)"
            )
        (n,) = sizes
        if n and self.kind == "jvp":  # each direction shaped like its argument, as jvp's
            full = (*self.d._lead, *primals)
            for name, pos, t in zip(self.d.wrt_names, self.d.wrt_positions, directions):
                if pos < len(full) and not trees.is_container(t):
                    call_checks.check_tangent(self.d, name, _row(t, 0), full[pos])
        out = self._batched(primals, directions, n) if n else None
        return self._loop(primals, directions, n) if out is None else out

    # ------------------------------------------------------------ paths
    def _loop(self, primals: tuple[Any, ...], directions: list[Any], n: int) -> Any:
        d = self.d
        if n == 0:
            zeros = [_zeros_row(t) for t in directions]
            one = d(*primals, *zeros)
            rows: list[Any] = []
        else:
            rows = [d(*primals, *(_row(t, i) for t in directions)) for i in range(n)]
            one = rows[0]
        if self.kind == "vjp":
            if n == 0:
                return _stack_empty(one)
            return _stack(rows, one)
        value, tangent = one
        if n == 0:
            return value, _stack_empty(tangent)
        return value, _stack([r[1] for r in rows], tangent)

    def raw(self, primals: tuple[Any, ...], directions: list[Any], extra: int) -> Any:
        """One call of the batched function of a JVP whose last ``extra`` primal
        arguments carry the batch axis too (tangents of the JVP it differentiates),
        its output as computed: a result that does not depend on the batched
        arguments comes without the axis. None (the reason counted in
        :data:`FALLBACKS`) where that function cannot be made."""
        d = self.d
        entry = self._entry(primals, directions, extra)
        if entry is None:
            return None
        full = [*d._lead, *primals]
        func = cache.function_for(entry, d._func)
        d._last = entry
        try:
            return func(*full, *directions)
        except Exception as exc:
            d._fail(exc)
            raise

    def _entry(
        self, primals: tuple[Any, ...], directions: list[Any], extra: int = 0
    ) -> cache.Compiled | None:
        d = self.d
        full = (*d._lead, *primals)
        shapes = _shapes(full)
        if extra and shapes is not None:  # one example of each batched argument
            shapes = (*shapes[: len(shapes) - extra], *_shapes([a[0] for a in full[-extra:]]))
        why = None
        if d._backend:
            why = "a backend other than NumPy's"
        elif d.has_aux or d._keywords or not d._plain_signature():
            why = "has_aux, keywords or *args"
        elif shapes is None or any(s is None or s == "tree" for s in shapes):
            why = "arguments other than numbers and arrays"
        elif any(trees.is_container(t) for t in directions):
            why = "container tangents"
        if why is not None:
            FALLBACKS[why] += 1
            return None
        key = shapes + tuple(np.shape(t)[1:] for t in directions)
        if (key, extra) in self._refused:
            return None
        try:
            entry = cache.get(
                d._func,
                d._ir_kind,
                d.wrt_names,
                d.wrt_tuple,
                shapes=key,
                types=type_keys(full),
                batched=True,
                batched_with=extra,
            )
        except NotBatchable as exc:
            FALLBACKS[exc.what] += 1
            self._refused.add((key, extra))
            return None
        if entry.result_tree is not None or (
            self.kind == "vjp" and not isinstance(entry.result_structure, int)
        ):
            FALLBACKS["lists, dicts or tuples in the result"] += 1
            self._refused.add((key, extra))
            return None
        return entry

    def _batched(self, primals: tuple[Any, ...], directions: list[Any], n: int) -> Any:
        d = self.d
        entry = self._entry(primals, directions)
        if entry is None:
            return None
        full = [*d._lead, *primals]
        d._check_args(full, {})
        if self.kind == "vjp":  # one direction stands for all: they share the shape
            call_checks.check_cotangent_shapes(d, entry, full, _row(directions[0], 0))
        directions = [np.asarray(t, dtype=np.result_type(t, 1.0)) for t in directions]
        func = cache.function_for(entry, d._func)
        d._last = entry
        try:
            out = func(*full, *directions)
        except Exception as exc:
            d._fail(exc)
            raise
        if self.kind == "jvp":
            value, tangent = out
            check_value(d._fname, value)
            return value, _spread(tangent, value, n)
        grads = out if d.wrt_tuple else (out,)
        fixed = []
        for g, p in zip(grads, d.wrt_positions):
            x = full[p]
            g = _spread(g, x, n)
            if np.shape(g) != (n, *np.shape(x)):
                raise DifferentiationError(
                    f"vjp: the gradient for {d.wrt_names[len(fixed)]!r} came out of shape "
                    f"{np.shape(g)[1:]} per direction, but it has shape {np.shape(x)}: each "
                    f"cotangent must have the shape of {d._fname}'s result"
                )
            dtype = np.asarray(x).dtype
            fixed.append(g.astype(dtype) if dtype.kind == "f" and g.dtype != dtype else g)
        return tuple(fixed) if d.wrt_tuple else fixed[0]


def _zeros_row(t: Any) -> Any:
    """One zero direction shaped like an example of the (empty) stack ``t``."""
    if isinstance(t, dict):
        return {k: _zeros_row(v) for k, v in t.items()}
    if isinstance(t, (tuple, list)):
        return type(t)(_zeros_row(v) for v in t)
    return np.zeros(np.shape(t)[1:])
