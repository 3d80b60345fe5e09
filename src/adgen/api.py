"""The public API: grad, value_and_grad, vjp, jvp, jacobian, hessian, differentiate, source.

Each takes ``backend="numpy"`` (default) or ``"numba"`` (the derivative compiled
with ``numba.njit``; ``fallback="numpy"`` answers what numba cannot compile with
the NumPy backend and a warning; ``cache=True`` lets numba cache it on disk).

Every function here returns quickly: it checks ``wrt`` and wraps the function
in a :class:`~adgen.calling.Derivative`, which compiles on first use (a call,
or reading ``.source``) through :mod:`adgen.pipeline` and caches the result
(:mod:`adgen.cache`). ``jacobian`` and ``hessian`` are built from JVPs and VJPs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .batched import Batched
from .calling import Derivative, WrtSpec, check_differentiable, normalize_wrt
from .composed import Jacobian, basis
from .errors import DifferentiationError
from .jit import check_options
from .tracebacks import boundary

#: The keywords every function here takes to choose the backend (see the module doc).
BACKEND_OPTIONS = ("backend", "fallback", "cache")

__all__ = [
    "Derivative",
    "WrtSpec",
    "differentiate",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "normalize_wrt",
    "source",
    "value_and_grad",
    "vjp",
]


def _refuse_options(name: str, options: dict[str, Any]) -> None:
    """Refuse keywords adgen does not take, pointing JAX's names to adgen's."""
    if "argnums" in options:
        raise DifferentiationError(
            f"adgen.{name} takes wrt= (an argument index, a parameter name, or a tuple of "
            f"them), not argnums=: write wrt={options['argnums']!r}"
        )
    if options:
        raise DifferentiationError(
            f"adgen.{name} got unexpected keyword argument(s) {', '.join(sorted(options))}"
        )


def _backend(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The backend keywords taken out of ``options``: as given (for adgen.grad and the
    like) and as Derivative takes them (checked by adgen.jit.check_options)."""
    chosen = {k: options.pop(k) for k in BACKEND_OPTIONS if k in options}
    backend, fallback = chosen.get("backend", "numpy"), chosen.get("fallback")
    check_options(backend, fallback)
    return chosen, {
        "backend": backend,
        "fallback": fallback,
        "cache_on_disk": chosen.get("cache", False),
    }


def _derivative(kind: str, f: Any, wrt: WrtSpec, has_aux: bool, options: dict[str, Any]) -> Any:
    batched = options.pop("batched", False) if kind in ("jvp", "vjp") else False
    _, how = _backend(options)
    _refuse_options(kind, options)
    if batched:
        if has_aux or isinstance(f, Jacobian):
            raise DifferentiationError(
                f"{kind}(batched=True) takes no has_aux and no jacobian or hessian"
            )
        return Batched(Derivative(f, kind, wrt, **how))
    if isinstance(f, Jacobian):
        if has_aux:
            raise DifferentiationError(f"{kind} of a jacobian or hessian takes no has_aux")
        return f.derivative(kind, wrt, how)
    return Derivative(f, kind, wrt, has_aux, **how)


@boundary
def grad(
    f: Callable[..., Any], wrt: WrtSpec = 0, *, has_aux: bool = False, **options: Any
) -> Derivative:
    """The gradient of a scalar-valued ``f``: ``grad(f)(*args)`` has the shape of ``args[wrt]``."""
    return _derivative("grad", f, wrt, has_aux, options)


@boundary
def value_and_grad(
    f: Callable[..., Any], wrt: WrtSpec = 0, *, has_aux: bool = False, **options: Any
) -> Derivative:
    """``value_and_grad(f)(*args) == (f(*args), grad(f)(*args))``, computed together."""
    return _derivative("value_and_grad", f, wrt, has_aux, options)


@boundary
def vjp(
    f: Callable[..., Any], wrt: WrtSpec = 0, *, has_aux: bool = False, **options: Any
) -> Derivative:
    """``vjp(f)(*args, cotangent)``: the gradient of ``<cotangent, f(*args)>``.

    ``batched=True``: the cotangent has a leading axis of ``B`` cotangents, and each
    gradient returned has it too, from one call of generated code (see adgen.batched).
    """
    return _derivative("vjp", f, wrt, has_aux, options)


@boundary
def jvp(
    f: Callable[..., Any], wrt: WrtSpec = 0, *, has_aux: bool = False, **options: Any
) -> Derivative:
    """``jvp(f)(*args, *tangents) == (f(*args), J @ tangents)`` (forward mode).

    ``batched=True``: each tangent has a leading axis of ``B`` directions, and the
    tangent returned has it too, from one call of generated code (see adgen.batched).
    """
    return _derivative("jvp", f, wrt, has_aux, options)


@boundary
def differentiate(
    f: Callable[..., Any] | None = None,
    *,
    wrt: WrtSpec = 0,
    mode: str = "reverse",
    backend: str = "numpy",
    fallback: str | None = None,
    cache: bool = False,
) -> Any:
    """Decorator: ``mode="reverse"`` gives ``grad(f)``, ``mode="forward"`` gives ``jvp(f)``."""
    if mode not in ("reverse", "forward"):
        raise DifferentiationError(f"mode must be 'reverse' or 'forward', not {mode!r}")

    def wrap(g: Callable[..., Any]) -> Derivative:
        how = {"backend": backend, "fallback": fallback, "cache": cache}
        return grad(g, wrt, **how) if mode == "reverse" else jvp(g, wrt, **how)

    return wrap if f is None else wrap(f)


