"""``adgen generate --array-api``: a module that imports only the array-API shim."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
da = pytest.importorskip("dask.array", reason="dask is not installed")

SRC = Path(__file__).resolve().parents[1] / "src"

MODULE = textwrap.dedent(
    """
    import numpy as np

    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    """
)


def _generate(tmp_path: Path, *flags: str) -> tuple[str, object]:
    src = tmp_path / "model.py"
    src.write_text(MODULE)
    out = tmp_path / f"model_grad{len(flags)}.py"
    subprocess.run(
        [sys.executable, "-m", "adgen", "generate", f"{src}:rosen", "-o", str(out), *flags],
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
    )
    spec = importlib.util.spec_from_file_location(out.stem, out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return out.read_text(), module


def _imports(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"(import|from) ", line)]


def test_generate_array_api_imports_only_the_shim_and_runs_on_dask(tmp_path):
    text, module = _generate(tmp_path, "--array-api")
    assert _imports(text) == [
        "import array_api_compat.numpy as compat_numpy",
        "from array_api_compat import array_namespace, is_array_api_obj",
    ]
    x = np.random.default_rng(0).standard_normal(9)
    _, numpy_module = _generate(tmp_path)
    want = numpy_module.rosen_grad(x)
    np.testing.assert_allclose(module.rosen_grad(da.from_array(x, chunks=4)).compute(), want)
    np.testing.assert_allclose(module.rosen_grad(x), want)


def test_generate_without_the_flag_imports_numpy_alone(tmp_path):
    text, _ = _generate(tmp_path)
    assert _imports(text) == ["import numpy as np"]
