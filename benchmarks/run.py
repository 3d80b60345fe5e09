"""Run the adgen benchmark suite: ``python benchmarks/run.py [--size tiny|small|full]``.

Measures every selected library in one run on the same inputs, prints a
table, writes ``<out>/results.json`` and draws ``<out>/chart.png``.
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def pin_threads(argv: list[str]) -> int:
    """Apply ``--threads N`` (default 1) to the environment, before any thread pool starts.

    NumPy's BLAS, PyTorch and XLA read these variables when they are first
    imported; the worker processes inherit them.  0 leaves everything as it is.
    """
    threads = 1
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None
        if arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
        if value is not None:
            try:
                threads = int(value)
            except ValueError:
                pass  # argparse reports it
    if threads > 0:
        for var in THREAD_VARS:
            os.environ[var] = str(threads)
        multi = "true" if threads > 1 else "false"
        xla = f"--xla_cpu_multi_thread_eigen={multi} intra_op_parallelism_threads={threads}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {xla}".strip()
    return threads


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (call after :func:`pin_threads`: this imports NumPy)."""
    from adapters import ADAPTERS
    from harness import SETTINGS
    from workloads import WORKLOADS_BY_NAME

    default_libs = list(ADAPTERS)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", choices=list(SETTINGS), default="small", help="size level")
    p.add_argument(
        "--only",
        default="",
        help="comma-separated workloads to run (default: all): " + ", ".join(WORKLOADS_BY_NAME),
    )
    p.add_argument(
        "--libs",
        default=",".join(default_libs),
        help="comma-separated libraries (default: all): "
        + ", ".join(default_libs)
        + "\n'handwritten' is always run: it is the reference and the baseline",
    )
    p.add_argument("--out", default=str(HERE / "results"), help="output directory")
    p.add_argument("--no-chart", action="store_true", help="do not draw the PNG chart")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for BLAS, OpenMP, torch and XLA in every process (default 1: stable\n"
        "ratios on a shared machine); 0 keeps the libraries' own defaults",
    )
    return p.parse_args(argv)


def select_workloads(only: str) -> list[Any]:
    """Workloads named in ``only`` (all when empty)."""
    from workloads import WORKLOADS, WORKLOADS_BY_NAME

    names = _csv(only)
    unknown = [n for n in names if n not in WORKLOADS_BY_NAME]
    if unknown:
        raise SystemExit(
            f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(WORKLOADS_BY_NAME)}"
        )
    return [WORKLOADS_BY_NAME[n] for n in names] if names else list(WORKLOADS)


def select_libs(libs: str) -> list[str]:
    """Requested library names, 'handwritten' first and always included."""
    from adapters import ADAPTERS

    names = _csv(libs)
    unknown = [n for n in names if n not in ADAPTERS]
    if unknown:
        raise SystemExit(f"unknown lib(s): {', '.join(unknown)}; choose from {', '.join(ADAPTERS)}")
    return ["handwritten"] + [n for n in dict.fromkeys(names) if n != "handwritten"]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    argv = sys.argv[1:] if argv is None else argv
    threads = pin_threads(argv)
    import numpy as np
    from harness import run_suite
    from report import draw_chart, table, write_json

    opts = parse_args(argv)
    workloads = select_workloads(opts.only)
    libs = select_libs(opts.libs)
    out = Path(opts.out)
    print(f"size={opts.size}  workloads={len(workloads)}  libs={','.join(libs)}", file=sys.stderr)
    started = datetime.datetime.now(datetime.timezone.utc)
    run = run_suite(workloads, libs, opts.size)
    adgen_info = run["libraries"].get("adgen", {}).get("info") or {}
    if adgen_info.get("import", {}).get("importable") is False:
        print(f"note: adgen not importable: {adgen_info['import']['error']}", file=sys.stderr)
    meta = {
        "size": opts.size,
        "started_utc": started.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "threads": threads if threads > 0 else "library defaults",
        "timing": "time.perf_counter; per-call time = best of repeats of a calibrated inner "
        "loop (median kept as *_median_s); each library in its own worker process",
        "adgen_cache_api": adgen_info.get("cache_api"),
        "workloads": [w.name for w in workloads],
    }
    run = {"meta": meta, **run}
    print(table(run))
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "results.json"
    write_json(run, json_path)
    print(f"\nwrote {json_path}")
    if not opts.no_chart:
        chart_path = out / "chart.png"
        note = draw_chart(run, chart_path)
        print(f"note: {note}" if note else f"wrote {chart_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
