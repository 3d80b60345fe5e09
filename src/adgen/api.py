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

from .calling import Derivative, WrtSpec, check_differentiable, normalize_wrt
from .errors import DifferentiationError

__all__ = ["Derivative", "WrtSpec", "differentiate", "grad", "hessian", "jacobian", "jvp",
           "normalize_wrt", "source", "value_and_grad", "vjp"]


def grad(f: Callable[..., Any], wrt: WrtSpec = 0, *, backend: str = "numpy",
         fallback: str | None = None, cache: bool = False) -> Derivative:
    """The gradient of a scalar-valued ``f``: ``grad(f)(*args)`` has the shape of ``args[wrt]``."""
    return Derivative(f, "grad", wrt, backend, fallback, cache)


def value_and_grad(f: Callable[..., Any], wrt: WrtSpec = 0, *, backend: str = "numpy",
                   fallback: str | None = None, cache: bool = False) -> Derivative:
    """``value_and_grad(f)(*args) == (f(*args), grad(f)(*args))``, computed together."""
    return Derivative(f, "value_and_grad", wrt, backend, fallback, cache)


def vjp(f: Callable[..., Any], wrt: WrtSpec = 0, *, backend: str = "numpy",
        fallback: str | None = None, cache: bool = False) -> Derivative:
    """``vjp(f)(*args, cotangent)``: the gradient of ``<cotangent, f(*args)>``."""
    return Derivative(f, "vjp", wrt, backend, fallback, cache)


def jvp(f: Callable[..., Any], wrt: WrtSpec = 0, *, backend: str = "numpy",
        fallback: str | None = None, cache: bool = False) -> Derivative:
    """``jvp(f)(*args, *tangents) == (f(*args), J @ tangents)`` (forward mode)."""
    return Derivative(f, "jvp", wrt, backend, fallback, cache)


def differentiate(
    f: Callable[..., Any] | None = None, *, wrt: WrtSpec = 0, mode: str = "reverse",
    backend: str = "numpy", fallback: str | None = None, cache: bool = False,
) -> Any:
    """Decorator: ``mode="reverse"`` gives ``grad(f)``, ``mode="forward"`` gives ``jvp(f)``."""
    if mode not in ("reverse", "forward"):
        raise DifferentiationError(f"mode must be 'reverse' or 'forward', not {mode!r}")

    def wrap(g: Callable[..., Any]) -> Derivative:
        how = {"backend": backend, "fallback": fallback, "cache": cache}
        return grad(g, wrt, **how) if mode == "reverse" else jvp(g, wrt, **how)

    return wrap if f is None else wrap(f)


def source(f: Callable[..., Any], *, wrt: WrtSpec = 0, mode: str = "reverse") -> str:
    """The generated source of ``f``'s gradient (reverse) or JVP (forward)."""
    return differentiate(f, wrt=wrt, mode=mode).source


def _refuse_containers(what: str, xs: list[Any]) -> None:
    if any(isinstance(x, (tuple, list, dict)) for x in xs):
        raise DifferentiationError(
            f"{what} with respect to a tuple, list or dict argument is not supported; "
            "differentiate with respect to its arrays (pass them as separate arguments)")


def _basis(x: Any) -> Any:
    """Unit tangents for ``x``, one per element, each shaped like ``x``."""
    x = np.asarray(x)
    n = x.size
    eye = np.eye(n, dtype=x.dtype if x.dtype.kind in "fc" else float)
    for i in range(n):
        yield eye[i].reshape(x.shape)


def jacobian(f: Callable[..., Any], wrt: WrtSpec = 0, mode: str = "auto", *,
             backend: str = "numpy", fallback: str | None = None,
             cache: bool = False) -> Callable[..., Any]:
    """``jacobian(f)(*args)`` has shape ``out.shape + args[wrt].shape``.

    ``mode="forward"`` pushes one tangent per input element, ``"reverse"``
    pulls one cotangent per output element; ``"auto"`` takes the cheaper.
    With a tuple ``wrt``, returns a tuple of Jacobians.
    """
    if mode not in ("auto", "forward", "reverse"):
        raise DifferentiationError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    names, positions, is_tuple = normalize_wrt(f, wrt)
    how = {"backend": backend, "fallback": fallback, "cache": cache}
    fwd = jvp(f, tuple(positions), **how)
    rev = vjp(f, tuple(positions), **how)

    def jac(*args: Any) -> Any:
        args = list(args)
        _refuse_containers("jacobian", [args[p] for p in positions if p < len(args)])
        for name, pos in zip(names, positions):
            check_differentiable(name, args[pos]) if not isinstance(
                args[pos], np.ndarray) else None
        xs = [args[p] for p in positions]
        use = mode
        if use == "auto":
            out = f(*args)
            if isinstance(out, tuple):
                raise DifferentiationError("jacobian needs a function with one output; "
                                           "split it or use vjp/jvp")
            use = "forward" if sum(np.size(x) for x in xs) <= np.size(out) else "reverse"
        blocks = []
        if use == "forward":
            for k, x in enumerate(xs):
                cols = []
                out = None
                for e in _basis(x):
                    tangents = [e if j == k else np.zeros_like(np.asarray(xj, dtype=float))
                                for j, xj in enumerate(xs)]
                    out, col = fwd(*args, *tangents)
                    cols.append(np.asarray(col))
                blocks.append(np.stack(cols, axis=-1).reshape(np.shape(out) + np.shape(x)))
        else:
            out = f(*args)
            if isinstance(out, tuple):
                raise DifferentiationError("jacobian needs a function with one output; "
                                           "split it or use vjp/jvp")
            rows: list[list[Any]] = [[] for _ in xs]
            for e in _basis(out):
                g = rev(*args, e)
                for k in range(len(xs)):
                    rows[k].append(np.asarray(g[k]))
            blocks = [np.stack(r, axis=0).reshape(np.shape(out) + np.shape(x)) if r else
                      np.zeros(np.shape(out) + np.shape(x)) for r, x in zip(rows, xs)]
        return tuple(blocks) if is_tuple else blocks[0]

    jac.__name__ = f"{getattr(f, '__name__', 'f')}_jacobian"
    return jac


def hessian(f: Callable[..., Any], wrt: WrtSpec = 0, *, backend: str = "numpy",
            fallback: str | None = None, cache: bool = False) -> Callable[..., Any]:
    """``hessian(f)(*args)`` has shape ``x.shape + x.shape``: forward mode over the gradient.

    With a tuple ``wrt``, returns the blocks ``H[i][j] = d grad_i / d x_j``.
    """
    names, positions, is_tuple = normalize_wrt(f, wrt)
    how = {"backend": backend, "fallback": fallback, "cache": cache}
    g = grad(f, tuple(positions) if is_tuple else positions[0], **how)
    hjvp = jvp(g, tuple(positions), **how)

    def hess(*args: Any) -> Any:
        args = list(args)
        _refuse_containers("hessian", [args[p] for p in positions if p < len(args)])
        xs = [args[p] for p in positions]
        blocks: list[list[Any]] = [[None] * len(xs) for _ in xs]
        for j, xj in enumerate(xs):
            cols: list[list[Any]] = [[] for _ in xs]
            for e in _basis(xj):
                tangents = [e if k == j else np.zeros_like(np.asarray(xk, dtype=float))
                            for k, xk in enumerate(xs)]
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
