"""Smoke test of the benchmark suite in benchmarks/ (structure only, no speed thresholds).

Runs ``benchmarks/run.py --size tiny`` for the hand-written baseline and adgen
in a subprocess and checks the JSON it writes.  adgen may fail on some
workloads; such entries must then carry an error string instead of a time.
Also checks the hand-written baseline gradients against finite differences.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _load_workloads() -> ModuleType:
    """Import benchmarks/workloads.py under a private name."""
    name = "_adgen_bench_workloads"
    if name in sys.modules:
        return sys.modules[name]
    if str(BENCH) not in sys.path:  # workloads.py imports its sibling evals.py
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / "workloads.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--size", "tiny", "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _positive(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One tiny run of the handwritten baseline and adgen."""
    out = tmp_path_factory.mktemp("bench")
    proc = _run(out, "--libs", "handwritten,adgen")
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    data = json.loads((out / "results.json").read_text())
    return data, out


def test_all_workloads_present(tiny_run: tuple[dict[str, Any], Path]) -> None:
    data, _ = tiny_run
    expected = {w.name for w in _load_workloads().WORKLOADS}
    assert expected, "no workloads defined"
    assert {r["workload"] for r in data["results"]} == expected
    assert data["meta"]["size"] == "tiny"
    assert set(data["meta"]["workloads"]) == expected


def test_entries_have_time_or_error(tiny_run: tuple[dict[str, Any], Path]) -> None:
    data, _ = tiny_run
    for rec in data["results"]:
        where = f"{rec['workload']} [{rec['size']}]"
        assert _positive(rec["primal_s"]), where
        assert {"handwritten", "adgen"} <= set(rec["libs"]), where
        hand = rec["libs"]["handwritten"]
        assert hand["status"] == "ok" and _positive(hand["grad_s"]), (where, hand)
        assert hand["vs_handwritten"] == pytest.approx(1.0)
        for lib, entry in rec["libs"].items():
            has_time = _positive(entry.get("grad_s"))
            has_error = isinstance(entry.get("error"), str) and entry["error"].strip() != ""
            assert has_time != has_error, (where, lib, entry)
            if has_time:
                assert _positive(entry["first_call_s"]), (where, lib)
                assert _positive(entry["grad_over_primal"]), (where, lib)
                assert _positive(entry["vs_handwritten"]), (where, lib)
            else:
                assert entry["status"] in {"error", "mismatch", "timeout"}, (where, lib)
        if rec["loops"]:
            assert isinstance(hand["peak_mem_bytes"], int) and hand["peak_mem_bytes"] >= 0


def test_call_overhead_section(tiny_run: tuple[dict[str, Any], Path]) -> None:
    data, _ = tiny_run
    overhead = data["overhead"]
    assert _positive(overhead["handwritten_us"])
    adgen = overhead["libs"]["adgen"]
    assert _positive(adgen.get("call_us")) or isinstance(adgen.get("error"), str)


def test_chart_written(tiny_run: tuple[dict[str, Any], Path]) -> None:
    _, out = tiny_run
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib not installed: the run skips the chart")
    chart = out / "chart.png"
    assert chart.exists() and chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_only_and_libs_options(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--only", "rosenbrock", "--libs", "handwritten", "--no-chart")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    assert [r["workload"] for r in data["results"]] == ["rosenbrock"]
    assert set(data["results"][0]["libs"]) == {"handwritten"}
    assert not (tmp_path / "chart.png").exists()


def test_unknown_workload_rejected(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--only", "no_such_workload", "--libs", "handwritten")
    assert proc.returncode != 0
    assert "unknown workload" in proc.stderr


@pytest.mark.parametrize("name", [w.name for w in _load_workloads().WORKLOADS])
def test_handwritten_gradient_matches_finite_differences(name: str) -> None:
    """The baseline is also the reference: check it by central differences."""
    mod = _load_workloads()
    wl = mod.WORKLOADS_BY_NAME[name]
    args = wl.inputs(wl.size_specs("tiny")[0])
    grads = wl.grad(*args)
    grads = (grads,) if len(wl.wrt) == 1 else tuple(grads)
    rng = np.random.default_rng(0)
    eps = 1e-6
    for _ in range(3):
        direction = {i: rng.standard_normal(np.shape(args[i])) for i in wl.wrt}

        def shifted(sign: float, d: dict[int, np.ndarray] = direction) -> float:
            moved = list(args)
            for i, di in d.items():
                moved[i] = args[i] + sign * eps * (float(di) if np.ndim(di) == 0 else di)
            return float(wl.primal(*moved))

        numeric = (shifted(1.0) - shifted(-1.0)) / (2 * eps)
        analytic = sum(
            float(np.sum(np.asarray(g) * direction[i])) for g, i in zip(grads, wl.wrt, strict=True)
        )
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)