@boundary
def source(f: Callable[..., Any], *, wrt: WrtSpec = 0, mode: str = "reverse") -> str:
    """The generated source of ``f``'s gradient (reverse) or JVP (forward)."""
    return differentiate(f, wrt=wrt, mode=mode).source


def _refuse_containers(what: str, xs: list[Any]) -> None:
    if any(isinstance(x, (tuple, list, dict)) for x in xs):
        raise DifferentiationError(
            f"{what} with respect to a tuple, list or dict argument is not supported; "
            "differentiate with respect to its arrays (pass them as separate arguments)"
        )


@boundary
def jacobian(
    f: Callable[..., Any], wrt: WrtSpec = 0, mode: str = "auto", **options: Any
) -> Callable[..., Any]:
    """``jacobian(f)(*args)`` has shape ``out.shape + args[wrt].shape``.

    ``mode="forward"`` pushes one tangent per input element, ``"reverse"``
    pulls one cotangent per output element; ``"auto"`` takes the cheaper.
    With a tuple ``wrt``, returns a tuple of Jacobians.
    """
    chosen, how = _backend(options)
    _refuse_options("jacobian", options)
    if mode not in ("auto", "forward", "reverse"):
        raise DifferentiationError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    if isinstance(f, Jacobian):
        return f.derivative("jacobian", wrt, how)
    names, positions, is_tuple = normalize_wrt(f, wrt)
    if not is_tuple:
        return Jacobian(f, positions, mode, how=how)
    fwd = jvp(f, tuple(positions), **chosen)
    rev = vjp(f, tuple(positions), **chosen)

    @boundary
    def jac(*args: Any) -> Any:
        args = list(args)
        _refuse_containers("jacobian", [args[p] for p in positions if p < len(args)])
        for name, pos in zip(names, positions):
            check_differentiable(name, args[pos]) if not isinstance(args[pos], np.ndarray) else None
        xs = [args[p] for p in positions]
        use = mode
        if use == "auto":
            out = f(*args)
            if isinstance(out, tuple):
                raise DifferentiationError(
                    "jacobian needs a function with one output; split it or use vjp/jvp"
                )
            use = "forward" if sum(np.size(x) for x in xs) <= np.size(out) else "reverse"
        blocks = []
        if use == "forward":
            for k, x in enumerate(xs):
                cols = []
                out = None
                for e in basis(x):
                    tangents = [
                        e if j == k else np.zeros_like(np.asarray(xj, dtype=float))
                        for j, xj in enumerate(xs)
                    ]
                    out, col = fwd(*args, *tangents)
                    cols.append(np.asarray(col))
                blocks.append(np.stack(cols, axis=-1).reshape(np.shape(out) + np.shape(x)))
        else:
            out = f(*args)
            if isinstance(out, tuple):
                raise DifferentiationError(
                    "jacobian needs a function with one output; split it or use vjp/jvp"
                )
            rows: list[list[Any]] = [[] for _ in xs]
            for e in basis(out):
                g = rev(*args, e)
                for k in range(len(xs)):
                    rows[k].append(np.asarray(g[k]))
            blocks = [
                np.stack(r, axis=0).reshape(np.shape(out) + np.shape(x))
                if r
                else np.zeros(np.shape(out) + np.shape(x))
                for r, x in zip(rows, xs)
            ]
        return tuple(blocks) if is_tuple else blocks[0]

    jac.__name__ = f"{getattr(f, '__name__', 'f')}_jacobian"
    return jac


@boundary
def hessian(f: Callable[..., Any], wrt: WrtSpec = 0, **options: Any) -> Callable[..., Any]:
    """``hessian(f)(*args)`` has shape ``x.shape + x.shape``: forward mode over the gradient.

    With a tuple ``wrt``, returns the blocks ``H[i][j] = d grad_i / d x_j``.
    """
    chosen, how = _backend(options)
    _refuse_options("hessian", options)
    if isinstance(f, Jacobian):
        return f.derivative("hessian", wrt, how)
    names, positions, is_tuple = normalize_wrt(f, wrt)
    if not is_tuple:
        return Jacobian(
            grad(f, positions[0], **chosen), positions, "forward", name="hessian", how=how
        )
    g = grad(f, tuple(positions) if is_tuple else positions[0], **chosen)
    hjvp = jvp(g, tuple(positions), **chosen)

    @boundary
    def hess(*args: Any) -> Any:
        args = list(args)
        _refuse_containers("hessian", [args[p] for p in positions if p < len(args)])
        xs = [args[p] for p in positions]
        blocks: list[list[Any]] = [[None] * len(xs) for _ in xs]
        for j, xj in enumerate(xs):
            cols: list[list[Any]] = [[] for _ in xs]
            for e in basis(xj):
                tangents = [
                    e if k == j else np.zeros_like(np.asarray(xk, dtype=float))
                    for k, xk in enumerate(xs)
                ]
                _, dg = hjvp(*args, *tangents)
                dg = dg if is_tuple else (dg,)
                for i in range(len(xs)):
                    cols[i].append(np.asarray(dg[i]))
            for i, xi in enumerate(xs):
                blocks[i][j] = np.stack(cols[i], axis=-1).reshape(np.shape(xi) + np.shape(xj))
        if is_tuple:
            return tuple(tuple(row) for row in blocks)
        return blocks[0][0]

    hess.__name__ = f"{getattr(f, '__name__', 'f')}_hessian"
    return hess
