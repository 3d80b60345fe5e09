"""The notebooks in ``notebooks/`` run from top to bottom without errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import adgen

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SRC = str(Path(adgen.__file__).resolve().parent.parent)


def execute(name: str, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Run notebook ``name`` with ``workdir`` as its working directory."""
    # The kernel (and the commands it runs) must import this checkout's adgen.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
    )
    monkeypatch.setenv("NO_COLOR", "1")
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return book


def outputs(book: nbformat.NotebookNode) -> str:
    """All text and HTML the notebook's cells produced."""
    parts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.append(data.get("text/plain", ""))
            parts.append(data.get("text/html", ""))
    return "\n".join(parts)


def test_tour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = execute("tour.ipynb", tmp_path, monkeypatch)
    text = outputs(book)
    assert "derivatives agree with finite differences" in text
    assert "which computes" in text
    # The cell whose value is the derivative shows its source as HTML.
    html = [
        out["data"]["text/html"]
        for cell in book.cells
        if cell.source == "loss"
        for out in cell.outputs
        if "text/html" in out.get("data", {})
    ]
    assert len(html) == 1 and "loss_grad" in html[0] and "<pre" in html[0]
    try:
        import pygments  # noqa: F401
    except ImportError:
        return
    assert "<span" in html[0]  # highlighted


def test_cli_tour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = outputs(execute("cli_tour.ipynb", tmp_path, monkeypatch))
    assert (tmp_path / "loss_grad.py").exists()
    assert "def loss_vjp(x, b, bout):" in text
    assert "func loss(x, b):" in text
    assert "ok: forward and reverse mode derivatives of loss" in text
    assert 'digraph "loss"' in text
    assert "error: no function 'los'" in text
