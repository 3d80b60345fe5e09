"""The test catalog run on another array library, against NumPy's answers.

Each catalog case whose arguments are float arrays and numbers is differentiated
on NumPy, then on the library (its float arrays converted); the two must agree.
A case may instead be refused, but only with a DifferentiationError that names
the library: never another exception, never a silently different number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from catalog import CASES

import adgen

REASONS: dict[str, str] = {}


def loss(w, X, y):
    """The mean logistic loss of the tests on other array libraries."""
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) / X.shape[0]


def _plain(args: list[Any]) -> bool:
    return all(
        isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f") for a in args
    )


def sweep(
    library: str,
    to_lib: Callable[[np.ndarray], Any],
    to_numpy: Callable[[Any], np.ndarray],
    mode: str = "reverse",
) -> tuple[list[str], list[str]]:
    """(names agreed, names refused) over the catalog; fails on anything else."""
    agreed, refused = [], []
    for case in CASES:
        if mode not in case.modes:
            continue
        args = case.make(np.random.default_rng(0))
        if not _plain(args) or not any(isinstance(a, np.ndarray) for a in args):
            continue
        wrt = case.wrts[0]
        out = case.f(*args)
        if not isinstance(out, (float, np.ndarray)):
            continue
        lib_args = [to_lib(a) if isinstance(a, np.ndarray) else a for a in args]
        if mode == "reverse":
            ct = np.ones_like(np.asarray(out, dtype=float))
            want = adgen.vjp(case.f, wrt)(*args, ct if np.ndim(out) else 1.0)
            extra = to_lib(ct) if np.ndim(out) else 1.0
        else:
            k = wrt if isinstance(wrt, int) else 0
            t = np.ones_like(np.asarray(args[k], dtype=float))
            want = adgen.jvp(case.f, wrt)(*args, t if np.ndim(args[k]) else 1.0)[1]
            extra = to_lib(t) if np.ndim(args[k]) else 1.0
        try:
            if mode == "reverse":
                got = adgen.vjp(case.f, wrt)(*lib_args, extra)
            else:
                got = adgen.jvp(case.f, wrt)(*lib_args, extra)[1]
        except adgen.DifferentiationError as exc:
            assert library in str(exc).lower(), (case.name, str(exc))
            refused.append(case.name)
            REASONS[case.name] = str(exc)[:150]
            continue
        got = to_numpy(got) if not isinstance(got, float) else got
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=case.name)
        agreed.append(case.name)
    return agreed, refused
