"""The pipeline: one list of stages that every way of compiling runs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import adgen
from adgen import aot, cache, cli, custom, pipeline
from adgen.ir import VerifyError, format_function
from adgen.pipeline import Request


def helper(x):
    return np.sin(x) * 2.0


def calls(x):
    return np.sum(helper(x) ** 2)


def loop(x, n):
    s = 0.0
    for _ in range(n):
        s = s + np.sum(np.tanh(x) * x)
    return s


def test_stages_are_named_and_explained() -> None:
    names = [s.name for s in pipeline.STAGES]
    assert names == [
        "lower",
        "licm",
        "invariance",
        "differentiate",
        "cse",
        "simplify",
        "dce",
        "batch",
        "conform",
        "emit",
    ]
    assert pipeline.NAMES == tuple(names)
    for s in pipeline.STAGES:
        assert callable(s.run) and len(s.why) > 20, s
    assert [s.ir for s in pipeline.STAGES] == [True] * 9 + [False]


def test_suite_runs_with_ir_checks_on() -> None:
    assert pipeline.CHECK, "tests/conftest.py sets ADGEN_CHECK_IR=1 before adgen is imported"


def test_check_is_off_for_users(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(Path(adgen.__file__).parents[1])}
    code = "import adgen.pipeline as p; print(p.CHECK)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.strip() == "False"


def test_until_stops_after_the_stage() -> None:
    state = pipeline.run(Request(calls, "vjp", ("x",)), until="differentiate")
    assert state.fn is not None and state.fn.name == "calls_vjp" and not state.emitted
    assert [c.name for c in state.callees] == ["helper", "helper_vjp"]
    state = pipeline.run(Request(calls))  # no kind: lowering only
    assert state.fn is state.primal and state.fn.name == "calls" and not state.emitted


def test_dump_after_every_stage_includes_callees() -> None:
    state = pipeline.run(Request(calls, "vjp", ("x",)), dump_after=pipeline.NAMES)
    assert [name for name, _ in state.dumps] == list(pipeline.NAMES)
    texts = dict(state.dumps)
    assert "func helper(x):" in texts["lower"]
    for stage in ("differentiate", "cse", "simplify", "dce", "conform"):
        assert "func helper_vjp(x, bout):" in texts[stage], stage
    assert "def helper_vjp(x, bout):" in texts["emit"]
    # The dump after the last IR stage is the IR that was emitted.
    assert texts["conform"] == "\n".join(format_function(f) for f in state.functions())


def test_callees_go_through_the_optimisation_stages() -> None:
    state = pipeline.run(Request(calls, "vjp", ("x",)), until="dce")
    callee = next(c for c in state.callees if c.name == "helper_vjp")
    raw = state.fn.program.functions["helper_vjp"]  # type: ignore[union-attr]
    # The program keeps its functions as built; the stages change copies.
    assert len(callee.body.ops) < len(raw.body.ops)


def test_unknown_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="no stage 'optimise'"):
        pipeline.run(Request(calls, "vjp", ("x",)), until="optimise")
    with pytest.raises(ValueError, match="without a kind"):
        pipeline.run(Request(calls), dump_after=("dce",))


def test_check_catches_a_stage_that_breaks_the_ir(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(state: pipeline.State) -> None:
        fn = state.fn
        assert fn is not None
        del fn.body.ops[0]  # its result is still read below

    stages = [
        dataclasses.replace(s, run=broken) if s.name == "simplify" else s for s in pipeline.STAGES
    ]
    monkeypatch.setattr(pipeline, "STAGES", stages)
    with pytest.raises(VerifyError, match="after simplify"):
        pipeline.run(Request(loop, "vjp", ("x",)), check=True)
    pipeline.run(Request(loop, "vjp", ("x",)), until="cse", check=True)


def test_conform_is_for_modules_written_ahead_of_time() -> None:
    aot_state = pipeline.run(Request(loop, "grad", ("x",), conform=True))
    assert "gradient_like(bx, x)" in aot_state.emitted[0].source
    assert "gradient_like" in aot_state.emitted[0].helpers
    in_process = pipeline.run(Request(loop, "grad", ("x",)))
    assert "gradient_like" not in in_process.emitted[0].source
    forward = pipeline.run(Request(loop, "jvp", ("x",), conform=True))
    assert "gradient_like" not in forward.emitted[0].source


def test_api_aot_and_cli_all_run_the_pipeline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[str, str | None]] = []
    real = pipeline.run

    def spy(request: Request, *args, **kw):  # type: ignore[no-untyped-def]
        seen.append((getattr(request.func, "name", None) or request.func.__name__, request.kind))
        return real(request, *args, **kw)

    monkeypatch.setattr(pipeline, "run", spy)
    cache.clear_cache()
    adgen.grad(loop)(np.ones(3), 2)
    assert seen == [("loop", "grad")]
    seen.clear()
    aot.derivatives(aot.resolve(f"{__file__}:calls"), "reverse")
    assert seen == [("calls", "vjp"), ("calls", "grad")]
    seen.clear()
    fn = cli.ir_at(aot.resolve(f"{__file__}:calls"), "cse", "forward", None)
    assert seen == [("calls", "jvp")] and fn.name == "calls_jvp"


def test_custom_rules_make_compiled_entries_stale() -> None:
    def soft(x):
        return np.log1p(np.exp(x))

    def uses(x):
        return np.sum(soft(x))

    g = adgen.grad(uses)
    entry = g.compiled()
    assert cache.fresh(entry, uses)
    version = custom.VERSION[0]
    custom.defvjp(soft, lambda b, out, x: b * 3.0)
    try:
        assert custom.VERSION[0] == version + 1
        assert not cache.fresh(entry, uses)
        assert np.allclose(g(np.zeros(2)), 3.0)  # the rule, not the body
    finally:
        custom.undefine(soft)
    assert np.allclose(g(np.zeros(2)), 0.5 * np.ones(2))  # sigmoid(0), from the body again


def test_derivative_of_a_derivative_gets_a_program_of_its_own() -> None:
    g = adgen.grad(calls)
    first = g.compiled().ir.program
    before = dict(first.functions)
    x = np.linspace(0.1, 0.9, 3)
    h = adgen.jacobian(g, mode="forward")(x)
    assert np.allclose(h, np.diag(8 * np.cos(2 * x)))  # calls(x) = 4 sum(sin(x) ** 2)
    assert first.functions == before and not first.pending
