"""Output of a benchmark run: console table, JSON file, PNG chart."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

LIB_COLORS = {
    "handwritten": "#555555",
    "adgen": "#d62728",
    "adgen_fwd": "#ff9896",
    "jax": "#1f77b4",
    "jax_jit": "#aec7e8",
    "autograd": "#2ca02c",
    "torch": "#9467bd",
    "tangent": "#8c564b",
}
LIB_ORDER = ["handwritten", "adgen", "adgen_fwd", "jax", "jax_jit", "autograd", "torch", "tangent"]


def fmt_time(seconds: float | None) -> str:
    """Seconds as a short string with a unit (ns, us, ms, s)."""
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(x: float | None) -> str:
    """A ratio with 2-3 significant digits."""
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}x"
    if x >= 10:
        return f"{x:.1f}x"
    return f"{x:.2f}x"


def fmt_bytes(n: int | None) -> str:
    """Bytes as KiB/MiB."""
    if n is None:
        return "-"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def _short(text: str | None, width: int) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 3] + "..."


COLUMNS = [
    ("lib", 12),
    ("grad", 10),
    ("grad/primal", 11),
    ("/hand", 8),
    ("adgen/lib", 9),
    ("1st call", 10),
    ("compile", 10),
    ("peak mem", 10),
]


def table(run: dict[str, Any], note_width: int = 110) -> str:
    """The per-workload table, one block per (workload, size)."""
    header = "  ".join(f"{name:<{w}}" for name, w in COLUMNS) + "  note"
    lines = [header, "-" * len(header)]
    for rec in run["results"]:
        mem = rec.get("primal_peak_mem_bytes")
        mem_txt = f", primal peak {fmt_bytes(mem)}" if mem is not None else ""
        lines.append(
            f"{rec['workload']} [{rec['size']}]  primal {fmt_time(rec['primal_s'])}{mem_txt}"
        )
        for name in sorted(rec["libs"], key=_lib_key):
            e = rec["libs"][name]
            note = e.get("error") or ""
            if not note and e.get("own_primal_s"):
                note = (
                    f"own primal {fmt_time(e['own_primal_s'])}, "
                    f"grad/own primal {fmt_ratio(e.get('grad_over_own_primal'))}"
                )
            cells = [
                name,
                fmt_time(e.get("grad_s")) if "grad_s" in e else e["status"].upper(),
                fmt_ratio(e.get("grad_over_primal")),
                fmt_ratio(e.get("vs_handwritten")),
                fmt_ratio(e.get("adgen_over_lib")),
                fmt_time(e.get("first_call_s")),
                fmt_time(e.get("compile_s")),
                fmt_bytes(e.get("peak_mem_bytes")),
            ]
            row = "  ".join(f"{c:<{w}}" for c, (_, w) in zip(cells, COLUMNS, strict=True))
            lines.append(f"{row}  {_short(note, note_width)}".rstrip())
    lines.append("")
    lines.append(overhead_table(run["overhead"]))
    return "\n".join(lines)


def overhead_table(overhead: dict[str, Any]) -> str:
    """Cached-call overhead of each library on a trivial function, in microseconds."""
    lines = [
        f"cached-call overhead ({overhead['function']}); "
        f"hand-written gradient call: {overhead['handwritten_us']:.2f} us",
        f"{'lib':<12}  {'call':>10}  {'overhead':>10}",
    ]
    for name in sorted(overhead["libs"], key=_lib_key):
        e = overhead["libs"][name]
        if "call_us" in e:
            lines.append(f"{name:<12}  {e['call_us']:>7.2f} us  {e['overhead_us']:>7.2f} us")
        else:
            lines.append(f"{name:<12}  ERROR: {_short(e.get('error'), 80)}")
    return "\n".join(lines)


def _lib_key(name: str) -> tuple[int, str]:
    return (LIB_ORDER.index(name) if name in LIB_ORDER else len(LIB_ORDER), name)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as indented JSON, atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(obj: Any) -> Any:
    try:
        return float(obj)
    except (TypeError, ValueError):
        return str(obj)


def draw_chart(run: dict[str, Any], path: Path) -> str | None:
    """Grouped bar chart (Agg backend); returns a note instead when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: chart skipped (pip install matplotlib)"

    from matplotlib.patches import Patch

    results = run["results"]
    groups = [f"{r['workload']}\n{r['size']}" for r in results]
    libs = sorted({n for r in results for n in r["libs"]}, key=_lib_key)
    colors = {lib: LIB_COLORS.get(lib, f"C{j}") for j, lib in enumerate(libs)}
    width = 0.8 / max(1, len(libs))
    fig, axes = plt.subplots(2, 1, figsize=(max(10.0, 0.9 * len(groups) + 3), 10), sharex=True)
    panels = [
        ("vs_handwritten", "gradient time / hand-written gradient time"),
        ("grad_over_primal", "gradient time / NumPy primal time"),
    ]
    for ax, (key, title) in zip(axes, panels, strict=True):
        for j, lib in enumerate(libs):
            xs, ys, failed = [], [], []
            for i, r in enumerate(results):
                e = r["libs"].get(lib)
                if e is None:
                    continue
                x = i - 0.4 + width * (j + 0.5)
                if e.get(key):
                    xs.append(x)
                    ys.append(e[key])
                else:
                    failed.append(x)
            if xs:
                ax.bar(xs, ys, width=width, color=colors[lib])
            if failed:
                ax.scatter(
                    failed,
                    [0.02] * len(failed),
                    marker="x",
                    color=colors[lib],
                    s=24,
                    transform=ax.get_xaxis_transform(),
                    clip_on=False,
                )
        ax.set_yscale("log")
        ax.axhline(1.0, color="black", linewidth=0.6)
        ax.set_ylabel(title)
        ax.grid(axis="y", which="major", alpha=0.3)
    handles = [Patch(color=colors[lib], label=lib) for lib in libs]
    axes[0].legend(handles=handles, ncol=min(len(libs), 8), fontsize=8, loc="upper left")
    axes[0].set_title(
        f"adgen benchmarks (size={run['meta']['size']}; lower is better; "
        "x at the bottom = error, mismatch or timeout)"
    )
    axes[1].set_xticks(range(len(groups)))
    axes[1].set_xticklabels(groups, rotation=60, ha="right", fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
