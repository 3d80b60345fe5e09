"""Syntax highlighting of generated source, when Pygments is installed."""

from __future__ import annotations

import html


def to_html(source: str) -> str:
    """HTML for ``source``: highlighted with Pygments if present, else plain."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(source)}</pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))


def to_terminal(source: str) -> str:
    """``source`` with ANSI colours if Pygments is installed, else unchanged."""
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return source
    return highlight(source, PythonLexer(), TerminalFormatter())
