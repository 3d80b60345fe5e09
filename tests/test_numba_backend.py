"""The numba backend gives the NumPy backend's numbers, or refuses cleanly.

The catalog's loop, branch, call and indexing cases run through both backends
in both modes (a JVP with a random tangent, a VJP with a random cotangent)
and, for the cases of order 2, as a Hessian; the results must agree to
rounding. A case numba cannot compile must be refused with a
:class:`adgen.DifferentiationError` that names the numba backend: nothing
else is accepted, and the cases in ``MUST_COMPILE`` may not be refused.
Skipped, with the reason, where numba is not importable.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from catalog import CASES

import adgen
from adgen import DifferentiationError
from adgen.api import normalize_wrt
from adgen.jit import unavailable

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

COMPARED = [
    # loops and branches
    "recurrence_1000",
    "nested_loops",
    "newton_sqrt",
    "break_continue",
    "early_return_in_loop",
    "early_return_branches",
    "branch_on_values",
    "loop_over_rows",
    "loop_carried_array",
    "conditional_expression",
    "euler_ode",
    # calls to the user's functions
    "calls_helpers",
    "recursion_bounded",
    "helper_in_loop",
    # indexing
    "index_basic",
    "index_multi",
    "index_int_arrays",
    "index_array_argument",
    "index_masks",
    "index_tuples",
]
# Cases the numba backend must compile (in both modes): a refusal of one is a failure.
MUST_COMPILE = {
    "recurrence_1000",
    "nested_loops",
    "newton_sqrt",
    "break_continue",
    "early_return_in_loop",
    "branch_on_values",
    "conditional_expression",
    "euler_ode",
    "index_basic",
}
BY_NAME = {c.name: c for c in CASES}


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [np.asarray(x, dtype=float)]


def _agree(a: Any, b: Any) -> None:
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert x.shape == y.shape
        np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12)


def _random(x: Any, rng: np.random.Generator) -> Any:
    return rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal())


def _both(name: str, build: Any) -> None:
    """``build(backend)`` under both backends: equal results, or a clean refusal."""
    expected = build("numpy")
    try:
        got = build("numba")
    except DifferentiationError as exc:
        assert "numba" in str(exc), exc
        assert name not in MUST_COMPILE, f"{name} refused: {exc}"
        return
    _agree(expected, got)


@pytest.mark.parametrize("name", COMPARED)
def test_numba_matches_numpy_both_modes(name: str) -> None:
    case = BY_NAME[name]
    rng = np.random.default_rng(7)
    args = case.make(rng)
    positions = normalize_wrt(case.f, case.wrts[0])[1]
    tangents = [_random(args[p], rng) for p in positions]
    cotangent = _random(case.f(*args), rng)

    _both(name, lambda be: adgen.jvp(case.f, tuple(positions), backend=be)(*args, *tangents))
    _both(name, lambda be: adgen.vjp(case.f, tuple(positions), backend=be)(*args, cotangent))


@pytest.mark.parametrize("name", COMPARED)
def test_numba_grad_without_its_value_matches_numpy(name: str) -> None:
    """``grad`` leaves the value out (and may drop loops that only taped); its
    gradient must be value_and_grad's."""
    case = BY_NAME[name]
    args = case.make(np.random.default_rng(11))
    if np.ndim(case.f(*args)) != 0:
        pytest.skip("not a scalar function")
    positions = tuple(normalize_wrt(case.f, case.wrts[0])[1])
    expected = adgen.value_and_grad(case.f, positions)(*args)[1]
    _both(
        name,
        lambda be: adgen.grad(case.f, positions, backend=be)(*args) if be == "numba" else expected,
    )


# A few (each Hessian compiles a gradient and a JVP of it): loops, a while, a break.
HESSIANS = ["recurrence_1000", "newton_sqrt", "break_continue", "conditional_expression"]


@pytest.mark.parametrize("name", HESSIANS)
def test_numba_hessian_matches_numpy(name: str) -> None:
    case = BY_NAME[name]
    args = case.make(np.random.default_rng(3))
    _both(name, lambda be: adgen.hessian(case.f, case.wrts[0], backend=be)(*args))


def heating(power, T_out, T0):
    T = T0
    cost = 0.0
    for t in range(power.shape[0]):
        T = T + 0.1 * (0.1 * (T_out[t] - T) + power[t] / 0.5)
        cost = cost + 0.03 * power[t] + (T - 21.0) ** 2
    return cost


def test_grad_value_and_grad_jacobian_and_decorator() -> None:
    rng = np.random.default_rng(0)
    args = (rng.uniform(0.0, 2.0, 30), rng.normal(5.0, 1.0, 30), 18.0)
    g = adgen.grad(heating, backend="numba")
    _agree(adgen.grad(heating)(*args), g(*args))
    _agree(
        adgen.value_and_grad(heating)(*args), adgen.value_and_grad(heating, backend="numba")(*args)
    )
    _agree(adgen.jacobian(heating, 0)(*args), adgen.jacobian(heating, 0, backend="numba")(*args))
    deco = adgen.differentiate(wrt=0, backend="numba")(heating)
    _agree(adgen.grad(heating)(*args), deco(*args))
    # The tape of the loop is typed arrays, not a list.
    src = g._last.source
    assert "np.empty(trip_count(" in src and ".append(" not in src


