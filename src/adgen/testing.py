"""Checking derivatives against central finite differences.

:func:`check_grads` is how adgen's own tests, and ``adgen check``, verify a
derivative: for a seeded random direction ``v`` the forward-mode JVP must
match ``(f(x + eps v) - f(x - eps v)) / (2 eps)``, and for a random
cotangent ``u`` the reverse-mode VJP must satisfy ``<u, J v> = <J^T u, v>``.
No full Jacobian is formed. ``order=2`` checks the Hessian-vector product
(forward over reverse) against finite differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import api, trees


class GradientCheckError(AssertionError):
    """A derivative disagrees with finite differences."""


def _parts(x: Any) -> tuple[Any, list[Any]]:
    """(tree, leaves) of ``x``: tuples, lists, dicts, NamedTuples, dataclasses and
    registered classes taken apart as adgen takes them (adgen.trees)."""
    tree = trees.tree_of(x)
    return tree, trees.leaves(x, tree)


def _map(fn: Callable[..., Any], x: Any, *others: Any) -> Any:
    """``x`` with each leaf replaced by ``fn(leaf, *the same leaf of others)``."""
    tree, leaves = _parts(x)
    rest = [trees.leaves(o, tree) for o in others]
    return trees.build(tree, iter(fn(*ls) for ls in zip(leaves, *rest, strict=True)))


def _flat_inner(a: Any, b: Any) -> float:
    tree, left = _parts(a)
    right = trees.leaves(b, tree)
    return float(
        sum(
            np.sum(np.asarray(x, dtype=float) * np.asarray(y, dtype=float))
            for x, y in zip(left, right, strict=True)
        )
    )


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    def draw(leaf: Any) -> Any:
        if np.ndim(leaf) == 0 and not isinstance(leaf, np.ndarray):
            return float(rng.standard_normal())
        return rng.standard_normal(np.shape(leaf))

    return _map(draw, x)


def _shift(
    args: Sequence[Any], positions: Sequence[int], dirs: Sequence[Any], eps: float
) -> list[Any]:
    out = list(args)
    for p, d in zip(positions, dirs, strict=True):
        out[p] = _step(args[p], d, eps)
    return out


def _step(x: Any, d: Any, eps: float) -> Any:
    """``x + eps * d`` through containers."""
    return _map(lambda a, b: (a + eps * b) if np.ndim(a) else type(a)(a + eps * b), x, d)


def _difference(hi: Any, lo: Any, eps: float) -> Any:
    return _map(lambda h, lo_: (np.asarray(h) - np.asarray(lo_)) / (2 * eps), hi, lo)


def _close(a: float, b: float, rtol: float, atol: float, what: str) -> None:
    if not np.isfinite(a) or not np.isfinite(b) or abs(a - b) > atol + rtol * max(abs(a), abs(b)):
        raise GradientCheckError(f"{what}: {a!r} != {b!r} (rtol={rtol}, atol={atol})")


def numeric_jvp(
    f: Callable[..., Any],
    args: Sequence[Any],
    positions: Sequence[int],
    dirs: Sequence[Any],
    eps: float = 1e-6,
) -> Any:
    """Central finite difference of ``f`` at ``args`` in direction ``dirs``."""
    hi = f(*_shift(args, positions, dirs, eps))
    lo = f(*_shift(args, positions, dirs, -eps))
    return _difference(hi, lo, eps)


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    wrt: api.WrtSpec = 0,
    modes: Sequence[str] = ("forward", "reverse"),
    order: int = 1,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    eps: float = 1e-6,
) -> None:
    """Raise :class:`GradientCheckError` unless ``f``'s derivatives match finite differences."""
    rng = np.random.default_rng(seed)
    _, positions, _ = api.normalize_wrt(f, wrt)
    wrt_arg = tuple(positions)
    args = list(args)
    dirs = [_random_like(args[p], rng) for p in positions]
    fd = numeric_jvp(f, args, positions, dirs, eps)
    u = _random_like(fd, rng)
    fd_scalar = _flat_inner(u, fd)
    if "forward" in modes:
        value, tangent = api.jvp(f, wrt_arg)(*args, *dirs)
        _close(_flat_inner(u, tangent), fd_scalar, rtol, atol, f"jvp of {f.__name__}")
        expected = f(*args)
        _close(
            _flat_inner(u, value),
            _flat_inner(u, expected),
            1e-9,
            1e-9,
            f"value returned by the jvp of {f.__name__}",
        )
    if "reverse" in modes:
        grads = api.vjp(f, wrt_arg)(*args, u)
        _close(_flat_inner(grads, dirs), fd_scalar, rtol, atol, f"vjp of {f.__name__}")
        if trees.tree_of(fd) is None and np.ndim(fd) == 0:
            g = api.grad(f, wrt_arg)(*args)
            _close(_flat_inner(g, dirs), float(fd), rtol, atol, f"grad of {f.__name__}")
    if order >= 2:
        g = api.grad(f, wrt_arg)
        hv_fd = numeric_jvp(g, args, positions, dirs, eps)
        _, hv = api.jvp(g, wrt_arg)(*args, *dirs)
        w = _random_like(hv_fd, rng)
        _close(
            _flat_inner(w, hv),
            _flat_inner(w, hv_fd),
            rtol * 10,
            atol * 10,
            f"hessian-vector product of {f.__name__}",
        )
