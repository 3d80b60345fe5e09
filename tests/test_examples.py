"""Every script in ``examples/`` runs, at a small size, and prints what it promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import adgen
from adgen.jit import unavailable

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SRC = str(Path(adgen.__file__).resolve().parent.parent)

# script -> (small-size arguments, lines (regular expressions) its output must contain)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "logistic_regression.py": ([], [r"def loss_grad\(", r"training accuracy 0\.9\d\d"]),
    "ode_fit.py": (
        ["--steps", "60"],
        [
            r"gradient and Hessian agree with finite differences",
            r"Newton \(trust-exact\), adgen gradient \+ Hessian +\d+ +\d+",
            r"BFGS, finite-difference gradient +\d+ +\d+",
        ],
    ),
    "digits_mlp.py": (
        ["--epochs", "4", "--hidden", "16"],
        [r"test accuracy 0\.(8|9)\d\d on 450 held-out digits"],
    ),
    "projectile.py": (
        ["--dt", "0.05"],
        [r"agrees with finite differences", r"lands at +60\.000 m", r"hit: angle 1\d\.\d+ deg"],
    ),
    "jacobians.py": (
        ["--n", "4"],
        [
            r"forward and reverse \(2 passes\) Jacobians agree: True",
            r"J v is column 2: True; u\^T J is row 0: True",
            r"force Jacobian: True",
            r"check_grads: .* agree",
        ],
    ),
    "graph.py": (
        [],
        [
            r"wrote .*softplus_loss\.dot",
            r"wrote .*softplus_loss_grad\.dot",
            r'digraph "softplus_loss"',
        ],
    ),
    "generate_module.py": (
        ["--n", "3"],
        [r"its imports: \['import numpy as np'\]", r"match adgen\.value_and_grad"],
    ),
    "compiled_simulation.py": (
        ["--days", "200"],
        [
            r"numba and NumPy backends agree: True",
            r"gradient over 200 steps: numba backend \d+ us, NumPy backend \d+ us",
            r"cost [\d.]+ -> [\d.]+ after 50 gradient steps",
        ],
    ),
}
# Examples that need numba (an optional extra): skipped, with the reason, without it.
NEEDS_NUMBA = {"compiled_simulation.py"}
CASES["dask_logistic.py"] = (
    ["--rows", "4000", "--chunk", "1000"],
    [r"max_abs_error_of_w: 0\.[0-4]", r"peak_mb_workers: \["],
)


def run_example(
    name: str, args: list[str], cwd: Path, extra_env: dict[str, str] | None = None
) -> str:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
    )
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_every_example_is_tested() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, tmp_path: Path) -> None:
    args, patterns = CASES[name]
    if name in NEEDS_NUMBA and unavailable() is not None:
        pytest.skip(str(unavailable()))
    if name == "dask_logistic.py":
        pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
        pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
    out = run_example(name, args, tmp_path)
    for pattern in patterns:
        assert re.search(pattern, out), f"{pattern!r} not in the output of {name}:\n{out}"
    assert "False" not in out
    for line in out.splitlines():
        saved = re.fullmatch(r"saved the plot (\S+)", line)
        if saved:
            assert (tmp_path / saved.group(1)).stat().st_size > 0


def test_graph_draws_svg_with_graphviz(tmp_path: Path) -> None:
    out = run_example("graph.py", [], tmp_path)
    if "'dot' is not installed" in out:
        assert not list(tmp_path.glob("*.svg"))
        assert "func softplus_loss(w, x, y):" in out  # the text fallback
    else:
        assert (tmp_path / "softplus_loss.svg").read_text().lstrip().startswith("<")


def test_plots_are_skipped_without_matplotlib(tmp_path: Path) -> None:
    # A module named matplotlib that fails to import stands in for its absence.
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "matplotlib.py").write_text("raise ImportError('blocked by the test')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(blocker), SRC])}
    out = run_example("projectile.py", ["--dt", "0.05"], tmp_path, env)
    assert "matplotlib is not installed: skipped the plot projectile.png" in out
    assert not (tmp_path / "projectile.png").exists()
