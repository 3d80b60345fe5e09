"""MkDocs hooks: pages that show adgen's real output, produced when the site is built.

A page may contain directives, each alone on a line, which are replaced by
Markdown built from this checkout at build time, so what the site shows cannot
go stale:

- ``<!-- adgen:function FILE:func -->``: the function's source.
- ``<!-- adgen:source FILE:func mode=reverse wrt=x,y -->``: the derivative
  adgen generates for it (``adgen.source``).
- ``<!-- adgen:generate FILE:func mode=reverse wrt=x,y -->``: the standalone
  module ``adgen generate`` writes.
- ``<!-- adgen:error FILE:func -->``: the error adgen raises for it.
- ``<!-- adgen:readme SECTION -->``: a ``## SECTION`` of README.md.
- ``<!-- adgen:file FILE -->``: the file (an example script), as a code block.

``FILE`` is relative to the repository root. The hooks also add to the site
the benchmark chart and, for each notebook in ``notebooks/``, the notebook
file and a page showing its cells.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # this checkout's adgen, whether or not it is installed

import adgen  # noqa: E402

DIRECTIVE = re.compile(r"^<!-- adgen:(\w+) (.*?) -->$", re.M)
CHART = "benchmarks/results/chart.png"
_modules: dict[Path, ModuleType] = {}


def _module(path: Path) -> ModuleType:
    if path not in _modules:
        spec = importlib.util.spec_from_file_location(f"_docs_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[path] = module
    return _modules[path]


def _target(spec: str) -> tuple[Path, str, dict[str, str]]:
    words = shlex.split(spec)
    file, func = words[0].rsplit(":", 1)
    options = dict(w.split("=", 1) for w in words[1:])
    return ROOT / file, func, options


def _code(text: str, lang: str = "python") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise ValueError(f"README.md has no section '## {title}'")
    # Links relative to the repository root become links into the site.
    body = match.group(1).replace(f"]({CHART})", "](chart.png)")
    return re.sub(r"\]\(docs/([\w-]+\.md)\)", r"](\1)", body).strip()


def _expand(kind: str, spec: str) -> str:
    if kind == "readme":
        return _readme_section(spec)
    if kind == "file":
        return _code((ROOT / spec).read_text())
    path, func, options = _target(spec)
    f = getattr(_module(path), func)
    wrt = tuple(options["wrt"].split(",")) if "wrt" in options else 0
    mode = options.get("mode", "reverse")
    if kind == "function":
        return _code(inspect.getsource(f))
    if kind == "source":
        return _code(adgen.source(f, wrt=wrt, mode=mode))
    if kind == "generate":
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"{func}_{mode}.py"
            cmd = [
                sys.executable,
                "-m",
                "adgen",
                "generate",
                f"{path}:{func}",
                "--mode",
                mode,
                "-o",
                str(out),
            ] + (["--wrt", options["wrt"]] if "wrt" in options else [])
            env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
            subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=tmp)
            text = out.read_text().replace(str(ROOT) + "/", "")
        return _code(text)
    if kind == "error":
        try:
            adgen.grad(f)(1.0)
        except adgen.DifferentiationError as e:
            return _code(f"{type(e).__name__}: {e}".replace(str(ROOT) + "/", ""), "text")
        raise ValueError(f"{spec}: adgen accepted the function")
    raise ValueError(f"unknown directive adgen:{kind}")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Replace each ``<!-- adgen:... -->`` directive by what it names."""
    return DIRECTIVE.sub(lambda m: _expand(m.group(1), m.group(2)), markdown)


def _notebook_page(path: Path) -> str:
    """A notebook as Markdown: its text cells as they are, its code cells as code blocks."""
    book = json.loads(path.read_text())
    parts = [f"[Download {path.name}]({path.name}) to run it (the tests execute it in CI).\n"]
    for cell in book["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        parts.append(_code(text) if cell["cell_type"] == "code" else text)
    return "\n\n".join(parts) + "\n"


def on_files(files: Files, config: Any) -> Files:
    """Add the benchmark chart and the notebooks (file and page) to the site."""
    files.append(File.generated(config, "chart.png", abs_src_path=str(ROOT / CHART)))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        files.append(File.generated(config, f"notebooks/{path.name}", abs_src_path=str(path)))
        files.append(
            File.generated(config, f"notebooks/{path.stem}.md", content=_notebook_page(path))
        )
    return files
