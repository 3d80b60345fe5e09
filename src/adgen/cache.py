"""Compiled derivatives in memory: built once by the pipeline, exec'd, reused.

An entry is keyed by the function's code and closure, what is asked of it
(kind, wrt, containers, argument shapes), and is *fresh* while the module
globals it read are bound to the same objects, and while nothing that
changes compilation happened since it was built: registering custom rules
(:data:`adgen.custom.VERSION`) or :func:`clear_cache`. Both are counters an
entry records (``Compiled.stamp``), so objects holding an entry (the fast
call paths of :mod:`adgen.calling`) check staleness with two comparisons.

Closure cells holding arrays are data, not code: the key holds their shape
and dtype, not their identity, and the generated code reads them by name
from its namespace, so a closure remade each step over new data (a ``loss``
over this step's batch) reuses the code compiled for the first one;
:func:`function_for` gives the generated function bound to the cells of the
closure at hand. (An array the compiled code does not name, whose value may
have been folded into it, pins the entry to that very array.)

The cache holds at most :data:`adgen.config.cache_size` entries and drops the
least recently used beyond it, with all it kept alive.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import threading
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import custom, diskcache, jit, pipeline, trees
from .analysis.types import Types
from .arguments import check_result
from .backend.emit import Emitted
from .frontend.parse import register_source
from .ir import Function, flatten_structure, walk
from .pipeline import Kind, Request
from .program import cell_full
from .runtime import HELPERS
from .runtime_xp import XP_HELPERS
from .settings import config

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
    # The primal's result structure (nested tuples of result indices, see adgen.ir).
    result_structure: Any = 0
    # stamp() when it was compiled.
    stamp: tuple[int, int] = (0, 0)
    # Closure cells read at call time: (cell index, name in the namespace).
    cells: tuple[tuple[int, str], ...] = ()
    # Closure cells holding arrays the code does not name: (cell index, the array).
    pinned: tuple[tuple[int, Any], ...] = field(default=(), repr=False)
    code: Any = field(default=None, repr=False)  # the module code object, run per binding
    namespace: dict[str, Any] = field(default_factory=dict, repr=False)
    # With has_aux: the function returns (derivative, aux); lists and dicts of the aux.
    has_aux: bool = False
    aux_tree: Any = None
    # A grad that returns the gradient(s) alone, not (value, gradient) (Request.value).
    value_free: bool = False
    # Positions of the arguments whose types the code was folded on (Function.type_deps):
    # it is valid only for arguments of those types (see get).
    type_deps: tuple[int, ...] = ()
    # The shape of each leaf of the primal's result (in flatten_structure order), where
    # the shape analysis knows it from the shapes compiled for (None where not, and
    # for entries read from disk): what a VJP's cotangent is checked against.
    result_shapes: tuple[tuple[int, ...] | None, ...] | None = None
    # The primal prints, logs and warns nothing (its callees neither): one more call of
    # it, to learn its result's shapes where the analysis does not know them, is unseen.
    quiet: bool = False


def namespace_for(emitted: Emitted) -> dict[str, Any]:
    """The globals a generated function runs with (in this process)."""
    ns: dict[str, Any] = {"np": np, "__name__": "adgen.generated"}
    for module in sorted(emitted.modules):
        importlib.import_module(module)
        top = module.partition(".")[0]
        ns[top] = sys.modules[top]
    ns.update(HELPERS)
    if emitted.library is not None:  # array-API code: the helpers of that mode
        ns.update(XP_HELPERS)
    ns.update(emitted.freevars)
    return ns


def _disk_key(request: Request) -> str | None:
    if (
        not config.cache_dir
        or request.conform
        or request.name is not None
        or request.backend != "numpy"
        or request.batched
        or request.array_api is not None
    ):
        return None
    return diskcache.key_text(
        request.func,
        (
            request.kind,
            request.wrt,
            request.as_tuple,
            request.trees,
            request.shapes,
            request.kinds,
            request.has_aux,
            request.value,
        ),
    )


def _from_record(record: dict[str, Any], request: Request, when: tuple[int, int]) -> Compiled:
    """A compiled derivative from a checked disk record (its IR is built when asked for)."""
    emitted = Emitted(
        record["name"],
        record["source"],
        set(record["helpers"]),
        record["freevars"],
        line_locs=record["line_locs"],
        modules=set(record["modules"]),
    )
    func, code, ns = _exec(emitted)
    entry = Compiled(
        func,
        emitted.source,
        None,
        emitted,
        record["global_deps"],  # type: ignore[arg-type]
        result_structure=record["structure"],
        stamp=when,
        code=code,
        namespace=ns,
        has_aux=record["has_aux"],
        value_free=record.get("value_free", False),
        result_shapes=record["result_shapes"],
        quiet=record.get("quiet", False),
    )
    _bind_cells(entry, request.func)
    return entry


def _exec(emitted: Emitted, load: Any = None) -> tuple[Any, Any, dict[str, Any]]:
    """Run ``emitted``'s source (by ``load(source, filename, ns)`` if given, see
    :func:`adgen.jit.build`): its function, code object and namespace."""
    digest = hashlib.sha1(emitted.source.encode()).hexdigest()[:10]
    filename = f"<adgen {emitted.name} {digest}>"
    register_source(filename, emitted.source)
    ns = namespace_for(emitted)
    code = compile(emitted.source, filename, "exec")
    if load is None:
        exec(code, ns)
    else:
        ns = load(emitted.source, filename, ns)
    return ns[emitted.name], code, ns


def build(request: Request, disk: bool = True) -> Compiled:
    """Compile ``request`` through the whole pipeline and exec the source (no in-memory
    caching; the disk cache, if configured and ``disk``, is read and written); the numba
    backend then compiles it with numba (:func:`adgen.jit.build`)."""
    if request.backend != "numpy":
        return jit.build(request, _build)
    return _build(request, disk=disk)


def _build(request: Request, load: Any = None, disk: bool = True) -> Compiled:
    """The pipeline's source for ``request``, exec'd (by ``load`` if given)."""
    when = stamp()
    key = _disk_key(request) if disk and load is None else None
    if key is not None:
        record = diskcache.load(config.cache_dir, key, request.func)  # type: ignore[arg-type]
        if record is not None:
            return _from_record(record, request, when)
    state = pipeline.run(request)
    assert state.fn is not None and state.primal is not None
    check_result(state.primal)
    emitted = pipeline.joined(state.emitted)
    func, code, ns = _exec(emitted, load)
    func._adgen_ir = state.fn
    state.fn.type_deps = state.primal.type_deps  # a derivative of it depends on them too
    deps = tuple(
        (n, o) for n, o in state.primal.global_deps.items() if not isinstance(o, types.ModuleType)
    )
    entry = Compiled(
        func,
        emitted.source,
        state.fn,
        emitted,
        deps,
        result_tree=state.primal.result_tree,
        result_structure=state.primal.result_structure(),
        stamp=when,
        code=code,
        namespace=ns,
        has_aux=request.has_aux,
        aux_tree=state.aux_tree,
        value_free=state.value_free,
        type_deps=state.primal.type_deps,
        result_shapes=result_shapes(state.primal) if request.kind == "vjp" else None,
        quiet=request.kind == "vjp" and quiet(state.primal),
    )
    _bind_cells(entry, request.func)
    if key is not None and not entry.type_deps:  # the disk key holds no types
        diskcache.store(config.cache_dir, key, request.func, state, emitted, entry)  # type: ignore[arg-type]
    return entry


def result_shapes(primal: Function) -> tuple[tuple[int, ...] | None, ...]:
    """The shape of each leaf of ``primal``'s result that the shape analysis knows (from
    the argument shapes in its ``shape_links``), None for the others."""
    known = Types(primal)
    out: list[tuple[int, ...] | None] = []
    for _, index in flatten_structure(primal.result_structure()):
        shape = known.of(primal.body.results[index]).shape
        out.append(shape if shape is not None and None not in shape else None)
    return tuple(out)


#: Effects a user sees: a function with one of them is never called once more.
SEEN = frozenset({"print", "log_message", "warn"})


def quiet(primal: Function) -> bool:
    """Whether ``primal`` and the functions it calls have no effect a user sees."""
    program = primal.program
    functions = [primal, *(program.reachable(primal) if program is not None else ())]
    return not any(op.prim in SEEN for fn in functions for op in walk(fn.body))


def _bind_cells(entry: Compiled, f: Any) -> None:
    """Record which closure cells of ``f`` holding arrays the code reads by name."""
    cells: list[tuple[int, str]] = []
    pinned: list[tuple[int, Any]] = []
    by_id = {id(v): k for k, v in entry.emitted.freevars.items()}
    for i, cell in enumerate(getattr(f, "__closure__", None) or ()):
        if not cell_full(cell) or type(cell.cell_contents) is not np.ndarray:
            continue
        name = by_id.get(id(cell.cell_contents))
        if name is None:
            pinned.append((i, cell.cell_contents))
        else:
            cells.append((i, name))
    entry.cells, entry.pinned = tuple(cells), tuple(pinned)


def function_for(entry: Compiled, f: Any) -> Any:
    """``entry``'s generated function, reading the closure cells of ``f`` (the function
    it was asked for, which may be another closure of the same code)."""
    if not entry.cells:
        return entry.func
    closure = f.__closure__
    ns = entry.namespace
    if all(closure[i].cell_contents is ns[name] for i, name in entry.cells):
        return entry.func
    ns = dict(ns)
    for i, name in entry.cells:
        ns[name] = closure[i].cell_contents
    exec(entry.code, ns)
    func = ns[entry.emitted.name]
    func._adgen_ir = entry.ir
    return func


_cache: OrderedDict[Any, Compiled] = OrderedDict()
# Cache key -> positions of the arguments whose types some entry compiled under it
# depends on (the union over its entries): those types are then part of the key.
_type_deps: dict[Any, tuple[int, ...]] = {}
_locks: dict[Any, threading.Lock] = {}
_guard = threading.Lock()


def _cell_key(cell: Any) -> Any:
    if not cell_full(cell):
        return 0
    value = cell.cell_contents
    if type(value) is np.ndarray:
        return ("array", value.shape, value.dtype.str)
    return id(value)


def _closure_key(f: Any) -> tuple[Any, ...]:
    return tuple(_cell_key(c) for c in getattr(f, "__closure__", None) or ())


def cache_key(
    f: Any,
    kind: Kind,
    wrt: tuple[str, ...],
    as_tuple: bool,
    trees: tuple[Any, ...] | None = None,
    shapes: tuple[Any, ...] | None = None,
    has_aux: bool = False,
    value: bool = True,
) -> Any:
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "_adgen_ir", None) is not None:
        return (id(f), kind, wrt, as_tuple, trees, shapes, has_aux, value)
    return (code, _closure_key(f), kind, wrt, as_tuple, trees, shapes, has_aux, value)


def fresh(entry: Compiled, f: Any) -> bool:
    """Whether ``entry`` may still be used for ``f``: compiled since the last change of
    custom rules or cache clear, with the module globals it read still bound the same
    (and the arrays it pins still in ``f``'s cells)."""
    if entry.stamp != (EPOCH[0], custom.VERSION[0]):
        return False
    if entry.pinned:
        closure = f.__closure__
        if any(closure[i].cell_contents is not a for i, a in entry.pinned):
            return False
    g = getattr(f, "__globals__", {})
    return all(g.get(n, o) is o for n, o in entry.global_deps)


def split_signature(shapes: tuple[Any, ...] | None) -> tuple[Any, Any]:
    """(shapes, kinds) of the argument signature ``adgen.calling`` keys code by.

    Each entry is a shape (a Python float for ``()``, else a float64 array),
    ``(shape, kind)`` (kind a dtype string such as ``"<f4"``, or the type name of a
    number: ``"int"``, ``"float64"``...), "tree" or None. ``kinds`` gives "float"
    for a Python float and the dtype string of an array, so the analysis knows
    which values are floating (``adgen.pipeline.shape_links``)."""
    if shapes is None:
        return None, None
    plain: list[Any] = []
    kinds: list[Any] = []
    for e in shapes:
        if isinstance(e, tuple) and len(e) == 2 and isinstance(e[1], str):
            plain.append(e[0])
            kinds.append(e[1])
        elif isinstance(e, tuple):
            plain.append(e)
            kinds.append("<f8" if e else "float")
        else:
            plain.append(e)
            kinds.append(None)
    return tuple(plain), tuple(kinds)


def get(
    f: Any,
    kind: Kind,
    wrt: tuple[str, ...],
    as_tuple: bool = False,
    trees: tuple[Any, ...] | None = None,
    shapes: tuple[Any, ...] | None = None,
    has_aux: bool = False,
    need_ir: bool = False,
    backend: tuple[Any, ...] = (),
    value: bool = True,
    types: tuple[Any, ...] | None = None,
    array_api: str | None = None,
    batched: bool = False,
    batched_with: int = 0,
) -> Compiled:
    """The compiled derivative, from the cache or compiled once (thread-safe).

    ``trees``: the container structure of each argument, if any is a container.
    ``shapes``: the shape of each argument of the call it is for (``()`` for a
    number, None if not known); code specialised to them skips the broadcasting
    helpers where shapes are known to agree. ``backend``: ``(name, fallback,
    jit_cache)`` of a backend other than NumPy's (see :mod:`adgen.jit`). ``types``:
    the type of each argument (adgen.frontend.introspection.type_key), for code that
    folds ``isinstance`` or methods of arguments; such code is cached under the
    types it depends on, so a call with other types compiles anew.
    ``array_api``: the array library of the arguments, when not NumPy (array-API
    code, see :mod:`adgen.backend.array_api`).
    ``value=False``: the caller discards a grad's value (see
    :attr:`adgen.pipeline.Request.value`).
    ``batched``: tangents or cotangent with a leading batch axis (see Request), and
    the last ``batched_with`` arguments too.
    """
    untyped = cache_key(f, kind, wrt, as_tuple, trees, shapes, has_aux, value)
    if backend:
        untyped = (untyped, *backend)
    if array_api is not None:
        untyped = (untyped, "array_api", array_api)
    if batched:
        untyped = (untyped, "batched", batched_with)
    key = _typed(untyped, types)
    entry = _cache.get(key)
    if entry is not None and fresh(entry, f) and not (need_ir and entry.ir is None):
        try:
            _cache.move_to_end(key)
        except KeyError:  # dropped by another thread meanwhile
            pass
        return entry
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        entry = _cache.get(key)
        if entry is None or not fresh(entry, f) or (need_ir and entry.ir is None):
            options = dict(zip(("backend", "fallback", "jit_cache"), backend))
            entry = build(
                Request(
                    f,
                    kind,
                    wrt,
                    as_tuple,
                    trees,
                    *split_signature(shapes),
                    types=types,
                    has_aux=has_aux,
                    value=value,
                    **options,
                    array_api=array_api,
                    batched=batched,
                    batched_with=batched_with,
                ),
                disk=not need_ir,
            )
            # Keep the closure contents alive so their ids stay unique in the key.
            cells = getattr(f, "__closure__", None) or ()
            entry.keep = tuple(
                c.cell_contents
                for c in cells
                if cell_full(c) and type(c.cell_contents) is not np.ndarray
            ) + (f,)
            with _guard:
                if entry.type_deps:
                    known = set(_type_deps.get(untyped, ()))
                    _type_deps[untyped] = tuple(sorted(known | set(entry.type_deps)))
                    key = _typed(untyped, types)
                _cache[key] = entry
                _drop_oldest()
    return entry


def _typed(key: Any, types: tuple[Any, ...] | None) -> Any:
    """``key`` with the types of the arguments entries under it depend on."""
    deps = _type_deps.get(key)
    if not deps or types is None:
        return key
    return (key, deps, tuple(types[i] if i < len(types) else None for i in deps))


def _drop_oldest() -> None:
    """Drop the least recently used entries beyond the bound (with _guard held)."""
    while len(_cache) > max(config.cache_size, 1):
        key, _ = _cache.popitem(last=False)
        _locks.pop(key, None)


def clear_cache() -> None:
    """Forget every compiled derivative (objects holding one recompile on next use)."""
    with _guard:
        _cache.clear()
        _locks.clear()
        _type_deps.clear()
        EPOCH[0] += 1


trees.ON_REREGISTER.append(clear_cache)
