"""The primitive table: one entry per primitive, rules and emission together.

Importing this package fills :data:`PRIMITIVES`; the modules below each hold
one family of primitives.
"""

from . import arith, control, elementwise, helpers, linalg, reductions, shape  # noqa: F401
from .core import BY_CALLABLE, PRIMITIVES, Primitive, lookup_callable

__all__ = ["BY_CALLABLE", "PRIMITIVES", "Primitive", "lookup_callable"]
