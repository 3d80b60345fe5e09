"""A grad's caller discards the value: code specialised to scalar-output shapes
leaves it out (pipeline.Request.value), and DCE drops the loops that only summed it."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.testing import check_grads


def heating(p, T0):
    T = T0
    cost = 0.0
    for t in range(p.shape[0]):
        T = T + 0.1 * (p[t] - T)
        cost = cost + 0.3 * p[t] + (T - 21.0) ** 2
    return cost


def vector_out(x):
    return np.sin(x)


def _state(f, args, value, wrt=("p",)):
    shapes = tuple(np.shape(a) for a in args)
    return pipeline.run(pipeline.Request(f, "grad", wrt, shapes=shapes, value=value))


def _code(src):
    body = src.split('"""')[2]
    return [ln for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_grad_without_value_drops_the_summed_slot_and_agrees():
    p = np.linspace(0.0, 2.0, 7)
    state = _state(heating, (p, 18.0), value=False)
    src = state.emitted[0].source
    assert state.value_free and not any("cost" in ln for ln in _code(src))
    assert "Returns the gradient (the value is not computed)." in src
    kept = _state(heating, (p, 18.0), value=True)
    assert not kept.value_free and any("cost" in ln for ln in _code(kept.emitted[0].source))
    g = adgen.grad(heating)
    value, g2 = adgen.value_and_grad(heating)(p, 18.0)
    np.testing.assert_allclose(g(p, 18.0), g2, rtol=1e-14)
    assert g._last.value_free and value == pytest.approx(heating(p, 18.0))
    check_grads(heating, [p, 18.0])


def test_non_scalar_output_is_still_refused():
    x = np.ones(3)
    assert not _state(
        vector_out, (x,), value=False, wrt=("x",)
    ).value_free  # known not to be a scalar
    with pytest.raises(adgen.DifferentiationError, match="scalar output"):
        adgen.grad(vector_out)(x)


def rosen_loop(x):
    total = 0.0
    for i in range(x.shape[0] - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def carried_state(x):
    s = 0.0
    y = 1.0
    for i in range(x.shape[0]):
        y = y * 0.5 + x[i]  # a carried value: its tape cannot be recomputed
        s = s + y**2
    return s


def test_a_forward_loop_that_only_tapes_is_replaced_by_recomputing():
    x = np.random.default_rng(3).uniform(-1.5, 1.5, 9)
    free = _state(rosen_loop, (x,), value=False, wrt=("x",))
    code = _code(free.emitted[0].source)
    assert sum(ln.lstrip().startswith("for ") for ln in code) == 1, code
    assert not any("tape" in ln for ln in code)
    # The value is wanted: the forward loop stays, and so does its tape of x[i+1] - x[i]**2.
    kept = _code(_state(rosen_loop, (x,), value=True, wrt=("x",)).emitted[0].source)
    assert sum(ln.lstrip().startswith("for ") for ln in kept) == 2
    g = adgen.grad(rosen_loop)
    value, g2 = adgen.value_and_grad(rosen_loop)(x)
    np.testing.assert_allclose(g(x), g2, rtol=1e-13)
    assert g._last.value_free and value == pytest.approx(rosen_loop(x))
    check_grads(rosen_loop, [x])


def test_a_carried_value_is_still_taped():
    x = np.random.default_rng(4).standard_normal(6)
    code = _code(_state(carried_state, (x,), value=False, wrt=("x",)).emitted[0].source)
    assert any("tape" in ln for ln in code)
    np.testing.assert_allclose(
        adgen.grad(carried_state)(x), adgen.value_and_grad(carried_state)(x)[1], rtol=1e-13
    )
    check_grads(carried_state, [x])


def midpoint(r, K, y0, dt, n):
    y = y0
    for _ in range(n):
        k1 = r * y * (1.0 - y / K)
        ym = y + 0.5 * dt * k1
        k2 = r * ym * (1.0 - ym / K)
        y = y + dt * k2
    return y


def test_numbers_cheaply_had_from_other_slots_are_not_taped():
    args = (0.8, 10.0, 0.5, 0.01, 50)
    shapes = tuple(np.shape(a) for a in args)
    state = pipeline.run(pipeline.Request(midpoint, "grad", ("r", "K"), shapes=shapes, value=False))
    code = _code(state.emitted[0].source)
    # y and ym are taped; r * y, y / K, 1 - y / K ... are recomputed from them
    assert [ln.strip() for ln in code if ".append(" in ln] == ["tape.append((y, ym))"], code
    g = adgen.grad(midpoint, ("r", "K"))(*args)
    np.testing.assert_allclose(g, adgen.value_and_grad(midpoint, ("r", "K"))(*args)[1], rtol=1e-13)
    check_grads(midpoint, list(args), wrt=("r", "K"))
