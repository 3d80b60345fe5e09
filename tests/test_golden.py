"""Golden files: the exact modules ``adgen generate`` writes for known functions.

Each case names a function in ``tests/golden/inputs/`` and how to
differentiate it; its expected output is ``tests/golden/<name>.py``, compared
byte for byte (with the adgen version replaced by ``VERSION``, so a release
does not touch every file). A change in the generated code shows up as a
readable diff in review.

To add a case, add a function at the end of an input file (or a new input
file) and a line to ``CASES``; then write the expected files with::

    ADGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and read the new or changed files before committing them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import adgen
from adgen import aot

GOLDEN = Path(__file__).parent / "golden"
INPUTS = GOLDEN / "inputs"
UPDATE = os.environ.get("ADGEN_UPDATE_GOLDEN", "") not in ("", "0")


@dataclass(frozen=True)
class Golden:
    """``target`` (``FILE.py:func`` in ``inputs/``) in ``mode`` w.r.t. ``wrt``."""

    name: str
    target: str
    mode: str = "reverse"
    wrt: str | None = None


CASES = [
    Golden("tanh_layer_reverse", "straight_line.py:tanh_layer", wrt="W,b"),
    Golden("tanh_layer_forward", "straight_line.py:tanh_layer", "forward", wrt="W,x,b"),
    Golden("scalar_arith_reverse", "straight_line.py:scalar_arith", wrt="x,y"),
    Golden("scalar_arith_forward", "straight_line.py:scalar_arith", "forward", wrt="x"),
    Golden("logistic_loss_reverse", "straight_line.py:logistic_loss", wrt="w,b"),
    Golden("softplus_sum_reverse", "straight_line.py:softplus_sum"),
    Golden("reductions_reverse", "straight_line.py:reductions"),
    Golden("reductions_forward", "straight_line.py:reductions", "forward"),
    Golden("broadcasting_reverse", "straight_line.py:broadcasting", wrt="x,b"),
    Golden("matrix_chain_reverse", "straight_line.py:matrix_chain", wrt="A,B"),
    Golden("with_constant_reverse", "straight_line.py:with_constant"),
    Golden("math_scalars_reverse", "straight_line.py:math_scalars"),
    Golden("two_outputs_reverse", "straight_line.py:two_outputs", wrt="x,y"),
    Golden("two_outputs_forward", "straight_line.py:two_outputs", "forward", wrt="y"),
    Golden("elementwise_chain_forward", "straight_line.py:elementwise_chain", "forward"),
    Golden("where_max_reverse", "straight_line.py:where_max", wrt="x,y"),
    Golden("recurrence_reverse", "control_flow.py:recurrence", wrt="a"),
    Golden("recurrence_forward", "control_flow.py:recurrence", "forward", wrt="a"),
    Golden("piecewise_reverse", "control_flow.py:piecewise"),
    Golden("newton_sqrt_reverse", "control_flow.py:newton_sqrt"),
    Golden("rows_with_break_reverse", "control_flow.py:rows_with_break", wrt="w"),
    Golden("rnn_reverse", "control_flow.py:rnn", wrt="W"),
    Golden("rnn_forward", "control_flow.py:rnn", "forward", wrt="W"),
    Golden("smooth_reverse", "control_flow.py:smooth", wrt="x,w"),
    Golden("trajectory_reverse", "everyday.py:trajectory", wrt="x,w"),
    Golden("trajectory_forward", "everyday.py:trajectory", "forward", wrt="x"),
    Golden("weighted_squares_reverse", "everyday.py:weighted_squares", wrt="w,x"),
]


def generated(case: Golden) -> str:
    """The module ``adgen generate`` writes for ``case`` (run from ``inputs/``)."""
    cwd = os.getcwd()
    os.chdir(INPUTS)
    try:
        target = aot.resolve(case.target)
        text = aot.generate_module([aot.derivatives(target, case.mode, aot.parse_wrt(case.wrt))])
    finally:
        os.chdir(cwd)
    return text.replace(f"adgen {adgen.__version__}", "adgen VERSION")


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Golden) -> None:
    path = GOLDEN / f"{case.name}.py"
    text = generated(case)
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"no golden file {path}; run with ADGEN_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"generated source for {case.name} differs from {path}; if the change is intended, "
        "rerun with ADGEN_UPDATE_GOLDEN=1 and review the diff"
    )


def test_no_stale_golden_files() -> None:
    known = {f"{c.name}.py" for c in CASES}
    stale = sorted(p.name for p in GOLDEN.glob("*.py") if p.name not in known)
    assert not stale, f"golden files without a case (delete them): {stale}"


def test_golden_files_compile() -> None:
    for case in CASES:
        path = GOLDEN / f"{case.name}.py"
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_golden_files_pass_ruff() -> None:
    # --isolated: ruff's default rules, as a project that vendors the module would see.
    files = [str(GOLDEN / f"{c.name}.py") for c in CASES]
    proc = subprocess.run(
        ["ruff", "check", "--isolated", "--no-cache", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_generation_is_deterministic() -> None:
    # A fresh interpreter (new hash seed, new object ids) writes the same bytes.
    case = CASES[0]
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_golden as t; "
        "sys.stdout.write(t.generated(t.CASES[0]))"
    )
    env = dict(
        os.environ,
        PYTHONHASHSEED="12345",
        PYTHONPATH=os.pathsep.join(
            [str(Path(adgen.__file__).parent.parent), os.environ.get("PYTHONPATH", "")]
        ),
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert proc.stdout == generated(case)
