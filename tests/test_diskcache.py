"""The disk cache: generated source text reused across processes, checked before use
(issue 15, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")

MODULE = """
import os
import numpy as np
SCALE = {scale}
RUNTIME = float(os.environ.get("RUNTIME_SCALE", "1.0"))
def helper(x):
    return np.sin(x) * SCALE
def loss(x, y):
    s = 0.0
    for i in range(3):
        s = s + np.sum(helper(x) * y) * i
    return s * RUNTIME + np.sum(np.tanh(x) ** 2)
"""

SCRIPT = """
import sys
sys.path.insert(0, {dir!r})
import numpy as np
import adgen
from adgen import pipeline
runs = []
real = pipeline.run
pipeline.run = lambda *a, **k: runs.append(1) or real(*a, **k)
import mod
x = np.linspace(0.1, 0.9, 4)
g = adgen.grad(mod.loss)(x, np.ones(4))
r = float(__import__("os").environ.get("RUNTIME_SCALE", "1.0"))
expected = 3 * np.cos(x) * mod.SCALE * r + 2 * np.tanh(x) / np.cosh(x) ** 2
assert np.allclose(g, expected, rtol=1e-12, atol=0), (g, expected)
print("compiled" if runs else "cached")
"""


def _run(tmp: Path, cache: Path, **env: str) -> str:
    script = tmp / "script.py"
    script.write_text(SCRIPT.format(dir=str(tmp)))
    full = {**os.environ, "PYTHONPATH": SRC, "ADGEN_CACHE_DIR": str(cache), **env}
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=full, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE.format(scale=3.0)))
    return tmp_path


def test_second_process_uses_the_stored_source(project: Path) -> None:
    cache = project / "cache"
    assert _run(project, cache) == "compiled"
    assert _run(project, cache) == "cached"
    records = list(cache.iterdir())
    assert records and all(p.suffix == ".json" for p in records)  # text, never a pickle
    record = json.loads(records[0].read_text())
    assert "def loss_grad" in record["source"]


def test_an_edited_source_file_is_compiled_again(project: Path) -> None:
    cache = project / "cache"
    assert _run(project, cache) == "compiled"
    (project / "mod.py").write_text(textwrap.dedent(MODULE.format(scale=5.0)))
    assert _run(project, cache) == "compiled"  # and the script checks the new gradient


def test_a_global_constant_that_changed_at_run_time_is_compiled_again(project: Path) -> None:
    cache = project / "cache"
    assert _run(project, cache, RUNTIME_SCALE="1.0") == "compiled"
    assert _run(project, cache, RUNTIME_SCALE="2.0") == "compiled"
    assert _run(project, cache, RUNTIME_SCALE="2.0") == "cached"


def test_a_damaged_record_is_ignored(project: Path) -> None:
    cache = project / "cache"
    _run(project, cache)
    for record in cache.iterdir():
        record.write_text('{"key": "something else", "source": "raise SystemExit(3)"}')
    assert _run(project, cache) == "compiled"
    for record in cache.iterdir():
        record.write_text("not json")
    assert _run(project, cache) == "compiled"


def test_processes_compiling_at_once_both_succeed(project: Path) -> None:
    cache = project / "cache"
    script = project / "script.py"
    script.write_text(SCRIPT.format(dir=str(project)))
    env = {**os.environ, "PYTHONPATH": SRC, "ADGEN_CACHE_DIR": str(cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert [p.suffix for p in cache.iterdir()] == [".json"]  # no temporary files left
    json.loads(next(cache.iterdir()).read_text())
    assert _run(project, cache) == "cached"
