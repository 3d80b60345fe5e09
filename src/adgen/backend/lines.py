"""Lines of generated source that remember which user line they compute."""

from __future__ import annotations

from ..ir import Loc

INDENT = "    "


class Line(str):
    """A line of generated source that remembers the source location it computes."""

    loc: Loc | None = None


def located(line: str, loc: Loc | None) -> str:
    """``line`` tagged with ``loc``, unless it already has a location (nested blocks)."""
    if loc is None or isinstance(line, Line):
        return line
    out = Line(line)
    out.loc = loc
    return out
