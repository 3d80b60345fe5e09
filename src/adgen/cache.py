"""Compiled derivatives in memory: built once by the pipeline, exec'd, reused.

An entry is keyed by the function's code and closure, what is asked of it
(kind, wrt, containers, argument shapes), and is *fresh* while the module
globals it read are bound to the same objects, and while nothing that
changes compilation happened since it was built: registering custom rules
(:data:`adgen.custom.VERSION`) or :func:`clear_cache`. Both are counters an
entry records (``Compiled.stamp``), so objects holding an entry (the fast
call paths of :mod:`adgen.calling`) check staleness with two comparisons.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import threading
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import custom, jit, pipeline
from .backend.emit import Emitted
from .frontend.parse import register_source
from .ir import Function
from .pipeline import Kind, Request
from .program import cell_full
from .runtime import HELPERS

#: Bumped by :func:`clear_cache`; with :data:`adgen.custom.VERSION`, what an entry's stamp is.
EPOCH = [0]


def stamp() -> tuple[int, int]:
    """The current (cache epoch, custom-rules version)."""
    return EPOCH[0], custom.VERSION[0]


@dataclass
class Compiled:
    """A generated derivative: its function, source and the IR it came from."""

    func: Any
    source: str
    ir: Function
    emitted: Emitted
    global_deps: tuple[tuple[str, Any], ...] = ()
    keep: tuple[Any, ...] = field(default=(), repr=False)
    # Lists and dicts in the primal's result (adgen.trees); None: only tuples.
    result_tree: Any = None
    # stamp() when it was compiled.
    stamp: tuple[int, int] = (0, 0)


def namespace_for(emitted: Emitted) -> dict[str, Any]:
    """The globals a generated function runs with (in this process)."""
    ns: dict[str, Any] = {"np": np, "__name__": "adgen.generated"}
    for module in sorted(emitted.modules):
        importlib.import_module(module)
        top = module.partition(".")[0]
        ns[top] = sys.modules[top]
    ns.update(HELPERS)
    ns.update(emitted.freevars)
    return ns


def build(request: Request) -> Compiled:
    """Compile ``request`` through the whole pipeline and exec the source (no caching);
    the numba backend then compiles it with numba (:func:`adgen.jit.build`)."""
    if request.backend != "numpy":
        return jit.build(request, _build)
    return _build(request)


def _build(request: Request, load: Any = None) -> Compiled:
    """The pipeline's source for ``request``, exec'd (by ``load`` if given)."""
    when = stamp()
    state = pipeline.run(request)
    assert state.fn is not None and state.primal is not None
    emitted = pipeline.joined(state.emitted)
    name = emitted.name
    digest = hashlib.sha1(emitted.source.encode()).hexdigest()[:10]
    filename = f"<adgen {name} {digest}>"
    register_source(filename, emitted.source)
    ns = namespace_for(emitted)
    if load is None:
        exec(compile(emitted.source, filename, "exec"), ns)
    else:
        load(emitted.source, filename, ns)
    func = ns[name]
    func._adgen_ir = state.fn
    deps = tuple((n, o) for n, o in state.primal.global_deps.items()
                 if not isinstance(o, types.ModuleType))
    return Compiled(func, emitted.source, state.fn, emitted, deps,
                    result_tree=state.primal.result_tree, stamp=when)


_cache: dict[Any, Compiled] = {}
_locks: dict[Any, threading.Lock] = {}
_guard = threading.Lock()


def _closure_key(f: Any) -> tuple[int, ...]:
    cells = getattr(f, "__closure__", None) or ()
    return tuple(id(c.cell_contents) if cell_full(c) else 0 for c in cells)


def cache_key(f: Any, kind: Kind, wrt: tuple[str, ...], as_tuple: bool,
              trees: tuple[Any, ...] | None = None, shapes: tuple[Any, ...] | None = None
              ) -> Any:
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "_adgen_ir", None) is not None:
        return (id(f), kind, wrt, as_tuple, trees, shapes)
    return (code, _closure_key(f), kind, wrt, as_tuple, trees, shapes)


def fresh(entry: Compiled, f: Any) -> bool:
    """Whether ``entry`` may still be used for ``f``: compiled since the last change of
    custom rules or cache clear, with the module globals it read still bound the same."""
    if entry.stamp != (EPOCH[0], custom.VERSION[0]):
        return False
    g = getattr(f, "__globals__", {})
    return all(g.get(n, o) is o for n, o in entry.global_deps)


def get(f: Any, kind: Kind, wrt: tuple[str, ...], as_tuple: bool = False,
        trees: tuple[Any, ...] | None = None,
        shapes: tuple[Any, ...] | None = None, backend: tuple[Any, ...] = ()) -> Compiled:
    """The compiled derivative, from the cache or compiled once (thread-safe).

    ``trees``: the container structure of each argument, if any is a container.
    ``shapes``: the shape of each argument of the call it is for (``()`` for a
    number, None if not known); code specialised to them skips the broadcasting
    helpers where shapes are known to agree. ``backend``: ``(name, fallback,
    jit_cache)`` of a backend other than NumPy's (see :mod:`adgen.jit`).
    """
    key = cache_key(f, kind, wrt, as_tuple, trees, shapes)
    if backend:
        key = (key, *backend)
    entry = _cache.get(key)
    if entry is not None and fresh(entry, f):
        return entry
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        entry = _cache.get(key)
        if entry is None or not fresh(entry, f):
            options = dict(zip(("backend", "fallback", "jit_cache"), backend))
            entry = build(Request(f, kind, wrt, as_tuple, trees, shapes, **options))
            # Keep the closure contents alive so their ids stay unique in the key.
            cells = getattr(f, "__closure__", None) or ()
            entry.keep = tuple(c.cell_contents for c in cells if cell_full(c)) + (f,)
            _cache[key] = entry
    return entry


def clear_cache() -> None:
    """Forget every compiled derivative (objects holding one recompile on next use)."""
    with _guard:
        _cache.clear()
        _locks.clear()
        EPOCH[0] += 1
