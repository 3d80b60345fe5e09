"""The GradBench-style evals of benchmarks/evals.py: each hand-written gradient agrees
with adgen's (finite differences check it too, in test_benchmarks_smoke)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import adgen

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import evals  # noqa: E402


@pytest.mark.parametrize("spec", evals.EVAL_SPECS, ids=lambda s: s["name"])
def test_hand_gradient_agrees_with_adgen(spec):
    tiny = spec["sizes"][0][0]
    args = spec["make_inputs"](tiny, np.random.default_rng(1))
    wrt = spec["wrt"]
    hand = spec["grad"](*args)
    hand = (hand,) if len(wrt) == 1 else tuple(hand)
    got = adgen.grad(spec["primal"], wrt=wrt if len(wrt) > 1 else wrt[0])(*args)
    got = (got,) if len(wrt) == 1 else tuple(got)
    for h, g in zip(hand, got, strict=True):
        np.testing.assert_allclose(g, h, rtol=1e-9, atol=1e-12)
