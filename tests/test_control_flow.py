"""Control flow beyond the catalog: memory of long loops, loops kept as loops, errors."""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest
from catalog import recurrence_1000

import adgen


def _peak_bytes(f, *args) -> int:
    tracemalloc.start()
    try:
        f(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_long_loop_memory_is_proportional_to_kept_values():
    g = adgen.grad(recurrence_1000)
    g(0.5, 10)  # compile first
    small = _peak_bytes(g, 0.5, 10_000)
    large = _peak_bytes(g, 0.5, 100_000)
    # Two floats are kept per step (about 100 bytes with their tuple).
    assert large < 200 * 100_000
    assert large / small == pytest.approx(10, rel=0.3)


def test_long_loop_gradient_is_right():
    a, n = 0.7, 100_000
    g = adgen.grad(recurrence_1000)(a, n)
    eps = 1e-6
    fd = (recurrence_1000(a + eps, n) - recurrence_1000(a - eps, n)) / (2 * eps)
    assert g == pytest.approx(fd, rel=1e-5)


def test_adjoint_of_a_loop_is_a_loop():
    src = adgen.source(recurrence_1000)
    assert len(re.findall(r"^\s*for ", src, re.M)) == 2
    assert "reversed(range(n))" in src
    assert "tape.append(" in src and "tape.pop()" in src
    assert len(src.splitlines()) < 40


def test_hessian_through_a_loop():
    def f(x):
        s = 0.0
        for i in range(3):
            s = s + np.sum(np.sin(x * (i + 1)) ** 2)
        return s

    x = np.array([0.3, -0.2])
    H = adgen.hessian(f)(x)
    expected = np.diag(
        [sum(2 * (i + 1) ** 2 * np.cos(2 * (i + 1) * v) for i in range(3)) for v in x]
    )
    np.testing.assert_allclose(H, expected, rtol=1e-10)


def test_third_order_through_a_loop():
    def f(x):
        y = x
        for _ in range(3):
            y = y * x
        return y  # x ** 4

    # Reverse over reverse over reverse (see test_reverse_higher.py for more).
    assert adgen.grad(adgen.grad(f))(1.5) == pytest.approx(12 * 1.5**2)
    assert adgen.grad(adgen.grad(adgen.grad(f)))(1.5) == pytest.approx(24 * 1.5)
    # Forward over forward over reverse: d/dx of (d2f/dx2 * 1) = 24 x.
    h = adgen.jvp(adgen.grad(f))
    assert h(1.5, 1.0)[1] == pytest.approx(12 * 1.5**2)
    k = adgen.jvp(h, wrt=0)
    (value, second), (_, third) = k(1.5, 1.0, 1.0)
    assert second == pytest.approx(12 * 1.5**2)
    assert third == pytest.approx(24 * 1.5)


def test_loop_variable_used_after_loop_has_its_last_value():
    def f(x):
        for i in range(3):  # noqa: B007
            x = x * 2
        return x * i

    assert adgen.grad(f)(1.0) == 16.0


def test_name_defined_only_in_loop_has_its_last_value():
    def f(x):
        for _ in range(3):
            y = x * 2
        return y

    assert adgen.grad(f)(1.0) == 2.0


def test_for_else_runs_the_else_clause_when_the_loop_did_not_break():
    def f(x):
        for _ in range(3):
            x = x * 2
        else:
            x = x + 1
        return x

    assert adgen.grad(f)(1.0) == 8.0


def test_trip_count_from_argument():
    def f(x, n):
        for _ in range(n):
            x = np.sin(x)
        return x

    g = adgen.grad(f)
    for n in (0, 1, 5):
        expected = 1.0
        x = 0.4
        for _ in range(n):
            expected *= np.cos(x)
            x = np.sin(x)
        assert g(0.4, n) == pytest.approx(expected)


def test_nested_function_writing_enclosing_array_is_refused():
    def f(x):
        y = x.copy()

        def bump(i):
            y[i] = 0.0
            return i

        k = bump(0)
        return np.sum(y) * k

    with pytest.raises(adgen.UnsupportedSyntaxError, match="enclosing function"):
        adgen.grad(f)(np.ones(3))


def test_name_bound_on_one_path_only_is_refused():
    def f(x):
        if x > 0:
            y = x * 2
        return y

    with pytest.raises(adgen.UnsupportedSyntaxError, match="only some paths") as err:
        adgen.grad(f)(-1.0)
    assert "return y" in str(err.value)


def test_name_bound_on_every_path_that_continues_is_fine():
    def f(x):
        if x > 0:
            y = x * 2
        else:
            return x
        return y * 3

    assert adgen.grad(f)(1.0) == pytest.approx(6.0)
    assert adgen.grad(f)(-1.0) == pytest.approx(1.0)


def test_every_catalog_derivative_passes_the_verifier():
    from catalog import CASES

    from adgen import pipeline

    for case in CASES:
        types, trees = case.types(), case.trees()
        primal = pipeline.lower(case.f, trees=trees, types=types)
        names = tuple(case.first_wrt(primal))
        for kind in ("vjp", "jvp"):
            # check=True: every function is verified after every stage.
            request = pipeline.Request(case.f, kind, names, trees=trees, types=types)
            pipeline.run(request, check=True)
