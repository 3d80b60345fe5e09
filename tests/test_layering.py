"""adgen's modules import only downward, without cycles, and only at module level.

Every module of ``src/adgen`` is parsed (not imported) and given a layer by
its path. The layers, lowest first (a module may import modules of a lower
rank, or of its own layer; layers of one rank are siblings and may not
import each other):

0. ``errors`` (with ``version``), ``runtime``, ``trees``: leaves that import
   nothing of adgen. ``runtime`` holds the helpers generated code calls (its
   functions are copied into modules written ahead of time, so it must stand
   alone); ``trees`` is plain-Python container flattening, used by the
   frontend to lower container arguments and by the call path to take them
   apart.
1. ``ir`` (with ``program``): the data the compiler works on. A program is
   the set of IR functions of one compilation; it names derivatives of
   callees and queues them, and the pipeline builds them, so it needs
   nothing above the IR.
2. ``primitives`` (with ``custom``): the primitive table. Custom rules add
   entries to it and bump a version counter the cache compares against,
   instead of reaching up to clear the cache.
3. ``frontend`` | ``analysis``: siblings over the table.
4. ``transforms``, 5. ``passes``, 6. ``backend``.
7. ``pipeline`` (with ``cache``, which runs it and execs the result).
8. ``top``: ``api``, ``calling``, ``aot``, ``targets``, ``cli``, ``testing``, the package
   itself, and the presentation helpers only they use (``tracebacks``,
   ``graph``, ``highlight``).

A function-level import is allowed only for an optional dependency loaded on
first use (:data:`LAZY`). Violations in code other branches are changing at
the time of writing are listed in :data:`PENDING`; an entry that no longer
occurs fails the test too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# (layer, rank, module prefixes): a module belongs to the layer of its longest prefix
# ("adgen" itself names only the package, so that a new top-level module must be placed).
LAYERS: list[tuple[str, int, tuple[str, ...]]] = [
    ("errors", 0, ("adgen.errors", "adgen.version", "adgen.settings")),
    ("runtime", 0, ("adgen.runtime", "adgen.runtime_xp")),
    ("trees", 0, ("adgen.trees",)),
    ("ir", 1, ("adgen.ir", "adgen.program")),
    ("primitives", 2, ("adgen.primitives", "adgen.custom")),
    ("frontend", 3, ("adgen.frontend",)),
    ("analysis", 3, ("adgen.analysis",)),
    ("transforms", 4, ("adgen.transforms",)),
    ("passes", 5, ("adgen.passes",)),
    ("backend", 6, ("adgen.backend",)),
    (
        "pipeline",
        7,
        ("adgen.pipeline", "adgen.cache", "adgen.arguments", "adgen.diskcache", "adgen.jit"),
    ),
    (
        "top",
        8,
        (
            "adgen",
            "adgen.__main__",
            "adgen.api",
            "adgen.calling",
            "adgen.fastpath",
            "adgen.signatures",
            "adgen.call_checks",
            "adgen.composed",
            "adgen.composed_trees",
            "adgen.derivative_trees",
            "adgen.blocks",
            "adgen.applied",
            "adgen.batched",
            "adgen.wrappers",
            "adgen.aot",
            "adgen.targets",
            "adgen.cli",
            "adgen.testing",
            "adgen.tracebacks",
            "adgen.graph",
            "adgen.highlight",
        ),
    ),
]

#: (module, top-level package) pairs allowed to import inside a function: optional
#: dependencies loaded on first use.
LAZY = {
    ("adgen.highlight", "pygments"),
    # the numba backend's runtime imports numba, an optional dependency
    ("adgen.jit", "adgen"),
}

#: Violations in files other branches own, to be fixed there (the lead empties this
#: set when merging them). None left: the frontend's mixins are gone.
PENDING: set[str] = set()


def layer_of(module: str) -> tuple[str, int] | None:
    best: tuple[int, str, int] | None = None
    for name, rank, prefixes in LAYERS:
        for p in prefixes:
            inside = module.startswith(p + ".") and p != "adgen"
            if (module == p or inside) and (best is None or len(p) > best[0]):
                best = (len(p), name, rank)
    return None if best is None else (best[1], best[2])


def read_sources(root: Path = SRC) -> dict[str, tuple[str, bool]]:
    """Module name -> (source, is a package) for every module under ``root/adgen``."""
    out: dict[str, tuple[str, bool]] = {}
    for path in sorted((root / "adgen").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        out[".".join(parts)] = (path.read_text(encoding="utf-8"), package)
    return out


def _imports(module: str, source: str, package: bool, known: set[str]) -> list[tuple[str, bool]]:
    """(imported module, whether inside a function or class) for each import."""
    tree = ast.parse(source)
    here = module.split(".") if package else module.split(".")[:-1]
    out: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
            )
            if isinstance(child, ast.Import):
                out.extend((a.name, inner) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = here[: len(here) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for a in child.names:
                    full = f"{target}.{a.name}"
                    out.append((full if full in known else target, inner))
            visit(child, inner)

    visit(tree, False)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def violations(sources: dict[str, tuple[str, bool]]) -> set[str]:
    """Every upward or sideways import, cycle, unplaced module and function-level import."""
    known = set(sources)
    found: set[str] = set()
    graph: dict[str, set[str]] = {m: set() for m in known}
    for module, (source, package) in sources.items():
        mine = layer_of(module)
        if mine is None:
            found.add(f"unplaced: {module}")
            continue
        for target, nested in _imports(module, source, package, known):
            top = target.split(".")[0]
            if nested and (module, top) not in LAZY:
                found.add(f"function-level: {module} imports {target}")
            if top != "adgen":
                continue
            if target not in known:
                found.add(f"missing: {module} imports {target}")
                continue
            graph[module].add(target)
            theirs = layer_of(target)
            if theirs is None:
                continue
            if theirs[0] != mine[0] and theirs[1] >= mine[1]:
                found.add(f"upward: {module} imports {target}")
    for comp in _cycles(graph):
        found.add("cycle: " + ", ".join(comp))
    return found


def test_imports_go_only_downward_without_cycles() -> None:
    found = violations(read_sources())
    new = sorted(found - PENDING)
    assert not new, "layering violations:\n" + "\n".join(new)
    stale = sorted(PENDING - found)
    assert not stale, "fixed, so remove from PENDING:\n" + "\n".join(stale)


def test_every_module_is_parsed() -> None:
    sources = read_sources()
    assert {"adgen", "adgen.pipeline", "adgen.cache", "adgen.ir", "adgen.api"} <= set(sources)
    assert len(sources) > 40


# ------------------------------------------------------------- self-tests


def _synthetic(**modules: str) -> dict[str, tuple[str, bool]]:
    return {name.replace("__", "."): (src, False) for name, src in modules.items()}


def test_upward_import_is_caught() -> None:
    found = violations(
        _synthetic(
            adgen__ir="from .passes import dce\n", adgen__passes__dce="from ..ir import Op\n"
        )
    )
    assert "upward: adgen.ir imports adgen.passes.dce" in found


def test_sibling_import_is_caught() -> None:
    found = violations(
        _synthetic(
            adgen__frontend__lower="from ..analysis import act\n", adgen__analysis__act="x = 1\n"
        )
    )
    assert found == {"upward: adgen.frontend.lower imports adgen.analysis.act"}


def test_cycle_is_caught_even_within_a_layer() -> None:
    found = violations(
        _synthetic(adgen__passes__a="from . import b\n", adgen__passes__b="from .a import f\n")
    )
    assert found == {"cycle: adgen.passes.a, adgen.passes.b"}


def test_function_level_import_is_caught_unless_lazy() -> None:
    found = violations(
        _synthetic(
            adgen__api="def f():\n    from .ir import Op\n",
            adgen__ir="x = 1\n",
            adgen__highlight="def g():\n    import pygments\n",
            adgen__cli="class C:\n    import json\n",
        )
    )
    assert found == {
        "function-level: adgen.api imports adgen.ir",
        "function-level: adgen.cli imports json",
    }


def test_unplaced_module_and_downward_imports() -> None:
    found = violations(
        _synthetic(
            adgen__shiny="x = 1\n",
            adgen__cli="from .pipeline import run\nimport numpy\n",
            adgen__pipeline="from .ir import Op\n",
            adgen__ir="",
        )
    )
    assert found == {"unplaced: adgen.shiny"}


@pytest.mark.parametrize(
    "module, layer",
    [
        ("adgen.custom", "primitives"),
        ("adgen.program", "ir"),
        ("adgen.runtime", "runtime"),
        ("adgen.backend.emit", "backend"),
        ("adgen", "top"),
        ("adgen.cache", "pipeline"),
    ],
)
def test_layer_of(module: str, layer: str) -> None:
    assert layer_of(module) is not None and layer_of(module)[0] == layer  # type: ignore[index]
