"""Exceptions raised by adgen.

Every error adgen raises on purpose derives from :class:`DifferentiationError`,
so callers can catch one type. Syntax the compiler does not support raises
:class:`UnsupportedSyntaxError`, which carries the location of the construct.
"""

from __future__ import annotations


class DifferentiationError(Exception):
    """Base class of every error adgen raises deliberately."""


class UnsupportedSyntaxError(DifferentiationError):
    """A construct in the function's source that adgen cannot differentiate.

    Attributes ``filename``, ``lineno`` and ``col_offset`` locate the construct
    (``lineno`` is 1-based and counts lines of the original file); the message
    quotes the offending line and says what to write instead.
    """

    def __init__(
        self,
        message: str,
        filename: str = "<unknown>",
        lineno: int = 0,
        col_offset: int = 0,
        line: str = "",
    ) -> None:
        self.filename = filename
        self.lineno = lineno
        self.col_offset = col_offset
        self.line = line
        self.reason = message
        text = f"{filename}:{lineno}:{col_offset + 1}: {message}"
        if line:
            text += f"\n    {line.strip()}"
        super().__init__(text)


class SourceNotFoundError(DifferentiationError):
    """The function's source text cannot be read (a REPL or ``exec`` definition)."""


class NotScalarOutputError(DifferentiationError, ValueError):
    """``grad`` of a function whose output is not a scalar (nor of one element)."""
