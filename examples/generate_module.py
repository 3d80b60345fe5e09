"""Generate a standalone gradient module with ``adgen generate`` and use it without adgen.

``adgen generate`` writes the reverse-mode derivative of ``loss`` to a Python file
that imports only NumPy. The script then starts a separate, isolated Python
process (``python -I``, which ignores PYTHONPATH and the script's folder) in
which importing adgen is made impossible, imports the generated module there,
and compares its gradient with one computed here by ``adgen.grad``.

Run:  python examples/generate_module.py [--n 5] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import adgen


def loss(w, b, X, y):
    """Ridge-regularised squared error of a linear model with a tanh output."""
    pred = np.tanh(X @ w + b)
    return np.mean((pred - y) ** 2) + 0.01 * np.sum(w * w)


# Run in the isolated process: adgen cannot be imported there.
CONSUMER = """
import json, sys
sys.modules["adgen"] = None          # any 'import adgen' now raises ImportError
sys.path.insert(0, sys.argv[1])
import numpy as np
import loss_grad
inputs = json.loads(sys.argv[2])
w, b, X, y = (np.array(inputs[k]) for k in ("w", "b", "X", "y"))
value, (gw, gb) = loss_grad.loss_value_and_grad(w, float(b), X, y)
print(json.dumps({"value": value, "gw": gw.tolist(), "gb": gb}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5, help="number of features")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for loss_grad.py")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    module = args.out / "loss_grad.py"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adgen",
            "generate",
            f"{Path(__file__).resolve()}:loss",
            "--mode",
            "reverse",
            "--wrt",
            "w,b",
            "-o",
            str(module),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print((done.stdout + done.stderr).strip())
    text = module.read_text()
    imports = sorted(
        {line.strip() for line in text.splitlines() if line.startswith(("import ", "from "))}
    )
    print(f"wrote {module} ({len(text.splitlines())} lines); its imports: {imports}")

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, args.n))
    y = rng.standard_normal(20)
    w = rng.standard_normal(args.n)
    b = 0.1
    inputs = {"w": w.tolist(), "b": b, "X": X.tolist(), "y": y.tolist()}
    done = subprocess.run(
        [sys.executable, "-I", "-c", CONSUMER, str(args.out.resolve()), json.dumps(inputs)],
        capture_output=True,
        text=True,
        check=True,
    )
    there = json.loads(done.stdout)
    value, (gw, gb) = adgen.value_and_grad(loss, wrt=("w", "b"))(w, b, X, y)
    print(
        f"in a process without adgen: loss {there['value']:.6f}, gradient w.r.t. b "
        f"{there['gb']:.6f}"
    )
    same = (
        np.isclose(there["value"], value)
        and np.allclose(there["gw"], gw)
        and np.isclose(there["gb"], gb)
    )
    if not same:
        raise SystemExit("the generated module disagrees with adgen.grad")
    print("the generated module's value and gradient match adgen.value_and_grad")


if __name__ == "__main__":
    main()
