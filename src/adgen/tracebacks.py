"""Pointing from an exception in generated code back to the user's source.

Generated source is registered with :mod:`linecache`, so a traceback already
shows the generated line. :func:`annotate` adds which line of the user's
function that generated line computes, from the map the emitter records
(:attr:`adgen.backend.emit.Emitted.line_locs`): as a note on Python 3.11+
(``BaseException.add_note``), appended to the message on 3.10.

:func:`hide_internal_frames` takes adgen's own frames out of the traceback
of an exception leaving the API (``boundary``), keeping the user's frames and
the generated ones, as JAX filters its own; ``ADGEN_TRACEBACK=full`` (or
``adgen.config.traceback = "full"``) keeps everything. An exception raised
by adgen's own code that is not a :class:`DifferentiationError` is a bug in
adgen and keeps its full traceback.
"""

from __future__ import annotations

import functools
import linecache
import os
import types
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import DifferentiationError, SourceNotFoundError
from .ir import Loc
from .settings import config

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_HIDDEN = "adgen: its own frames are hidden from this traceback"
F = TypeVar("F", bound=Callable[..., Any])

_MARK = "adgen: raised by line"


def generated_site(exc: BaseException, filename: str) -> int | None:
    """The line of ``filename`` (generated code) closest to where ``exc`` was raised."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def note_for(name: str, filename: str, lineno: int, loc: Loc | None) -> str:
    """The note: which user line the generated line ``lineno`` of ``name`` computes.

    It quotes the generated line too, because Python 3.10 and 3.11 print
    uncaught tracebacks without consulting linecache.
    """
    code = linecache.getline(filename, lineno).strip()
    text = f"{_MARK} {lineno} of the generated {name}"
    text += f"\n    {code}\n" if code else " "
    if loc is None:
        return text.rstrip()
    return f'{text}which computes\n  File "{loc.filename}", line {loc.lineno}\n    {loc.text}'


def annotate(exc: BaseException, func: Any, line_locs: dict[int, Loc]) -> None:
    """Add to ``exc`` where in the user's source the generated ``func`` failed."""
    code = getattr(func, "__code__", None)
    if code is None:
        return
    lineno = generated_site(exc, code.co_filename)
    if lineno is None:
        return
    notes = getattr(exc, "__notes__", ())
    if any(_MARK in n for n in notes):
        return  # an inner derivative already said where
    note = note_for(func.__name__, code.co_filename, lineno, line_locs.get(lineno))
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    elif exc.args and isinstance(exc.args[0], str) and _MARK not in exc.args[0]:
        exc.args = (f"{exc.args[0]}\n{note}", *exc.args[1:])


def _internal(tb: types.TracebackType) -> bool:
    return tb.tb_frame.f_code.co_filename.startswith(_PACKAGE)


def _filtered(tb: types.TracebackType | None) -> tuple[types.TracebackType | None, int]:
    """``tb`` without adgen's frames, and how many were dropped."""
    kept: list[types.TracebackType] = []
    dropped = 0
    while tb is not None:
        if _internal(tb):
            dropped += 1
        else:
            kept.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(kept):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out, dropped


def _innermost(tb: types.TracebackType | None) -> types.TracebackType | None:
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def hide_internal_frames(exc: BaseException, seen: set[int] | None = None) -> None:
    """Take adgen's frames out of ``exc``'s traceback (and of the exceptions chained to it)."""
    if config.traceback == "full":
        return
    seen = set() if seen is None else seen
    if id(exc) in seen:
        return
    seen.add(id(exc))
    last = _innermost(exc.__traceback__)
    if last is not None and _internal(last) and not isinstance(exc, DifferentiationError):
        return  # a bug in adgen: keep where it happened
    if isinstance(exc, SourceNotFoundError):
        exc.__cause__ = None  # inspect's own error explains nothing more
        exc.__suppress_context__ = True
    tb, dropped = _filtered(exc.__traceback__)
    exc.__traceback__ = tb
    noted = any(_HIDDEN in n for n in getattr(exc, "__notes__", ()))
    if (
        dropped
        and not noted
        and not isinstance(exc, DifferentiationError)
        and hasattr(exc, "add_note")
    ):
        exc.add_note(f"{_HIDDEN} (set ADGEN_TRACEBACK=full to show them)")
    for chained in (exc.__cause__, exc.__context__):
        if chained is not None:
            hide_internal_frames(chained, seen)


def boundary(func: F) -> F:
    """Hide adgen's frames from exceptions leaving ``func`` (an entry point of the API)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            return func(*args, **kw)
        except Exception as exc:
            hide_internal_frames(exc)
            raise

    return wrapper  # type: ignore[return-value]
