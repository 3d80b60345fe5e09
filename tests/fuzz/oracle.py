"""The differential oracle: run a function and adgen's derivatives of it, and compare.

:func:`check` returns an :class:`Outcome`: ``ok``, ``invalid`` (the function itself
raises or returns something non-finite or non-float, so there is nothing to compare),
``refused`` (adgen raised a :class:`adgen.DifferentiationError`) or ``failed``, with a
``kind`` naming the check that failed:

- ``value``: a derivative function's value differs from the function's own value
  (every call gets fresh deep copies of the inputs, since functions mutate them);
- ``jvp-fd`` / ``vjp-fd``: forward / reverse derivative disagrees with central finite
  differences taken at two step sizes that agree with each other (when the two
  finite differences disagree, the point is next to a kink and the check is skipped);
- ``adjoint``: ``<u, J v> != <J^T u, v>`` between adgen's own JVP and VJP;
- ``hessian``: ``H v`` disagrees with finite differences of adgen's checked gradient,
  or ``H`` is not symmetric;
- ``internal:<Type>``: adgen raised something other than a DifferentiationError;
- ``hang``: the derivatives run 20 times longer than the function's time limit;
- ``raise-mismatch``: the function raises but the derivative returns (or raises another type).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import adgen

from .limits import Timeout, time_limit

EPS = (1e-6, 1e-5)
RTOL = 1e-5
ATOL = 1e-7


@dataclass
class Outcome:
    """What happened to one program: status ``ok|invalid|refused|failed`` and a kind."""

    status: str
    kind: str = ""
    detail: str = ""
    checks: int = 0
    tags: list[str] = field(default_factory=list)


class _Mismatch(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _copy(args: Sequence[Any]) -> list[Any]:
    return [copy.deepcopy(a) for a in args]


def _inner(a: Any, b: Any) -> float:
    if isinstance(a, (tuple, list)):
        return float(sum(_inner(x, y) for x, y in zip(a, b, strict=True)))
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _norm(a: Any) -> float:
    return float(np.sqrt(abs(_inner(a, a))))


def _is_float_result(y: Any) -> bool:
    if isinstance(y, (bool, int, np.integer, np.bool_)):
        return False
    if isinstance(y, (float, np.floating)):
        return bool(np.isfinite(y))
    if isinstance(y, np.ndarray):
        return y.dtype.kind == "f" and y.size > 0 and bool(np.all(np.isfinite(y)))
    return False


def _shift(args: Sequence[Any], wrt: Sequence[int], dirs: Sequence[Any], eps: float) -> list[Any]:
    out = _copy(args)
    for p, d in zip(wrt, dirs, strict=True):
        x = args[p]
        out[p] = x + eps * d if isinstance(x, np.ndarray) else float(x + eps * d)
    return out


def _fd(
    f: Callable[..., Any], args: Sequence[Any], wrt: Sequence[int], dirs: Sequence[Any], eps: float
) -> Any:
    hi = f(*_shift(args, wrt, dirs, eps))
    lo = f(*_shift(args, wrt, dirs, -eps))
    if isinstance(hi, (tuple, list)):
        return [
            (np.asarray(h, dtype=float) - np.asarray(lo_, dtype=float)) / (2 * eps)
            for h, lo_ in zip(hi, lo, strict=True)
        ]
    return (np.asarray(hi, dtype=float) - np.asarray(lo, dtype=float)) / (2 * eps)


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


def _close(a: float, b: float, scale: float, noise: float = 0.0) -> bool:
    return bool(
        np.isfinite(a)
        and np.isfinite(b)
        and abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL * (1.0 + scale) + noise
    )


def _fd_noise(u: Any, y: Any) -> float:
    """Rounding error of ``<u, (f(x + h v) - f(x - h v)) / 2h>`` for h = 1e-6: about
    ``|u| |f| 2e-16 / h``, with a margin (a large ``f`` leaves few digits to its change)."""
    return 5e-9 * _norm(u) * (1.0 + _norm(y))


def _same_value(got: Any, want: Any) -> bool:
    if isinstance(want, (tuple, list)):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(want)
            and all(_same_value(g, w) for g, w in zip(got, want, strict=True))
        )
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=1e-9, atol=1e-12, equal_nan=True))


def _fd_checked(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Sequence[int],
    dirs: Sequence[Any],
    u: Any,
    noise: float = 0.0,
) -> float | None:
    """``<u, J v>`` by central differences, or None when the two step sizes disagree."""
    a, b = (_inner(u, _fd(f, args, wrt, dirs, eps)) for eps in EPS)
    scale = _norm(u) * _norm(dirs)
    ok = abs(a - b) <= 1e-4 * max(abs(a), abs(b)) + 1e-6 * (1 + scale) + noise
    return a if ok else None


def _expect_raise(
    f: Callable[..., Any], args: Sequence[Any], error: BaseException, wrt: tuple[int, ...]
) -> Outcome:
    """The function raises: each derivative must raise the same type, or refuse to compile."""
    dirs = [_random_like(args[p], np.random.default_rng(0)) for p in wrt]
    calls = {
        "jvp": lambda: adgen.jvp(f, wrt)(*_copy(args), *dirs),
        "vjp": lambda: adgen.vjp(f, wrt)(*_copy(args), 1.0),
    }
    for name, call in calls.items():
        try:
            call()
        except adgen.DifferentiationError:
            continue
        except Exception as e:  # noqa: BLE001 - the derivative must raise what f raises
            if type(e) is not type(error):
                return Outcome(
                    "failed",
                    "raise-mismatch",
                    f"{name}: f raises {error!r}, the derivative raises {e!r}",
                )
        else:
            return Outcome(
                "failed", "raise-mismatch", f"{name}: f raises {error!r}, the derivative returns"
            )
    return Outcome("ok", "raises", repr(error), checks=2)


def check(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: Sequence[int] | None = None,
    seed: int = 0,
    hessian: bool = False,
    expect_raise: bool = False,
    seconds: float = 5.0,
) -> Outcome:
    """Compare ``f`` with adgen's derivatives of it at ``args`` (see the module docstring)."""
    wrt = tuple(range(len(args)) if wrt is None else wrt)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            with time_limit(seconds):
                want = f(*_copy(args))
        except Timeout:
            return Outcome("invalid", "timeout", "the function itself runs too long")
        except Exception as e:  # noqa: BLE001 - the user's own error
            return (
                _expect_raise(f, args, e, wrt)
                if expect_raise
                else Outcome("invalid", "raises", repr(e))
            )
        if not (
            _is_float_result(want)
            or (isinstance(want, tuple) and want and all(_is_float_result(w) for w in want))
        ):
            return Outcome("invalid", "result", type(want).__name__)
        try:
            with time_limit(seconds * 20):
                return _compare(f, args, wrt, seed, hessian, want)
        except Timeout:
            return Outcome("failed", "hang", f"the derivatives take over {seconds * 20} s")
        except _Mismatch as m:
            return Outcome("failed", m.kind, m.detail)
        except adgen.DifferentiationError as e:
            return Outcome("refused", type(e).__name__, str(e).splitlines()[0][:300])
        except Exception as e:  # noqa: BLE001 - any other exception from adgen is a failure
            return Outcome("failed", f"internal:{type(e).__name__}", f"{e!r}"[:500])


