"""Every catalog case, in every mode it supports, against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from catalog import CASES

from adgen.testing import check_grads

PARAMS = [
    pytest.param(c, wrt, mode, id=f"{c.name}-wrt{wrt}-{mode}")
    for c in CASES
    for wrt in c.wrts
    for mode in c.modes
]


@pytest.mark.parametrize("case,wrt,mode", PARAMS)
def test_first_order(case, wrt, mode):
    rng = np.random.default_rng(1234)
    check_grads(case.f, case.make(rng), wrt=wrt, modes=(mode,))


SECOND = [
    pytest.param(c, wrt, id=f"{c.name}-wrt{wrt}") for c in CASES if c.order >= 2 for wrt in c.wrts
]


@pytest.mark.parametrize("case,wrt", SECOND)
def test_second_order(case, wrt):
    rng = np.random.default_rng(99)
    check_grads(case.f, case.make(rng), wrt=wrt, modes=(), order=2)
