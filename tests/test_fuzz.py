"""The CI sample of the random-program differential tester (tests/fuzz, issue 18).

A few hundred seeded programs with every generator feature (views, in-place updates
through aliases and helpers, lists built in loops included); the long campaign is
``python -m tests.fuzz --count 10000 --seed S``.
"""

from __future__ import annotations

import numpy as np
from fuzz.campaign import campaign
from fuzz.gen import Features, Program, generate
from fuzz.oracle import Outcome, check
from fuzz.runner import load, run
from fuzz.shrink import shrink

import adgen

CI_COUNT = 300
CI_SEED = 20261201


def test_ci_sample_has_no_failures():
    rep = campaign(CI_COUNT, CI_SEED, Features(), hessian_every=6)
    assert not rep.failures, rep.text()
    assert rep.statuses["ok"] >= 0.9 * CI_COUNT, rep.text()
    assert rep.checks >= 4 * rep.statuses["ok"], rep.text()


def test_generator_is_deterministic_and_programs_run():
    for s in range(20):
        a, b = generate(s), generate(s)
        assert a.source == b.source
        assert all(np.array_equal(x, y) for x, y in zip(a.args, b.args, strict=True))
        module = load(a.source)
        module.f(*a.args)  # every generated program runs as plain Python


def _wrong_sin(x):
    return np.sin(x)


wrong = adgen.custom_derivative(_wrong_sin)
adgen.defjvp(wrong, lambda t, out, x: t * np.sin(x))  # the derivative is cos, not sin
adgen.defvjp(wrong, lambda g, out, x: g * np.cos(x))


def _wrong_both(x):
    return np.sin(x)


both = adgen.custom_derivative(_wrong_both)
adgen.defjvp(both, lambda t, out, x: t * np.sin(x))  # consistent with each other, but wrong
adgen.defvjp(both, lambda g, out, x: g * np.sin(x))


def test_oracle_catches_consistent_wrong_derivatives():
    def f(x):
        return np.sum(both(x) * 2.0)

    out = check(f, [np.array([0.3, -0.9, 1.2])])
    assert (out.status, out.kind) == ("failed", "jvp-fd"), out


def test_oracle_catches_a_wrong_derivative():
    def f(x):
        return np.sum(wrong(x) * 2.0)

    out = check(f, [np.array([0.3, -0.9, 1.2])])
    assert out.status == "failed", out
    assert out.kind == "adjoint"  # the JVP is wrong, the VJP right: they disagree


def test_oracle_catches_a_wrong_value_and_a_crash(monkeypatch):
    def f(x):
        return np.sin(x) * 2.0

    real = adgen.jvp

    def off_by_a_bit(g, wrt):
        h = real(g, wrt)
        return lambda *a: (h(*a)[0] * (1 + 1e-7), h(*a)[1])

    monkeypatch.setattr(adgen, "jvp", off_by_a_bit)
    assert check(f, [0.5]).kind == "value"

    def crashing(g, wrt):
        def call(*a):
            raise KeyError("internal")

        return call

    monkeypatch.setattr(adgen, "jvp", crashing)
    out = check(f, [0.5])
    assert (out.status, out.kind) == ("failed", "internal:KeyError")


def test_oracle_counts_refusals():
    def f(x):
        try:
            return x * 2.0
        except ValueError:
            return x

    assert check(f, [0.5]).status == "refused"


def test_shrinker_reduces_a_failing_program():
    prog = generate(3)
    big = prog.source.replace(
        "def f(x):", "def f(x):\n    junk = np.sin(x) * 2.0\n    bad = np.sum(x) + 1.0"
    )

    def fails(p: Program) -> Outcome:  # "fails" while the program still has `bad =` in it
        out = run(p)
        if out.status == "ok" and "bad =" in p.source:
            return Outcome("failed", "marker")
        return out if out.status != "ok" else Outcome("ok")

    small = shrink(Program(big, prog.args), Outcome("failed", "marker"), test=fails)
    assert "bad =" in small.source
    assert "junk" not in small.source
    assert len(small.source) < len(big)


def test_a_program_that_loops_forever_is_invalid_not_a_hang():
    src = (
        "import numpy as np\n\n\ndef f(x):\n    k = 0\n    while k < 3:\n"
        "        x = 0.5 * x\n    return x\n"
    )  # what deleting `k += 1` leaves
    out = run(Program(src, [0.5]), seconds=0.3)
    assert (out.status, out.kind) == ("invalid", "timeout")
