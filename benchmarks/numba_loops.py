"""The numba backend on the loop workloads: one run, ratios against compiled baselines.

For each loop workload of :mod:`workloads` (at its largest ``small`` size, or
``--size``), in this one process and back to back:

* ``adgen_numba``: ``adgen.grad(f, backend="numba")``, called as users call it, and
  (``compiled``) the numba-compiled function it calls, without adgen's argument checks;
* ``hand_numba``: the workload's hand-written gradient compiled by ``numba.njit``;
* ``hand_numpy``: the same hand-written gradient run by Python and NumPy;
* ``numba_primal``: the primal compiled by ``numba.njit``;
* ``adgen_numpy``: ``adgen.grad(f)`` (the default backend), for reference;

and the first call of the numba-backend gradient (parse, differentiate, emit,
numba compile), measured in a fresh process per workload with numba already
imported. Every gradient is checked against the hand-written one first.

    python benchmarks/numba_loops.py [--size small|tiny|full] [--only a,b] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from workloads import WORKLOADS, Workload  # noqa: E402

HERE = Path(__file__).resolve().parent


def best_time(
    f: Callable[..., Any], args: tuple[Any, ...], budget: float = 0.05, repeats: int = 5
) -> float:
    """The minimum over ``repeats`` of the mean time of one call [s]."""
    f(*args)
    n, t = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            f(*args)
        t = time.perf_counter() - start
        if t >= budget / 5 or n >= 1 << 20:
            break
        n *= 4
    best = t / n
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(n):
            f(*args)
        best = min(best, (time.perf_counter() - start) / n)
    return best


def _wrt(wl: Workload) -> Any:
    return wl.wrt if len(wl.wrt) > 1 else wl.wrt[0]


def _close(got: Any, ref: tuple[np.ndarray, ...]) -> bool:
    got = got if isinstance(got, tuple) else (got,)
    return all(np.allclose(np.asarray(g), r, rtol=1e-9, atol=1e-12) for g, r in zip(got, ref))


FIRST_CALL = """
import sys, time
sys.path.insert(0, {here!r})
import numba  # imported beforehand: its import is not adgen's first call
import adgen, workloads
wl = workloads.WORKLOADS_BY_NAME[{name!r}]
args = wl.inputs(wl.size_specs({level!r})[{index}])
start = time.perf_counter()
g = adgen.grad(wl.primal, {wrt!r}, backend="numba")
g(*args)
print(time.perf_counter() - start)
"""


def first_call(wl: Workload, level: str, index: int) -> float:
    """Seconds from ``adgen.grad(...)`` to the end of its first call, in a fresh process."""
    code = FIRST_CALL.format(here=str(HERE), name=wl.name, level=level, index=index, wrt=_wrt(wl))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure(wl: Workload, level: str) -> dict[str, Any]:
    import numba

    import adgen

    specs = wl.size_specs(level)
    index = len(specs) - 1
    size = specs[index]
    args = wl.inputs(size)
    ref = wl.reference(args)
    funcs = {
        "adgen_numba": adgen.grad(wl.primal, _wrt(wl), backend="numba"),
        "hand_numba": numba.njit(wl.grad),
        "hand_numpy": wl.grad,
        "numba_primal": numba.njit(wl.primal),
        "adgen_numpy": adgen.grad(wl.primal, _wrt(wl)),
    }
    row: dict[str, Any] = {"workload": wl.name, "size": size}
    for name, f in funcs.items():
        if name != "numba_primal" and not _close(f(*args), ref):
            row[name] = "WRONG"
            continue
        row[name] = best_time(f, args)
    # The compiled function itself, without adgen's argument checks and conversions.
    raw = funcs["adgen_numba"]._last.func.dispatcher  # type: ignore[attr-defined]
    row["adgen_numba_compiled"] = best_time(raw, args)
    row["first_call"] = first_call(wl, level, index)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="small", choices=("tiny", "small", "full"))
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    opts = ap.parse_args()
    only = {s for s in opts.only.split(",") if s}
    # The loop workloads of scalars and elements (the RNN's loop is over matrix products).
    chosen = [w for w in WORKLOADS if w.loops and w.name != "rnn" and (not only or w.name in only)]
    rows = [measure(wl, opts.size) for wl in chosen]
    head = (
        f"{'workload':<18} {'size':<11} {'adgen numba':>11} {'compiled':>9} "
        f"{'hand numba':>10} "
        f"{'hand NumPy':>10} {'numba primal':>12} {'adgen NumPy':>11} {'vs hand nb':>10} "
        f"{'vs NumPy':>8} {'vs primal':>9} {'1st call':>8}"
    )
    print(head)
    for r in rows:

        def us(v: Any) -> str:
            return f"{v * 1e6:.1f}us" if isinstance(v, float) else str(v)

        a = r["adgen_numba"]
        ratios = ["-"] * 3
        if isinstance(a, float):
            ratios = [
                f"{a / r['hand_numba']:.2f}x",
                f"{r['hand_numpy'] / a:.0f}x faster",
                f"{a / r['numba_primal']:.2f}x",
            ]
        label = ",".join(f"{k}={v}" for k, v in r["size"].items())
        print(
            f"{r['workload']:<18} {label:<11} {us(a):>11} "
            f"{us(r['adgen_numba_compiled']):>9} {us(r['hand_numba']):>10} "
            f"{us(r['hand_numpy']):>10} {us(r['numba_primal']):>12} "
            f"{us(r['adgen_numpy']):>11} {ratios[0]:>10} {ratios[1]:>8} {ratios[2]:>9} "
            f"{r['first_call']:>7.2f}s"
        )
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
