"""Reverse mode, planned then applied (see ``sweep``).

``sweep`` holds the entry point and the straight-line adjoints; ``branches``
and ``loops`` the adjoints of control flow; ``retape`` those of tape ops (for
reverse over reverse); ``tapes`` the plan of what the forward sweep keeps and
how it is applied, and which names of reverse-mode code are tapes;
``adjoints`` the state they share.
"""

from .sweep import reverse

__all__ = ["reverse"]
