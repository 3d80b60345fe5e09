"""The frontend lowers each statement once: loops are not lowered on trial."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np

from adgen.frontend.lower import context_for, function
from adgen.frontend.parse import parse_function


def _nested(depth: int, tmp_path) -> object:
    lines = ["import numpy as np", "", "def f(x, y):", "    s = 0.0"]
    for d in range(depth):
        lines.append("    " * (d + 1) + f"for i{d} in range(2):")
    inner = "    " * (depth + 1)
    lines += [inner + "s = s + np.sum(x) * 0.5", inner + "y[0] = s", "    return s + np.sum(y)"]
    path = tmp_path / f"nested_{depth}.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location(f"nested_{depth}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.f


def test_lowered_statements_grow_linearly_with_loop_depth(tmp_path):
    counts = []
    for depth in range(1, 9):
        cx = context_for(parse_function(_nested(depth, tmp_path)))
        function(cx)
        counts.append(cx.lowered_statements)
    # One statement per loop, plus the two innermost, the initialisation and the return.
    assert counts == [depth + 4 for depth in range(1, 9)], counts


def test_nested_loops_compute_numpy_values(tmp_path):
    import adgen

    f = _nested(3, tmp_path)
    x, y = np.array([0.3, -0.2]), np.array([1.0, 2.0])
    value, _ = adgen.value_and_grad(f, wrt=(0, 1))(x.copy(), y.copy())
    np.testing.assert_allclose(value, f(x.copy(), y.copy()))
