"""The IR passes, one contract each, on small hand-built functions."""

from __future__ import annotations

import numpy as np

import adgen
from adgen import passes
from adgen.ir import Block, Const, Function, Namer, Op, Var
from adgen.passes import identities
from adgen.primitives.core import Builder


def _fn(*ops: Op, params=("x", "n"), results=("r",)) -> Function:
    return Function("f", list(params), Block([], list(ops), [Var(r) for r in results]))


def _prims(fn: Function) -> list[str]:
    return [op.prim for op in fn.body.ops]


def test_identities_keep_a_floating_operand():
    fn = _fn(Op(["s"], "sin", [Var("x")]), Op(["r"], "mul", [Const(1.0), Var("s")]))
    identities.run(fn)
    assert _prims(fn) == ["sin"] and fn.body.results == [Var("s")]


def test_identities_leave_dtype_changes_alone():
    """``n * 1.0`` is a float for an integer n, ``m * 1`` an integer for a mask m."""
    fn = _fn(
        Op(["m"], "gt", [Var("x"), Const(0.0)]),
        Op(["a"], "mul", [Var("n"), Const(1.0)]),
        Op(["b"], "mul", [Var("m"), Const(1)]),
        Op(["c"], "div", [Var("n"), Const(1)]),
        Op(["r"], "add", [Var("a"), Var("b")]),
        results=("r", "c"),
    )
    identities.run(fn)
    assert _prims(fn) == ["gt", "mul", "mul", "div", "add"]


def test_identities_never_multiply_by_zero():
    """``x * 0`` is nan for inf and has x's shape: it stays."""
    fn = _fn(Op(["s"], "sin", [Var("x")]), Op(["r"], "mul", [Var("s"), Const(0.0)]))
    identities.run(fn)
    assert _prims(fn) == ["sin", "mul"]


def test_identities_fold_constants_and_double_negation():
    fn = _fn(
        Op(["a"], "mul", [Const(3.0), Const(1.0)]),
        Op(["s"], "exp", [Var("x")]),
        Op(["t"], "neg", [Var("s")]),
        Op(["u"], "neg", [Var("t")]),
        Op(["r"], "add", [Var("u"), Var("a")]),
    )
    identities.run(fn)
    assert fn.body.ops[-1].args == [Var("s"), Const(3.0)]


def test_the_builder_uses_the_same_table():
    b = Builder(Namer())
    x = b.sym(Var("x"))
    assert (x * 1.0).v == Var("x") and (0 + x).v == Var("x") and (x - 0).v == Var("x")
    negated = -x
    assert (x / 1).v == Var("x") and (-negated).v == Var("x")
    assert (b.sym(2.0) * 3).v == Const(6.0)
    assert b.ops[-1].prim == "neg"  # -x was built; its negation reused x
    assert (x * 0).v != Const(0)


def test_identities_reach_generated_code():
    """The seed 1.0 of a gradient no longer shows as ``1.0 * ...``."""

    def f(x):
        return np.sin(x) * np.exp(x)

    grad = adgen.grad(f)
    text = grad.source
    assert "def " in text and "1.0 *" not in text and "* 1.0" not in text
    g = grad(0.3)
    assert np.isclose(g, np.cos(0.3) * np.exp(0.3) + np.sin(0.3) * np.exp(0.3))


def test_passes_are_listed_with_reasons():
    names = [p.name for p in passes.PASSES]
    assert len(names) == len(set(names)) and "dce" == names[-1]
    assert all(p.why and callable(p.run) for p in passes.PASSES)


def test_flags_become_the_boolean_condition():
    from adgen.ir import If
    from adgen.passes import flags

    branch = If.new(["f"], Var("c"), Block([], [], [Const(True)]), Block([], [], [Const(False)]))
    fn = _fn(Op(["c"], "lt", [Var("x"), Const(0.0)]), branch, results=("f",))
    flags.run(fn)
    assert fn.body.results == [Var("c")] and fn.body.ops[1].results == []


def test_reshapes_drop_unbroadcast_to_the_same_shape():
    from adgen.passes import reshapes

    fn = _fn(Op(["s"], "sin", [Var("x")]), Op(["r"], "unbroadcast", [Var("s"), Var("x")]))
    reshapes.run(fn)
    assert _prims(fn) == ["sin"] and fn.body.results == [Var("s")]
    kept = _fn(Op(["r"], "unbroadcast", [Var("x"), Var("n")]))
    reshapes.run(kept)
    assert _prims(kept) == ["unbroadcast"]  # nothing proves x shaped like n


def test_positive_keeps_the_better_name():
    from adgen.passes import positive

    fn = _fn(Op(["t7"], "mul", [Var("x"), Var("n")]), Op(["r"], "pos", [Var("t7")]))
    positive.run(fn)
    assert [op.results for op in fn.body.ops] == [["r"]]


def test_accumulate_adds_into_the_first_scatter():
    from adgen.passes import accumulate

    fn = _fn(
        Op(["a"], "scatter_add", [Var("g"), Var("x"), Var("i")]),
        Op(["b"], "scatter_add", [Var("h"), Var("x"), Var("j")]),
        Op(["r"], "add", [Var("a"), Var("b")]),
    )
    accumulate.run(fn)
    assert fn.body.ops[-1].prim == "index_add"
    assert fn.body.ops[-1].args == [Var("a"), Var("h"), Var("j")]
