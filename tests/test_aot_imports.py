"""A generated module says what it really imports (issue 15, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adgen import aot


def test_module_importing_scipy_says_so(tmp_path: Path) -> None:
    pytest.importorskip("scipy")
    src = tmp_path / "m.py"
    src.write_text(
        "import numpy as np\nimport scipy.special\n\n\n"
        "def f(x):\n    return np.sum(scipy.special.expit(x) * x)\n"
    )
    text = aot.generate_module([aot.derivatives(aot.resolve(f"{src}:f"), "reverse")])
    assert "import scipy.special" in text
    assert "only NumPy" not in text
    assert "imports NumPy and scipy" in text


def test_module_needing_only_numpy_says_so(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x))\n")
    text = aot.generate_module([aot.derivatives(aot.resolve(f"{src}:f"), "reverse")])
    assert "needs only NumPy" in text
