"""Draw the computational graph of a function and of its gradient with ``adgen graph``.

Writes ``softplus_loss.dot`` and ``softplus_loss_grad.dot`` (Graphviz DOT, one box per
primitive op, grouped by source line) and, when Graphviz's ``dot`` is installed,
the same graphs as SVG images. Without Graphviz it prints the function's IR as
text (``adgen ir``) instead of drawing it.

Run:  python examples/graph.py [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np


def softplus_loss(w, x, y):
    """Mean softplus loss of a linear model: log(1 + exp(-y * x.w))."""
    margin = y * (x @ w)
    return np.mean(np.log1p(np.exp(-margin)))


def adgen_cli(*args: str) -> str:
    """Run the ``adgen`` command (as ``python -m adgen``) and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "adgen", *args], capture_output=True, text=True, check=True
    )
    return done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the files")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    target = f"{Path(__file__).resolve()}:softplus_loss"
    has_dot = shutil.which("dot") is not None
    for name, extra in (("softplus_loss", ()), ("softplus_loss_grad", ("--mode", "reverse"))):
        print(adgen_cli("graph", target, *extra, "-o", str(out / f"{name}.dot")).strip())
        if has_dot:
            print(adgen_cli("graph", target, *extra, "-o", str(out / f"{name}.svg")).strip())
    if not has_dot:
        print(
            "Graphviz's 'dot' is not installed: no SVG drawn (render the .dot files "
            "elsewhere, or install graphviz). The function and its gradient as IR text:"
        )
        print(adgen_cli("ir", target, "--after", "lower"))
        print(adgen_cli("ir", target, "--mode", "reverse"))
    print((out / "softplus_loss.dot").read_text().splitlines()[0], "...")


if __name__ == "__main__":
    main()
