"""The numba backend on the loop workloads: one run, ratios against compiled baselines.

For each loop workload of :mod:`workloads` (at its largest ``small`` size, or
``--size``), in this one process and back to back:

* ``adgen_numba``: ``adgen.grad(f, backend="numba")``, called as users call it, and
  (``compiled``) the numba-compiled function it calls, without adgen's argument checks;
* ``hand_numba``: the workload's hand-written gradient compiled by ``numba.njit``;
* ``hand_numpy``: the same hand-written gradient run by Python and NumPy;
* ``numba_primal``: the primal compiled by ``numba.njit``;
* ``adgen_numpy``: ``adgen.grad(f)`` (the default backend), for reference;
* ``jax_jit``: ``jax.jit(jax.grad(f))`` (the ``jax_jit`` adapter of
  :mod:`adapters`), per call and its first call (trace and compile), in a fresh
  process stopped after ``--jax-timeout`` seconds ("did not finish"); skipped,
  with the reason, where JAX is not installed (it is no dependency of adgen);

and the first call of the numba-backend gradient (parse, differentiate, emit,
numba compile), measured in a fresh process per workload, once with numba
already imported and once counting ``import numba`` (``1st+import``).
Every gradient is checked against the hand-written one first.

    python benchmarks/numba_loops.py [--size small|tiny|full] [--only a,b] [--json out.json]
        [--jax-timeout 60] [--no-jax] [--markdown]
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
import adgen, workloads
wl = workloads.WORKLOADS_BY_NAME[{name!r}]
args = wl.inputs(wl.size_specs({level!r})[{index}])
start = time.perf_counter()
if {with_import!r}:
    import numba
else:
    import numba  # imported beforehand: its import is not adgen's first call
    start = time.perf_counter()
g = adgen.grad(wl.primal, {wrt!r}, backend="numba")
g(*args)
print(time.perf_counter() - start)
"""

JAX_JIT = """
import json, sys, time
sys.path.insert(0, {here!r})
import numpy as np
import adapters, workloads
from numba_loops import best_time
ad = adapters.JaxJit()
why = ad.availability()
if why is not None:
    print(json.dumps({{"skip": why}}))
    raise SystemExit
wl = workloads.WORKLOADS_BY_NAME[{name!r}]
args = wl.inputs(wl.size_specs({level!r})[{index}])
jargs = ad.convert(args, wl)
start = time.perf_counter()
g = ad.build(wl.primal, wl, jargs)
out = g(*jargs)
first = time.perf_counter() - start
got = out if isinstance(out, tuple) else (out,)
ref = wl.reference(args)
ok = all(np.allclose(np.asarray(a), r, rtol=1e-9, atol=1e-12) for a, r in zip(got, ref))
print(json.dumps({{"first": first, "per_call": best_time(g, jargs), "ok": ok}}))
"""


def _fresh(code: str, timeout: float | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
        timeout=timeout,
        cwd=str(HERE),
    )
    return out.stdout.strip().splitlines()[-1]


def first_call(wl: Workload, level: str, index: int, with_import: bool = False) -> float:
    """Seconds from ``adgen.grad(...)`` (or from ``import numba``, with ``with_import``)
    to the end of its first call, in a fresh process."""
    code = FIRST_CALL.format(
        here=str(HERE),
        name=wl.name,
        level=level,
        index=index,
        wrt=_wrt(wl),
        with_import=with_import,
    )
    return float(_fresh(code))


def jax_jit(wl: Workload, level: str, index: int, timeout: float) -> dict[str, Any]:
    """JAX jit's first call and per-call time, in a fresh process given ``timeout`` s."""
    code = JAX_JIT.format(here=str(HERE), name=wl.name, level=level, index=index)
    try:
        return json.loads(_fresh(code, timeout))
    except subprocess.TimeoutExpired:
        return {"first": f"did not finish in {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {"first": "fails: " + (exc.stderr or "?").strip().splitlines()[-1][:60]}


def measure(wl: Workload, level: str, jax_timeout: float | None) -> dict[str, Any]:
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
    row["first_call_import"] = first_call(wl, level, index, with_import=True)
    if jax_timeout is not None:
        row["jax_jit"] = jax_jit(wl, level, index, jax_timeout)
    return row


def _us(v: Any) -> str:
    return f"{v * 1e6:.1f} µs" if isinstance(v, float) else str(v)


def _jax_cells(r: dict[str, Any]) -> tuple[str, str]:
    j = r.get("jax_jit")
    if j is None:
        return "-", "-"
    if "skip" in j:
        return "skipped", str(j["skip"])[:40]
    if isinstance(j.get("first"), str):
        return "-", j["first"]
    per = _us(j["per_call"]) if j.get("ok") else "WRONG"
    return per, f"{j['first']:.2f} s"


COLUMNS = (
    "workload",
    "size",
    "adgen numba",
    "compiled",
    "hand numba",
    "hand NumPy",
    "numba primal",
    "adgen NumPy",
    "vs hand numba",
    "vs hand NumPy",
    "vs primal",
    "1st call",
    "1st call + import numba",
    "JAX jit",
    "JAX 1st call",
)


def cells(r: dict[str, Any]) -> list[str]:
    """One row of the table, as text."""
    a = r["adgen_numba"]
    ratios = ["-"] * 3
    if isinstance(a, float):
        ratios = [
            f"{a / r['hand_numba']:.2f}x",
            f"{r['hand_numpy'] / a:.0f}x faster",
            f"{a / r['numba_primal']:.2f}x",
        ]
    label = ",".join(f"{k}={v}" for k, v in r["size"].items())
    times = [r[k] for k in ("hand_numba", "hand_numpy", "numba_primal", "adgen_numpy")]
    return [
        r["workload"],
        label,
        _us(a),
        _us(r["adgen_numba_compiled"]),
        *map(_us, times),
        *ratios,
        f"{r['first_call']:.2f} s",
        f"{r['first_call_import']:.2f} s",
        *_jax_cells(r),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="small", choices=("tiny", "small", "full"))
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    ap.add_argument("--jax-timeout", type=float, default=60.0, help="seconds (default 60)")
    ap.add_argument("--no-jax", action="store_true", help="leave the JAX jit column out")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    opts = ap.parse_args()
    only = {s for s in opts.only.split(",") if s}
    # The loop workloads of scalars and elements (the RNN's loop is over matrix products).
    # The suite's loop workloads; the RNN and the GradBench-style evals (gb_*) have no
    # hand-written numba version.
    chosen = [
        w
        for w in WORKLOADS
        if w.loops and w.name != "rnn" and not w.name.startswith("gb_")
        if not only or w.name in only
    ]
    timeout = None if opts.no_jax else opts.jax_timeout
    rows = [measure(wl, opts.size, timeout) for wl in chosen]
    table = [list(COLUMNS), *map(cells, rows)]
    if opts.markdown:
        for k, line in enumerate(table):
            print("| " + " | ".join(line) + " |")
            if k == 0:
                print("|" + "---|" * len(line))
    else:
        widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
        for line in table:
            print(
                "  ".join(
                    c.rjust(w) if i > 1 else c.ljust(w)
                    for i, (c, w) in enumerate(zip(line, widths))
                )
            )
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
