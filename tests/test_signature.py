"""The argument signature code is specialised to: shapes, and beside them dtypes and
whether a number is a Python float (so the analysis may rely on them)."""

from __future__ import annotations

import numpy as np

import adgen
from adgen import cache, pipeline
from adgen.analysis.types import Types
from adgen.ir import Var


def square_sum(x):
    return np.sum(x * x)


def loop_dot(w, X):
    total = 0.0
    for i in range(X.shape[0]):
        r = X[i] @ w
        total = total + r * r
    return total


def test_dtype_and_float_kind_are_in_the_key():
    cache.clear_cache()
    g = adgen.grad(square_sum)
    args = [np.ones(3), np.ones(3, dtype=np.float32), 1.5, np.array(1.5), np.float64(1.5)]
    entries = set()
    for a in args:
        out = g(a)
        np.testing.assert_allclose(out, 2 * np.asarray(a, float))
        assert type(out) is type(a) or isinstance(a, np.floating)
        entries.add(id(g._last))
    assert len(entries) == len(args)  # each kind of argument has its own code


def test_split_signature_gives_shapes_and_kinds():
    sig = ((3,), ((3,), "<f4"), (), ((), "<f8"), ((), "int"), "tree", None)
    shapes, kinds = cache.split_signature(sig)
    assert shapes == ((3,), (3,), (), (), (), "tree", None)
    assert kinds == ("<f8", "<f4", "float", "<f8", "int", None, None)


def test_python_floats_and_float_arrays_are_known_floating():
    shapes, kinds = cache.split_signature(((4,), (), ((), "int")))
    fn = pipeline.lower(lambda a, b, n: a * b + n)
    fn.shape_links.extend(pipeline.shape_links(fn.params, shapes, kinds))
    types = Types(fn)
    assert types.of(Var("b")).kind == "float"
    assert types.of(Var("n")).kind == "?"  # an int: not claimed to be a float
    assert types.of(Var("a")).kind == "array"


def test_known_floating_operands_drop_multiplications_by_one():
    w, X = np.ones(3), np.ones((4, 3))
    g = adgen.grad(loop_dot)
    np.testing.assert_allclose(g(w, X), 24 * np.ones(3))
    assert "1.0 *" not in g._last.source
    xi = np.ones((4, 3), dtype=np.int64)  # integer data: the code is generic there
    np.testing.assert_allclose(g(w, xi), 24 * np.ones(3))
