"""Optional plotting for the examples: matplotlib is an extra, not a requirement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def save_plot(path: str, draw: Callable[[Any], None]) -> None:
    """Call ``draw(axes)`` on a new figure and save it to ``path``, if matplotlib is installed.

    Without matplotlib, print one line saying the plot was skipped (the example's
    printed results do not depend on it).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: skipped the plot {path}")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    draw(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved the plot {path}")
