"""Frontend fuzzing (issue 18, deliverable 3): broken programs and wrong arguments.

Mutants of valid generated programs (statements deleted or duplicated, unsupported
constructs inserted, arguments of the wrong type) must raise a DifferentiationError or
the exception the function raises in plain Python, never an internal error, never hang.
The sample here uses ``Strictness()`` (see tests/fuzz/mutate.py for what the stricter
campaign adds and why it is off here).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from fuzz.mutate import Mutant, Strictness, fuzz, mutants, probe

SEED = 4242


def test_mutant_sample_gives_only_clean_errors():
    probes, failures = fuzz(16, SEED, per_program=3, seconds=10.0)
    assert probes == 48
    assert not failures, "\n\n".join(
        f"seed {s}: {m.what}: {bad}\n{m.source}{m.args!r}" for s, m, bad in failures[:5]
    )


def test_mutants_are_deterministic_and_varied():
    from fuzz.gen import generate

    a = [m.what for m in mutants(generate(1), random.Random(0), 12)]
    b = [m.what for m in mutants(generate(1), random.Random(0), 12)]
    assert a == b
    assert len({w.split()[0] for w in a}) >= 3  # delete / duplicate / insert / argument


SOURCE = "import numpy as np\n\n\ndef f(x):\n{body}\n    return np.sum(x * x)\n"


@pytest.mark.parametrize(
    ("body", "args"),
    [
        ("    k = 0\n    while k < 3:\n        x = x * 0.5", [np.ones(3)]),  # hangs in Python too
        ("    y = x.T", ["abc"]),
        ("    y = 1.0", [None]),
        ("    y = 1.0", [np.array([1, 2, 3])]),
        ("    y = 1.0", [np.zeros(0)]),
        ("    y = 1.0", [np.array([np.nan, np.inf, 1.0])]),
        ("    try:\n        y = 1.0\n    except ValueError:\n        pass", [np.ones(3)]),
    ],
)
def test_probe_accepts_clean_outcomes(body, args):
    assert probe(Mutant(SOURCE.format(body=body), args, "handmade"), seconds=1.0) is None


def test_probe_reports_internal_errors_and_hangs(monkeypatch):
    import adgen

    m = Mutant(SOURCE.format(body="    y = 1.0"), [np.ones(3)], "handmade")

    def broken(f, wrt):
        def call(*a):
            raise KeyError("boom")

        return call

    monkeypatch.setattr(adgen, "jvp", broken)
    assert "internal error KeyError" in probe(m, seconds=3.0)

    def hanging(f, wrt):
        def call(*a):
            while True:
                pass

        return call

    monkeypatch.setattr(adgen, "jvp", hanging)
    assert "no result within" in probe(m, seconds=0.5)


def test_raise_parity_when_strict():
    m = Mutant(SOURCE.format(body="    y = None + 1.0"), [np.ones(3)], "dead raising code")
    assert probe(m, seconds=3.0, strict=Strictness(raise_parity=True)) is None


def _fills_row(x):
    w = np.zeros((3, 3))
    w[0] = x
    return w


def test_vjp_refuses_a_cotangent_of_the_wrong_shape():
    import adgen

    with pytest.raises(adgen.DifferentiationError, match=r"the cotangent has shape \(\)"):
        adgen.vjp(_fills_row)(np.ones(3), 1.0)
    x = np.ones(3)
    g = adgen.vjp(_fills_row)
    for _ in range(2):  # the fast path, after a first good call, says so too
        np.testing.assert_array_equal(g(x, np.ones((3, 3))), np.ones(3))
        with pytest.raises(adgen.DifferentiationError, match="cotangent"):
            g(x, np.ones((2, 2)))


def _identity_helper(p, q):
    r = p
    return r


def _complex_through_helper(x):
    v2 = _identity_helper(np.full((3, 3), 1.12), x)
    for i3 in range(1):  # noqa: B007
        x = x + np.tanh(v2[:, 0] @ v2[[0, 2, 1], [1, 1, 0]])
    return x * x


def test_complex_argument_through_a_helper_and_a_loop():
    # Found by the frontend fuzzer (seed 5045): complex arguments are refused by name.
    import adgen

    with pytest.raises(adgen.DifferentiationError, match="'x' is complex"):
        adgen.vjp(_complex_through_helper)(1 + 2j, 1.0)
