"""Calling a derivative: argument checks, containers, and a fast path per shape.

:class:`Derivative` is what ``adgen.grad`` and friends return. It compiles
on first use (through :mod:`adgen.cache`, which runs :mod:`adgen.pipeline`)
and calls the generated function: it binds keywords and defaults, refuses
integer arguments it cannot differentiate, takes tuples, lists and dicts
apart (:mod:`adgen.trees`), and gives each gradient its input's type
(:func:`adgen.runtime.gradient_like`, the same function modules written
ahead of time call). After one call with arguments of given shapes it keeps
a fast path that checks only what can change between calls.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import cache, call_checks, fastpath, runtime_xp, trees
from .arguments import check_differentiable, check_real, check_value, describe
from .derivative_trees import tree_ir
from .errors import ArgumentError, DifferentiationError, NotScalarOutputError
from .frontend.introspection import type_keys
from .highlight import to_html
from .ir import Function, clone
from .jit import check_options
from .program import Kind
from .runtime import NOT_SCALAR, REFUSED, gradient_like
from .runtime_xp import library_of
from .signatures import WrtSpec, is_plain, normalize_wrt, param_names
from .tracebacks import annotate, boundary, hide_internal_frames
from .wrappers import unwrap

_KINDS = {"grad", "value_and_grad", "vjp", "jvp"}


_MISS = fastpath.MISS  # the fast call path declines: take the general one


def _split(entry: cache.Compiled, out: Any) -> tuple[Any, Any]:
    """(derivative, aux) of what the generated function returned (aux None without)."""
    if not entry.has_aux:
        return out, None
    out, aux = out
    return out, trees.from_nested_tuples(aux, entry.aux_tree)


def _joined(kind: str, value: Any, derivative: Any, aux: Any, entry: cache.Compiled) -> Any:
    """What a call returns, with the aux where JAX puts it when has_aux is on:
    ``(grad, aux)``, ``((value, aux), grad)``, ``(grads, aux)`` for vjp,
    ``(value, tangent, aux)`` for jvp."""
    if kind == "grad":
        return (derivative, aux) if entry.has_aux else derivative
    if kind == "value_and_grad":
        return ((value, aux), derivative) if entry.has_aux else (value, derivative)
    if kind == "vjp":
        return (derivative, aux) if entry.has_aux else derivative
    return (value, derivative, aux) if entry.has_aux else (value, derivative)


def _refused_at_run_time(exc: BaseException) -> None:
    """Raise a runtime helper's refusal (see :data:`adgen.runtime.REFUSED`) as a
    DifferentiationError, and its scalar-output check as a NotScalarOutputError,
    keeping the note that says where it happened."""
    if (
        isinstance(exc, ValueError)
        and not isinstance(exc, DifferentiationError)
        and str(exc).startswith(REFUSED)
    ):
        notes = getattr(exc, "__notes__", ())
        raise DifferentiationError("\n".join([str(exc), *notes])) from None
    if (
        isinstance(exc, ValueError)
        and not isinstance(exc, DifferentiationError)
        and str(exc).startswith(NOT_SCALAR)
    ):  # a grad inside what is differentiated (hessian of a gradient, say) is not scalar
        notes = getattr(exc, "__notes__", ())
        raise NotScalarOutputError("\n".join([str(exc), *notes])) from None


class Derivative:
    """A derivative of ``primal``, compiled on first use.

    ``kind`` is one of ``grad``, ``value_and_grad``, ``vjp``, ``jvp``. The
    generated Python source is in ``.source``; the original function is
    ``.primal``.
    """

    _adgen_derivative = True  # what adgen.signatures.param_names looks for

    def __init__(
        self,
        f: Callable[..., Any],
        kind: str,
        wrt: WrtSpec,
        has_aux: bool = False,
        backend: str = "numpy",
        fallback: str | None = None,
        cache_on_disk: bool = False,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(kind)
        check_options(backend, fallback)
        # What cache.get needs to know of a backend other than NumPy's (adgen.jit).
        self._backend = () if backend == "numpy" else (backend, fallback, cache_on_disk)
        self.primal = f
        self.kind = kind
        self.wrt = wrt
        self.has_aux = bool(has_aux)
        self.wrt_names, self.wrt_positions, self.wrt_tuple = normalize_wrt(f, wrt)
        self._entry: cache.Compiled | None = None
        self._fast: Callable[[tuple[Any, ...]], Any] | None = None
        self._by_shapes: dict[tuple[Any, ...], cache.Compiled] = {}
        # The entry of the latest call, whose line map explains its exceptions.
        self._last: cache.Compiled | None = None
        # A bound method, a functools.partial or a pass-through decorator is compiled
        # as the function it stands for; calls put its bound arguments first.
        self._func, self._lead, self._keywords = unwrap(f)
        self.wrt_positions = tuple(p + len(self._lead) for p in self.wrt_positions)
        functools.update_wrapper(self, f, updated=())
        self.__name__ = f"{getattr(f, '__name__', 'f')}_{kind}"
        self.__qualname__ = self.__name__

    # -------------------------------------------------------- compilation
    @property
    def _ir_kind(self) -> Kind:
        return {"grad": "grad", "value_and_grad": "grad", "vjp": "vjp", "jvp": "jvp"}[self.kind]  # type: ignore[return-value]

    def compiled(
        self, types: tuple[Any, ...] | None = None, library: str | None = None
    ) -> cache.Compiled:
        """The compiled derivative (compiling it if needed), for arguments of ``types``
        if given (see adgen.frontend.introspection), written against the array API
        for arrays of ``library`` if given (see adgen.backend.array_api)."""
        entry = self._entry if types is None and library is None else None
        if entry is None or not cache.fresh(entry, self._func):
            entry = cache.get(
                self._func,
                self._ir_kind,
                self.wrt_names,
                self.wrt_tuple,
                has_aux=self.has_aux,
                backend=() if library else self._backend,
                types=types,
                array_api=library,
            )
            if types is None and library is None:
                self._entry = entry
        return entry

    @property
    @boundary
    def source(self) -> str:
        """The generated Python source of this derivative."""
        return self.compiled().source

    def _ir(
        self, types: tuple[Any, ...] | None = None, arg_trees: tuple[Any, ...] | None = None
    ) -> Function:
        """The IR of what calling this object computes (for higher derivatives), for
        arguments of ``types`` and container structure ``arg_trees`` if given."""
        if arg_trees is not None and any(t is not None for t in arg_trees):
            return tree_ir(self, arg_trees, types, param_names(self))
        entry = self.compiled(types)
        if entry.ir is None:  # loaded from the disk cache: compile to get the IR
            entry = cache.get(
                self._func,
                self._ir_kind,
                self.wrt_names,
                self.wrt_tuple,
                has_aux=self.has_aux,
                need_ir=True,
                types=types,
            )
            if types is None:
                self._entry = entry
        ir = clone(entry.ir)
        if self.kind == "grad" and self.has_aux:  # ((value, grads), aux) -> (grads, aux)
            ir.structure = (ir.structure[0][1], ir.structure[1])
        elif self.kind == "grad":
            ir.structure = ir.structure[1]
        return ir

    @property
    def _adgen_ir(self) -> Callable[[], Function]:
        return self._ir

    def _repr_html_(self) -> str:
        return to_html(self.source)

    def __repr__(self) -> str:
        return (
            f"<adgen {self.kind} of {getattr(self.primal, '__qualname__', self.primal)!r} "
            f"wrt {', '.join(self.wrt_names)}>"
        )

    # ------------------------------------------------------------- calls
    def __call__(self, *args: Any, **kw: Any) -> Any:
        fast = self._fast
        if fast is not None and not kw:
            try:
                out = fast(args)
            except ValueError as exc:
                if not str(exc).startswith(NOT_SCALAR):
                    self._fail(exc)
                    raise
                out = _MISS  # one element, not 0-d: the general path handles it
            except Exception as exc:
                call_checks.explain_cotangent(
                    self, (*self._lead, *args), {**self._keywords, **kw}, exc
                )
                self._fail(exc)
                raise
            if out is not _MISS:
                return out
        try:
            if self._lead:
                args = (*self._lead, *args)
            if self._keywords:
                kw = {**self._keywords, **kw}
            n_extra = {"vjp": 1, "jvp": len(self.wrt_names)}.get(self.kind, 0)
            primal_args = args[: max(len(args) - n_extra, 0)]
            if (
                any(trees.is_container(a) for a in (*primal_args, *kw.values()))
                or not self._plain_signature()
            ):
                return self._call_tree(args, kw, n_extra)
            shapes = fastpath.signature(primal_args) if not kw else None
            types = type_keys(primal_args if not kw else self._bind(list(primal_args), kw))
            if shapes is None or None in shapes:  # perhaps Dask, PyTorch, CuPy arrays
                library = library_of((*primal_args, *kw.values()))
                if library is not None:
                    return self._call(self._for_library(library, types), args, kw)
            entry = self._specialised(shapes, types) if shapes is not None else self.compiled(types)
            if entry.result_tree is not None:
                return self._call_tree(args, kw, n_extra)
            out = self._call(entry, args, kw)
            if shapes is not None:
                self._fast = self._make_fast(entry, shapes)
            return out
        except Exception as exc:
            call_checks.explain_cotangent(self, args, kw, exc)
            self._fail(exc)
            raise

    def _fail(self, exc: BaseException) -> None:
        """Explain ``exc`` (or raise the refusal it stands for), without adgen's frames."""
        self._annotate(exc)
        try:
            _refused_at_run_time(exc)
        except DifferentiationError as refused:
            hide_internal_frames(refused)
            raise

    def _annotate(self, exc: BaseException) -> None:
        """Say which line of the user's function the failing generated line computes."""
        entry = self._last or self._entry
        if entry is not None:
            annotate(exc, entry.func, entry.emitted.line_locs)
        hide_internal_frames(exc)

    def _specialised(self, shapes: tuple[Any, ...], types: tuple[Any, ...]) -> cache.Compiled:
        """The derivative compiled for arguments of these shapes and types (see cache.get)."""
        entry = self._by_shapes.get((shapes, types))
        if entry is None or not cache.fresh(entry, self._func):
            entry = cache.get(
                self._func,
                self._ir_kind,
                self.wrt_names,
                self.wrt_tuple,
                shapes=shapes,
                has_aux=self.has_aux,
                backend=self._backend,
                value=self.kind != "grad",  # grad discards the value: it may go
                types=types,
            )
            if len(self._by_shapes) > 64:  # many shapes: keep the latest only
                self._by_shapes.clear()
            self._by_shapes[shapes, types] = entry
        self._last = entry
        return entry

    def _for_library(self, library: str, types: tuple[Any, ...]) -> cache.Compiled:
        """The derivative written against the array API, for arrays of ``library``
        (see :mod:`adgen.backend.array_api`)."""
        if self._backend:
            raise DifferentiationError(
                f"backend={self._backend[0]!r} runs on NumPy arrays only, and this call "
                f"passes {library} arrays; leave backend at its default 'numpy'"
            )
        if not runtime_xp.available():
            raise DifferentiationError(
                f"derivatives on {library} arrays need array-api-compat: "
                "pip install 'adgen[array-api]'"
            )
        entry = self.compiled(types, library)
        self._last = entry
        return entry

    def _make_fast(
        self, entry: cache.Compiled, shapes: tuple[Any, ...]
    ) -> Callable[[tuple[Any, ...]], Any] | None:
        """The call path for the common case, with nothing but the checks it needs.

        Only gradients with respect to float or float-array arguments, passed
        positionally, with globals and closure cells as they were, and arguments of the shapes the
        code was specialised to; anything else returns ``_MISS`` and takes the
        general path.
        """
        if (
            self._lead
            or self._keywords
            or entry.result_tree is not None
            or entry.has_aux
            or entry.type_deps  # its checks do not look at types
        ):
            return None
        if self.kind not in ("grad", "value_and_grad", "jvp") or len(shapes) != len(self._params()):
            return None
        func, moved = cache.function_for(entry, self._func), fastpath.guards(entry, self._func)
        if self.kind == "jvp":
            return fastpath.jvp_path(func, shapes, self.wrt_positions, entry.stamp, moved)
        return fastpath.gradient_path(
            func,
            shapes,
            self.wrt_positions,
            entry.stamp,
            moved,
            wrt_tuple=self.wrt_tuple,
            with_value=self.kind == "value_and_grad",
            value_free=entry.value_free,
        )

    def _call(self, entry: cache.Compiled, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
        kind, func = self.kind, cache.function_for(entry, self._func)
        if kind in ("grad", "value_and_grad"):
            args = self._bind(list(args), kw)
            self._check_args(args, {})
            if entry.value_free:  # the gradient alone: its result is known numeric
                return self._conform(func(*args), args, {})
            try:
                (value, grads), aux = _split(entry, func(*args))
            except ValueError as exc:
                if not str(exc).startswith(NOT_SCALAR) or entry.has_aux:
                    raise
                (value, grads), aux = self._size_one(args, exc), None
            check_value(self._fname, value)
            grads = self._conform(grads, args, {}, library=entry.emitted.library)
            return _joined(kind, value, grads, aux, entry)
        if kind == "vjp":
            call_checks.check_extra(self, args, kw, 1)
            *primals, cotangent = args
            primals = self._bind(primals, kw)
            self._check_args(primals, {})
            if isinstance(cotangent, list) and isinstance(entry.result_structure, tuple):
                cotangent = tuple(cotangent)
            call_checks.check_cotangent(self, cotangent, entry.result_structure)
            call_checks.check_cotangent_shapes(self, entry, primals, cotangent)
            grads, aux = _split(entry, func(*primals, cotangent))
            each = grads if self.wrt_tuple else (grads,)
            if any(
                p < len(primals) and np.shape(g) != np.shape(primals[p])
                for g, p in zip(each, self.wrt_positions)
            ):
                # A cotangent of the wrong shape may broadcast through: refuse it.
                call_checks.explain_cotangent(self, (*primals, cotangent), {}, None)
                raise DifferentiationError(
                    "vjp: a gradient came out with a shape other than its argument's; "
                    "pass a cotangent shaped like the function's output"
                )
            return _joined(
                kind,
                None,
                self._conform(
                    grads, primals, {}, from_cotangent=True, library=entry.emitted.library
                ),
                aux,
                entry,
            )
        # jvp
        n = len(self.wrt_names)
        call_checks.check_extra(self, args, kw, n)
        primals = self._bind(list(args[: len(args) - n]), kw)
        tangents = args[len(args) - n :]
        self._check_args(primals, {})
        for name, pos, t in zip(self.wrt_names, self.wrt_positions, tangents):
            call_checks.check_tangent(self, name, t, primals[pos])
        (value, tangent), aux = _split(entry, func(*primals, *tangents))
        check_value(self._fname, value)
        return _joined(kind, value, tangent, aux, entry)

    def _call_tree(self, args: tuple[Any, ...], kw: dict[str, Any], n_extra: int) -> Any:
        """A call with tuple, list or dict arguments, or results (see adgen.trees)."""
        if len(args) < n_extra:
            raise ArgumentError(
                f"{self.kind}: pass the arguments, then "
                f"{'the cotangent' if self.kind == 'vjp' else 'the tangents'}"
            )
        split = len(args) - n_extra
        primals = self._bind(list(args[:split]), kw)
        extra = args[split:]
        try:
            structure = tuple(trees.tree_of(p) for p in primals)
        except TypeError as exc:
            raise DifferentiationError(str(exc)) from None
        key = structure if any(t is not None for t in structure) else None
        entry = cache.get(
            self._func,
            self._ir_kind,
            self.wrt_names,
            True,
            key,
            has_aux=self.has_aux,
            backend=self._backend,
            types=type_keys(primals),
        )
        parts = [trees.leaves(p, t) for p, t in zip(primals, structure, strict=True)]
        flat = [leaf for part in parts for leaf in part]
        for name, pos in zip(self.wrt_names, self.wrt_positions, strict=True):
            for path, leaf in zip(trees.leaf_paths(structure[pos]), parts[pos], strict=True):
                if type(leaf) is not np.ndarray or leaf.dtype.kind not in "fc":
                    check_differentiable(name + path, leaf)

        def regroup(grads: Any) -> Any:
            it = iter(grads)
            out = []
            for pos in self.wrt_positions:
                leaf_grads = [gradient_like(next(it), leaf) for leaf in parts[pos]]
                out.append(trees.build(structure[pos], iter(leaf_grads)))
            return tuple(out) if self.wrt_tuple else out[0]

        result_tree = entry.result_tree
        func = cache.function_for(entry, self._func)
        if self.kind in ("grad", "value_and_grad"):
            (value, grads), aux = _split(entry, func(*flat))
            check_value(self._fname, value)
            return _joined(self.kind, value, regroup(grads), aux, entry)
        if self.kind == "vjp":
            (cotangent,) = extra
            if result_tree is not None:
                wrong = trees.mismatch(cotangent, result_tree)
                if wrong is not None:
                    raise DifferentiationError(
                        f"vjp: the cotangent{wrong[0]} must be {wrong[1]}, as "
                        f"{self._fname}'s result{wrong[0]} is, not {describe(wrong[2])}"
                    )
                cotangent = trees.to_nested_tuples(cotangent, result_tree)
            elif isinstance(cotangent, list):
                cotangent = tuple(cotangent)
            call_checks.check_cotangent_shapes(self, entry, primals, cotangent)
            grads, aux = _split(entry, func(*flat, cotangent))
            return _joined("vjp", None, regroup(grads), aux, entry)
        tangents = []
        for name, pos, t in zip(self.wrt_names, self.wrt_positions, extra, strict=True):
            try:
                t_leaves = trees.leaves(t, structure[pos])
            except (TypeError, KeyError, IndexError, ValueError):
                t_leaves = None
            if t_leaves is None or trees.tree_of(t) != structure[pos]:
                raise DifferentiationError(
                    f"jvp: the tangent for {name!r} must have the structure of {name!r} "
                    "(the same tuples, lists and dict keys)"
                )
            paths = trees.leaf_paths(structure[pos])
            for path, leaf_t, leaf in zip(paths, t_leaves, parts[pos], strict=True):
                call_checks.check_tangent(self, name + path, leaf_t, leaf)
            tangents.extend(t_leaves)
        (value, tangent), aux = _split(entry, func(*flat, *tangents))
        return _joined(
            "jvp",
            trees.from_nested_tuples(value, result_tree),
            trees.from_nested_tuples(tangent, result_tree),
            aux,
            entry,
        )

    def _size_one(self, args: list[Any], exc: ValueError) -> tuple[Any, Any]:
        """The value and gradient of an output of one element that is not 0-d.

        Treated as the scalar it holds (as autograd does): the VJP with a
        cotangent of ones. Any other non-scalar output is refused.
        """
        primal_args = args[len(self._lead) :]
        value = self.primal(*primal_args)
        if isinstance(value, (tuple, list, dict)) or np.size(value) != 1:
            raise NotScalarOutputError(str(exc)) from None
        cotangent = np.ones(np.shape(value))
        return value, Derivative(self.primal, "vjp", self.wrt)(*primal_args, cotangent)

    def _bind(self, args: list[Any], kw: dict[str, Any]) -> list[Any]:
        """Positional arguments for all parameters, from args, keywords and defaults."""
        plain = self._plain_signature()
        if plain and not kw and len(args) == len(self._params()):
            return args
        sig = inspect.signature(self._func, follow_wrapped=False)
        try:
            bound = sig.bind(*args, **kw)
        except TypeError as exc:
            raise ArgumentError(f"{self.__name__}: {exc}") from None
        bound.apply_defaults()
        if plain:
            return list(bound.args)
        # One value per parameter: *args as its tuple, **kwargs as its dict.
        return [bound.arguments[p] for p in sig.parameters]

    def _plain_signature(self) -> bool:
        """Whether the function has positional parameters only (else ``*args`` and
        ``**kwargs`` are passed as a tuple and a dict: the container path)."""
        code = getattr(self._func, "__code__", None)
        return code is None or is_plain(code)

    @property
    def _fname(self) -> str:
        return getattr(self.primal, "__name__", "the function")

    def _params(self) -> list[str]:
        return param_names(self._func)

    def _check_args(self, args: Sequence[Any], kw: dict[str, Any]) -> None:
        for name, pos in zip(self.wrt_names, self.wrt_positions):
            value = args[pos] if pos < len(args) else kw.get(name, 0.0)
            if type(value) is not np.ndarray or value.dtype.kind != "f":
                check_differentiable(name, value)
        for name, value in zip(self._params(), args):
            check_real(name, value)

    def _conform(
        self,
        grads: Any,
        args: Sequence[Any],
        kw: dict[str, Any],
        from_cotangent: bool = False,
        library: str | None = None,
    ) -> Any:
        conform = gradient_like if library is None else runtime_xp.gradient_like

        def like(pos: int, name: str) -> Any:
            x = args[pos] if pos < len(args) else kw.get(name)
            if from_cotangent:
                g = grads[self.wrt_names.index(name)] if self.wrt_tuple else grads
                if isinstance(g, np.ndarray) and g.ndim and g.shape != np.shape(x):
                    raise DifferentiationError(
                        f"vjp: the gradient for {name!r} came out of shape {g.shape}, but "
                        f"{name!r} has shape {np.shape(x)}: the cotangent must have the shape "
                        f"of {self._fname}'s result"
                    )
            return x

        if self.wrt_tuple:
            return tuple(
                conform(g, like(p, n)) for g, p, n in zip(grads, self.wrt_positions, self.wrt_names)
            )
        return conform(grads, like(self.wrt_positions[0], self.wrt_names[0]))
