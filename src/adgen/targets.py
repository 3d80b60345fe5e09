"""Targets: the functions ``adgen`` commands name, as ``FILE.py:func`` or ``package.module:func``.

:func:`resolve` imports the file or module and finds the function; errors
are :class:`TargetError`, which carries the ``file:line`` they are about, so
the command line reports them as one line.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .calling import Derivative, WrtSpec
from .errors import DifferentiationError


class TargetError(DifferentiationError):
    """A target spec that names no differentiable function (a user error).

    ``location`` is ``file:line`` (or the spec) that the message is about.
    """

    def __init__(self, message: str, location: str = "") -> None:
        self.location = location
        self.reason = message
        super().__init__(f"{location}: {message}" if location else message)


@dataclass
class Target:
    """A function named on the command line, and where it came from."""

    spec: str
    name: str
    func: Callable[..., Any]
    module: types.ModuleType

    @property
    def location(self) -> str:
        """``file:line`` of the function's definition, for messages."""
        code = getattr(self.func, "__code__", None)
        if code is None:
            return self.spec
        return f"{display_path(code.co_filename)}:{code.co_firstlineno}"


def display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(os.pardir) else rel


def split_spec(spec: str) -> tuple[str, str]:
    """``("model.py", "loss")`` for ``"model.py:loss"``."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise TargetError("expected FILE.py:function or package.module:function", spec)
    return where, attr


def _is_file(where: str) -> bool:
    return where.endswith(".py") or os.sep in where or "/" in where


def load_file(path: str) -> types.ModuleType:
    """Import the Python file ``path`` as a module named after it.

    Its directory goes first on ``sys.path`` so its own imports work, as with
    ``python path``. If that name is already taken by another module (say, a
    file called ``random.py``) it is loaded under a private name instead.
    """
    if not os.path.isfile(path):
        raise TargetError("no such file", path)
    full = os.path.abspath(path)
    stem = os.path.splitext(os.path.basename(full))[0]
    existing = sys.modules.get(stem)
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") == full:
        return existing
    if existing is None and stem.isidentifier():
        name = stem
    else:
        name = "_adgen_target_" + hashlib.sha1(full.encode()).hexdigest()[:10]
    folder = os.path.dirname(full)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise TargetError("cannot be imported as a Python module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        where = f"{display_path(exc.filename or full)}:{exc.lineno or 0}"
        if exc.offset:
            where += f":{exc.offset}"
        raise TargetError(f"{exc.msg}", where) from None
    except BaseException as exc:  # the user's module failed while importing
        del sys.modules[name]
        hint = ""
        if isinstance(exc, ImportError) and "relative import" in str(exc):
            hint = "; name it as package.module:function instead of by its file"
        raise TargetError(
            f"importing it raised {exc_line(exc)}{hint}",
            _raise_site(exc, full) or display_path(path),
        ) from None
    return module


def exc_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _raise_site(exc: BaseException, filename: str) -> str | None:
    """``file:line`` of the last frame of ``exc``'s traceback in ``filename``."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == filename:
            where = f"{display_path(filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def load_module(name: str) -> types.ModuleType:
    """Import ``package.module`` with the working directory on ``sys.path``."""
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise TargetError(f"no module named {exc.name!r}", name) from None
        raise TargetError(f"importing it raised {exc_line(exc)}", name) from None
    except SyntaxError as exc:
        where = f"{display_path(exc.filename or name)}:{exc.lineno or 0}"
        raise TargetError(exc.msg, where) from None
    except BaseException as exc:
        filename = getattr(sys.modules.get(name), "__file__", None)
        site = _raise_site(exc, os.path.abspath(filename)) if filename else None
        raise TargetError(f"importing it raised {exc_line(exc)}", site or name) from None


def load(where: str) -> types.ModuleType:
    """The module a target's left part names: a file path or a dotted module name."""
    return load_file(where) if _is_file(where) else load_module(where)


def resolve(spec: str) -> Target:
    """The function ``spec`` (``FILE.py:func`` or ``package.module:func``) names."""
    where, attr = split_spec(spec)
    module = load(where)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            origin = display_path(module.__file__) if getattr(module, "__file__", None) else where
            raise TargetError(f"no function {attr!r} in it", origin)
        obj = getattr(obj, part)
    if isinstance(obj, Derivative):
        obj = obj.primal
    if not inspect.isfunction(obj):
        raise TargetError(f"{attr} is not a function (it is a {type(obj).__name__} object)", spec)
    return Target(spec, attr.rsplit(".", 1)[-1], obj, module)


def parse_wrt(text: str | None) -> WrtSpec:
    """``"x,y"`` -> ``("x", "y")``; ``"x"`` -> ``"x"``; ``"0"`` -> ``0``; None -> 0."""
    if text is None:
        return 0
    items: list[int | str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise DifferentiationError(f"--wrt {text!r}: empty parameter name")
        items.append(int(part) if part.lstrip("-").isdigit() else part)
    return tuple(items) if len(items) > 1 else items[0]
