"""Jacobians and Hessians as derivative objects that can be differentiated again.

A :class:`Jacobian` is the tensor of derivatives of a base function ``g`` (the
user's function, or a derivative adgen generated, such as ``grad(f)`` for a
Hessian) with respect to the arguments of each *level*: ``levels == ((p,),
(q, r))`` means ``d/d(x_q, x_r) d/dx_p g``. A level holds the positions of one
``wrt``; one given as a tuple (``tupled``) gives a tuple of blocks, one per
argument, as JAX does, so ``jacobian(f, wrt=(0, 1))`` is ``(J_0, J_1)`` and
``hessian(f, wrt=(0, 1))`` is ``((H_00, H_01), (H_10, H_11))``; a base that
returns a tuple (``grad`` with a tuple ``wrt``) adds the outermost index.

It is computed from nested JVPs, ``h_1 = jvp(g, wrt=level_1)``, ``h_2 =
jvp(h_1, wrt=level_2)``, ..., each compiled by adgen, evaluated at every
combination of unit tangents of the outer levels, the last level's unit
tangents (of all its arguments together) pushed as one batch
(:mod:`adgen.batched`): exact, and one call for a Jacobian or a Hessian.
Differentiating a Jacobian adds a level: ``jacobian(hessian(f))`` is ``g =
grad(f)`` with two levels, ``grad(jacobian(f))`` (of a scalar Jacobian)
likewise, so nothing is ever approximated. The first level of a ``jacobian``
made by the user may run in reverse mode instead (one batch of VJPs, one per
output element) when that is cheaper.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import blocks
from .applied import Applied
from .arguments import check_differentiable
from .batched import FALLBACKS, Batched
from .calling import Derivative, WrtSpec, normalize_wrt, param_names
from .composed_trees import evaluate_tree
from .errors import DifferentiationError
from .frontend.introspection import type_keys
from .highlight import to_html
from .tracebacks import boundary
from .trees import is_container

Level = tuple[int, ...]

#: The most elements (directions x elements of the arguments) a Jacobian of several
#: levels pushes as one batch of all its levels' unit tangents; larger ones batch the
#: last level only and loop over the others.
_ALL_BATCHED_LIMIT = 1 << 22


def basis(x: Any) -> Iterator[Any]:
    """Unit tangents for ``x``, one per element, each shaped like ``x`` (and of its
    floating dtype, so float32 stays float32)."""
    for i in range(int(np.size(x))):
        yield blocks.unit([x], i)[0]


def _top(out: Any, depth: int, k: int = 1) -> Any:
    for _ in range(depth):
        out = out[k]
    return out


def _wrt(level: Level, tupled: bool) -> int | Level:
    return level if tupled or len(level) > 1 else level[0]


class Jacobian:
    """Derivatives of ``base`` with respect to the arguments of each level, stacked:
    a block has shape ``out.shape + x_1.shape + x_2.shape ...`` (one ``x`` per level).

    ``mode`` applies to a one-level Jacobian (``"forward"``, ``"reverse"`` or
    ``"auto"``); deeper ones are forward over whatever ``base`` is. ``scalar``
    says it was asked for as a gradient (of a scalar): the Jacobian before its last
    ``scalar`` levels must be a scalar.
    """

    def __init__(
        self,
        base: Callable[..., Any],
        levels: tuple[Level, ...],
        tupled: tuple[bool, ...] | None = None,
        mode: str = "forward",
        name: str = "jacobian",
        scalar: int = 0,
        how: dict[str, Any] | None = None,
    ) -> None:
        self.base = base
        # The backend keywords of each Derivative it makes (see adgen.api._backend).
        self.how = how or {}
        self.levels = levels
        self.tupled = tupled if tupled is not None else (False,) * len(levels)
        self.mode = mode
        self.scalar = scalar  # levels added by grad (1) or hessian (2) of a scalar
        self.primal = getattr(base, "primal", base)
        self._params = param_names(base)
        self._adgen_params = self._params
        self.__name__ = f"{getattr(self.primal, '__name__', 'f')}_{name}"
        self.__qualname__ = self.__name__
        self.__doc__ = f"The {name} of {getattr(self.primal, '__name__', 'f')} (adgen)."
        self._nested: list[Derivative] = []
        self._vjp: Derivative | None = None
        self._batched_h: Batched | None = None
        self._batched_rev: Batched | None = None

    # ----------------------------------------------------------- pieces
    def _jvp(self, depth: int) -> Derivative:
        """``h_depth``: the JVP nested ``depth`` times over the base."""
        while len(self._nested) < depth:
            inner = self._nested[-1] if self._nested else self.base
            k = len(self._nested)
            wrt = _wrt(self.levels[k], self.tupled[k])
            self._nested.append(Derivative(inner, "jvp", wrt, **self.how))
        return self._nested[depth - 1]

    def _reverse(self) -> Derivative:
        if self._vjp is None:
            wrt = _wrt(self.levels[0], self.tupled[0])
            self._vjp = Derivative(self.base, "vjp", wrt, **self.how)
        return self._vjp

    @property
    def source(self) -> str:
        """The generated source this Jacobian calls (batched over unit tangents)."""
        if len(self.levels) == 1 and self.mode == "reverse":
            return self._reverse().source
        return self._jvp(len(self.levels)).source

    def _repr_html_(self) -> str:
        return to_html(self.source)

    def __repr__(self) -> str:
        wrt = "; ".join(", ".join(self._params[p] for p in level) for level in self.levels)
        return f"<adgen {self.__name__} of {getattr(self.primal, '__qualname__', '?')!r} wrt {wrt}>"

    # ------------------------------------------------------------ calls
    @boundary
    def __call__(self, *args: Any) -> Any:
        return self.evaluate(args)

    def _groups(self, args: tuple[Any, ...]) -> list[list[Any]]:
        """The arguments of each level, checked to be differentiable."""
        if len(args) != len(self._params):
            raise DifferentiationError(
                f"{self.__name__} takes {len(self._params)} argument(s) "
                f"({', '.join(self._params)}), not {len(args)}"
            )
        for level in self.levels:
            for p in level:
                check_differentiable(self._params[p], args[p])
        return [[args[p] for p in level] for level in self.levels]

    def evaluate(self, args: tuple[Any, ...], last: Sequence[Any] | None = None) -> Any:
        """The Jacobian at ``args``; with ``last`` (one tangent per argument of the last
        level), that level contracted with it instead of stacked over unit tangents
        (a JVP of the level before). Containers as arguments or results: see
        :mod:`adgen.composed_trees`."""
        if self.tree_route(args):
            return evaluate_tree(self, args, last, basis)
        groups = self._groups(args)
        if len(self.levels) == 1 and last is None:
            out = self._reverse_value(args, groups[0])
            if out is not None:
                return self._rows(args, groups[0], out)
        depth = len(self.levels)
        h = self._jvp(depth)
        value, tops = None, None
        if last is None and depth > 1:
            value, tops = self._all_batched(h, args, groups)
        if tops is None:
            value, tops = self._per_combo(h, args, groups, last)
        values, out_tupled = blocks.outputs(value, self.__name__)
        kept = groups if last is None else groups[:-1]
        tupled = self.tupled[: len(kept)]
        self._check_scalar(values, out_tupled, groups)
        # A derivative has the precision of the value and the inputs (float32 stays so);
        # a gradient's value has its input's (adgen.grad conforms it).
        of_grad = isinstance(self.base, Derivative) and self.base.kind == "grad"
        x_dtypes = [np.asarray(x).dtype for xs in groups for x in xs]
        sizes = tuple(blocks.size(xs) for xs in kept)
        results = []
        for o, v in enumerate(values):
            dtype = np.result_type(*(() if of_grad else (np.asarray(v).dtype,)), *x_dtypes)
            shape = np.shape(v)
            if tops:
                full = tops[o].reshape(sizes + shape)
                full = np.moveaxis(full, range(len(sizes)), range(-len(sizes), 0))
            else:
                full = np.zeros(shape + sizes, dtype=dtype)
            if dtype.kind in "fc" and full.dtype != dtype:
                full = full.astype(dtype)
            results.append(blocks.split(np.ascontiguousarray(full), kept, tupled))
        return tuple(results) if out_tupled else results[0]

    def tree_route(self, args: tuple[Any, ...]) -> bool:
        """Whether the Jacobian at ``args`` has containers as arguments at its levels or
        as its result (and is evaluated by adgen.composed_trees)."""
        return len(args) == len(self._params) and (
            any(is_container(args[p]) for level in self.levels for p in level)
            or self._container_result(args)
        )

    def _container_result(self, args: tuple[Any, ...]) -> bool:
        """Whether the function differentiated returns a list, dict, class instance or
        nested tuples (from its compiled JVP; see adgen.composed_trees); a flat tuple of
        arrays is a tuple of blocks, batched as one array is."""
        try:
            entry = self._jvp(len(self.levels)).compiled(type_keys(args))
        except DifferentiationError:
            return False  # the usual path says why
        primal = entry.result_structure  # of what h differentiates: (value, tangent)...
        for _ in self.levels[1:]:
            primal = primal[0]
        nested = isinstance(primal, tuple) and any(isinstance(v, tuple) for v in primal)
        return entry.result_tree is not None or nested

    def _per_combo(
        self, h: Derivative, args: tuple[Any, ...], groups: list[list[Any]], last: Any
    ) -> tuple[Any, list[np.ndarray] | None]:
        """The base's value, and for each output the top derivatives stacked along one
        axis (outer levels' combinations of unit tangents, then the last level's, the
        last fastest; None if there are none): one call of ``h`` per combination of the
        outer levels' unit tangents, the last level's batched (or contracted with
        ``last``)."""
        depth = len(self.levels)
        outer = groups[:-1]
        combos = list(itertools.product(*(range(blocks.size(xs)) for xs in outer)))
        if last is None and not blocks.size(groups[-1]):
            combos = []
        tops: list[list[Any]] = []
        value = None
        for combo in combos:
            tangents = [t for xs, i in zip(outer, combo) for t in blocks.unit(xs, i)]
            if last is None:
                value, tangent = self._batched_jvp(h).call(
                    (*args, *tangents), blocks.units(groups[-1])
                )
            else:
                value, tangent = h(*args, *tangents, *last)
            tops.append(blocks.outputs(_top(tangent, depth - 1), self.__name__)[0])
        if not combos:
            return self.base(*args), None
        value = _top(value, depth - 1, 0)
        each = (blocks.size(groups[-1]),) if last is None else ()
        stacked = []
        for o, v in enumerate(blocks.outputs(value, self.__name__)[0]):
            shape = np.shape(v)
            rows = [np.broadcast_to(np.asarray(t[o]), each + shape) for t in tops]
            stacked.append(np.stack(rows).reshape((len(rows) * math.prod(each), *shape)))
        return value, stacked

    def _all_batched(
        self, h: Derivative, args: tuple[Any, ...], groups: list[list[Any]]
    ) -> tuple[Any, list[np.ndarray] | None]:
        """What :meth:`_per_combo` gives, from one call: the unit tangents of every level
        stacked along one batch axis of all their combinations (the inner JVPs'
        tangents batched too, see :meth:`adgen.batched.Batched.raw`). (None, None) where
        that cannot be (too large a batch, or a function that cannot be batched)."""
        sizes = tuple(blocks.size(xs) for xs in groups)
        n = math.prod(sizes)
        if not n or n * max(1, blocks.size(args)) > _ALL_BATCHED_LIMIT:
            return None, None
        index = np.unravel_index(np.arange(n), sizes)
        stacks = [[u[index[k]] for u in blocks.units(xs)] for k, xs in enumerate(groups)]
        extra = sum(len(level) for level in self.levels[:-1])
        inner = [t for st in stacks[:-1] for t in st]
        out = self._batched_jvp(h).raw((*args, *inner), stacks[-1], extra)
        if out is None:
            return None, None
        depth = len(self.levels)
        value, tangent = out
        value = _top(value, depth - 1, 0)
        values, _ = blocks.outputs(value, self.__name__)
        tops = blocks.outputs(_top(tangent, depth - 1), self.__name__)[0]
        stacked = []
        for v, t in zip(values, tops, strict=True):
            shape = np.shape(v)
            t = np.asarray(t)
            if t.ndim == len(shape):  # not depending on the directions: zero, repeated
                t = np.broadcast_to(t, (n, *shape))
            if t.shape != (n, *shape):
                FALLBACKS["a batched result of an unexpected shape"] += 1
                return None, None
            stacked.append(t)
        return value, stacked

    def _check_scalar(self, values: list[Any], out_tupled: bool, groups: list[list[Any]]) -> None:
        """A gradient (or Hessian) of this Jacobian needs it to be a scalar before the
        levels that grad or hessian added."""
        if not self.scalar:
            return
        n = len(self.levels) - self.scalar
        if out_tupled or any(self.tupled[:n]):
            raise DifferentiationError(
                f"{self.__name__}: grad and hessian need a function with a scalar output, "
                "but what is differentiated is a tuple of blocks; use jacobian"
            )
        of = np.shape(values[0]) + sum((np.shape(xs[0]) for xs in groups[:n]), ())
        if of != ():
            raise DifferentiationError(
                f"{self.__name__}: grad and hessian need a function with a scalar "
                f"output, but what is differentiated has shape {of}; use jacobian"
            )

    def _batched_jvp(self, h: Derivative) -> Batched:
        if self._batched_h is None or self._batched_h.d is not h:
            self._batched_h = Batched(h)
        return self._batched_h

    def _reverse_value(self, args: tuple[Any, ...], xs: list[Any]) -> Any:
        """The base's value when a one-level Jacobian is taken in reverse mode (None for
        forward mode): always with ``mode="reverse"``, for ``"auto"`` when the inputs
        have more elements than the output."""
        if self.mode == "forward":
            return None
        out = self.base(*args)
        if self.mode == "reverse":
            return out
        values, _ = blocks.outputs(out, self.__name__)
        return out if blocks.size(xs) > blocks.size(values) else None

    def _rows(self, args: tuple[Any, ...], xs: list[Any], out: Any) -> Any:
        """A one-level Jacobian by reverse mode: a batch of VJPs, one per output element."""
        values, out_tupled = blocks.outputs(out, self.__name__)
        n = blocks.size(xs)
        cotangents = blocks.units(values)
        rev = self._reverse()
        if self._batched_rev is None:
            self._batched_rev = Batched(rev)
        if blocks.size(values):
            stack = tuple(cotangents) if out_tupled else cotangents[0]
            grads = self._batched_rev.call(tuple(args), [stack])
            grads = grads if rev.wrt_tuple else (grads,)
            rows = np.concatenate(
                [np.reshape(g, (len(g), -1)) for g in grads], axis=1
            )  # (M, N): one row per output element
        else:
            rows = np.zeros((0, n))
        results, at = [], 0
        for v in values:
            m, shape = int(np.size(v)), np.shape(v)
            dtype = np.result_type(np.asarray(v).dtype, *(np.asarray(x).dtype for x in xs))
            full = rows[at : at + m].reshape(shape + (n,)).astype(dtype, copy=False)
            results.append(blocks.split(np.ascontiguousarray(full), [xs], self.tupled[:1]))
            at += m
        return tuple(results) if out_tupled else results[0]

    # --------------------------------------------------- differentiating
    def derivative(self, kind: str, wrt: WrtSpec, how: dict[str, Any] | None = None) -> Any:
        """``adgen.<kind>(self, wrt)``: one more level (or two, for a Hessian); ``how``:
        the backend keywords asked for (default: this Jacobian's own)."""
        if how is None or how.get("backend", "numpy") == "numpy":
            how = self.how
        _, positions, is_tuple = normalize_wrt(self, wrt)
        if kind == "hessian":
            return Jacobian(
                self.base,
                self.levels + (positions, positions),
                self.tupled + (is_tuple, is_tuple),
                name="hessian_of_" + self.__name__,
                scalar=2,
                how=how,
            )
        deeper = Jacobian(
            self.base,
            self.levels + (positions,),
            self.tupled + (is_tuple,),
            name=f"{kind}_of_{self.__name__}",
            scalar=int(kind in ("grad", "value_and_grad")),
            how=how,
        )
        if kind in ("jacobian", "grad"):
            return deeper
        return Applied(self, deeper, kind)
