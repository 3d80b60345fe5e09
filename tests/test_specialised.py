"""Code specialised to argument shapes: the type analysis, and the rewrites using it
keep every value and derivative (checked against NumPy and finite differences)."""

from __future__ import annotations

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.analysis.types import Types
from adgen.primitives.core import Ty
from adgen.testing import check_grads


def _source(f, args, wrt=("x",)):
    shapes = tuple(np.shape(a) for a in args)
    return pipeline.run(pipeline.Request(f, "grad", wrt, shapes=shapes)).emitted[0].source


def shapes_of(x, A):
    n = x.shape[0]
    a = x[1:]
    b = A[0]
    c = A[:, 1:3]
    d = np.sum(A, axis=0)
    e = np.sum(A, axis=1, keepdims=True)
    f = A @ x
    g = x[None, :] * A
    h = x[2]
    grow = x
    for _ in range(3):
        grow = np.concatenate([grow, x])
    return n, a, b, c, d, e, f, g, h, grow


def test_types_follow_indexing_reductions_products_and_loops():
    fn = pipeline.lower(shapes_of)
    fn.shape_links.extend(pipeline.shape_links(fn.params, ((4,), (3, 4))))
    types = Types(fn)
    got = [types.of(v) for v in fn.body.results]
    assert got[0] == Ty("int", (), 4)
    assert got[1].shape == (3,)
    assert got[2].shape == (4,)
    assert got[3].shape == (3, 2)
    assert got[4].shape == (4,)
    assert got[5].shape == (3, 1)
    assert got[6].shape == (3,)
    assert got[7].shape == (3, 4)
    assert got[8].shape == ()
    assert got[9].shape is None  # a carried value whose shape changes is not known


def _indent_of(text, src):
    line = next(ln for ln in src.splitlines() if text in ln and not ln.strip().startswith("#"))
    return len(line) - len(line.lstrip())


def invariant_may_raise(x, c):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] * (1.0 / c)
    return total


def test_licm_moves_invariants_only_out_of_loops_that_run():
    x = np.array([0.5, -1.0, 2.0])
    src = _source(invariant_may_raise, (x, 2.0))
    assert _indent_of("1.0 / c", src) == 4  # before the loop
    check_grads(invariant_may_raise, [x, 2.0])
    # An empty loop never divides: neither may its derivative.
    empty = np.zeros(0)
    assert _indent_of("1.0 / c", _source(invariant_may_raise, (empty, 0.0))) == 8
    assert adgen.value_and_grad(invariant_may_raise)(empty, 0.0)[0] == 0.0


def reads_then_breaks(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + np.sin(x[i]) * x[i + 1]
        if s > 1.0:
            break
    return s


def reads_in_loop(x, w):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + w * np.sin(x[i]) * x[i + 1] + x[i] * x[i]
    return s


def test_tapes_recompute_reads_and_keep_loops_that_break():
    x = np.linspace(0.1, 0.9, 7)
    src = _source(reads_in_loop, (x, 0.5), ("x", "w"))
    tapes = [line for line in src.splitlines() if "tape.append" in line]
    assert tapes and all("x[" not in t for t in tapes)
    check_grads(reads_in_loop, [x, 0.5], wrt=(0, 1))
    for v in (x, 3 * x):  # breaks early, or never
        check_grads(reads_then_breaks, [v])


def seeded_loop(x, n):
    acc = 0.0
    for _ in range(n):
        acc = acc * 0.5 + np.sum(x * x)
    return acc


@pytest.mark.parametrize("n", [0, 1, 5])
def test_invariant_adjoints_and_dead_slots(n):
    x = np.array([1.0, 2.0, -0.5])
    value, g = adgen.value_and_grad(seeded_loop)(x, n)
    assert np.isclose(value, seeded_loop(x, n))
    check_grads(seeded_loop, [x, n])


def broadcasts_through_scalars(x, b):
    y = x + b
    return np.sum(100.0 * (y * y)) + np.mean(y)


def test_broadcast_and_unbroadcast_of_known_shapes():
    x, b = np.ones((3, 4)) * 0.3, np.array([0.1, 0.2, 0.3, 0.4])
    src = _source(broadcasts_through_scalars, (x, b), ("x", "b"))
    assert "broadcast_like(" not in src and "unbroadcast(" not in src
    check_grads(broadcasts_through_scalars, [x, b], wrt=(0, 1))
