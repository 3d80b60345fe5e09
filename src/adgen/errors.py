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


class ArgumentError(DifferentiationError, TypeError):
    """A derivative called with arguments that do not fit it (also a ``TypeError``,
    as Python raises for a call that does not match a signature)."""


_TYPE_TESTS = {"isinstance", "issubclass", "type", "hasattr", "callable", "id"}


def unknown_call_advice(name: str) -> str:
    """What to tell a user whose function calls ``name`` (a qualified name), which adgen
    has no rule for: advice that fits the call, not always "add derivative rules"."""
    short = name.rpartition(".")[2]
    if name in _TYPE_TESTS or (short in _TYPE_TESTS and name.startswith("builtins")):
        return (
            f"adgen cannot lower {short}(): a derivative is generated once for every call, "
            "so it cannot branch on the type of a value; write one function per type, "
            "or test what adgen can see, such as np.ndim(x) == 0"
        )
    if name.startswith(("numpy.random", "random.")) or name == "random":
        return (
            f"{name} draws random numbers, which have no derivative and would differ "
            "between the function and its derivative; draw them outside the function "
            "and pass them as an argument left out of wrt"
        )
    return (
        f"adgen has no derivative rule for {name}; write it with the NumPy functions "
        "adgen supports, or give it rules with adgen.defvjp and adgen.defjvp"
    )


class NotScalarOutputError(DifferentiationError, ValueError):
    """``grad`` of a function whose output is not a scalar (nor of one element)."""
