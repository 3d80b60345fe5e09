"""Jacobians and Hessians as derivative objects that can be differentiated again.

A :class:`Jacobian` is the tensor of derivatives of a base function ``g`` (the
user's function, or a derivative adgen generated, such as ``grad(f)`` for a
Hessian) with respect to one argument per *level*: ``levels == (p, q)`` means
``d/dx_q d/dx_p g``. It is computed from nested JVPs, ``h_1 = jvp(g, wrt=p)``,
``h_2 = jvp(h_1, wrt=q)``, ..., each compiled by adgen, evaluated at every
combination of unit tangents: exact, one call of the innermost generated
function per element of the inputs (a loop over basis vectors; batched
tangents would make it one call). Differentiating a Jacobian adds a level:
``jacobian(hessian(f))`` is ``g = grad(f)`` with levels ``(p, p)``, and
``grad(jacobian(f))`` (of a scalar Jacobian) likewise, so nothing is ever
approximated. The first level of a ``jacobian`` made by the user may run in
reverse mode instead (one VJP per output element) when that is cheaper.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .arguments import check_differentiable
from .batched import Batched
from .calling import Derivative, WrtSpec, normalize_wrt, param_names
from .composed_trees import evaluate_tree, refuse_unlike
from .errors import DifferentiationError
from .frontend.introspection import type_keys
from .highlight import to_html
from .tracebacks import boundary
from .trees import is_container


def basis(x: Any) -> Iterator[Any]:
    """Unit tangents for ``x``, one per element, each shaped like ``x`` (and of its
    floating dtype, so float32 stays float32)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind in "fc" else np.dtype(float)
    eye = np.eye(x.size, dtype=dtype)
    for i in range(x.size):
        row = eye[i].reshape(x.shape)
        yield row if x.shape else dtype.type(row)


def _stacked(x: Any) -> Any:
    """Every unit tangent of ``x`` (see :func:`basis`), stacked along a new first axis."""
    dtype = x.dtype if x.dtype.kind in "fc" else np.dtype(float)
    return np.eye(x.size, dtype=dtype).reshape((x.size, *x.shape))


def _top(out: Any, depth: int) -> Any:
    for _ in range(depth):
        out = out[1]
    return out