def matrix_vector(A, x):
    return np.sum(np.tanh(A @ x))


def test_refused_up_front_or_answered_by_numpy_with_a_warning() -> None:
    # A stack of matrices: the matmul adjoint stays a run-time helper numba lacks (a
    # 2-D A @ x becomes A.T @ g once shapes are known, which numba compiles).
    A, x = np.arange(12.0).reshape(2, 2, 3) / 12, np.ones(3)
    with pytest.raises(DifferentiationError, match=r"matmul.*line \d+"):
        adgen.grad(matrix_vector, 1, backend="numba")(A, x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = adgen.grad(matrix_vector, 1, backend="numba", fallback="numpy")(A, x)
    _agree(adgen.grad(matrix_vector, 1)(A, x), g)
    assert any("numba" in str(w.message) and "matmul" in str(w.message) for w in caught)
    with pytest.raises(DifferentiationError, match="backend"):
        adgen.grad(heating, backend="jax")


def test_cache_true_writes_numba_cache_files(tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("ADGEN_CACHE_DIR", str(tmp_path))
    args = (np.linspace(0.0, 1.0, 8), np.zeros(8), 18.0)
    g = adgen.grad(heating, backend="numba", cache=True)(*args)
    _agree(adgen.grad(heating)(*args), g)
    assert list((tmp_path / "numba").glob("adgen_*.py"))
    assert list((tmp_path / "numba" / "__pycache__").glob("*.nbi"))


def test_jacobian_and_hessian_objects_compile_with_numba() -> None:
    rng = np.random.default_rng(1)
    args = (rng.uniform(0.0, 2.0, 8), rng.normal(5.0, 1.0, 8), 18.0)
    jac = adgen.jacobian(heating, 0, mode="forward", backend="numba")
    hess = adgen.hessian(heating, 0, backend="numba")
    _agree(adgen.jacobian(heating, 0, mode="forward")(*args), jac(*args))
    _agree(adgen.hessian(heating, 0)(*args), hess(*args))
    # Every derivative the objects call is a numba one (not the NumPy backend's).
    for obj in (jac, hess):
        assert obj._nested and all(d._backend[0] == "numba" for d in obj._nested)
        assert type(obj._nested[-1]._last.func).__name__ == "NumbaFunction"


def test_backend_keywords_beside_the_refused_ones() -> None:
    with pytest.raises(DifferentiationError, match="wrt=1"):
        adgen.grad(heating, argnums=1, backend="numba")
    with pytest.raises(DifferentiationError, match="unexpected keyword"):
        adgen.jacobian(heating, 0, backend="numba", bogus=True)
    with pytest.raises(DifferentiationError, match="backend must be"):
        adgen.hessian(heating, 0, backend="jax")


def test_closure_arrays_are_read_anew_for_each_closure() -> None:
    # numba freezes an array global into the machine code: a closure over other data
    # must not reuse the code compiled for the first one.
    def make(w):
        def loss(x):
            return np.sum(w * x * x)

        return loss

    x = np.arange(4.0)
    for w in (np.ones(4), np.arange(4.0) + 2.0):
        f = make(w)
        g = adgen.grad(f, backend="numba")
        np.testing.assert_allclose(g(x), 2.0 * w * x)
        # ... and runs compiled code for each (not a Python rebinding of the first's).
        assert type(adgen.cache.function_for(g._last, f)).__name__ == "NumbaFunction"


HEAT_MODEL = """
import numpy as np


def heat(power, t_out, t0):
    temp = t0
    cost = 0.0
    for t in range(power.shape[0]):
        temp = temp + 0.1 * (0.1 * (t_out[t] - temp) + power[t] / 0.5)
        cost = cost + 0.3 * power[t] + np.sin(temp - 21.0) ** 2
    return cost
"""


def test_generate_backend_numba_writes_an_njit_module(tmp_path: Any, monkeypatch: Any) -> None:
    """``adgen generate --backend numba``: a module importing NumPy and numba only, whose
    derivatives are numba dispatchers giving the NumPy backend's numbers."""
    import importlib
    import sys

    import numba

    from adgen.cli import main

    (tmp_path / "heatmodel.py").write_text(HEAT_MODEL)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "heat_numba.py"
    assert main(["generate", "heatmodel.py:heat", "-o", str(out), "--backend", "numba"]) == 0
    text = out.read_text()
    assert "adgen" not in "\n".join(ln for ln in text.splitlines() if "import" in ln)
    assert "@numba.njit\ndef heat_grad(" in text
    sys.modules.pop("heat_numba", None)
    mod = importlib.import_module("heat_numba")
    model = importlib.import_module("heatmodel")
    assert isinstance(mod.heat_grad, numba.core.registry.CPUDispatcher)
    rng = np.random.default_rng(3)
    args = (rng.uniform(0, 2, 50), rng.normal(5, 1, 50), 18.0)
    expected = adgen.grad(model.heat)(*args)
    np.testing.assert_allclose(mod.heat_grad(*args), expected, rtol=1e-12, atol=1e-14)
