"""The two tests that run a list of :class:`test_primitives.Check`: first order in both
modes, and second order (reverse over forward) where a check is marked so.

A test module binds them to its own checks:
``test_first_order, test_second_order = runners_for(CHECKS)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from adgen.testing import check_grads


def runners_for(checks: list[Any]) -> tuple[Callable[..., None], Callable[..., None]]:
    first = [
        pytest.param(c, w, m, id=f"{c.name}-wrt{w}-{m}")
        for c in checks
        for w in c.wrts
        for m in ("forward", "reverse")
    ]
    second = [
        pytest.param(c, w, id=f"{c.name}-wrt{w}") for c in checks if c.order >= 2 for w in c.wrts
    ]

    @pytest.mark.parametrize("check,wrt,mode", first)
    def test_first_order(check: Any, wrt: Any, mode: str) -> None:
        check_grads(
            check.f, check.make(np.random.default_rng(7)), wrt=wrt, modes=(mode,), rtol=check.rtol
        )

    @pytest.mark.parametrize("check,wrt", second)
    def test_second_order(check: Any, wrt: Any) -> None:
        check_grads(
            check.f,
            check.make(np.random.default_rng(11)),
            wrt=wrt,
            modes=("reverse",),
            order=2,
            rtol=check.rtol,
        )

    return test_first_order, test_second_order