class Jacobian:
    """Derivatives of ``base`` with respect to the arguments at ``levels``, stacked:
    the result has shape ``out.shape + x_{levels[0]}.shape + x_{levels[1]}.shape ...``.

    ``mode`` applies to a one-level Jacobian (``"forward"``, ``"reverse"`` or
    ``"auto"``); deeper ones are forward over whatever ``base`` is. ``scalar``
    says it was asked for as a gradient (of a scalar): its value must be a scalar.
    """

    def __init__(
        self,
        base: Callable[..., Any],
        levels: tuple[int, ...],
        mode: str = "forward",
        name: str = "jacobian",
        scalar: int = 0,
        how: dict[str, Any] | None = None,
    ) -> None:
        self.base = base
        # The backend keywords of each Derivative it makes (see adgen.api._backend).
        self.how = how or {}
        self.levels = levels
        self.mode = mode
        self.scalar = scalar  # levels added by grad (1) or hessian (2) of a scalar
        self.primal = getattr(base, "primal", base)
        self._params = param_names(base)
        self._adgen_params = self._params
        self.__name__ = f"{getattr(self.primal, '__name__', 'f')}_{name}"
        self.__qualname__ = self.__name__
        self.__doc__ = f"The {name} of {getattr(self.primal, '__name__', 'f')} (adgen)."
        self._nested: list[Derivative] = []

    # ----------------------------------------------------------- pieces
    def _jvp(self, depth: int) -> Derivative:
        """``h_depth``: the JVP nested ``depth`` times over the base."""
        while len(self._nested) < depth:
            inner = self._nested[-1] if self._nested else self.base
            self._nested.append(
                Derivative(inner, "jvp", self.levels[len(self._nested)], **self.how)
            )
        return self._nested[depth - 1]

    def _reverse(self) -> Derivative:
        if not hasattr(self, "_vjp"):
            self._vjp = Derivative(self.base, "vjp", self.levels[0], **self.how)
        return self._vjp

    @property
    def source(self) -> str:
        """The generated source this Jacobian calls once per basis vector."""
        if len(self.levels) == 1 and self.mode == "reverse":
            return self._reverse().source
        return self._jvp(len(self.levels)).source

    def _repr_html_(self) -> str:
        return to_html(self.source)

    def __repr__(self) -> str:
        return (
            f"<adgen {self.__name__} of {getattr(self.primal, '__qualname__', '?')!r} "
            f"wrt {', '.join(self._params[p] for p in self.levels)}>"
        )

    # ------------------------------------------------------------ calls
    @boundary
    def __call__(self, *args: Any) -> Any:
        return self.evaluate(args)

    def evaluate(self, args: tuple[Any, ...], last: Any = None) -> Any:
        """The Jacobian at ``args``; with ``last``, the last level contracted with the
        tangent ``last`` instead of stacked over a basis (a JVP of the level before)."""
        if len(args) != len(self._params):
            raise DifferentiationError(
                f"{self.__name__} takes {len(self._params)} argument(s) "
                f"({', '.join(self._params)}), not {len(args)}"
            )
        xs = [args[p] for p in self.levels]
        if any(is_container(x) for x in xs) or self._container_result(args):
            return evaluate_tree(self, args, last, basis)
        for p, x in zip(self.levels, xs):
            check_differentiable(self._params[p], x)
        if len(self.levels) == 1 and last is None and self._use_reverse(args):
            return self._rows(args)
        bases = [list(basis(x)) for x in xs]
        h = self._jvp(len(self.levels))
        depth = len(self.levels)
        if last is None:
            outs, cols = self._batched(h, args, bases)
        else:
            bases[-1] = [last]
            outs = [
                h(*args, *(bases[j][i] for j, i in enumerate(combo)))
                for combo in itertools.product(*(range(len(b)) for b in bases))
            ]
            cols = [np.asarray(_top(o, depth)) for o in outs]
        value = outs[0]
        for _ in range(depth):
            value = value[0]
        # A derivative has the precision of the value and the inputs (float32 stays so);
        # a gradient's value has its input's (adgen.grad conforms it).
        of_grad = isinstance(self.base, Derivative) and self.base.kind == "grad"
        dtype = np.result_type(
            *(() if of_grad else (np.asarray(value).dtype,)), *(np.asarray(x).dtype for x in xs)
        )
        out_shape = cols[0].shape if cols else np.shape(value)
        if self.scalar:
            of = out_shape + sum((np.shape(x) for x in xs[: len(xs) - self.scalar]), ())
            if of != ():
                raise DifferentiationError(
                    f"{self.__name__}: grad and hessian need a function with a scalar "
                    f"output, but what is differentiated has shape {of}; use jacobian"
                )
        shape = sum((np.shape(x) for x in (xs[:-1] if last is not None else xs)), ())
        if not cols:
            return np.zeros(out_shape + shape, dtype=dtype)
        result = np.stack(cols, axis=-1).reshape(out_shape + shape)
        return result.astype(dtype) if dtype.kind in "fc" and result.dtype != dtype else result

    def _container_result(self, args: tuple[Any, ...]) -> bool:
        """Whether the function differentiated returns a tuple, list, dict or class
        instance (from its compiled JVP; see adgen.composed_trees)."""
        try:
            entry = self._jvp(len(self.levels)).compiled(type_keys(args))
        except DifferentiationError:
            return False  # the usual path says why
        primal = entry.result_structure  # of what h differentiates: (value, tangent)...
        for _ in self.levels[1:]:
            primal = primal[0]
        return entry.result_tree is not None or isinstance(primal, tuple)

    def _batched(
        self, h: Derivative, args: tuple[Any, ...], bases: list[list[Any]]
    ) -> tuple[list[Any], list[Any]]:
        """One batched call of ``h`` per combination of the outer levels' unit
        tangents, the last level's unit tangents stacked (see adgen.batched): the
        outputs, and the top derivative for every combination (the last fastest)."""
        depth = len(self.levels)
        stacked = _stacked(np.asarray(args[self.levels[-1]]))
        call = self._batched_jvp(h)
        outs, cols = [], []
        for combo in itertools.product(*(range(len(b)) for b in bases[:-1])):
            value, tangent = call.call(
                (*args, *(bases[j][i] for j, i in enumerate(combo))), [stacked]
            )
            outs.append((value, None))
            top = tangent
            for _ in range(depth - 1):
                top = top[1]
            cols.extend(np.asarray(top))
        return outs, cols

    def _batched_jvp(self, h: Derivative) -> Batched:
        if getattr(self, "_batched_h", None) is None or self._batched_h.d is not h:
            self._batched_h = Batched(h)
        return self._batched_h

    def _use_reverse(self, args: tuple[Any, ...]) -> bool:
        if self.mode == "forward":
            return False
        if self.mode == "reverse":
            return True
        out = self.base(*args)
        return np.size(args[self.levels[0]]) > np.size(out)

    def _rows(self, args: tuple[Any, ...]) -> Any:
        """A one-level Jacobian by reverse mode: one VJP per output element."""
        out = self.base(*args)
        if isinstance(out, (tuple, list, dict)):
            raise DifferentiationError(
                "jacobian needs a function with one output; split it or use vjp/jvp"
            )
        x = args[self.levels[0]]
        rev = self._reverse()
        dtype = np.result_type(np.asarray(out).dtype, np.asarray(x).dtype)
        if np.size(out) == 0:
            return np.zeros(np.shape(out) + np.shape(x), dtype=dtype)
        if getattr(self, "_batched_rev", None) is None:
            self._batched_rev = Batched(rev)
        rows = self._batched_rev.call(tuple(args), [_stacked(np.asarray(out))])
        return np.asarray(rows).reshape(np.shape(out) + np.shape(x)).astype(dtype)

    # --------------------------------------------------- differentiating
    def derivative(self, kind: str, wrt: WrtSpec, how: dict[str, Any] | None = None) -> Any:
        """``adgen.<kind>(self, wrt)``: one more level (or two, for a Hessian); ``how``:
        the backend keywords asked for (default: this Jacobian's own)."""
        if how is None or how.get("backend", "numpy") == "numpy":
            how = self.how
        _, positions, is_tuple = normalize_wrt(self, wrt)
        if is_tuple:
            raise DifferentiationError(
                f"{kind} of a {self.__name__} with respect to several arguments is not "
                "supported; differentiate with respect to one argument at a time"
            )
        (p,) = positions
        if kind == "hessian":
            return Jacobian(
                self.base,
                self.levels + (p, p),
                name="hessian_of_" + self.__name__,
                scalar=2,
                how=how,
            )
        deeper = Jacobian(
            self.base,
            self.levels + (p,),
            name=f"{kind}_of_{self.__name__}",
            scalar=int(kind in ("grad", "value_and_grad")),
            how=how,
        )
        if kind in ("jacobian", "grad"):
            return deeper
        return _Applied(self, deeper, kind)


