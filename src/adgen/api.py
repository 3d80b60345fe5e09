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

from .applied import Applied
from .batched import Batched
from .calling import Derivative, WrtSpec, normalize_wrt
from .composed import Jacobian
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


def _refuse_made(kind: str, f: Any) -> None:
    """Refuse to differentiate adgen objects that are not derivatives adgen can take
    again, naming them (rather than trying to read adgen's own source)."""
    if isinstance(f, Batched):
        raise DifferentiationError(
            f"{kind} of a batched jvp or vjp (batched=True) is not supported; differentiate "
            "the unbatched one (or the function) and batch the result, e.g. "
            "adgen.jvp(adgen.grad(f), batched=True)"
        )
    if isinstance(f, Applied):
        raise DifferentiationError(
            f"{kind} of a {f.kind} of a jacobian or hessian ({f.__name__}) is not supported; "
            f"differentiate the jacobian or hessian itself (adgen.jacobian of it gives the "
            "next level)"
        )


def _derivative(kind: str, f: Any, wrt: WrtSpec, has_aux: bool, options: dict[str, Any]) -> Any:
    _refuse_made(kind, f)
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
    _refuse_made("jacobian", f)
    if mode not in ("auto", "forward", "reverse"):
        raise DifferentiationError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    if isinstance(f, Jacobian):
        return f.derivative("jacobian", wrt, how)
    _, positions, is_tuple = normalize_wrt(f, wrt)
    return Jacobian(f, (positions,), (is_tuple,), mode, how=how)


@boundary
def hessian(f: Callable[..., Any], wrt: WrtSpec = 0, **options: Any) -> Callable[..., Any]:
    """``hessian(f)(*args)`` has shape ``x.shape + x.shape``: forward mode over the gradient.

    With a tuple ``wrt``, returns the blocks ``H[i][j] = d grad_i / d x_j``.
    """
    chosen, how = _backend(options)
    _refuse_options("hessian", options)
    _refuse_made("hessian", f)
    if isinstance(f, Jacobian):
        return f.derivative("hessian", wrt, how)
    _, positions, is_tuple = normalize_wrt(f, wrt)
    g = grad(f, positions if is_tuple else positions[0], **chosen)
    return Jacobian(g, (positions,), (is_tuple,), "forward", name="hessian", how=how)
