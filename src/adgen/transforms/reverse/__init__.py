"""Reverse mode, planned then applied (see ``sweep``).

``sweep`` holds the entry point and the straight-line adjoints; ``branches``
and ``loops`` the adjoints of control flow; ``tapes`` the plan of what the
forward sweep keeps and how it is applied; ``adjoints`` the state they share.
"""

from .sweep import reverse

__all__ = ["reverse"]