class _Applied:
    """value_and_grad, jvp or vjp of a :class:`Jacobian`, from the Jacobian one level deeper."""

    def __init__(self, of: Jacobian, deeper: Jacobian, kind: str) -> None:
        self.of, self.deeper, self.kind = of, deeper, kind
        self.primal = of
        self.__name__ = deeper.__name__

    @property
    def source(self) -> str:
        return self.deeper.source

    def _repr_html_(self) -> str:
        return to_html(self.source)

    @boundary
    def __call__(self, *args: Any) -> Any:
        n = len(self.of._params)
        if self.kind == "value_and_grad":
            return self.of.evaluate(args), self.deeper.evaluate(args)
        if len(args) != n + 1:
            raise DifferentiationError(
                f"{self.__name__} takes the arguments of {self.of.__name__} "
                f"({', '.join(self.of._params)}), then the "
                f"{'tangent' if self.kind == 'jvp' else 'cotangent'}"
            )
        primals, extra = args[:n], args[n]
        value = self.of.evaluate(primals)
        x = primals[self.deeper.levels[-1]]
        refuse_unlike(self.kind, extra, x, value)
        if self.kind == "jvp":
            if not is_container(x) and np.shape(extra) != np.shape(x):
                raise DifferentiationError(
                    f"jvp: the tangent has shape {np.shape(extra)}, but the argument has "
                    f"shape {np.shape(x)}"
                )
            return value, self.deeper.evaluate(primals, last=extra)
        if np.shape(extra) != np.shape(value):
            raise DifferentiationError(
                f"vjp: the cotangent has shape {np.shape(extra)}, but {self.of.__name__} "
                f"gives shape {np.shape(value)}: pass one shaped like its result"
            )
        full = self.deeper.evaluate(primals)
        return np.tensordot(np.asarray(extra), full, axes=np.ndim(value))
