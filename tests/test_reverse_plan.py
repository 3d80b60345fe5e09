"""Reverse mode plans, then applies: the forward IR is never changed, and what the
forward sweep keeps (tapes, counts, exported branch values) is exactly what the
reverse sweep reads."""

from __future__ import annotations

import numpy as np
import pytest

from adgen import pipeline
from adgen.ir import Block, Const, ForRange, Op, Var, While, format_function, verify, walk
from adgen.ir.util import defines, reads
from adgen.primitives import PRIMITIVES
from adgen.testing import check_grads
from adgen.transforms.reverse import reverse
from adgen.transforms.reverse.tapes import Counter, Plan


def rows(X, w):
    s = 0.0
    for row in X:
        if np.sum(row) > 0.0:
            t = np.tanh(row @ w)
        else:
            t = np.sin(row @ w) * 2.0
        s = s + t
        if s > 10.0:
            break
    return s


def settle(a):
    x = a
    k = 0
    while abs(x * x - a) > 1e-12 and k < 50:
        x = 0.5 * (x + a / x)
        k = k + 1
        y = x
        for _ in range(2):
            y = np.sin(y) * a
        x = x + 0.0 * y
    return x


CASES = [(rows, ["w"]), (settle, ["a"])]


@pytest.mark.parametrize("f,wrt", CASES, ids=[f.__name__ for f, _ in CASES])
def test_reverse_leaves_the_forward_ir_alone(f, wrt):
    primal = pipeline.lower(f)
    before = format_function(primal)
    derived = reverse(primal, wrt, "one")
    assert format_function(primal) == before
    verify(derived, PRIMITIVES)
    # check=True: every function is verified after every stage.
    pipeline.run(pipeline.Request(f, "grad", tuple(wrt)), check=True)
    # No op object is shared: changing the derivative cannot change the primal.
    assert not {id(op) for op in walk(primal.body)} & {id(op) for op in walk(derived.body)}


@pytest.mark.parametrize("f,wrt", CASES, ids=[f.__name__ for f, _ in CASES])
def test_tapes_hold_only_what_the_reverse_sweep_reads(f, wrt):
    derived = reverse(pipeline.lower(f), wrt, "one")
    ops = list(walk(derived.body))
    pops = [op for op in ops if op.prim == "tape_pop"]
    assert pops
    adjoint = [op for op in derived.body.ops if op.tag == "adjoint"]
    read = reads(adjoint)
    for pop in pops:
        for r in pop.results:
            assert r in read, f"{r} is taped but the reverse sweep never reads it"
    pushes = [op for op in ops if op.prim == "tape_push"]
    assert sorted(len(p.args) - 1 for p in pushes) == sorted(len(p.results) for p in pops)


def test_branches_in_loops_export_what_the_adjoint_reads():
    primal = pipeline.lower(rows)
    derived = reverse(primal, ["w"], "one")
    ifs = [op for op in walk(primal.body) if op.prim == "if"]
    planned = [op for op in walk(derived.body) if op.prim == "if" and op.tag == ""]
    assert len(ifs) == len(planned)
    exported = []
    for before, after in zip(ifs, planned):
        n = len(before.results)
        assert after.results[:n] == before.results
        for k in range(n, len(after.results)):  # a branch's value, None from the other
            assert Const(None) in (after.then.results[k], after.orelse.results[k])
        exported += after.results[n:]
    assert exported  # the tanh branch's and the sin branch's values
    pushed = {a.name for op in walk(derived.body) if op.prim == "tape_push" for a in op.args}
    assert set(exported) <= pushed


def test_counted_loops_count_their_iterations():
    derived = reverse(pipeline.lower(settle), ["a"], "one")
    loops = [op for op in walk(derived.body) if isinstance(op, While)]
    assert len(loops) == 1
    (w,) = loops
    assert w.inits[-1] == Const(0) and w.carried[-1].startswith("n_iter")
    counts = [op for op in walk(w.body) if op.prim == "add" and op.tag == "tape"]
    assert counts and counts[0].args == [Var(w.carried[-1]), Const(1)]
    # The adjoint of the while runs as many times: range(0, count).
    reverse_loops = [
        op for op in derived.body.ops if isinstance(op, ForRange) and op.tag == "adjoint"
    ]
    assert reverse_loops[0].bounds[1] == Var(w.results[-1])


def test_plan_apply_copies_and_keeps():
    primal = pipeline.lower(rows)
    before = format_function(primal)
    (loop,) = [op for op in primal.body.ops if isinstance(op, ForRange)]
    plan = Plan()
    plan.tape(loop, "tape", [loop.index])
    plan.count(loop, Counter("k", "k1", "count"))
    applied = plan.apply(primal.body.ops)
    at = next(k for k, op in enumerate(applied) if isinstance(op, ForRange))
    new = applied[at]
    assert applied[at - 1].prim == "tape_new" and applied[at - 1].results == ["tape"]
    assert new is not loop and new.results[-1] == "count" and new.carried[-1] == "k"
    push, count = new.body.ops[-2:]
    assert push == Op([], "tape_push", [Var("tape"), Var(loop.index)], {}, loop.loc, tag="tape")
    assert count.results == ["k1"]
    assert new.yields[-1] == Var("k1") and new.exit_flag == loop.exit_flag
    # The names the plan says the block will define are the ones it defines, in order.
    after = Block(list(primal.body.params), applied, list(primal.body.results))
    assert plan.defines(primal.body) == defines(after)
    assert {"tape", "k", "k1", "count"} <= set(defines(after))
    assert format_function(primal) == before


def test_gradients_of_planned_loops_are_right():
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
    check_grads(rows, [X, w], wrt=1)
    check_grads(settle, [2.0], order=2)
