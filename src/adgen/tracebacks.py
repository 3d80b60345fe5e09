"""Pointing from an exception in generated code back to the user's source.

Generated source is registered with :mod:`linecache`, so a traceback already
shows the generated line. :func:`annotate` adds which line of the user's
function that generated line computes, from the map the emitter records
(:attr:`adgen.backend.emit.Emitted.line_locs`): as a note on Python 3.11+
(``BaseException.add_note``), appended to the message on 3.10.
"""

from __future__ import annotations

import linecache
from typing import Any

from .ir import Loc

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
