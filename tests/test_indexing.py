"""Indexing, functional writes and aliasing: semantics beyond the catalog's gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.ir import verify
from adgen.primitives import PRIMITIVES
from adgen.testing import check_grads


def element_then_write(A, i):
    B = A * 1.0
    e = B[i]  # a number for a 1-D A, a view (a row) for a 2-D A
    B[i] = B[i] * 0.0 + 7.0
    return np.sum(e * A) + np.sum(B * A)


@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_view_or_copy_decided_at_run_time(shape):
    A = np.random.default_rng(0).standard_normal(shape)
    value, _ = adgen.jvp(element_then_write)(A, 1, np.ones(shape))
    assert np.isclose(value, element_then_write(A, 1))
    check_grads(element_then_write, [A, 1])


def reshape_noncontiguous(A):
    B = (A.T * 1.0).T  # not contiguous: reshape copies
    r = B.reshape(-1)
    r[0] = A[0, 0] ** 2 + 5.0
    return np.sum(B * A) + np.sum(r)


def reshape_contiguous(A):
    B = A * 1.0
    r = B.reshape(-1)
    r[0] = A[0, 0] ** 2 + 5.0
    return np.sum(B * A) + np.sum(r)


def test_reshape_view_or_copy():
    A = np.random.default_rng(1).standard_normal((2, 3))
    for f in (reshape_contiguous, reshape_noncontiguous):
        value, _ = adgen.jvp(f)(A, np.ones_like(A))
        assert np.isclose(value, f(A))
        check_grads(f, [A])


def augmented_number_or_array(x, s):
    a = s * 1.0
    b = a
    b += 1.0  # a number: a keeps its value
    y = x * 1.0
    z = y
    z += x  # an array: y changes too
    return np.sum(y * a) + b


def test_augmented_assignment_numbers_and_arrays():
    x = np.random.default_rng(2).standard_normal(3)
    value, _ = adgen.jvp(augmented_number_or_array)(x, 2.0, np.ones(3))
    assert np.isclose(value, augmented_number_or_array(x, 2.0))
    check_grads(augmented_number_or_array, [x, 2.0], wrt=(0, 1), order=2)


def writes_into_parameter(x):
    x[0] = x[1] * 3.0
    x[1:] *= 2.0
    return np.sum(x**2)


def test_generated_code_leaves_arguments_alone():
    x = np.array([1.0, 2.0, 3.0])
    expected = writes_into_parameter(x.copy())
    g = adgen.grad(writes_into_parameter)
    before = x.copy()
    value, grad = adgen.value_and_grad(writes_into_parameter)(x)
    np.testing.assert_array_equal(x, before)
    assert np.isclose(value, expected)
    np.testing.assert_allclose(grad, [0.0, 2 * 6.0 * 3 + 2 * 4.0 * 2, 2 * 6.0 * 2], rtol=1e-12)
    assert g.source


def readable(x, j):
    y = x.copy()
    y[0] = x[1]
    y[:, j] = 2.0
    y[1:, ...] += x[:-1]
    return y


def test_generated_source_names_versions_after_the_variable():
    src = adgen.vjp(readable).source
    # Versions of y share its name where their lifetimes allow; y is a copy the
    # code owns and no old version is read again, so the writes are in place.
    assert "y[0] = " in src
    assert "y[:, j] = 2.0" in src
    assert "gather_written(" in src and "scatter_add(" in src
    check_grads(readable, [np.random.default_rng(3).standard_normal((3, 2)), 1])


def test_lowered_ir_verifies():
    for f in (element_then_write, reshape_contiguous, augmented_number_or_array, readable):
        verify(pipeline.lower(f), PRIMITIVES)


def scatter_duplicates(x, v):
    y = x * 1.0
    idx = [1, 1, 3, 1]
    y[idx] = v  # position 1 is written three times: the last write wins
    y[idx] += 1.0  # buffered: position 1 gets one increment
    return y


def test_repeated_indices_follow_numpy():
    rng = np.random.default_rng(4)
    x, v = rng.standard_normal(5), rng.standard_normal(4)
    value, _ = adgen.jvp(scatter_duplicates, wrt=(0, 1))(x, v, np.ones(5), np.ones(4))
    np.testing.assert_allclose(value, scatter_duplicates(x, v))
    g = adgen.vjp(scatter_duplicates, wrt=1)(x, v, np.ones(5))
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, 1.0])
    check_grads(scatter_duplicates, [x, v], wrt=(0, 1))


def hessian_through_writes(x):
    y = x * 1.0
    y[0] = x[1] * x[2]
    y[[1, 1]] += x[:2] ** 2
    w = y[2]
    y[2] = w**3
    return np.sum(y**2)


def test_second_order_through_writes():
    x = np.random.default_rng(5).standard_normal(3)
    check_grads(hessian_through_writes, [x], order=2)
    H = adgen.hessian(hessian_through_writes)(x)
    np.testing.assert_allclose(H, H.T, atol=1e-10)


def subscript_of_shape_and_len(x):
    n = x.shape[0]
    m = len(x)
    k = x.shape[x.ndim - 1]  # a tuple indexed at run time
    return np.sum(x[n - 1] * x[: m // 2]) + x.shape[-1] * x.size * x.ndim * k


def test_shapes_are_plain_values():
    check_grads(subscript_of_shape_and_len, [np.random.default_rng(6).standard_normal(4)])


SHAPE = (2, 3)


def constant_tuple_subscripts(x):
    return np.sum(x.reshape(SHAPE[0], SHAPE[1]), axis=SHAPE[0] - 1) * SHAPE[-1]


def test_constant_subscripts_stay_constant():
    x = np.arange(6.0)
    check_grads(constant_tuple_subscripts, [x])
    assert "axis=1" in adgen.source(constant_tuple_subscripts)
