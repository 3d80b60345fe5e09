"""The intermediate representation: structured SSA ops (see :mod:`adgen.ir.core`).

``core`` holds the data types, ``names`` the :class:`Namer`, ``util`` the
walking and copying every pass shares, ``printer`` the text form and
``verify`` the invariant checker.
"""

from .core import Block, Const, Function, Loc, Op, Value, Var, flatten_structure
from .names import Namer
from .printer import format_function
from .util import all_names, clone, clone_block, walk
from .verify import VerifyError, verify

__all__ = [
    "Block", "Const", "Function", "Loc", "Namer", "Op", "Value", "Var", "VerifyError",
    "all_names", "clone", "clone_block", "flatten_structure", "format_function", "verify",
    "walk",
]
