"""Reverse mode over reverse-mode code with loops: grad(grad(f)), to third order.

Every derivative is checked against central finite differences of the
derivative one order below (itself checked the same way), on seeded inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.ir import walk
from adgen.testing import check_grads, numeric_jvp


def _for(x):
    y = x
    for _ in range(3):
        y = y * x
    return y  # x ** 4


def _while(x):
    s = x
    k = 0
    while k < 4:
        s = np.sin(s) + x * 0.5
        k = k + 1
    return s


def _break(x):
    s = 0.0
    for i in range(10):
        s = s + np.tanh(x * (i + 1))
        if s > 2.5:
            break
    return s * x


def _nested(x):
    s = x
    for i in range(3):
        t = s
        for _ in range(i + 1):
            t = np.sin(t) * x
        s = s + t
    return s


def _branch_in_loop(x):
    s = x
    for i in range(4):
        if np.sin(s * (i + 1)) > 0.0:
            s = s * np.cos(s) + x
        else:
            s = np.exp(-s * s) * x
    return s


def _loop_in_branch_in_loop(x):
    s = x
    for i in range(3):
        if i % 2 == 0:
            t = s
            for _ in range(2):
                t = np.sin(t * x)
            s = s + t
        else:
            s = s * x
    return s


def _newton(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 and k < 50:
        x = 0.5 * (x + a / x)
        k = k + 1
    return x * x * x  # a ** 1.5


def _inner(w, x):
    for _ in range(2):
        x = np.tanh(w * x)
    return x


def _calls_loop(w):
    s = 0.0
    for i in range(3):
        s = s + _inner(w, 0.3 * (i + 1))
    return s


SCALAR = [
    (_for, 1.3),
    (_while, 0.7),
    (_break, 0.4),
    (_nested, 0.6),
    (_branch_in_loop, 0.9),
    (_loop_in_branch_in_loop, 0.8),
    (_newton, 2.0),
    (_calls_loop, 0.7),
]


def _fd(f, x, eps=1e-5):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("f,x", SCALAR, ids=[f.__name__ for f, _ in SCALAR])
def test_reverse_over_reverse_to_third_order(f, x):
    g1 = adgen.grad(f)
    g2 = adgen.grad(g1)
    g3 = adgen.grad(g2)
    assert g1(x) == pytest.approx(_fd(f, x), rel=1e-6, abs=1e-8)
    assert g2(x) == pytest.approx(_fd(g1, x), rel=1e-6, abs=1e-8)
    assert g3(x) == pytest.approx(_fd(g2, x), rel=1e-5, abs=1e-7)
    # The other ways to the same derivatives agree exactly (to rounding).
    assert g2(x) == pytest.approx(adgen.jvp(g1)(x, 1.0)[1], rel=1e-12, abs=1e-12)
    assert g3(x) == pytest.approx(adgen.jvp(g2)(x, 1.0)[1], rel=1e-10, abs=1e-10)


def test_known_values_through_a_loop():
    assert adgen.grad(adgen.grad(_for))(1.5) == pytest.approx(12 * 1.5**2)
    assert adgen.grad(adgen.grad(adgen.grad(_for)))(1.5) == pytest.approx(24 * 1.5)
    assert adgen.grad(adgen.grad(_newton))(2.0) == pytest.approx(0.75 / np.sqrt(2.0))


def _array_loop(x, W):
    h = x
    for _ in range(3):
        h = np.tanh(W @ h) + 0.5 * h
    return np.sum(h**2)


def test_vjp_of_a_gradient_with_array_loops():
    rng = np.random.default_rng(3)
    x, W = rng.standard_normal(3), 0.5 * rng.standard_normal((3, 3))
    g = adgen.grad(_array_loop, wrt=0)
    # Reverse over reverse (the vjp of the gradient) and forward over reverse.
    check_grads(g, [x, W], wrt=(0, 1), modes=("forward", "reverse"))
    # Third order: the vjp of that vjp, against finite differences of it.
    gv = adgen.vjp(g, wrt=0)
    u = rng.standard_normal(3)
    check_grads(gv, [x, W, u], wrt=0, modes=("forward", "reverse"))
    d, v = rng.standard_normal(3), rng.standard_normal(3)
    fd = numeric_jvp(gv, [x, W, u], [0], [d])
    third = adgen.vjp(gv, wrt=0)(x, W, u, v)
    assert np.vdot(third, d) == pytest.approx(np.vdot(v, fd), rel=1e-5)


def test_reverse_over_reverse_keeps_tapes_to_what_it_reads():
    src = adgen.source(adgen.grad(_for))  # the source of grad(grad(_for))
    # One adjoint tape for the one first-order tape, pushed and popped in loops.
    assert src.count("btape = []") == 1
    assert "btape.append(" in src and "btape.pop()" in src


@pytest.mark.parametrize("f,x", SCALAR, ids=[f.__name__ for f, _ in SCALAR])
def test_reverse_over_reverse_ir_verifies(f, x):
    g = adgen.grad(f)
    first = pipeline.lower(g)  # the gradient's IR, tapes included
    assert any(op.prim == "tape_push" for op in walk(first.body)) or f is _calls_loop
    # check=True: every function (callees too) is verified after every stage.
    for kind in ("vjp", "grad", "jvp"):
        pipeline.run(pipeline.Request(g, kind, tuple(first.params[:1])), check=True)