def _compare(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: tuple[int, ...],
    seed: int,
    hessian: bool,
    want: Any,
) -> Outcome:
    rng = np.random.default_rng(seed)
    dirs = [_random_like(args[p], rng) for p in wrt]
    u = (
        [rng.standard_normal(np.shape(w)) for w in want]
        if isinstance(want, tuple)
        else rng.standard_normal(np.shape(want))
    )
    checks = 0
    value, tangent = adgen.jvp(f, wrt)(*_copy(args), *dirs)
    checks += 1
    if not _same_value(value, want):
        raise _Mismatch("value", f"jvp value {value!r} != f's {want!r}")
    grads = adgen.vjp(f, wrt)(*_copy(args), u)
    grads = list(grads)
    jv = _inner(u, tangent)
    vj = _inner(grads, dirs)
    scale = _norm(u) * _norm(dirs)
    checks += 1
    if not _close(jv, vj, scale):
        raise _Mismatch("adjoint", f"<u, J v> = {jv!r} but <J^T u, v> = {vj!r}")
    noise = _fd_noise(u, want)
    fd = _fd_checked(f, args, wrt, dirs, u, noise)
    tags = []
    if fd is None:
        tags.append("kink")
    else:
        checks += 2
        if not _close(jv, fd, scale, noise):
            raise _Mismatch("jvp-fd", f"<u, J v> = {jv!r}, finite differences {fd!r}")
        if not _close(vj, fd, scale, noise):
            raise _Mismatch("vjp-fd", f"<J^T u, v> = {vj!r}, finite differences {fd!r}")
    if np.ndim(want) == 0 and not isinstance(want, tuple):
        value_g, _ = adgen.value_and_grad(f, wrt)(*_copy(args))
        checks += 1
        if not _same_value(value_g, want):
            raise _Mismatch("value", f"value_and_grad value {value_g!r} != f's {want!r}")
        if hessian and fd is not None:
            checks += _check_hessian(f, args, wrt, dirs, rng)
    return Outcome("ok", checks=checks, tags=tags)


def _check_hessian(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: tuple[int, ...],
    dirs: Sequence[Any],
    rng: np.random.Generator,
) -> int:
    """``H v`` (forward over reverse) against differences of the gradient; ``<w,Hv>=<Hw,v>``."""
    g = adgen.grad(f, wrt)
    w = [_random_like(args[p], rng) for p in wrt]
    _, hv = adgen.jvp(g, wrt)(*_copy(args), *dirs)
    _, hw = adgen.jvp(g, wrt)(*_copy(args), *w)
    a, b = _inner(w, list(hv)), _inner(list(hw), dirs)
    scale = _norm(w) * _norm(dirs)
    if not _close(a, b, scale * 10):
        raise _Mismatch("hessian", f"<w, H v> = {a!r} but <H w, v> = {b!r}")
    fd = _fd_checked(lambda *xs: list(g(*xs)), args, wrt, dirs, w)
    if fd is not None and not _close(a, fd, scale * 10):
        raise _Mismatch("hessian", f"<w, H v> = {a!r}, finite differences of the gradient {fd!r}")
    return 2
