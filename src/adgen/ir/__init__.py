"""The intermediate representation: structured SSA ops (see :mod:`adgen.ir.core`).

``core`` holds the data types, ``names`` the :class:`Namer`, ``util`` the
walking and copying every pass shares, ``printer`` the text form and
``verify`` the invariant checker.
"""

from .core import (
    CONTROL,
    Block,
    Const,
    ForRange,
    Function,
    If,
    Loc,
    Loop,
    Op,
    Value,
    Var,
    While,
    flatten_structure,
)
from .names import Namer
from .printer import format_function
from .util import all_names, clone, clone_block, walk
from .verify import VerifyError, verify

__all__ = [
    "CONTROL",
    "Block",
    "Const",
    "ForRange",
    "Function",
    "If",
    "Loc",
    "Loop",
    "Namer",
    "Op",
    "Value",
    "Var",
    "VerifyError",
    "While",
    "all_names",
    "clone",
    "clone_block",
    "flatten_structure",
    "format_function",
    "verify",
    "walk",
]
