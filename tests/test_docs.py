"""The documentation site builds with warnings as errors, and shows adgen's real output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import adgen

pytest.importorskip("mkdocs", reason="the docs extra (pip install -e '.[docs]') is not installed")
pytest.importorskip("material", reason="the docs extra (pip install -e '.[docs]') is not installed")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def text(site: Path, page: str) -> str:
    """The page's text without tags (code blocks are split into highlighted spans)."""
    html = (site / page / "index.html").read_text()
    return (
        re.sub(r"<[^>]+>", "", html)
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )


def test_generated_code_page_shows_what_adgen_generates(site: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs" / "snippets"))
    try:
        import generated_code as snippets
    finally:
        sys.path.pop(0)
    page = text(site, "generated-code")
    for f, wrt, mode in [
        (snippets.loss, ("W", "b"), "reverse"),
        (snippets.loss, "W", "forward"),
        (snippets.power_sum, 0, "reverse"),
        (snippets.smooth_step, 0, "reverse"),
    ]:
        source = adgen.source(f, wrt=wrt, mode=mode)
        for line in source.splitlines():
            if line.strip() and "snippets" not in line:  # comments name the file by path
                assert line.strip() in page, line
    assert "def loss_value_and_grad(W, x, b):" in page  # the adgen generate module


def test_refusals_page_shows_real_errors(site: Path) -> None:
    page = text(site, "functions")
    assert "UnsupportedSyntaxError: docs/snippets/generated_code.py:" in page
    assert "try/except is not supported" in page


def test_site_has_every_page_notebook_and_chart(site: Path) -> None:
    for page in [
        "getting-started",
        "examples",
        "api",
        "functions",
        "cli",
        "custom_rules",
        "performance",
        "primitives",
        "notebooks/tour",
        "notebooks/cli_tour",
    ]:
        assert (site / page / "index.html").exists(), page
    assert (site / "notebooks" / "tour.ipynb").exists()
    assert (site / "chart.png").stat().st_size > 0
    assert "chart.png" in (site / "performance" / "index.html").read_text()
    assert "def main() -> None:" in text(site, "examples")
