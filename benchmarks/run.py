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
from typing import Any

import numpy as np
from adapters import ADAPTERS, Adapter
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


def select_adapters(libs: str) -> tuple[list[Adapter], dict[str, Any]]:
    """Requested adapters that are usable, and a note for every requested library."""
    names = _csv(libs)
    unknown = [n for n in names if n not in ADAPTERS]
    if unknown:
        raise SystemExit(f"unknown lib(s): {', '.join(unknown)}; choose from {', '.join(ADAPTERS)}")
    if "handwritten" not in names:
        names.insert(0, "handwritten")
    chosen: list[Adapter] = []
    info: dict[str, Any] = {}
    for name in names:
        adapter = ADAPTERS[name]
        note = adapter.availability()
        if note and adapter.peer:
            print(f"note: skipping {name}: {note}", file=sys.stderr)
            info[name] = {"available": False, "note": note}
            continue
        chosen.append(adapter)
        info[name] = {"available": True, "version": adapter.version()}
    return chosen, info


def adgen_status() -> dict[str, Any]:
    """Whether adgen imports, and from where (errors are recorded per entry too)."""
    try:
        import adgen

        return {"importable": True, "file": getattr(adgen, "__file__", None)}
    except Exception as exc:  # recorded, the run goes on
        return {"importable": False, "error": f"{type(exc).__name__}: {exc}"}


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    opts = parse_args(argv)
    workloads = select_workloads(opts.only)
    adapters, lib_info = select_adapters(opts.libs)
    out = Path(opts.out)
    if any(a.name.startswith("adgen") for a in adapters):
        status = adgen_status()
        lib_info.setdefault("adgen", {})["import"] = status
        if not status["importable"]:
            print(
                f"note: adgen not importable ({status['error']}); its entries will carry the error",
                file=sys.stderr,
            )
    print(
        f"size={opts.size}  workloads={len(workloads)}  libs={','.join(a.name for a in adapters)}",
        file=sys.stderr,
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    run = run_suite(workloads, adapters, opts.size)
    adgen_adapter = ADAPTERS["adgen"]
    run["meta"] = {
        "size": opts.size,
        "started_utc": started.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "timing": "time.perf_counter; per-call time = best of repeats of a calibrated inner "
        "loop (median kept as *_median_s)",
        "adgen_cache_api": getattr(adgen_adapter, "cache_api", None),
        "workloads": [w.name for w in workloads],
    }
    run["libraries"] = lib_info
    run = {"meta": run.pop("meta"), "libraries": run.pop("libraries"), **run}
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
