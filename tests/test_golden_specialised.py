"""Golden files of gradients compiled for given argument shapes (what calls run).

Each case differentiates a function of ``tests/golden/inputs/specialised.py``
for arguments of the shapes given, through the whole pipeline, and compares
the emitted source with ``tests/golden/specialised/<name>.py`` (regenerate with
``ADGEN_UPDATE_GOLDEN=1``, then read the diff). Beside the bytes, each case
checks the targets of issue 13 that the source shows: its length (lines of
code: without the docstring and the comments quoting the user's lines), no
run-time helper of adgen called, and the values taped per iteration. Every
case is also checked against finite differences.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import adgen
from adgen import pipeline
from adgen.runtime import HELPERS
from adgen.testing import check_grads

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ADGEN_UPDATE_GOLDEN", "") not in ("", "0")
sys.path.insert(0, str(GOLDEN / "inputs"))
import specialised as S  # noqa: E402


@dataclass(frozen=True)
class Case:
    name: str
    func: object
    wrt: tuple[str, ...]
    args: tuple
    max_lines: int
    helpers: bool = False  # whether run-time helpers may be called
    max_taped: int | None = None  # values pushed per tape_push


RNG = np.random.default_rng(13)
CASES = [
    Case(
        "heating",
        S.heating,
        ("heat",),
        (RNG.uniform(0, 2, 50), RNG.normal(5, 2, 50), 18.0, 0.1, 2.0, 0.5),
        30,
        max_taped=2,
    ),
    Case(
        "mlp_loss",
        S.mlp_loss,
        ("W1", "W2"),
        (
            RNG.standard_normal((6, 5)),
            RNG.standard_normal((5, 3)),
            RNG.standard_normal((8, 6)),
            RNG.standard_normal((8, 3)),
        ),
        12,
    ),
    Case("branch", S.branch, ("x", "y"), (1.3, 0.4), 15),
    Case("fill", S.fill, ("x",), (RNG.standard_normal(40),), 30, max_taped=1),
]


def source(case: Case) -> str:
    shapes = tuple(np.shape(a) for a in case.args)
    state = pipeline.run(pipeline.Request(case.func, "grad", case.wrt, shapes=shapes))
    return state.emitted[0].source.replace(f"adgen {adgen.__version__}", "adgen VERSION")


def code_lines(text: str) -> list[str]:
    """The lines of ``text`` but its docstring, comments and blank lines."""
    fn = ast.parse(text).body[0]
    doc = fn.body[0]
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    lines = text.splitlines()
    return [
        line
        for line in lines[: doc.lineno - 1] + lines[doc.end_lineno :]
        if line.strip() and not line.strip().startswith("#")
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_specialised_golden(case: Case) -> None:
    text = source(case)
    path = GOLDEN / "specialised" / f"{case.name}.py"
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8"), (
        f"{case.name}: generated source differs from {path}; rerun with "
        "ADGEN_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_specialised_targets(case: Case) -> None:
    text = source(case)
    lines = code_lines(text)
    assert len(lines) <= case.max_lines, "\n".join(lines)
    called = {
        n.func.id
        for n in ast.walk(ast.parse(text))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    if not case.helpers:
        assert not called & set(HELPERS), called & set(HELPERS)
    if case.max_taped is not None:
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
            ):
                arg = node.args[0]
                width = len(arg.elts) if isinstance(arg, ast.Tuple) else 1
                assert width <= case.max_taped, ast.unparse(node)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_specialised_gradients_are_right(case: Case) -> None:
    positions = [list(case.func.__code__.co_varnames).index(w) for w in case.wrt]
    check_grads(case.func, list(case.args), wrt=tuple(positions), modes=("reverse",))
