"""Run the adgen benchmark suite: ``python benchmarks/run.py [--size tiny|small|full]``.

Measures every selected library in one process on the same inputs, prints a
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

import numpy as np
from adapters import ADAPTERS
from harness import SETTINGS, run_suite
from report import draw_chart, table, write_json
from workloads import WORKLOADS, WORKLOADS_BY_NAME, Workload

HERE = Path(__file__).resolve().parent
DEFAULT_LIBS = list(ADAPTERS)


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", choices=list(SETTINGS), default="small", help="size level")
    p.add_argument(
        "--only",
        default="",
        help="comma-separated workloads to run (default: all): " + ", ".join(WORKLOADS_BY_NAME),
    )
    p.add_argument(
        "--libs",
        default=",".join(DEFAULT_LIBS),
        help="comma-separated libraries (default: all): "
        + ", ".join(DEFAULT_LIBS)
        + "\n'handwritten' is always run: it is the reference and the baseline",
    )
    p.add_argument("--out", default=str(HERE / "results"), help="output directory")
    p.add_argument("--no-chart", action="store_true", help="do not draw the PNG chart")
    return p.parse_args(argv)


def select_workloads(only: str) -> list[Workload]:
    """Workloads named in ``only`` (all when empty)."""
    names = _csv(only)
    unknown = [n for n in names if n not in WORKLOADS_BY_NAME]
    if unknown:
        raise SystemExit(
            f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(WORKLOADS_BY_NAME)}"
        )
    return [WORKLOADS_BY_NAME[n] for n in names] if names else list(WORKLOADS)


def select_libs(libs: str) -> list[str]:
    """Requested library names, 'handwritten' first and always included."""
    names = _csv(libs)
    unknown = [n for n in names if n not in ADAPTERS]
    if unknown:
        raise SystemExit(f"unknown lib(s): {', '.join(unknown)}; choose from {', '.join(ADAPTERS)}")
    return ["handwritten"] + [n for n in dict.fromkeys(names) if n != "handwritten"]


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
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
