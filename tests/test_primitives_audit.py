"""No entry of the primitive table silently treats an active operand as a constant.

Every operand a primitive has no derivative rule for must be explained in
:data:`adgen.primitives.constant.CONSTANT_IN` (its derivative there is zero
almost everywhere); the piecewise-constant and test entries are checked
numerically; and operands whose derivative is not zero are refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen.primitives import PRIMITIVES
from adgen.primitives.constant import CONSTANT_IN, PIECEWISE, TEST
from adgen.primitives.core import load_deferred

load_deferred(force=True)

# Differentiated by the transforms themselves, operand by operand.
STRUCTURAL = {"if", "for_range", "while", "call", "tape_new"}


def ignored_operands(name: str) -> list[str]:
    prim = PRIMITIVES[name]
    return [prim.operands[i] for i in range(len(prim.operands)) if prim.vjp_rule(i) is None]


def test_every_ignored_operand_has_zero_derivative_by_declaration():
    unexplained = {
        name: ignored_operands(name)
        for name in PRIMITIVES
        if name not in STRUCTURAL
        and not name.startswith("custom.")
        and ignored_operands(name)
        and name not in CONSTANT_IN
    }
    assert not unexplained, (
        f"primitives that treat these operands as constants without saying why: {unexplained}; "
        "give them a derivative rule, a rule that raises DifferentiationError, or an entry "
        "in adgen.primitives.constant.CONSTANT_IN"
    )


def test_declarations_name_real_primitives():
    assert not set(CONSTANT_IN) - set(PRIMITIVES)


FLAT = [
    n
    for n, why in CONSTANT_IN.items()
    if why in (PIECEWISE, TEST)
    and PRIMITIVES[n].callables
    and PRIMITIVES[n].elementwise
    or n in ("floor", "ceil", "rint", "trunc", "sign", "isnan", "isfinite", "signbit")
]


@pytest.mark.parametrize("name", sorted(set(FLAT)))
def test_piecewise_constant_entries_are_flat(name):
    """Finite differences of the function itself are zero at random points."""
    fn = PRIMITIVES[name].callables[0]
    rng = np.random.default_rng(3)
    n = len(PRIMITIVES[name].operands)
    xs = [rng.uniform(-3, 3, 50) for _ in range(n)]
    ignored = ignored_operands(name)
    for i in [k for k, o in enumerate(PRIMITIVES[name].operands) if o in ignored]:
        hi = [x + 1e-7 * (k == i) for k, x in enumerate(xs)]
        lo = [x - 1e-7 * (k == i) for k, x in enumerate(xs)]
        diff = np.asarray(fn(*hi), dtype=float) - np.asarray(fn(*lo), dtype=float)
        assert np.count_nonzero(diff) == 0, name


def arange_start(x):
    return np.sum(np.arange(x, 5.0))


def arange_step(x):
    return np.sum(np.arange(0.0, 5.0, x))


def arange_stop(x):
    return np.sum(np.arange(0.0, x) * x)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_operands_with_a_nonzero_derivative_are_refused(mode):
    def run(f, x):
        return adgen.grad(f)(x) if mode == "grad" else adgen.jvp(f)(x, 1.0)

    for f in (arange_start, arange_step):
        with pytest.raises(adgen.DifferentiationError, match="arange"):
            run(f, 0.5)
    # The stop only sets the count: zero derivative, not refused.
    assert np.isclose(
        run(arange_stop, 3.5) if mode == "grad" else run(arange_stop, 3.5)[1],
        np.sum(np.arange(0.0, 3.5)),
    )


try:
    import scipy.special as scipy_special
except ImportError:  # SciPy is optional
    scipy_special = None


def polygamma_in_n(n, x):
    return scipy_special.polygamma(n, x)


@pytest.mark.skipif(scipy_special is None, reason="needs SciPy")
def test_polygamma_order_is_refused():
    with pytest.raises(adgen.DifferentiationError, match="order n"):
        adgen.grad(polygamma_in_n, 0)(1.0, 2.0)
    with pytest.raises(adgen.DifferentiationError, match="order n"):
        adgen.jvp(polygamma_in_n, 0)(1.0, 2.0, 1.0)
    assert np.isclose(adgen.grad(polygamma_in_n, 1)(1.0, 2.0), scipy_special.polygamma(2, 2.0))
