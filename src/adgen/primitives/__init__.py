"""The primitive table: one entry per primitive, rules and emission together.

Importing this package fills :data:`PRIMITIVES`; the modules below each hold
one family of primitives.
"""

from . import (  # noqa: F401
    arith,
    arrays,
    arrays_more,
    batching,
    builtins,
    constant,
    control,
    conversions,
    creation,
    decompositions,
    effects,
    elementwise,
    helpers,
    indexing,
    linalg,
    lists,
    matrix_functions,
    reductions,
    refused,
    shape,
)
from .core import BY_CALLABLE, PRIMITIVES, Primitive, lookup_callable

__all__ = ["BY_CALLABLE", "PRIMITIVES", "Primitive", "lookup_callable"]
