"""Generated source kept on disk across processes (``ADGEN_CACHE_DIR``, ``adgen.config.cache_dir``).

Only text is stored, as JSON: the generated source, the names it needs and
where each comes from, never a pickle. A record is used only if everything
it was made from is unchanged:

* its key: adgen's version, the function's qualified name, code and the
  types and shapes of its closure cells, the kind of derivative, ``wrt``,
  the options and the shapes of the arguments (a SHA-256 of their text
  names the file, and the text itself is stored and compared);
* the contents of every source file a function of the compilation came
  from (the function and the helpers it calls), by SHA-256;
* no custom derivative rules registered in this process (their code lives
  only in the process), and every free name resolvable again as it was
  (a closure cell, a module global, an importable module or object).

Writes go to a temporary file in the same directory, then ``os.replace``:
a reader sees a whole record or none, and processes compiling the same
function at once each write a whole, equal record.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import linecache
import os
import tempfile
import types
from typing import Any

import numpy as np

from . import custom
from .ir import Loc
from .version import __version__

FORMAT = 1


_CONSTANTS = (int, float, complex, bool, str, bytes, type(None), np.number, np.bool_)


def _cell_text(value: Any) -> str:
    """What of a closure cell or global the generated code may depend on: the value of
    a constant (it may be folded into the code), the shape and dtype of an array (it is
    read by name), the type of anything else (found again by name)."""
    if type(value) is np.ndarray:
        return f"array{value.shape}{value.dtype.str}"
    if isinstance(value, _CONSTANTS) or (
        isinstance(value, tuple) and all(isinstance(v, _CONSTANTS) for v in value)
    ):
        return repr(value)
    return type(value).__qualname__


def key_text(f: Any, request_key: tuple[Any, ...]) -> str | None:
    """The text of the key of a compilation of ``f``, or None if it cannot be stored."""
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "_adgen_ir", None) is not None or custom.VERSION[0]:
        return None
    cells = []
    for cell in f.__closure__ or ():
        try:
            cells.append(_cell_text(cell.cell_contents))
        except ValueError:
            cells.append("empty")
    text = repr(
        (
            FORMAT,
            __version__,
            f.__module__,
            f.__qualname__,
            code.co_filename,
            code.co_firstlineno,
            code.co_code.hex(),
            cells,
            request_key,
        )
    )
    return None if " at 0x" in text else text  # an object without a stable text


def _file_hash(filename: str) -> str | None:
    lines = linecache.getlines(filename)
    if not lines:
        return None
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _where(name: str, obj: Any, f: Any) -> list[str] | None:
    """How to find ``obj`` (the free name ``name`` of generated code) again, or None."""
    code = f.__code__
    for cell_name, cell in zip(code.co_freevars, f.__closure__ or ()):
        try:
            if cell.cell_contents is obj:
                return ["cell", cell_name]
        except ValueError:
            pass
    if f.__globals__.get(name, None) is obj:
        return ["global", name]
    if isinstance(obj, types.ModuleType):
        return ["module", obj.__name__]
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if (
        module
        and qualname
        and "<" not in qualname
        and _resolve(["import", module, qualname], f) is obj
    ):
        return ["import", module, qualname]
    return None


def _resolve(where: list[str], f: Any) -> Any:
    kind = where[0]
    if kind == "cell":
        cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
        return cells[where[1]].cell_contents
    if kind == "global":
        return f.__globals__[where[1]]
    if kind == "module":
        return importlib.import_module(where[1])
    obj: Any = importlib.import_module(where[1])
    for part in where[2].split("."):
        obj = getattr(obj, part)
    return obj


def _path(directory: str, key: str) -> str:
    return os.path.join(directory, hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def store(directory: str, key: str, f: Any, state: Any, emitted: Any, entry: Any) -> bool:
    """Write the record of a compilation; False (nothing written) if it cannot be stored."""
    if (
        entry.result_tree is not None
        or entry.aux_tree is not None
        or state.request.trees
        or entry.pinned
    ):
        return False
    free = {}
    for name, obj in emitted.freevars.items():
        where = _where(name, obj, f)
        if where is None:
            return False
        free[name] = where
    files = {f.__code__.co_filename}
    program = state.primal.program
    if program is not None:
        files |= {code.co_filename for code, _ in program.origins}
    hashes = {name: _file_hash(name) for name in sorted(files)}
    if any(h is None for h in hashes.values()):
        return False
    record = {
        "key": key,
        "name": emitted.name,
        "source": emitted.source,
        "free": free,
        "files": hashes,
        "helpers": sorted(emitted.helpers),
        "modules": sorted(emitted.modules),
        "globals": [[n, _cell_text(o)] for n, o in entry.global_deps],
        "lines": [[k, v.filename, v.lineno, v.col, v.text] for k, v in emitted.line_locs.items()],
        "structure": entry.result_structure,
        "has_aux": entry.has_aux,
        "value_free": entry.value_free,
        "result_shapes": entry.result_shapes,
        "quiet": entry.quiet,
    }
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(tmp, _path(directory, key))
    except OSError:
        if os.path.exists(tmp):
            os.unlink(tmp)
        return False
    return True


def _tuples(x: Any) -> Any:
    return tuple(_tuples(i) for i in x) if isinstance(x, list) else x


def load(directory: str, key: str, f: Any) -> dict[str, Any] | None:
    """The record for ``key``, checked against everything it was made from, or None."""
    try:
        with open(_path(directory, key), encoding="utf-8") as src:
            record = json.load(src)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    for filename, digest in record["files"].items():
        linecache.checkcache(filename)
        if _file_hash(filename) != digest:
            return None
    try:
        record["freevars"] = {n: _resolve(w, f) for n, w in record["free"].items()}
        record["global_deps"] = tuple((n, f.__globals__[n]) for n, _ in record["globals"])
    except (KeyError, ValueError, ImportError, AttributeError):
        return None
    if any(
        _cell_text(o) != text for (_, o), (_, text) in zip(record["global_deps"], record["globals"])
    ):
        return None
    record["line_locs"] = {k: Loc(fn, ln, col, text) for k, fn, ln, col, text in record["lines"]}
    record["structure"] = _tuples(record["structure"])
    record["result_shapes"] = _tuples(record.get("result_shapes"))
    return record
